import type { MiddlewareHandler } from 'hono';
import { NotAuthenticatedError } from '../core/errors.js';
import type { TokenService } from '../auth/tokens.js';
import type { AppEnv } from './context.js';

/** Paths under /api that answer without a token. */
// Webhooks prove themselves with their shared secret (checked by their routes), not with an API token.
const PUBLIC = new Set(['/api/health', '/api/openapi.json', '/api/pipelines/schema.json', '/api/webhooks/github', '/api/webhooks/gitlab']);
/** Streams that browsers open with EventSource, which cannot send headers. */
const QUERY_TOKEN_PATHS = (path: string): boolean => path === '/api/events/stream' || (/^\/api\/(tasks|pipelines\/runs)\/[^/]+\/stream$/.test(path) || /^\/api\/environments\/[^/]+\/components\/[^/]+\/logs$/.test(path));

/**
 * Authenticates every /api request (fail-closed: no token, no access) and puts the principal on the context.
 * What the principal may do is decided per action by src/auth/authorize.ts inside the domains.
 */
export function authenticate(tokens: TokenService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (PUBLIC.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    let secret: string | undefined;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new NotAuthenticatedError('the Authorization header must be "Bearer <token>"');
      secret = m[1];
    } else if (QUERY_TOKEN_PATHS(c.req.path)) {
      secret = c.req.query('access_token') ?? undefined;
    }
    if (!secret) {
      throw new NotAuthenticatedError(
        'an API token is required: send "Authorization: Bearer <token>" (gantry token create makes one)',
      );
    }
    c.set('principal', await tokens.authenticate(secret));
    await next();
  };
}

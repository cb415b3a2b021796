import { OpenAPIHono } from '@hono/zod-openapi';
import { InputError, type Problem } from '../core/errors.js';
import { gitHttpHandler } from '../hosting/index.js';
import { authenticate } from './auth.js';
import type { AppEnv, ServerDeps } from './context.js';
import { errorToResponse, problemOf, problemResponse } from './problem.js';
import { catalogRoutes } from './routes/catalog.js';
import { eventRoutes } from './routes/events.js';
import { identityRoutes } from './routes/identity.js';
import { platformRoutes } from './routes/platform.js';
import { repoRoutes } from './routes/repos.js';
import { scaffolderRoutes } from './routes/scaffolder.js';
import { auditRoutes } from './routes/audit.js';
import { policyRoutes } from './routes/policies.js';
import { environmentRoutes } from './routes/environments.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { secretRoutes } from './routes/secrets.js';
import { metricsRoutes } from './routes/metrics.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createTelemetry } from './telemetry.js';
import { servePortal } from './static.js';

/** Zod issues as Gantry problems: one entry per field, with the field path. */
function zodProblems(issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code?: string }>, where: string): Problem[] {
  return issues.map((i) => {
    const path = [where, ...i.path.map(String)].join('.');
    return { code: `invalid_${i.code ?? 'value'}`, path, message: `${path}: ${i.message}`, severity: 'error' };
  });
}

/**
 * Builds the HTTP application: every /api request is authenticated, validated against its zod schema, handled
 * by a domain service, and answered in JSON or RFC 9457 problem+json. The portal is served for everything else.
 */
export function createApp(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const problems = zodProblems(result.error.issues, result.target);
        throw new InputError(`invalid request: ${problems.map((p) => p.message).join('; ')}`, { problems });
      }
    },
  });

  app.onError((err, c) => errorToResponse(c, err, deps.log));
  const telemetry = createTelemetry(deps);
  app.use('*', telemetry.middleware);
  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    if (!c.req.path.startsWith('/api/')) c.header('x-frame-options', 'DENY');
  });
  app.use('/api/*', authenticate(deps.tokens));
  // Prometheus scrapes with a token (`authorization: { credentials_file: … }`) unless the operator opens it.
  if (process.env.GANTRY_METRICS_PUBLIC !== 'true') app.use('/metrics', authenticate(deps.tokens));
  app.get('/metrics', async (c) => c.body(await telemetry.registry.metrics(), 200, { 'content-type': telemetry.registry.contentType }));

  platformRoutes(app, deps);
  identityRoutes(app, deps);
  catalogRoutes(app, deps);
  eventRoutes(app, deps);
  repoRoutes(app, deps);
  scaffolderRoutes(app, deps);
  pipelineRoutes(app, deps);
  secretRoutes(app, deps);
  environmentRoutes(app, deps);
  auditRoutes(app, deps);
  policyRoutes(app, deps);
  metricsRoutes(app, deps);
  webhookRoutes(app, deps);

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Gantry API',
      version: deps.version,
      description: 'The internal developer platform API. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  // git's smart HTTP protocol; authenticates itself (Basic or Bearer, the password being an API token).
  app.all('/git/*', gitHttpHandler(deps.repos, { authenticate: (secret) => deps.tokens.authenticate(secret), log: deps.log }));
  app.all('/api/*', (c) => problemResponse(c, problemOf('not_found', `no API route ${c.req.method} ${c.req.path}`)));
  if (deps.webDir) app.get('*', servePortal(deps.webDir));
  return app;
}

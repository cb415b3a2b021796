import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { GantryError, errorChain, type ErrorCode, type Problem } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** RFC 9457 problem details, as Gantry's API sends them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  problems?: Problem[];
  /** A refusal by policy: each enforce-mode decision that denied (its id, the policy, the messages). */
  decisions?: unknown[];
}

/** The one place domain errors become HTTP statuses. */
const STATUS: Record<ErrorCode, { status: ContentfulStatusCode; title: string }> = {
  input: { status: 400, title: 'Invalid input' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  not_allowed: { status: 403, title: 'Not allowed' },
  not_authenticated: { status: 401, title: 'Not authenticated' },
  unavailable: { status: 503, title: 'Unavailable' },
  internal: { status: 500, title: 'Internal error' },
};

export function problemOf(code: ErrorCode, detail: string, problems?: Problem[], statusOverride?: number): ProblemDetails {
  const s = STATUS[code];
  return {
    type: `https://gantry.dev/problems/${code.replace(/_/g, '-')}`,
    title: s.title,
    status: statusOverride ?? s.status,
    detail,
    code,
    ...(problems && problems.length ? { problems } : {}),
  };
}

export function problemResponse(c: Context, p: ProblemDetails): Response {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (p.status === 401) headers['www-authenticate'] = 'Bearer realm="gantry"';
  return c.body(JSON.stringify({ ...p, instance: c.req.path }), p.status as ContentfulStatusCode, headers);
}

/** Maps anything thrown by a handler to problem+json; unknown errors are logged and answered 500 without internals. */
export function errorToResponse(c: Context, err: unknown, log: Logger): Response {
  if (err instanceof GantryError) {
    const status = err.code === 'input' && err.problems.length > 0 ? 422 : undefined;
    const p = problemOf(err.code, err.message, err.problems, status);
    if (Array.isArray(err.details.decisions)) {
      p.type = 'https://gantry.dev/problems/policy-denied';
      p.title = 'Refused by policy';
      p.decisions = err.details.decisions;
    }
    return problemResponse(c, p);
  }
  // Malformed JSON bodies and the like, raised by hono itself.
  const maybe = err as { status?: number; message?: string };
  if (typeof maybe?.status === 'number' && maybe.status >= 400 && maybe.status < 500) {
    return problemResponse(c, problemOf('input', maybe.message || 'bad request', undefined, maybe.status));
  }
  log.error('unhandled error', { path: c.req.path, method: c.req.method, error: errorChain(err) });
  return problemResponse(c, problemOf('internal', 'an internal error occurred; the server log has the details'));
}

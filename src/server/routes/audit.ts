import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

const VerifySchema = z
  .object({ ok: z.boolean(), count: z.number().optional(), seq: z.number().optional(), reason: z.string().optional() })
  .openapi('AuditVerification');

const ExportQuery = z.object({
  since: z.string().datetime({ offset: true }).optional(),
  until: z.string().datetime({ offset: true }).optional(),
  subject: z.string().max(500).optional(),
  action: z.string().max(200).optional(),
});

/** The audit log: the event log's hash chain checked, and a time range exported as JSON lines. */
export function auditRoutes(app: Api, deps: ServerDeps): void {
  const { store } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/audit/verify',
      tags: ['audit'],
      summary: 'Walk the hash chain of the event log; the first broken link if any',
      responses: { 200: json(VerifySchema, 'ok with the number of events, or the first broken link (seq, reason)'), ...errorResponses },
    }),
    async (c) => c.json(await store.events.verify(), 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/audit/export',
    tags: ['audit'],
    summary: 'Events of a time range (since inclusive, until exclusive) as JSON lines, in sequence order, with their hashes',
    request: { query: ExportQuery },
    responses: { 200: { description: 'application/x-ndjson, one event per line', content: { 'application/x-ndjson': { schema: z.string() } } }, ...errorResponses },
  });
  app.get('/api/audit/export', async (c) => {
    const parsed = ExportQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return c.json({ type: 'about:blank', title: 'Invalid input', status: 422, detail: `${issue.path.join('.')}: ${issue.message}` }, 422, { 'content-type': 'application/problem+json' });
    }
    const q = parsed.data;
    const filter = {
      ...(q.subject ? { subject: q.subject.toLowerCase() } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.since ? { since: new Date(q.since).toISOString() } : {}),
      ...(q.until ? { until: new Date(q.until).toISOString() } : {}),
    };
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    return stream(c, async (s) => {
      let after = 0;
      for (;;) {
        const page = await store.events.list({ ...filter, after, limit: 1000, order: 'asc' });
        if (page.items.length > 0) await s.write(page.items.map((e) => JSON.stringify(e)).join('\n') + '\n');
        if (page.nextCursor === null || s.aborted) break;
        after = page.nextCursor;
      }
    });
  });
}

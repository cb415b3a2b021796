import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { NotFoundError } from '../../core/errors.js';
import type { Api, ServerDeps } from '../context.js';
import { EventSchema, JobSchema, errorResponses, json } from '../schemas.js';

/** The event log (read, paged, and live as server-sent events) and the job queue. */
export function eventRoutes(app: Api, deps: ServerDeps): void {
  const { store } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/events',
      tags: ['events'],
      summary: 'Read the event log by subject, action prefix and time, paged by sequence number',
      request: {
        query: z.object({
          subject: z.string().max(500).optional(),
          action: z.string().max(200).optional(),
          since: z.string().datetime({ offset: true }).optional(),
          until: z.string().datetime({ offset: true }).optional(),
          cursor: z.string().regex(/^\d+$/, 'a sequence number').optional(),
          order: z.enum(['asc', 'desc']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
      },
      responses: {
        200: json(z.object({ items: z.array(EventSchema), nextCursor: z.string().nullable() }), 'Events'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await store.events.list({
        subject: q.subject?.toLowerCase(),
        action: q.action,
        since: q.since ? new Date(q.since).toISOString() : undefined,
        until: q.until ? new Date(q.until).toISOString() : undefined,
        after: q.cursor ? Number(q.cursor) : undefined,
        order: q.order,
        limit: q.limit ?? 100,
      });
      return c.json(
        { items: r.items, nextCursor: r.nextCursor === null ? null : String(r.nextCursor) } as {
          items: z.infer<typeof EventSchema>[];
          nextCursor: string | null;
        },
        200,
      );
    },
  );

  // Live updates. A plain route (an event stream is not a JSON response), described in the OpenAPI document.
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/events/stream',
    tags: ['events'],
    summary: 'Server-sent events: every event as it is committed (`event: <action>`, `id: <seq>`, `data: <JSON>`)',
    request: {
      query: z.object({
        action: z.string().max(200).optional().openapi({ description: 'only actions starting with this prefix' }),
        access_token: z.string().optional().openapi({ description: 'for EventSource, which cannot send headers' }),
      }),
    },
    responses: {
      200: { description: 'An endless text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
      401: errorResponses[401],
    },
  });
  app.get('/api/events/stream', (c) => {
    const prefix = c.req.query('action') ?? '';
    return streamSSE(c, async (stream) => {
      const queue: unknown[] = [];
      let wake: (() => void) | null = null;
      const stop = store.events.subscribe((e) => {
        if (!e.action.startsWith(prefix)) return;
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        stop();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ at: new Date().toISOString() }) });
      while (!stream.aborted && !stream.closed) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 15_000); // keep-alive comment below keeps proxies from closing the stream
          });
          wake = null;
          if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
          continue;
        }
        const e = queue.shift() as { seq: number; action: string };
        await stream.writeSSE({ id: String(e.seq), event: e.action, data: JSON.stringify(e) });
      }
      stop();
    });
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs',
      tags: ['jobs'],
      summary: 'List jobs of the durable queue',
      request: {
        query: z.object({
          status: z.enum(['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']).optional(),
          type: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(JobSchema) }), 'Jobs'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await store.queue.list({ status: q.status, type: q.type, limit: q.limit ?? 100 });
      return c.json({ items } as { items: z.infer<typeof JobSchema>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}',
      tags: ['jobs'],
      summary: 'Get a job',
      request: { params: z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 200: json(JobSchema, 'The job'), ...errorResponses },
    }),
    async (c) => {
      const job = await store.queue.get(c.req.valid('param').id);
      if (!job) throw new NotFoundError(`no job with id ${c.req.valid('param').id}`);
      return c.json(job as z.infer<typeof JobSchema>, 200);
    },
  );
}

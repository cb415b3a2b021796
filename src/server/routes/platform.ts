import { createRoute, z } from '@hono/zod-openapi';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

/** Health and the sample organisation. */
export function platformRoutes(app: Api, deps: ServerDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/health',
      tags: ['platform'],
      summary: 'Liveness and version (no token needed)',
      responses: {
        200: json(z.object({ status: z.literal('ok'), version: z.string(), dialect: z.string() }), 'Healthy'),
      },
    }),
    (c) => c.json({ status: 'ok' as const, version: deps.version, dialect: deps.store.dialect }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/sample',
      tags: ['platform'],
      summary: 'Load the sample organisation (admin; idempotent)',
      responses: { 200: json(z.record(z.string(), z.unknown()), 'Loaded'), ...errorResponses },
    }),
    async (c) => c.json((await deps.sample.load(c.get('principal'))) as Record<string, unknown>, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/sample',
      tags: ['platform'],
      summary: 'Remove every sample entity and its location (admin)',
      responses: { 200: json(z.record(z.string(), z.unknown()), 'Removed'), ...errorResponses },
    }),
    async (c) => c.json((await deps.sample.remove(c.get('principal'))) as Record<string, unknown>, 200),
  );
}

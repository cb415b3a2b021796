import { createRoute, z } from '@hono/zod-openapi';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

const SecretInfoSchema = z
  .object({ scope: z.string(), name: z.string(), updatedAt: z.string(), updatedBy: z.string() })
  .openapi('SecretInfo');

// The store checks the scope and name itself (with the field path in its message); these only bound the size.
const SecretParams = z.object({
  scope: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: 'scope', in: 'path' }, description: '`global` or a group ref, URL-encoded (group:default%2Fteam-a)' }),
  name: z.string().min(1).max(64).openapi({ param: { name: 'name', in: 'path' }, example: 'DEPLOY_TOKEN' }),
});

/** Pipeline secrets: names are readable by anyone signed in; values are write-only and never leave the server. */
export function secretRoutes(app: Api, deps: ServerDeps): void {
  const { secrets } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/secrets',
      tags: ['secrets'],
      summary: 'List secrets (names and who set them, never values), optionally of one scope',
      request: { query: z.object({ scope: z.string().min(1).max(300).optional() }) },
      responses: { 200: json(z.object({ items: z.array(SecretInfoSchema) }), 'Secrets'), ...errorResponses },
    }),
    async (c) => c.json({ items: await secrets.list(c.req.valid('query').scope) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/secrets/{scope}/{name}',
      tags: ['secrets'],
      summary: 'Create or replace a secret (team members for their team, admins for global)',
      request: {
        params: SecretParams,
        body: { content: { 'application/json': { schema: z.object({ value: z.string() }) } }, required: true },
      },
      responses: { 204: { description: 'Stored' }, ...errorResponses },
    }),
    async (c) => {
      const { scope, name } = c.req.valid('param');
      await secrets.set(c.get('principal'), scope, name, c.req.valid('json').value);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/secrets/{scope}/{name}',
      tags: ['secrets'],
      summary: 'Delete a secret',
      request: { params: SecretParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      const { scope, name } = c.req.valid('param');
      await secrets.delete(c.get('principal'), scope, name);
      return c.body(null, 204);
    },
  );
}

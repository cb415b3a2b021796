import { createRoute, z } from '@hono/zod-openapi';
import type { Api, ServerDeps } from '../context.js';
import { QueryBool, TokenSchema, errorResponses, json } from '../schemas.js';

const tags = ['identity'];

/** whoami and API tokens. */
export function identityRoutes(app: Api, deps: ServerDeps): void {
  const { tokens, store } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/whoami',
      tags,
      summary: 'The caller: user, role and teams',
      responses: {
        200: json(
          z.object({
            userRef: z.string(),
            displayName: z.string(),
            role: z.enum(['admin', 'member', 'viewer']),
            teams: z.array(z.string()),
          }),
          'The caller',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const p = c.get('principal');
      const row = await store.db.selectFrom('entities').select('body').where('ref', '=', p.userRef).executeTakeFirst();
      let displayName = p.userRef.replace(/^user:(default\/)?/, '');
      if (row) {
        const body = JSON.parse(row.body) as { metadata?: { title?: string }; spec?: { profile?: { displayName?: string } } };
        displayName = body.spec?.profile?.displayName ?? body.metadata?.title ?? displayName;
      } else if (p.userRef === 'user:default/admin') displayName = 'Gantry admin';
      return c.json({ userRef: p.userRef, displayName, role: p.role, teams: p.teams }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/tokens',
      tags,
      summary: "List the caller's API tokens (admins: all with ?all=true)",
      request: { query: z.object({ all: QueryBool }) },
      responses: { 200: json(z.object({ items: z.array(TokenSchema) }), 'Tokens'), ...errorResponses },
    }),
    async (c) => c.json({ items: await tokens.list(c.get('principal'), { all: c.req.valid('query').all ?? false }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/tokens',
      tags,
      summary: 'Create an API token; the secret is returned once',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({
                name: z.string().min(1).max(100),
                expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
                userRef: z.string().max(300).optional(),
                role: z.enum(['viewer']).nullable().optional(),
              }),
            },
          },
          required: true,
        },
      },
      responses: { 201: json(z.object({ token: TokenSchema, secret: z.string() }), 'Created'), ...errorResponses },
    }),
    async (c) => c.json(await tokens.create(c.get('principal'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/tokens/{id}',
      tags,
      summary: 'Revoke an API token',
      request: { params: z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 204: { description: 'Revoked' }, ...errorResponses },
    }),
    async (c) => {
      await tokens.revoke(c.get('principal'), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
}

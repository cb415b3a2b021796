import { createRoute, z } from '@hono/zod-openapi';
import { cloneUrlOf, type RepoView } from '../../hosting/index.js';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

const RepoSchema = z
  .object({
    name: z.string(),
    owner: z.string().nullable(),
    description: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    defaultBranch: z.string(),
    cloneUrl: z.string().optional(),
  })
  .openapi('Repo');

const NameParam = z.object({ name: z.string().min(1).max(100).openapi({ param: { name: 'name', in: 'path' } }) });

/** Gantry-hosted git repositories (the git protocol itself is served at /git/<name>). */
export function repoRoutes(app: Api, deps: ServerDeps): void {
  const { repos } = deps;
  const withUrl = (c: { req: { url: string } }, r: RepoView): RepoView => ({ ...r, cloneUrl: cloneUrlOf(new URL(c.req.url).origin, r.name) });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/repos',
      tags: ['repos'],
      summary: 'List hosted repositories',
      responses: { 200: json(z.object({ items: z.array(RepoSchema) }), 'Repositories'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await repos.list()).map((r) => withUrl(c, r)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/repos',
      tags: ['repos'],
      summary: 'Create a hosted repository (members: for one of their teams)',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({
                name: z.string().min(1).max(100),
                owner: z.string().max(300).nullable().optional(),
                description: z.string().max(1000).optional(),
              }),
            },
          },
          required: true,
        },
      },
      responses: { 201: json(RepoSchema, 'Created'), ...errorResponses },
    }),
    async (c) => c.json(withUrl(c, await repos.create(c.get('principal'), c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/repos/{name}',
      tags: ['repos'],
      summary: 'Get a hosted repository',
      request: { params: NameParam },
      responses: { 200: json(RepoSchema, 'The repository'), ...errorResponses },
    }),
    async (c) => c.json(withUrl(c, await repos.get(c.req.valid('param').name)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/repos/{name}',
      tags: ['repos'],
      summary: 'Delete a hosted repository',
      request: { params: NameParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await repos.remove(c.get('principal'), c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
}

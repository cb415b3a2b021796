import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

// The views are described in src/environments/engine/views.ts; the schemas here name them for the OpenAPI
// document and let every field through.
const EnvironmentSchema = z.looseObject({ name: z.string(), type: z.string(), owner: z.string(), driver: z.string() }).openapi('Environment');
const ReleaseSchema = z.looseObject({ id: z.string(), component: z.string(), sha: z.string(), artifactDigest: z.string() }).openapi('Release');
const DeploymentSchema = z.looseObject({ id: z.string(), component: z.string(), environment: z.string(), status: z.string() }).openapi('Deployment');
const MatrixSchema = z.looseObject({ environments: z.array(EnvironmentSchema), components: z.array(z.looseObject({})) }).openapi('EnvironmentMatrix');
const DriftSchema = z.looseObject({ environment: z.string(), items: z.array(z.looseObject({})) }).openapi('Drift');
const DiffSchema = z.looseObject({ commits: z.array(z.looseObject({})), workload: z.array(z.looseObject({})) }).openapi('ReleaseDiff');

const NameParam = z.object({ name: z.string().min(1).max(63).openapi({ param: { name: 'name', in: 'path' }, example: 'staging' }) });
const IdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const freezeWindow = z.object({ start: z.string(), end: z.string(), reason: z.string().optional() });

const CreateEnvironmentBody = z.object({
  name: z.string().min(1).max(63),
  type: z.enum(['development', 'staging', 'production', 'preview']),
  owner: z.string().min(1).max(200),
  driver: z.enum(['local', 'kubernetes']).optional(),
  order: z.number().int().min(0).max(10_000).optional(),
  requiredApprovals: z.number().int().min(0).max(10).optional(),
  freezeWindows: z.array(freezeWindow).max(50).optional(),
  ttl: z.string().max(20).optional(),
  branch: z.string().min(1).max(250).optional(),
  component: z.string().min(1).max(250).optional(),
  description: z.string().max(1000).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

const DeployBody = z.object({
  component: z.string().min(1).max(250),
  environment: z.string().min(1).max(63),
  release: z.string().min(1).max(100).optional(),
  overrideFreeze: z.string().min(3).max(500).optional(),
});

const STATUSES = ['awaiting_approval', 'queued', 'deploying', 'succeeded', 'failed', 'rolled_back', 'rejected', 'superseded'] as const;

/** Environments, releases and deployments (docs/environments.md). */
export function environmentRoutes(app: Api, deps: ServerDeps): void {
  const env = () => {
    if (!deps.environments) throw new Error('environments are not available in this process');
    return deps.environments;
  };

  app.openapi(
    createRoute({ method: 'get', path: '/api/environments', tags: ['environments'], summary: 'Environments, in promotion order (previews last)', responses: { 200: json(z.object({ items: z.array(EnvironmentSchema) }), 'Environments'), ...errorResponses } }),
    async (c) => c.json({ items: await env().listEnvironments() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/environments',
      tags: ['environments'],
      summary: 'Create an environment (its entity is committed to the environment repository); a preview with component and branch is deployed at once',
      request: { body: { content: { 'application/json': { schema: CreateEnvironmentBody } }, required: true } },
      responses: { 201: json(z.object({ environment: EnvironmentSchema, deployment: DeploymentSchema.nullable() }), 'Created'), ...errorResponses },
    }),
    async (c) => c.json(await env().createEnvironment(c.get('principal'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/environments/matrix', tags: ['environments'], summary: 'Component x environment: desired release, latest deployment, what runs', responses: { 200: json(MatrixSchema, 'The matrix'), ...errorResponses } }),
    async (c) => c.json((await env().matrix()) as never, 200),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/environments/{name}', tags: ['environments'], summary: 'One environment', request: { params: NameParam }, responses: { 200: json(EnvironmentSchema, 'The environment'), ...errorResponses } }),
    async (c) => c.json((await env().getEnvironment(c.req.valid('param').name)) as never, 200),
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/api/environments/{name}', tags: ['environments'], summary: 'Tear an environment down: its workloads stopped, resources removed, its files deleted from the environment repository', request: { params: NameParam }, responses: { 204: { description: 'Deleted' }, ...errorResponses } }),
    async (c) => {
      await env().deleteEnvironment(c.get('principal'), c.req.valid('param').name);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/environments/{name}/drift', tags: ['environments'], summary: 'Where what runs differs from the environment repository', request: { params: NameParam }, responses: { 200: json(DriftSchema, 'Drift'), ...errorResponses } }),
    async (c) => c.json((await env().drift(c.req.valid('param').name)) as never, 200),
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/environments/{name}/reconcile', tags: ['environments'], summary: 'Make what runs match the environment repository; answers what differed', request: { params: NameParam }, responses: { 200: json(DriftSchema, 'What was reconciled'), ...errorResponses } }),
    async (c) => c.json((await env().reconcile(c.get('principal'), c.req.valid('param').name)) as never, 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/environments/{name}/components/{component}/logs',
    tags: ['environments'],
    summary: 'The last lines of a running workload (JSON), or with follow=1 a text/event-stream of `line` events',
    request: { params: NameParam.extend({ component: z.string() }), query: z.object({ tail: z.string().optional(), follow: z.string().optional(), access_token: z.string().optional() }) },
    responses: { 200: { description: '{ lines } or a stream', content: { 'application/json': { schema: z.object({ lines: z.array(z.string()) }) } } }, ...errorResponses },
  });
  app.get('/api/environments/:name/components/:component/logs', async (c) => {
    const { name, component } = c.req.param();
    const tail = Math.min(Math.max(Number(c.req.query('tail') ?? 200) || 200, 1), 5000);
    await env().getEnvironment(name);
    if (c.req.query('follow') !== '1') {
      const lines: string[] = [];
      for await (const line of env().logs(name, component, { tail, follow: false })) lines.push(line);
      return c.json({ lines }, 200);
    }
    return streamSSE(c, async (stream) => {
      const ac = new AbortController();
      stream.onAbort(() => ac.abort());
      for await (const line of env().logs(name, component, { tail, follow: true, signal: ac.signal })) {
        if (stream.aborted || stream.closed) break;
        await stream.writeSSE({ event: 'line', data: line });
      }
    });
  });

  app.openapi(
    createRoute({ method: 'get', path: '/api/releases', tags: ['environments'], summary: 'Releases, newest first', request: { query: z.object({ component: z.string().optional(), limit: z.coerce.number().int().min(1).max(500).optional() }) }, responses: { 200: json(z.object({ items: z.array(ReleaseSchema) }), 'Releases'), ...errorResponses } }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await env().listReleases({ ...(q.component ? { component: q.component } : {}), ...(q.limit ? { limit: q.limit } : {}) }) } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/releases',
      tags: ['environments'],
      summary: "Make a release of a component at a commit (default: its default branch's head): the green run's bundle, or the commit's files",
      request: { body: { content: { 'application/json': { schema: z.object({ component: z.string().min(1).max(250), sha: z.string().min(4).max(64).optional(), branch: z.string().min(1).max(250).optional() }) } }, required: true } },
      responses: { 201: json(ReleaseSchema, 'The release'), ...errorResponses },
    }),
    async (c) => c.json((await env().createRelease(c.get('principal'), c.req.valid('json'))) as never, 201),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/releases/{id}', tags: ['environments'], summary: 'One release', request: { params: IdParam }, responses: { 200: json(ReleaseSchema, 'The release'), ...errorResponses } }),
    async (c) => c.json((await env().getRelease(c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/releases/{id}/diff', tags: ['environments'], summary: 'What changed from another release to this one: commits and workload fields', request: { params: IdParam, query: z.object({ from: z.string().min(1).max(100) }) }, responses: { 200: json(DiffSchema, 'The diff'), ...errorResponses } }),
    async (c) => c.json((await env().diffReleases(c.req.valid('query').from, c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/deployments',
      tags: ['environments'],
      summary: 'Deployments, newest first',
      request: { query: z.object({ component: z.string().optional(), environment: z.string().optional(), status: z.enum(STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).optional() }) },
      responses: { 200: json(z.object({ items: z.array(DeploymentSchema) }), 'Deployments'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await env().listDeployments({ ...(q.component ? { component: q.component } : {}), ...(q.environment ? { environment: q.environment } : {}), ...(q.status ? { status: q.status } : {}), ...(q.limit ? { limit: q.limit } : {}) }) } as never, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/deployments/{id}', tags: ['environments'], summary: 'One deployment', request: { params: IdParam }, responses: { 200: json(DeploymentSchema, 'The deployment'), ...errorResponses } }),
    async (c) => c.json((await env().getDeployment(c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/deployments',
      tags: ['environments'],
      summary: 'Deploy a release (default: the newest) of a component to an environment',
      request: { body: { content: { 'application/json': { schema: DeployBody } }, required: true } },
      responses: { 202: json(DeploymentSchema, 'Queued, or awaiting approval'), ...errorResponses },
    }),
    async (c) => c.json((await env().deploy(c.get('principal'), c.req.valid('json'))) as never, 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/deployments/promote',
      tags: ['environments'],
      summary: 'Promote what succeeded in the environment before `to` into `to`',
      request: { body: { content: { 'application/json': { schema: z.object({ component: z.string().min(1).max(250), to: z.string().min(1).max(63), overrideFreeze: z.string().min(3).max(500).optional() }) } }, required: true } },
      responses: { 202: json(DeploymentSchema, 'Queued, or awaiting approval'), ...errorResponses },
    }),
    async (c) => c.json((await env().promote(c.get('principal'), c.req.valid('json'))) as never, 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/deployments/rollback',
      tags: ['environments'],
      summary: 'Roll back to an earlier release (default: the one that succeeded before the current one); no approvals, allowed in a freeze',
      request: { body: { content: { 'application/json': { schema: z.object({ component: z.string().min(1).max(250), environment: z.string().min(1).max(63), to: z.string().min(1).max(100).optional() }) } }, required: true } },
      responses: { 202: json(DeploymentSchema, 'Queued'), ...errorResponses },
    }),
    async (c) => c.json((await env().rollback(c.get('principal'), c.req.valid('json'))) as never, 202),
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/deployments/{id}/approve', tags: ['environments'], summary: 'Approve a deployment (not by the person who asked for it)', request: { params: IdParam }, responses: { 200: json(DeploymentSchema, 'The deployment'), ...errorResponses } }),
    async (c) => c.json((await env().approve(c.get('principal'), c.req.valid('param').id)) as never, 200),
  );
}

import { createRoute, z } from '@hono/zod-openapi';
import { InputError } from '../../core/errors.js';
import type { ReportQuery } from '../../metrics/index.js';
import { parseWindow } from '../../metrics/compute/index.js';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json, Limit } from '../schemas.js';

const Scope = {
  team: z.string().max(300).optional().openapi({ description: 'A team (group) name or ref' }),
  component: z.string().max(300).optional().openapi({ description: 'A component name or ref' }),
  window: z.string().max(10).optional().openapi({ description: 'The window ending now: 90d (default), 12w, 30', example: '90d' }),
};
const ScopeQuery = z.object(Scope);

const Report = z.looseObject({ scope: z.looseObject({ kind: z.string() }), window: z.object({ from: z.string(), to: z.string(), days: z.number() }) });
const IncidentSchema = z
  .looseObject({ id: z.string(), title: z.string(), severity: z.string(), status: z.string(), components: z.array(z.string()), startedAt: z.string(), resolvedAt: z.string().nullable() })
  .openapi('Incident');
const Severity = z.enum(['sev1', 'sev2', 'sev3', 'sev4']);
const IdParam = z.object({ id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' } }) });

function reportQuery(q: { team?: string | undefined; component?: string | undefined; window?: string | undefined }): ReportQuery {
  return {
    ...(q.team ? { team: q.team } : {}),
    ...(q.component ? { component: q.component } : {}),
    ...(q.window ? { windowDays: parseWindow(q.window) } : {}),
  };
}

const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** Delivery metrics (DORA, platform effectiveness, the numbers behind them), incidents, the survey and imports (docs/metrics.md). */
export function metricsRoutes(app: Api, deps: ServerDeps): void {
  const metrics = () => {
    if (!deps.metrics) throw new InputError('this server has no metrics service');
    return deps.metrics;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/dora',
      tags: ['metrics'],
      summary: "DORA's four keys and rework rate for the organisation, a team or a component, with weekly trends and distributions",
      request: { query: ScopeQuery },
      responses: { 200: json(Report.openapi('DoraReport'), 'The report'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().dora(reportQuery(c.req.valid('query')))) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/dora/teams',
      tags: ['metrics'],
      summary: "Every team's four keys over the same window, for comparison",
      request: { query: z.object({ window: Scope.window }) },
      responses: { 200: json(z.object({ items: z.array(z.looseObject({ team: z.string() })) }), 'One row per team'), ...errorResponses },
    }),
    async (c) => c.json({ items: await metrics().teams(reportQuery(c.req.valid('query'))) } as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/deployments',
      tags: ['metrics'],
      summary: 'The production deployments behind the numbers (newest first), optionally only the failed or unplanned ones',
      request: { query: z.object({ ...Scope, failed: flag, unplanned: flag, limit: z.coerce.number().int().min(1).max(5000).optional() }) },
      responses: { 200: json(z.object({ window: z.looseObject({}), items: z.array(z.looseObject({ id: z.string() })) }), 'Deployments'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json((await metrics().deployments({ ...reportQuery(q), failed: q.failed, unplanned: q.unplanned, ...(q.limit ? { limit: q.limit } : {}) })) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/changes',
      tags: ['metrics'],
      summary: 'The changes behind lead time: each change that reached production in the window, slowest first',
      request: { query: z.object({ ...Scope, limit: z.coerce.number().int().min(1).max(5000).optional() }) },
      responses: { 200: json(z.object({ window: z.looseObject({}), items: z.array(z.looseObject({ sha: z.string() })) }), 'Changes'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json((await metrics().changes({ ...reportQuery(q), ...(q.limit ? { limit: q.limit } : {}) })) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/platform',
      tags: ['metrics'],
      summary: 'Platform effectiveness: adoption, time to provision, template use, MTTD/MTTR and developer satisfaction',
      request: { query: ScopeQuery },
      responses: { 200: json(Report.openapi('PlatformReport'), 'The report'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().platform(reportQuery(c.req.valid('query')))) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/survey/comments',
      tags: ['metrics'],
      summary: 'Survey comments in the window, newest first (anonymous ones without their author)',
      request: { query: z.object({ team: Scope.team, window: Scope.window, limit: Limit }) },
      responses: { 200: json(z.object({ items: z.array(z.looseObject({ comment: z.string() })) }), 'Comments'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await metrics().surveyComments({ ...reportQuery(q), ...(q.limit ? { limit: q.limit } : {}) }) } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/survey',
      tags: ['metrics'],
      summary: 'Answer the developer survey: how well does the platform work for you (1-5), with an optional comment',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ score: z.number().int().min(1).max(5), comment: z.string().max(2000).optional(), anonymous: z.boolean().optional(), team: z.string().max(300).optional() }),
            },
          },
        },
      },
      responses: { 201: json(z.object({ id: z.string(), anonymous: z.boolean(), team: z.string().nullable() }), 'Recorded'), ...errorResponses },
    }),
    async (c) => c.json(await metrics().respond(c.get('principal'), c.req.valid('json') as never), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/metrics/import',
      tags: ['metrics'],
      summary: 'Import delivery history (JSON lines or CSV: deployments, changes, incidents); all of it or, with any problem, none',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ file: z.string().min(1).max(500), format: z.enum(['jsonl', 'csv']).optional(), text: z.string() }),
            },
          },
        },
      },
      responses: { 200: json(z.looseObject({ records: z.number() }), 'Imported'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().importEvents(c.get('principal'), c.req.valid('json') as never)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/webhook-deliveries',
      tags: ['metrics'],
      summary: 'Stored webhook deliveries (raw payloads are kept), newest first',
      request: { query: z.object({ source: z.enum(['github', 'gitlab']).optional(), status: z.enum(['parsed', 'ignored', 'error']).optional(), limit: Limit }) },
      responses: { 200: json(z.object({ items: z.array(z.looseObject({ id: z.string() })) }), 'Deliveries'), ...errorResponses },
    }),
    async (c) => c.json({ items: await metrics().listDeliveries(c.req.valid('query')) } as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/metrics/webhook-deliveries/replay',
      tags: ['metrics'],
      summary: 'Parse the stored webhook payloads again (after a parser fix); idempotent',
      request: { body: { content: { 'application/json': { schema: z.object({ source: z.enum(['github', 'gitlab']).optional(), since: z.string().max(40).optional() }) } } } },
      responses: { 200: json(z.looseObject({ deliveries: z.number() }), 'What was parsed'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().replayWebhooks(c.get('principal'), c.req.valid('json'))) as never, 200),
  );

  // ---- incidents ----

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/incidents',
      tags: ['incidents'],
      summary: 'Incidents, newest first',
      request: { query: z.object({ status: z.enum(['open', 'resolved']).optional(), team: Scope.team, component: Scope.component, limit: Limit }) },
      responses: { 200: json(z.object({ items: z.array(IncidentSchema) }), 'Incidents'), ...errorResponses },
    }),
    async (c) => c.json({ items: await metrics().listIncidents(c.req.valid('query')) } as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/incidents/{id}',
      tags: ['incidents'],
      summary: 'One incident, with the deployment that caused it',
      request: { params: IdParam },
      responses: { 200: json(IncidentSchema, 'The incident'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().getIncident(c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/incidents',
      tags: ['incidents'],
      summary: 'Open an incident',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({
                title: z.string().max(200),
                severity: Severity.optional(),
                components: z.array(z.string().max(300)).min(1).max(50),
                startedAt: z.string().max(40).optional(),
                detectedAt: z.string().max(40).optional(),
                cause: z.string().max(200).optional(),
                summary: z.string().max(5000).optional(),
              }),
            },
          },
        },
      },
      responses: { 201: json(IncidentSchema, 'Opened'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().openIncident(c.get('principal'), c.req.valid('json') as never)) as never, 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/incidents/{id}/acknowledge',
      tags: ['incidents'],
      summary: 'Acknowledge an incident (someone is on it)',
      request: { params: IdParam },
      responses: { 200: json(IncidentSchema, 'Acknowledged'), ...errorResponses },
    }),
    async (c) => c.json((await metrics().acknowledgeIncident(c.get('principal'), c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/incidents/{id}/resolve',
      tags: ['incidents'],
      summary: 'Resolve an incident (impact ended), optionally naming the deployment or commit that caused it',
      request: {
        params: IdParam,
        body: { required: false, content: { 'application/json': { schema: z.object({ resolvedAt: z.string().max(40).optional(), cause: z.string().max(200).optional(), summary: z.string().max(5000).optional() }) } } },
      },
      responses: { 200: json(IncidentSchema, 'Resolved'), ...errorResponses },
    }),
    async (c) => {
      const body = (c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {}) as never;
      return c.json((await metrics().resolveIncident(c.get('principal'), c.req.valid('param').id, body)) as never, 200);
    },
  );
}

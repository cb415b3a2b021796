import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { InputError } from '../../core/errors.js';
import { model, type RunDetail, type RunView } from '../../pipelines/index.js';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

const ProblemItem = z.object({ code: z.string(), path: z.string(), message: z.string(), severity: z.string().optional(), position: z.unknown().optional() });

const RunSchema = z
  .object({
    id: z.string(),
    repo: z.string(),
    componentRef: z.string().nullable(),
    sha: z.string(),
    branch: z.string(),
    event: z.string(),
    actor: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    problems: z.array(ProblemItem),
    labels: z.array(z.string()),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    runner: z.string().nullable(),
    reason: z.string().nullable(),
    cancelRequested: z.boolean(),
  })
  .openapi('PipelineRun');

const StepSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  exitCode: z.number().nullable(),
  reason: z.string().nullable(),
  durationMs: z.number().nullable(),
});
const JobSchema = z.object({
  id: z.string(),
  name: z.string(),
  needs: z.array(z.string()),
  required: z.boolean(),
  origin: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  cacheHit: z.boolean().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  steps: z.array(StepSchema),
});
const RunDetailSchema = RunSchema.extend({ pipeline: z.unknown(), jobs: z.array(JobSchema) }).openapi('PipelineRunDetail');
const LogSchema = z.object({ seq: z.number(), jobId: z.string(), stepId: z.string(), at: z.string(), chunk: z.string() }).openapi('PipelineLogChunk');
const FindingSchema = z
  .object({ jobId: z.string(), stepId: z.string(), tool: z.string(), rule: z.string(), severity: z.string(), file: z.string(), line: z.number().nullable(), message: z.string() })
  .openapi('PipelineFinding');
const ArtifactSchema = z.object({ jobId: z.string(), path: z.string(), size: z.number(), sha256: z.string() }).openapi('PipelineArtifact');

const IdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Pipeline runs (trigger, read, logs live, findings, artifacts, cancel, re-run), render/validate/export (push webhooks: routes/webhooks.ts). */
export function pipelineRoutes(app: Api, deps: ServerDeps): void {
  const { pipelines } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/runs',
      tags: ['pipelines'],
      summary: 'List pipeline runs, newest first',
      request: {
        query: z.object({
          repo: z.string().max(500).optional(),
          component: z.string().max(300).optional(),
          status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(RunSchema) }), 'Runs'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await pipelines.listRuns({ repo: q.repo, componentRef: q.component, status: q.status, limit: q.limit });
      return c.json({ items: items as RunView[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/runs',
      tags: ['pipelines'],
      summary: "Run a repository's pipeline (manual trigger) at a branch head or a commit",
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ repo: z.string().min(1).max(500), branch: z.string().min(1).max(200).optional(), sha: z.string().regex(/^[0-9a-f]{40}$/).optional() }),
            },
          },
          required: true,
        },
      },
      responses: { 201: json(RunSchema, 'The run'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const run = await pipelines.trigger(c.get('principal'), { repo: body.repo, branch: body.branch, sha: body.sha, event: 'manual' });
      if (!run) throw new InputError(`${body.repo} has no pipeline that runs manually`);
      return c.json(run as RunView, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/runs/{id}',
      tags: ['pipelines'],
      summary: 'A run with its jobs and steps',
      request: { params: IdParam },
      responses: { 200: json(RunDetailSchema, 'The run'), ...errorResponses },
    }),
    async (c) => c.json((await pipelines.getRun(c.req.valid('param').id)) as RunDetail, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/runs/{id}/logs',
      tags: ['pipelines'],
      summary: "A run's output chunks after a sequence number (optionally of one job)",
      request: {
        params: IdParam,
        query: z.object({ after: z.coerce.number().int().min(0).optional(), job: z.string().max(300).optional(), limit: z.coerce.number().int().min(1).max(5000).optional() }),
      },
      responses: { 200: json(z.object({ items: z.array(LogSchema) }), 'Output'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await pipelines.logs(c.req.valid('param').id, { after: q.after, jobId: q.job, limit: q.limit }) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/runs/{id}/findings',
      tags: ['pipelines'],
      summary: 'Findings of the security steps (secret scan, dependency audit)',
      request: { params: IdParam },
      responses: { 200: json(z.object({ items: z.array(FindingSchema) }), 'Findings'), ...errorResponses },
    }),
    async (c) => c.json({ items: await pipelines.findings(c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/runs/{id}/artifacts',
      tags: ['pipelines'],
      summary: 'Artifacts the run kept',
      request: { params: IdParam },
      responses: { 200: json(z.object({ items: z.array(ArtifactSchema) }), 'Artifacts'), ...errorResponses },
    }),
    async (c) => c.json({ items: await pipelines.artifacts(c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/runs/{id}/cancel',
      tags: ['pipelines'],
      summary: 'Cancel a run: every process of it is killed',
      request: { params: IdParam },
      responses: { 200: json(RunSchema, 'The run'), ...errorResponses },
    }),
    async (c) => c.json((await pipelines.cancel(c.get('principal'), c.req.valid('param').id)) as RunView, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/runs/{id}/rerun',
      tags: ['pipelines'],
      summary: 'Run the same commit again (a new run)',
      request: { params: IdParam },
      responses: { 201: json(RunSchema, 'The new run'), ...errorResponses },
    }),
    async (c) => c.json((await pipelines.rerun(c.get('principal'), c.req.valid('param').id)) as RunView, 201),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/pipelines/runs/{id}/stream',
    tags: ['pipelines'],
    summary: 'Server-sent events of a run: `log` (an output chunk), `run` (the run with its jobs, when it changes), `end`',
    request: { params: IdParam, query: z.object({ access_token: z.string().optional() }) },
    responses: { 200: { description: 'A text/event-stream that ends with the run', content: { 'text/event-stream': { schema: z.string() } } }, 401: errorResponses[401] },
  });
  app.get('/api/pipelines/runs/:id/stream', async (c) => {
    const id = c.req.param('id');
    await pipelines.getRun(id); // 404 before the stream starts
    let after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      let last = '';
      let idle = 0;
      while (!stream.aborted && !stream.closed) {
        const chunks = await pipelines.logs(id, { after, limit: 1000 });
        for (const ch of chunks) {
          await stream.writeSSE({ id: String(ch.seq), event: 'log', data: JSON.stringify(ch) });
          after = ch.seq;
        }
        const run = await pipelines.getRun(id);
        const state = JSON.stringify([run.status, run.jobs.map((j) => [j.status, j.steps.map((s) => s.status)])]);
        if (state !== last) {
          last = state;
          await stream.writeSSE({ event: 'run', data: JSON.stringify(run) });
        }
        if (TERMINAL.has(run.status) && chunks.length === 0) {
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: run.status }) });
          break;
        }
        if (chunks.length === 0 && ++idle % 60 === 0) await stream.write(': keep-alive\n\n');
        await stream.sleep(250);
      }
    });
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/effective',
      tags: ['pipelines'],
      summary: "A hosted repository's effective pipeline at a branch head (extends merged, matrix expanded), as data and YAML",
      request: { query: z.object({ repo: z.string().min(1).max(200), branch: z.string().max(200).optional() }) },
      responses: {
        200: json(z.object({ sha: z.string(), pipeline: z.unknown(), yaml: z.string().nullable(), problems: z.array(ProblemItem) }), 'The effective pipeline'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await pipelines.effective(q.repo, q.branch);
      return c.json({ sha: r.sha, pipeline: r.pipeline, yaml: r.pipeline ? model.renderPipeline(r.pipeline) : null, problems: r.problems }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/validate',
      tags: ['pipelines'],
      summary: 'Check pipeline file text: every problem with file:line:column; the effective pipeline and its exports when clean',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ text: z.string().max(256 * 1024), file: z.string().max(300).optional(), to: z.enum(['github-actions', 'gitlab-ci']).optional() }),
            },
          },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ ok: z.boolean(), problems: z.array(ProblemItem), yaml: z.string().nullable(), exported: z.string().nullable() }), 'The result'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const r = model.resolvePipelineText(body.text, body.file ?? model.PIPELINE_FILE);
      const ok = !!r.pipeline && r.problems.every((p) => p.severity === 'warning');
      const exported = ok && body.to ? (body.to === 'github-actions' ? model.toGithubActions(r.pipeline!) : model.toGitlabCi(r.pipeline!)) : null;
      return c.json({ ok, problems: r.problems, yaml: ok ? model.renderPipeline(r.pipeline!) : null, exported }, 200);
    },
  );

  app.get('/api/pipelines/schema.json', (c) => c.json(model.pipelineJsonSchema() as Record<string, unknown>));
}

import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { DryRunResult, TaskLogLine, TaskView, TemplateDetail, TemplateSummary } from '../../golden-paths/index.js';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

const SourceSchema = z
  .object({ locationId: z.string(), locationTarget: z.string(), file: z.string().nullable(), line: z.number().nullable() })
  .nullable();

const TemplateSummarySchema = z
  .object({
    ref: z.string(),
    name: z.string(),
    namespace: z.string(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    owner: z.string().nullable(),
    type: z.string(),
    version: z.string(),
    source: SourceSchema,
  })
  .openapi('TemplateSummary');

const TemplateDetailSchema = TemplateSummarySchema.extend({
  parameters: z.array(z.record(z.string(), z.unknown())).openapi({ description: 'parameter pages, each a JSON Schema' }),
  steps: z.array(z.object({ id: z.string(), name: z.string(), action: z.string(), if: z.unknown().optional(), each: z.unknown().optional() })),
  output: z.object({ links: z.array(z.record(z.string(), z.unknown())), text: z.array(z.record(z.string(), z.unknown())) }),
}).openapi('TemplateDetail');

const StepStateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    action: z.string(),
    status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    output: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
  })
  .openapi('StepState');

const OutputSchema = z
  .object({ links: z.array(z.record(z.string(), z.unknown())), text: z.array(z.record(z.string(), z.unknown())) })
  .nullable();
const FailureSchema = z.object({ stepId: z.string(), message: z.string() }).nullable();

const TaskSchema = z
  .object({
    id: z.string(),
    templateRef: z.string(),
    templateVersion: z.string(),
    templateTitle: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    steps: z.array(StepStateSchema),
    resources: z.array(z.record(z.string(), z.unknown())),
    output: OutputSchema,
    error: FailureSchema,
    cancelRequested: z.boolean(),
  })
  .openapi('ScaffolderTask');

const LogLineSchema = z
  .object({ seq: z.number(), stepId: z.string().nullable(), at: z.string(), level: z.string(), message: z.string() })
  .openapi('TaskLogLine');

const DryRunSchema = z
  .object({
    templateRef: z.string(),
    templateVersion: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    files: z.array(z.object({ path: z.string(), size: z.number(), content: z.string().nullable(), executable: z.boolean() })),
    steps: z.array(StepStateSchema.extend({ input: z.unknown() })),
    output: OutputSchema,
    plan: z.object({ repos: z.array(z.string()), entities: z.array(z.string()) }),
    log: z.array(LogLineSchema),
    ok: z.boolean(),
    error: FailureSchema,
  })
  .openapi('DryRun');

const RefParams = z.object({
  namespace: z.string().min(1).max(100).openapi({ param: { name: 'namespace', in: 'path' } }),
  name: z.string().min(1).max(200).openapi({ param: { name: 'name', in: 'path' } }),
});
const IdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const Parameters = z.record(z.string(), z.unknown()).default({}).openapi({ description: "values for the template's parameters" });

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const STREAM_POLL_MS = 250;

/** Templates (golden paths), dry runs, and scaffolder tasks with their live logs. */
export function scaffolderRoutes(app: Api, deps: ServerDeps): void {
  const { scaffolder } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/templates',
      tags: ['templates'],
      summary: 'List the templates (golden paths) in the catalog',
      request: { query: z.object({ tag: z.string().max(100).optional(), owner: z.string().max(300).optional(), q: z.string().max(200).optional() }) },
      responses: { 200: json(z.object({ items: z.array(TemplateSummarySchema) }), 'Templates'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await scaffolder.listTemplates(c.req.valid('query'))) as TemplateSummary[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/templates/{namespace}/{name}',
      tags: ['templates'],
      summary: 'Get a template: its parameter pages (JSON Schema), steps and outputs',
      request: { params: RefParams },
      responses: { 200: json(TemplateDetailSchema, 'The template'), ...errorResponses },
    }),
    async (c) => {
      const { namespace, name } = c.req.valid('param');
      return c.json((await scaffolder.getTemplate(`template:${namespace}/${name}`)) as TemplateDetail, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/templates/{namespace}/{name}/dry-run',
      tags: ['templates'],
      summary: 'Dry run: every file that would be created (with contents) and every action that would run; creates nothing',
      request: { params: RefParams, body: { content: { 'application/json': { schema: z.object({ parameters: Parameters }) } }, required: true } },
      responses: { 200: json(DryRunSchema, 'What the run would do'), ...errorResponses },
    }),
    async (c) => {
      const { namespace, name } = c.req.valid('param');
      const r = await scaffolder.dryRun(c.get('principal'), `template:${namespace}/${name}`, c.req.valid('json').parameters);
      return c.json(r as DryRunResult, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/tasks',
      tags: ['tasks'],
      summary: 'Run a template: checks the parameters (422) and conflicts (409), then queues a durable task',
      request: {
        body: {
          content: { 'application/json': { schema: z.object({ templateRef: z.string().min(1).max(300), parameters: Parameters }) } },
          required: true,
        },
      },
      responses: { 201: json(TaskSchema, 'The queued task'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const task = await scaffolder.createTask(c.get('principal'), body.templateRef, body.parameters);
      c.header('location', `/api/tasks/${task.id}`);
      return c.json(task as TaskView, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/tasks',
      tags: ['tasks'],
      summary: 'List scaffolder tasks, newest first',
      request: {
        query: z.object({
          status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
          createdBy: z.string().max(300).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(TaskSchema) }), 'Tasks'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await scaffolder.listTasks(c.req.valid('query'))) as TaskView[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/tasks/{id}',
      tags: ['tasks'],
      summary: 'Get a task: status, steps with their outputs, result links',
      request: { params: IdParam },
      responses: { 200: json(TaskSchema, 'The task'), ...errorResponses },
    }),
    async (c) => c.json((await scaffolder.getTask(c.req.valid('param').id)) as TaskView, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/tasks/{id}/logs',
      tags: ['tasks'],
      summary: "A task's log lines after a sequence number",
      request: {
        params: IdParam,
        query: z.object({ after: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(5000).optional() }),
      },
      responses: { 200: json(z.object({ items: z.array(LogLineSchema) }), 'Log lines'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: (await scaffolder.taskLogs(c.req.valid('param').id, q)) as TaskLogLine[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/tasks/{id}/cancel',
      tags: ['tasks'],
      summary: 'Cancel a task (its creator or an admin); a running task stops and undoes what it created',
      request: { params: IdParam },
      responses: { 200: json(TaskSchema, 'The task'), ...errorResponses },
    }),
    async (c) => c.json((await scaffolder.cancelTask(c.get('principal'), c.req.valid('param').id)) as TaskView, 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/tasks/{id}/stream',
    tags: ['tasks'],
    summary: 'Server-sent events of a task: `log` (a TaskLogLine), `task` (the task when it changes), `end` when it finished',
    request: { params: IdParam, query: z.object({ access_token: z.string().optional(), after: z.string().optional() }) },
    responses: {
      200: { description: 'A text/event-stream that ends with the task', content: { 'text/event-stream': { schema: z.string() } } },
      401: errorResponses[401],
      404: errorResponses[404],
    },
  });
  app.get('/api/tasks/:id/stream', async (c) => {
    const id = c.req.param('id');
    let task = await scaffolder.getTask(id); // 404 before the stream starts
    // A reconnecting EventSource sends the last id it saw; go on from there instead of replaying the log.
    let after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      let lastState = '';
      let idle = 0;
      while (!stream.aborted && !stream.closed) {
        const lines = await scaffolder.taskLogs(id, { after, limit: 1000 });
        for (const l of lines) {
          await stream.writeSSE({ id: String(l.seq), event: 'log', data: JSON.stringify(l) });
          after = l.seq;
        }
        task = await scaffolder.getTask(id);
        const state = JSON.stringify([task.status, task.steps.map((s) => s.status), task.cancelRequested]);
        if (state !== lastState) {
          lastState = state;
          await stream.writeSSE({ event: 'task', data: JSON.stringify(task) });
        }
        if (TERMINAL.has(task.status) && lines.length === 0) {
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: task.status }) });
          break;
        }
        if (lines.length === 0 && ++idle % 60 === 0) await stream.write(': keep-alive\n\n');
        if (lines.length > 0) idle = 0;
        await stream.sleep(STREAM_POLL_MS);
      }
    });
  });
}

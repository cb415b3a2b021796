import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { authorize, type Principal } from '../../auth/authorize.js';
import { resolvePrincipal } from '../../auth/principals.js';
import { parseStoredTarget, type Catalog, type EntityView } from '../../catalog/index.js';
import { ConflictError, errorChain, InputError, NotAllowedError, NotFoundError, type Problem } from '../../core/errors.js';
import { newId, nowIso } from '../../core/ids.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { RepoHost } from '../../hosting/index.js';
import { actorOf, subjectOf, type PolicyService } from '../../policy/index.js';
import type { Job, JobContext, Store } from '../../store/index.js';
import { checkParameters, secretParameters } from '../model/parameters.js';
import { readTemplateSpec, templateVersion, type JsonSchema, type TemplateSpec } from '../model/template.js';
import { deleteForgeResource } from './actions/index.js';
import { git } from './git.js';
import { isInside } from './paths.js';
import { runSteps, type StepState } from './runSteps.js';
import type { ScaffolderTables, ScaffolderTaskTable } from './tables.js';
import type { ForgeConfig, Plan, Resource, ScaffolderServices, TaskFacts, TemplateSource } from './types.js';

export const RUN_TASK_JOB = 'scaffolder.run-task';
/** Attempts of a task's job: a crash or restart resumes it; the last attempt fails it cleanly. */
const MAX_ATTEMPTS = 3;
const CANCEL_POLL_MS = 300;
/** Largest file content a dry run returns (bigger files are listed with their size only). */
const DRY_RUN_MAX_FILE_BYTES = 256 * 1024;

export interface ScaffolderOptions {
  store: Store;
  catalog: Catalog;
  repos: RepoHost;
  /** Task workspaces go in `<workspaceDir>/cache/tasks`. */
  workspaceDir: string;
  /** The server's base URL, for clone URLs (known once it listens). */
  baseUrl: () => string;
  github?: Partial<ForgeConfig>;
  gitlab?: Partial<ForgeConfig>;
  log?: Logger;
  /** The admission point template.run (docs/policy.md): parameters and generated files, before anything is created. */
  policy?: PolicyService;
}

/** A template as the gallery lists it. */
export interface TemplateSummary {
  ref: string;
  name: string;
  namespace: string;
  title: string;
  description: string;
  tags: string[];
  owner: string | null;
  type: string;
  version: string;
  source: EntityView['source'];
}

/** A template with everything a form and a review page need. */
export interface TemplateDetail extends TemplateSummary {
  parameters: JsonSchema[];
  steps: Array<{ id: string; name: string; action: string; if?: unknown; each?: unknown }>;
  output: TemplateSpec['output'];
}

export type TaskStatus = ScaffolderTaskTable['status'];

export interface TaskView {
  id: string;
  templateRef: string;
  templateVersion: string;
  templateTitle: string;
  parameters: Record<string, unknown>;
  status: TaskStatus;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps: StepState[];
  resources: Resource[];
  output: { links: Array<Record<string, unknown>>; text: Array<Record<string, unknown>> } | null;
  error: { stepId: string; message: string } | null;
  cancelRequested: boolean;
}

export interface TaskLogLine {
  seq: number;
  stepId: string | null;
  at: string;
  level: string;
  message: string;
}

export interface DryRunFile {
  path: string;
  size: number;
  /** The text, or null for binary files and files over 256 KiB. */
  content: string | null;
  executable: boolean;
}

export interface DryRunResult {
  templateRef: string;
  templateVersion: string;
  parameters: Record<string, unknown>;
  files: DryRunFile[];
  steps: Array<StepState & { input: unknown }>;
  output: TaskView['output'];
  /** What a real run would create. */
  plan: Plan;
  log: TaskLogLine[];
  ok: boolean;
  error: { stepId: string; message: string } | null;
}

export interface Scaffolder {
  listTemplates(q?: { tag?: string; owner?: string; q?: string }): Promise<TemplateSummary[]>;
  /** NotFoundError when no Template has that ref. */
  getTemplate(ref: string): Promise<TemplateDetail>;
  /** Runs the template without creating anything: every file (with content) and every action that would run. */
  dryRun(p: Principal, ref: string, parameters: Record<string, unknown>): Promise<DryRunResult>;
  /**
   * Checks the parameters (422 with one problem per field) and what the run would create (409 when a
   * repository or entity of that name exists), then queues the task. Nothing is created before the checks pass.
   */
  createTask(p: Principal, ref: string, parameters: Record<string, unknown>): Promise<TaskView>;
  listTasks(q?: { createdBy?: string; status?: TaskStatus; limit?: number }): Promise<TaskView[]>;
  getTask(id: string): Promise<TaskView>;
  taskLogs(id: string, opts?: { after?: number; limit?: number }): Promise<TaskLogLine[]>;
  /** A queued task is cancelled at once; a running one stops at its next check (and cleans up). */
  cancelTask(p: Principal, id: string): Promise<TaskView>;
  /** The queue handler of `scaffolder.run-task`. */
  runTaskJob(job: Job, ctx: JobContext): Promise<unknown>;
}

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'cancelled']);
const PICKER_FIELDS = new Set(['OwnerPicker', 'EntityPicker', 'MyGroupsPicker', 'OwnedEntityPicker']);
const SCAFFOLDER: Principal = { userRef: 'system:scaffolder', role: 'admin', teams: [] };

function toTaskView(row: ScaffolderTaskTable): TaskView {
  return {
    id: row.id,
    templateRef: row.template_ref,
    templateVersion: row.template_version,
    templateTitle: row.template_title,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    steps: JSON.parse(row.steps) as StepState[],
    resources: JSON.parse(row.resources) as Resource[],
    output: row.output ? (JSON.parse(row.output) as TaskView['output']) : null,
    error: row.error ? (JSON.parse(row.error) as TaskView['error']) : null,
    cancelRequested: Number(row.cancel_requested) === 1,
  };
}

function summaryOf(view: EntityView): TemplateSummary {
  const e = view.entity;
  const spec = readTemplateSpec((e.spec ?? {}) as Record<string, unknown>);
  return {
    ref: view.ref,
    name: view.name,
    namespace: view.namespace,
    title: typeof e.metadata.title === 'string' && e.metadata.title ? e.metadata.title : view.name,
    description: typeof e.metadata.description === 'string' ? e.metadata.description : '',
    tags: Array.isArray(e.metadata.tags) ? e.metadata.tags.filter((t): t is string => typeof t === 'string') : [],
    owner: view.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? spec.owner,
    type: spec.type,
    version: templateVersion(e),
    source: view.source,
  };
}

function templateRefOf(ref: string): string {
  const r = ref.trim();
  if (r.includes(':')) return r;
  return `template:${r.includes('/') ? r : `default/${r}`}`;
}

/** Files written in the workspace, for a dry run's answer (the .git folder of a publish step left out). */
async function listWorkspace(root: string): Promise<DryRunFile[]> {
  const out: DryRunFile[] = [];
  async function visit(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === '.git') continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) await visit(abs);
      else if (e.isFile()) {
        const st = await lstat(abs);
        const buf = st.size <= DRY_RUN_MAX_FILE_BYTES ? await readFile(abs) : null;
        const binary = buf ? buf.subarray(0, 8000).includes(0) : true;
        out.push({
          path: relative(root, abs).split(sep).join('/'),
          size: st.size,
          content: buf && !binary ? buf.toString('utf8') : null,
          executable: (st.mode & 0o111) !== 0,
        });
      }
    }
  }
  await visit(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export function createScaffolder(opts: ScaffolderOptions): Scaffolder {
  const { store, catalog, repos } = opts;
  const log = opts.log ?? silentLogger;
  const db = () => store.db.withTables<ScaffolderTables>();
  const tasksDir = join(opts.workspaceDir, 'cache', 'tasks');
  const services: ScaffolderServices = {
    catalog,
    repos,
    baseUrl: opts.baseUrl,
    github: { apiUrl: opts.github?.apiUrl ?? 'https://api.github.com', ...(opts.github?.token ? { token: opts.github.token } : {}) },
    gitlab: { apiUrl: opts.gitlab?.apiUrl ?? '', ...(opts.gitlab?.token ? { token: opts.gitlab.token } : {}) },
  };

  async function templateView(ref: string): Promise<EntityView> {
    const full = templateRefOf(ref);
    let view: EntityView;
    try {
      view = await catalog.getEntity(full);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(`no template ${full} in the catalog (gantry template list shows them)`);
      throw e;
    }
    if (view.kind.toLowerCase() !== 'template') throw new NotFoundError(`${view.ref} is a ${view.kind}, not a template`);
    return view;
  }

  /** Where the template's skeletons are read from: its directory location, or a shallow clone of its git one. */
  async function templateSource(view: EntityView, scratch: string): Promise<TemplateSource> {
    if (!view.source) {
      // Registered through the API: there is no folder for relative skeleton paths; fetch steps say so.
      const empty = join(scratch, 'template-source');
      await mkdir(empty, { recursive: true });
      return { root: empty, dir: empty };
    }
    const location = await catalog.getLocation(view.source.locationId);
    const target = parseStoredTarget(location.type, location.target);
    let root: string;
    if (target.type === 'dir') root = target.path;
    else if (target.type === 'file') root = dirname(target.path);
    else {
      root = join(scratch, 'template-source');
      await rm(root, { recursive: true, force: true });
      await mkdir(dirname(root), { recursive: true });
      await git(['clone', '--quiet', '--depth', '1', ...(target.ref ? ['--branch', target.ref] : []), '--', target.url, root]);
    }
    const file = view.source.file ?? '';
    const dir = resolve(root, dirname(file));
    if (/^[a-z][a-z0-9+.-]*:/i.test(file) || !isInside(resolve(root), dir)) {
      throw new InputError(`${view.ref}: its file ${JSON.stringify(file)} is not inside its location's source; skeletons cannot be read`);
    }
    return { root: resolve(root), dir };
  }

  async function userContext(p: Principal): Promise<{ ref: string; entity: unknown }> {
    try {
      return { ref: p.userRef, entity: (await catalog.getEntity(p.userRef)).entity };
    } catch {
      return { ref: p.userRef, entity: null };
    }
  }

  /** Parameter problems: the schema's, and entity pickers that name nothing in the catalog. */
  async function checkValues(detail: TemplateDetail, input: Record<string, unknown>): Promise<{ values: Record<string, unknown>; secrets: Record<string, unknown> }> {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new InputError('parameters: expected a mapping of parameter names to values', {
        problems: [{ code: 'invalid_parameter', path: 'parameters', message: 'parameters: expected a mapping of parameter names to values', severity: 'error' }],
      });
    }
    const { values, problems } = checkParameters(detail.parameters, input);
    for (const page of detail.parameters) {
      const props = (page.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, prop] of Object.entries(props)) {
        const field = prop?.['ui:field'];
        const v = values[name];
        if (typeof field !== 'string' || !PICKER_FIELDS.has(field) || typeof v !== 'string' || v === '') continue;
        if (problems.some((pr) => pr.path === `parameters.${name}`)) continue;
        const options = (prop['ui:options'] ?? {}) as { catalogFilter?: { kind?: unknown } };
        const kind = typeof options.catalogFilter?.kind === 'string' ? options.catalogFilter.kind : field === 'EntityPicker' ? 'component' : 'group';
        const ref = v.includes(':') ? v : `${kind.toLowerCase()}:${v.includes('/') ? v : `default/${v}`}`;
        try {
          await catalog.getEntity(ref);
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
          problems.push({ code: 'unknown_entity', path: `parameters.${name}`, message: `parameters.${name}: expected an entity in the catalog, found ${JSON.stringify(v)}, which is not there`, severity: 'error' });
        }
      }
    }
    if (problems.length > 0) {
      throw new InputError(`the parameters do not match the template's schema: ${problems.map((p) => p.message).join('; ')}`, { problems });
    }
    const secretNames = secretParameters(detail.parameters);
    const secrets: Record<string, unknown> = {};
    for (const name of secretNames) {
      if (name in values) {
        secrets[name] = values[name];
        delete values[name];
      }
    }
    return { values, secrets };
  }

  async function detailOf(ref: string): Promise<{ view: EntityView; detail: TemplateDetail; spec: TemplateSpec }> {
    const view = await templateView(ref);
    const spec = readTemplateSpec((view.entity.spec ?? {}) as Record<string, unknown>);
    const detail: TemplateDetail = {
      ...summaryOf(view),
      parameters: spec.parameters,
      steps: spec.steps.map((s) => ({ id: s.id, name: s.name, action: s.action, ...(s.if !== undefined ? { if: s.if } : {}), ...(s.each !== undefined ? { each: s.each } : {}) })),
      output: spec.output,
    };
    return { view, detail, spec };
  }

  /** Runs every step with side effects replaced by reports, in a scratch folder that is removed after. */
  async function simulate(p: Principal, ref: string, input: Record<string, unknown>, onCause?: (e: unknown) => void): Promise<DryRunResult> {
    const { view, detail, spec } = await detailOf(ref);
    const { values, secrets } = await checkValues(detail, input);
    const scratch = join(opts.workspaceDir, 'cache', 'dry-runs', randomBytes(8).toString('hex'));
    const workspace = join(scratch, 'work');
    await mkdir(workspace, { recursive: true });
    const lines: TaskLogLine[] = [];
    try {
      const source = await templateSource(view, scratch);
      const plan: Plan = { repos: [], entities: [] };
      const facts: TaskFacts = { id: 'dry-run', templateRef: view.ref, templateName: view.name, templateVersion: detail.version, parameters: values, user: p };
      const result = await runSteps({
        steps: spec.steps,
        output: spec.output,
        states: [],
        parameters: values,
        secrets,
        user: await userContext(p),
        workspace,
        template: source,
        task: facts,
        services,
        dryRun: true,
        signal: AbortSignal.timeout(60_000),
        resources: [],
        plan,
        log: (stepId, message, level = 'info') => lines.push({ seq: lines.length + 1, stepId, at: nowIso(), level, message }),
        save: async () => {},
      });
      if (result.cause !== undefined) onCause?.(result.cause);
      return {
        templateRef: view.ref,
        templateVersion: detail.version,
        parameters: values,
        files: await listWorkspace(workspace),
        steps: result.states.map((s) => ({ ...s, input: result.inputs[s.id] ?? null })),
        output: result.output,
        plan,
        log: lines,
        ok: result.ok,
        error: result.failure,
      };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async function loadTask(id: string): Promise<ScaffolderTaskTable> {
    const row = await db().selectFrom('scaffolder_tasks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no scaffolder task ${id}`);
    return row;
  }

  async function conflictsOf(plan: Plan): Promise<Problem[]> {
    const problems: Problem[] = [];
    for (const name of plan.repos) {
      try {
        await repos.get(name);
        problems.push({ code: 'conflict', path: 'repo', message: `a hosted repository named "${name}" already exists`, severity: 'error' });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    for (const ref of plan.entities) {
      try {
        await catalog.getEntity(ref);
        problems.push({ code: 'conflict', path: 'entity', message: `${ref} already exists in the catalog`, severity: 'error' });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    return problems;
  }

  /** Secrets given at creation, held in memory by the process that runs the task; never stored. */
  const heldSecrets = new Map<string, Record<string, unknown>>();

  async function finish(
    id: string,
    status: 'succeeded' | 'failed' | 'cancelled',
    fields: { steps?: StepState[]; resources?: Resource[]; output?: TaskView['output']; error?: TaskView['error'] },
  ): Promise<boolean> {
    const row = await loadTask(id);
    const finishedAt = nowIso();
    const resources = fields.resources ?? (JSON.parse(row.resources) as Resource[]);
    const payload: Record<string, unknown> = {
      template: row.template_ref,
      version: row.template_version,
      durationMs: Date.parse(finishedAt) - Date.parse(row.created_at),
    };
    if (status === 'succeeded') {
      const steps = fields.steps ?? (JSON.parse(row.steps) as StepState[]);
      payload.entityRefs = steps.flatMap((s) => ((s.output?.entityRefs as string[] | undefined) ?? []));
      payload.repos = resources.filter((r) => r.type === 'repo').map((r) => (r as { name: string }).name);
    } else payload.error = fields.error ?? null;
    const done = await store.transaction(async (tx) => {
      let update = tx
        .withTables<ScaffolderTables>()
        .updateTable('scaffolder_tasks')
        .set({
          status,
          finished_at: finishedAt,
          ...(fields.steps ? { steps: JSON.stringify(fields.steps) } : {}),
          resources: JSON.stringify(resources),
          ...(fields.output !== undefined ? { output: JSON.stringify(fields.output) } : {}),
          ...(fields.error !== undefined ? { error: JSON.stringify(fields.error) } : {}),
        })
        .where('id', '=', id)
        .where('status', 'not in', ['succeeded', 'failed', 'cancelled']);
      // A cancel that was accepted wins over a success that comes after it: one statement decides.
      if (status === 'succeeded') update = update.where('cancel_requested', '=', 0);
      const r = await update.executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await store.events.append(tx, { actor: row.created_by, action: `scaffolder.task.${status}`, subject: `scaffolder-task:${id}`, payload });
      return true;
    });
    if (done) heldSecrets.delete(id);
    return done;
  }

  /** Undoes what a failed task created, newest first, except what a step asked to keep. */
  async function cleanUp(resources: Resource[], say: (m: string) => void): Promise<Resource[]> {
    const left: Resource[] = [];
    for (const r of [...resources].reverse()) {
      if (r.kept) {
        say(`kept ${describeResource(r)} as the step asked (keepOnFailure)`);
        left.unshift(r);
        continue;
      }
      try {
        if (r.type === 'location') await catalog.removeLocation(SCAFFOLDER, r.id);
        else if (r.type === 'repo') await repos.remove(SCAFFOLDER, r.name);
        else await deleteForgeResource(r, services);
        say(`removed ${describeResource(r)}`);
      } catch (e) {
        if (e instanceof NotFoundError) continue;
        say(`could not remove ${describeResource(r)}: ${errorChain(e)}`);
        left.unshift({ ...r, kept: true });
      }
    }
    return left;
  }

  return {
    async listTemplates(q = {}) {
      const items: TemplateSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.listEntities({
          filter: [{ key: 'kind', values: ['template'] }],
          limit: 500,
          ...(q.q ? { q: q.q } : {}),
          ...(cursor ? { cursor } : {}),
        });
        items.push(...page.items.map(summaryOf));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const tag = q.tag?.toLowerCase();
      const owner = q.owner?.toLowerCase();
      return items
        .filter((t) => !tag || t.tags.some((x) => x.toLowerCase() === tag))
        .filter((t) => !owner || t.owner === owner || t.owner?.endsWith(`/${owner}`))
        .sort((a, b) => a.title.localeCompare(b.title));
    },

    async getTemplate(ref) {
      return (await detailOf(ref)).detail;
    },

    async dryRun(p, ref, parameters) {
      return simulate(p, ref, parameters);
    },

    async createTask(p, ref, input) {
      authorize(p, 'scaffolder.task.create');
      const dry = await simulate(p, ref, input, (cause) => {
        // A step refused for permission is refused for the task: 403, not a template problem.
        if (cause instanceof NotAllowedError) throw cause;
      });
      if (!dry.ok) {
        const message = dry.error ? `the template cannot run with these parameters: ${dry.error.message}` : 'the template cannot run';
        throw new InputError(message, { problems: [{ code: 'step_failed', path: dry.error?.stepId ?? '', message, severity: 'error' }] });
      }
      const conflicts = await conflictsOf(dry.plan);
      if (conflicts.length > 0) {
        throw new ConflictError(`nothing was created: ${conflicts.map((c) => c.message).join('; ')}`, { problems: conflicts });
      }
      const { view, detail, spec } = await detailOf(ref);
      const { values, secrets } = await checkValues(detail, input);
      const id = newId();
      // Secret parameters never reach policies (nor the decisions stored); the rendered files do.
      const admission = await opts.policy?.enforce(
        'template.run',
        { subject: subjectOf(view.ref, view.entity), actor: actorOf(p), object: { parameters: values, files: dry.files.map((f) => ({ path: f.path, content: f.content ?? '' })) } },
        { evidence: { task: id, template: view.ref, version: detail.version } },
      );
      const steps: StepState[] = spec.steps.map((s) => ({ id: s.id, name: s.name, action: s.action, status: 'pending', startedAt: null, finishedAt: null, output: null, error: null }));
      if (secretParameters(spec.parameters).size > 0) heldSecrets.set(id, secrets);
      await store.transaction(async (tx) => {
        const job = await store.queue.enqueue(tx, { type: RUN_TASK_JOB, payload: { taskId: id }, maxAttempts: MAX_ATTEMPTS, actor: p.userRef });
        await tx
          .withTables<ScaffolderTables>()
          .insertInto('scaffolder_tasks')
          .values({
            id,
            template_ref: view.ref,
            template_version: detail.version,
            template_title: detail.title,
            parameters: JSON.stringify(values),
            status: 'queued',
            created_by: p.userRef,
            created_at: nowIso(),
            started_at: null,
            finished_at: null,
            job_id: job.id,
            steps: JSON.stringify(steps),
            resources: '[]',
            output: null,
            error: null,
            cancel_requested: 0,
          })
          .execute();
        await store.events.append(tx, {
          actor: p.userRef,
          action: 'scaffolder.task.created',
          subject: `scaffolder-task:${id}`,
          payload: { template: view.ref, version: detail.version, parameters: values, plan: dry.plan, policy: admission ? admission.decisions.map((d) => ({ id: d.id, policy: d.policy, result: d.result })) : null },
        });
      });
      return toTaskView(await loadTask(id));
    },

    async listTasks(q = {}) {
      let query = db().selectFrom('scaffolder_tasks').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(Math.max(q.limit ?? 50, 1), 500));
      if (q.createdBy) query = query.where('created_by', '=', q.createdBy.toLowerCase());
      if (q.status) query = query.where('status', '=', q.status);
      return (await query.execute()).map(toTaskView);
    },

    async getTask(id) {
      return toTaskView(await loadTask(id));
    },

    async taskLogs(id, o = {}) {
      await loadTask(id);
      const rows = await db()
        .selectFrom('scaffolder_task_logs')
        .selectAll()
        .where('task_id', '=', id)
        .where('seq', '>', o.after ?? 0)
        .orderBy('seq')
        .limit(Math.min(Math.max(o.limit ?? 1000, 1), 5000))
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), stepId: r.step_id, at: r.at, level: r.level, message: r.message }));
    },

    async cancelTask(p, id) {
      const row = await loadTask(id);
      authorize(p, 'scaffolder.task.cancel', { userRef: row.created_by });
      const already = (status: TaskStatus) => new ConflictError(`task ${id} has already ${status === 'cancelled' ? 'been cancelled' : status}`);
      if (TERMINAL.has(row.status)) throw already(row.status);
      const r = await db()
        .updateTable('scaffolder_tasks')
        .set({ cancel_requested: 1 })
        .where('id', '=', id)
        .where('status', 'not in', ['succeeded', 'failed', 'cancelled'])
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw already((await loadTask(id)).status);
      if (row.status === 'queued' && row.job_id) {
        // Not claimed yet: cancel the job, and the task with it (nothing was created).
        const job = await store.queue.cancel(row.job_id);
        if (job?.status === 'cancelled') await finish(id, 'cancelled', { error: { stepId: '', message: `cancelled by ${p.userRef} before it started` } });
      }
      return toTaskView(await loadTask(id));
    },

    async runTaskJob(job, jctx) {
      const taskId = (job.payload as { taskId?: unknown } | null)?.taskId;
      if (typeof taskId !== 'string') throw new InputError('scaffolder.run-task: expected a payload { taskId }');
      const row = await loadTask(taskId);
      if (TERMINAL.has(row.status)) return { status: row.status };
      const taskDir = join(tasksDir, taskId);
      const workspace = join(taskDir, 'work');
      let seq = Number((await db().selectFrom('scaffolder_task_logs').select((eb) => eb.fn.max('seq').as('m')).where('task_id', '=', taskId).executeTakeFirst())?.m ?? 0);
      let pending: Promise<unknown> = Promise.resolve();
      const say = (stepId: string | null, message: string, level: 'info' | 'error' = 'info'): void => {
        const line = { task_id: taskId, seq: ++seq, step_id: stepId, at: nowIso(), level, message: message.length > 20_000 ? `${message.slice(0, 20_000)}...` : message };
        pending = pending.then(() => db().insertInto('scaffolder_task_logs').values(line).execute()).catch((e) => log.warn('could not store a task log line', { task: taskId, error: errorChain(e) }));
      };
      const flush = async () => {
        await pending;
      };

      if (Number(row.cancel_requested) === 1) {
        say(null, 'cancelled before it started');
        await flush();
        await finish(taskId, 'cancelled', { error: { stepId: '', message: 'cancelled before it started' } });
        return { status: 'cancelled' };
      }
      const first = row.started_at === null;
      await store.transaction(async (tx) => {
        await tx.withTables<ScaffolderTables>().updateTable('scaffolder_tasks').set({ status: 'running', ...(first ? { started_at: nowIso() } : {}) }).where('id', '=', taskId).execute();
        if (first) await store.events.append(tx, { actor: row.created_by, action: 'scaffolder.task.started', subject: `scaffolder-task:${taskId}`, payload: { template: row.template_ref, attempt: jctx.attempt } });
      });
      say(null, first ? `started ${row.template_ref}@${row.template_version}` : `resumed (attempt ${jctx.attempt}) after its last finished step`);

      const cancel = new AbortController();
      const onStop = () => cancel.abort(jctx.signal.reason);
      jctx.signal.addEventListener('abort', onStop, { once: true });
      if (jctx.signal.aborted) onStop();
      let cancelledByUser = false;
      const poll = setInterval(() => {
        void db()
          .selectFrom('scaffolder_tasks')
          .select('cancel_requested')
          .where('id', '=', taskId)
          .executeTakeFirst()
          .then((r) => {
            if (r && Number(r.cancel_requested) === 1 && !cancel.signal.aborted) {
              cancelledByUser = true;
              cancel.abort(new Error('cancelled'));
            }
          })
          .catch(() => {});
      }, CANCEL_POLL_MS);

      let resources = JSON.parse(row.resources) as Resource[];
      let states = JSON.parse(row.steps) as StepState[];
      try {
        const { view, spec } = await detailOf(row.template_ref);
        await mkdir(workspace, { recursive: true });
        const source = await templateSource(view, taskDir);
        const user = await resolvePrincipal(store, row.created_by);
        const parameters = JSON.parse(row.parameters) as Record<string, unknown>;
        const secretNames = secretParameters(spec.parameters);
        const secrets = heldSecrets.get(taskId);
        if (secretNames.size > 0 && !secrets) {
          throw new InputError(
            `the secret parameters (${[...secretNames].join(', ')}) were held in memory by the process that accepted the task, which is gone; start the task again`,
          );
        }
        const facts: TaskFacts = { id: taskId, templateRef: row.template_ref, templateName: view.name, templateVersion: row.template_version, parameters, user };
        const result = await runSteps({
          steps: spec.steps,
          output: spec.output,
          states,
          parameters,
          secrets: secrets ?? {},
          user: await userContext(user),
          workspace,
          template: source,
          task: facts,
          services,
          dryRun: false,
          signal: cancel.signal,
          resources,
          plan: { repos: [], entities: [] },
          log: say,
          save: async (s, r) => {
            states = s;
            resources = r;
            await db().updateTable('scaffolder_tasks').set({ steps: JSON.stringify(s), resources: JSON.stringify(r) }).where('id', '=', taskId).execute();
          },
        });
        states = result.states;
        if (!result.ok && jctx.signal.aborted && !cancelledByUser) {
          // The worker is stopping or lost its lease: leave the task for the next attempt to resume.
          throw jctx.signal.reason instanceof Error ? jctx.signal.reason : new Error('the worker stopped');
        }
        if (result.ok) {
          if (await finish(taskId, 'succeeded', { steps: states, resources, output: result.output, error: null })) {
            say(null, 'done');
            await flush();
            await rm(taskDir, { recursive: true, force: true });
            return { status: 'succeeded' };
          }
          cancelledByUser = true; // cancelled while its last step ran
        }
        say(null, cancelledByUser ? 'cancelled; undoing what the task created' : `failed at step ${result.failure?.stepId}: ${result.failure?.message}; undoing what the task created`, 'error');
        const left = await cleanUp(resources, (m) => say(null, m));
        await flush();
        await finish(taskId, cancelledByUser ? 'cancelled' : 'failed', { steps: states, resources: left, error: result.failure });
        await rm(taskDir, { recursive: true, force: true });
        return { status: cancelledByUser ? 'cancelled' : 'failed' };
      } catch (e) {
        const stopping = jctx.signal.aborted && !cancelledByUser;
        const lastAttempt = jctx.attempt >= MAX_ATTEMPTS;
        const permanent = e instanceof InputError || e instanceof NotFoundError;
        if (stopping || (!lastAttempt && !permanent)) {
          say(null, `interrupted: ${errorChain(e)}; it will resume`, 'error');
          await flush();
          throw e;
        }
        const message = errorChain(e);
        say(null, `failed: ${message}; undoing what the task created`, 'error');
        const left = await cleanUp(resources, (m) => say(null, m));
        await flush();
        await finish(taskId, 'failed', { steps: states, resources: left, error: { stepId: states.find((s) => s.status === 'running')?.id ?? '', message } });
        await rm(taskDir, { recursive: true, force: true });
        return { status: 'failed' };
      } finally {
        clearInterval(poll);
        jctx.signal.removeEventListener('abort', onStop);
      }
    },
  };
}

function describeResource(r: Resource): string {
  switch (r.type) {
    case 'repo':
      return `the hosted repository ${r.name}`;
    case 'location':
      return `the catalog location ${r.id} (and its entities)`;
    case 'github-repo':
      return `the GitHub repository ${r.fullName}`;
    case 'gitlab-project':
      return `the GitLab project ${r.id}`;
  }
}

/** The queue handlers of the scaffolder, for a worker. */
export function SCAFFOLDER_JOB_HANDLERS(s: Scaffolder): Record<string, (job: Job, ctx: JobContext) => Promise<unknown>> {
  return { [RUN_TASK_JOB]: (job, ctx) => s.runTaskJob(job, ctx) };
}

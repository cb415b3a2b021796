import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { authorize, SYSTEM, type Principal } from '../../auth/authorize.js';
import { parseDescriptors } from '../../catalog/index.js';
import { ConflictError, errorChain, InputError, NotFoundError, type Problem } from '../../core/errors.js';
import { nowIso } from '../../core/ids.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { PushEvent, RepoHost } from '../../hosting/index.js';
import type { Job as QueueJob, JobContext, Store } from '../../store/index.js';
import { isTriggered, resolvePipelineText } from '../model/index.js';
import type { EffectivePipeline, PipelineEvent } from '../model/types.js';
import { defaultBuiltIns, runPipeline, type Finding, type PolicyGate } from '../runner/index.js';
import { createGitSource, type GitSource } from './gitSource.js';
import type { SecretStore } from './secrets.js';
import type { PipelineJobTable, PipelineRunTable, PipelineTables, RunStatus } from './tables.js';

import { PIPELINE_FILE } from '../model/index.js';
export { PIPELINE_FILE };
/** Queue job types: `pipeline.run` for runs any runner may take, `pipeline.run:<label,...>` for labelled ones. */
export const RUN_JOB_PREFIX = 'pipeline.run';
/** Queued when a run succeeds; the environments domain turns it into a release (and an auto-deploy). */
export const RUN_SUCCEEDED_JOB = 'pipeline.succeeded';
const LOG_FLUSH_MS = 200;
const LOG_FLUSH_BYTES = 64 * 1024;
const MAX_RUNNER_LABELS = 6;

export interface StepView {
  id: string;
  name: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'timed_out';
  exitCode: number | null;
  reason: string | null;
  durationMs: number | null;
}

export interface JobView {
  id: string;
  name: string;
  needs: string[];
  required: boolean;
  origin: string;
  status: PipelineJobTable['status'];
  reason: string | null;
  cacheHit: boolean | null;
  startedAt: string | null;
  finishedAt: string | null;
  steps: StepView[];
}

export interface RunView {
  id: string;
  repo: string;
  componentRef: string | null;
  sha: string;
  branch: string;
  event: string;
  actor: string;
  status: RunStatus;
  problems: Problem[];
  labels: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  runner: string | null;
  /** 1 for the first start; more when the run was started again after its runner was lost (`retry`). */
  attempt: number;
  reason: string | null;
  cancelRequested: boolean;
}

export interface RunDetail extends RunView {
  pipeline: EffectivePipeline | null;
  jobs: JobView[];
}

export interface LogChunk {
  seq: number;
  jobId: string;
  stepId: string;
  at: string;
  chunk: string;
}

export interface FindingView extends Finding {
  jobId: string;
  stepId: string;
  tool: string;
}

export interface ArtifactView {
  jobId: string;
  path: string;
  size: number;
  sha256: string;
}

export interface TriggerInput {
  /** A hosted repository's name, or a clone URL (webhooks). */
  repo: string;
  /** Default: the repository's default branch. */
  branch?: string;
  /** Default: the branch's head. */
  sha?: string;
  event: PipelineEvent;
}

export interface Pipelines {
  /** Starts a run of the repository's pipeline at a commit; null when the pipeline's triggers exclude it (pushes). */
  trigger(p: Principal, input: TriggerInput): Promise<RunView | null>;
  /** A push to a hosted repository: a run for every branch it moved (when the pipeline asks for pushes). */
  onPush(e: PushEvent): Promise<RunView[]>;
  listRuns(q?: { repo?: string; componentRef?: string; status?: RunStatus; sha?: string; limit?: number }): Promise<RunView[]>;
  getRun(id: string): Promise<RunDetail>;
  logs(id: string, q?: { after?: number; jobId?: string; limit?: number }): Promise<LogChunk[]>;
  findings(id: string): Promise<FindingView[]>;
  artifacts(id: string): Promise<ArtifactView[]>;
  /** Where a run's artifact is stored (the first job's, when several jobs kept that path). */
  artifactFile(id: string, path: string): Promise<{ file: string; sha256: string; size: number } | null>;
  cancel(p: Principal, id: string): Promise<RunView>;
  rerun(p: Principal, id: string): Promise<RunView>;
  /** The effective pipeline of a repository at a branch (for `gantry pipeline render`). */
  effective(repo: string, branch?: string): Promise<{ sha: string; pipeline: EffectivePipeline | null; problems: Problem[] }>;
  /** Queue handlers for a runner with these labels (every subset of them, so labelled runs find it). */
  jobHandlers(labels: string[]): Record<string, (job: QueueJob, ctx: JobContext) => Promise<unknown>>;
}

export interface PipelinesOptions {
  store: Store;
  repos: RepoHost;
  workspaceDir: string;
  /** The platform's secrets: a run's `{ secret: NAME }` comes from its repository owner's scope, then global. */
  secrets?: SecretStore;
  /** The fallback when the store has none (default: `GANTRY_SECRET_<NAME>` of the runner's environment). */
  secret?: (name: string) => string | undefined;
  log?: Logger;
  /** Parallel jobs within one run; default 2. */
  maxParallelJobs?: number;
  /** Answers `gantry/policy-gate@1` (the admission point pipeline.gate); default: allowed, "no policy engine". */
  policyGate?: PolicyGate;
}

const TERMINAL = new Set<RunStatus>(['succeeded', 'failed', 'cancelled']);

function jobType(labels: string[]): string {
  return labels.length === 0 ? RUN_JOB_PREFIX : `${RUN_JOB_PREFIX}:${[...labels].sort().join(',')}`;
}

function subsets<T>(items: T[]): T[][] {
  return items.reduce<T[][]>((acc, x) => acc.concat(acc.map((s) => [...s, x])), [[]]);
}

function toRunView(r: PipelineRunTable): RunView {
  return {
    id: r.id,
    repo: r.repo,
    componentRef: r.component_ref,
    sha: r.sha,
    branch: r.branch,
    event: r.event,
    actor: r.actor,
    status: r.status,
    problems: JSON.parse(r.problems) as Problem[],
    labels: JSON.parse(r.labels) as string[],
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.started_at && r.finished_at ? Date.parse(r.finished_at) - Date.parse(r.started_at) : null,
    runner: r.runner,
    attempt: Number(r.attempt),
    reason: r.reason,
    cancelRequested: Number(r.cancel_requested) === 1,
  };
}

export function createPipelines(opts: PipelinesOptions): Pipelines {
  const { store, repos } = opts;
  const log = opts.log ?? silentLogger;
  const db = () => store.db.withTables<PipelineTables>();
  const secretOf = opts.secret ?? ((name: string) => process.env[`GANTRY_SECRET_${name}`]);
  const source: GitSource = createGitSource({
    mirrorsDir: join(opts.workspaceDir, 'cache', 'pipelines', 'mirrors'),
    localPath: (repo) => {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || repo.includes('@')) return null;
      return repos.pathOf(repo);
    },
  });

  async function loadRun(id: string): Promise<PipelineRunTable> {
    const r = await db().selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFoundError(`no pipeline run ${id}`);
    return r;
  }

  /** The owning team of a hosted repository (runs of other sources are admin business). */
  async function ownerOf(repo: string): Promise<string | null> {
    if (source && /:\/\//.test(repo)) return null;
    return (await repos.get(repo)).owner;
  }

  async function headOf(repo: string, branch: string): Promise<string> {
    const refs = await repos.refs(repo);
    const sha = refs.get(`refs/heads/${branch}`);
    if (!sha) throw new NotFoundError(`${repo} has no branch ${branch}`);
    return sha;
  }

  async function componentOf(repo: string, sha: string): Promise<string | null> {
    const text = await source.readFile(repo, sha, 'catalog-info.yaml').catch(() => null);
    if (!text) return null;
    const doc = parseDescriptors(text, 'catalog-info.yaml').documents.find((d) => d.entity?.kind === 'Component');
    return doc?.ref ?? null;
  }

  async function effectiveAt(repo: string, sha: string): Promise<{ pipeline: EffectivePipeline | null; problems: Problem[] }> {
    const text = await source.readFile(repo, sha, PIPELINE_FILE);
    if (text === null) {
      return { pipeline: null, problems: [{ code: 'no_pipeline', path: '', message: `${PIPELINE_FILE} was not found at ${sha.slice(0, 12)}`, severity: 'error' }] };
    }
    const r = resolvePipelineText(text, PIPELINE_FILE);
    const errors = r.problems.filter((p) => p.severity !== 'warning');
    return { pipeline: errors.length === 0 && r.pipeline ? r.pipeline : null, problems: r.problems };
  }

  async function createRun(p: Principal, input: Required<Pick<TriggerInput, 'repo' | 'event'>> & { branch: string; sha: string }, requireTrigger: boolean): Promise<RunView | null> {
    const { pipeline, problems } = await effectiveAt(input.repo, input.sha);
    // Pushes and webhooks run only when the pipeline asks for them on that branch; manual runs when it allows them.
    if (pipeline && requireTrigger && !isTriggered(pipeline.on, input.event, input.branch)) return null;
    if (!pipeline && requireTrigger && problems.some((x) => x.code === 'no_pipeline')) return null;
    const labels = pipeline ? [...new Set(pipeline.jobs.flatMap((j) => j.runsOn))].sort() : [];
    const id = randomUUID();
    const now = nowIso();
    const componentRef = await componentOf(input.repo, input.sha);
    const failedEarly = !pipeline;
    await store.transaction(async (tx) => {
      const t = tx.withTables<PipelineTables>();
      let jobId: string | null = null;
      if (!failedEarly) {
        // One attempt, plus one per retry the pipeline allows when its runner is lost, plus the attempt that
        // finds the lease expired and marks the run failed.
        const maxAttempts = (pipeline?.retry?.runnerLost ?? 0) + 2;
        const job = await store.queue.enqueue(tx, { type: jobType(labels), payload: { runId: id }, maxAttempts, actor: p.userRef });
        jobId = job.id;
      }
      await t
        .insertInto('pipeline_runs')
        .values({
          id,
          repo: input.repo,
          component_ref: componentRef,
          sha: input.sha,
          branch: input.branch,
          event: input.event,
          actor: p.userRef,
          status: failedEarly ? 'failed' : 'queued',
          pipeline: pipeline ? JSON.stringify(pipeline) : null,
          problems: JSON.stringify(problems),
          labels: JSON.stringify(labels),
          created_at: now,
          started_at: failedEarly ? now : null,
          finished_at: failedEarly ? now : null,
          job_id: jobId,
          runner: null,
          attempt: 0,
          cancel_requested: 0,
          reason: failedEarly ? `the pipeline file cannot be used: ${problems.filter((x) => x.severity !== 'warning').map((x) => x.message).join('; ')}` : null,
        })
        .execute();
      if (pipeline) {
        await t
          .insertInto('pipeline_jobs')
          .values(
            pipeline.jobs.map((j, i) => ({
              run_id: id,
              job_id: j.id,
              position: i,
              status: 'pending' as const,
              reason: null,
              cache_hit: null,
              started_at: null,
              finished_at: null,
              steps: JSON.stringify(j.steps.map((s) => ({ id: s.id, name: s.name, status: 'pending', exitCode: null, reason: null, durationMs: null }))),
            })),
          )
          .execute();
      }
      // `extends`: the standard pipeline the run builds on (platform adoption counts it).
      const payload = { repo: input.repo, sha: input.sha, branch: input.branch, event: input.event, component: componentRef, extends: pipeline?.extends ?? null };
      await store.events.append(tx, { actor: p.userRef, action: 'pipeline.run.created', subject: `pipeline-run:${id}`, payload });
      if (failedEarly) {
        await store.events.append(tx, { actor: p.userRef, action: 'pipeline.run.finished', subject: `pipeline-run:${id}`, payload: { ...payload, status: 'failed', durationMs: 0, problems } });
      }
    });
    return toRunView(await loadRun(id));
  }

  /**
   * Puts a run whose runner was lost back to the start: jobs and steps pending, the lost attempt's findings and
   * artifacts gone (its logs stay, followed by a note). Returns the log sequence to continue from.
   */
  async function resetForRetry(run: PipelineRunTable, pipeline: EffectivePipeline, attempt: number, why: string): Promise<number> {
    const runId = run.id;
    await rm(join(opts.workspaceDir, 'artifacts', runId), { recursive: true, force: true }).catch(() => {});
    const last = await db().selectFrom('pipeline_logs').select((eb) => eb.fn.max('seq').as('seq')).where('run_id', '=', runId).executeTakeFirst();
    let seq = Number(last?.seq ?? 0);
    await store.transaction(async (tx) => {
      const t = tx.withTables<PipelineTables>();
      await t.deleteFrom('pipeline_findings').where('run_id', '=', runId).execute();
      await t.deleteFrom('pipeline_artifacts').where('run_id', '=', runId).execute();
      for (const j of pipeline.jobs) {
        await t
          .updateTable('pipeline_jobs')
          .set({
            status: 'pending',
            reason: null,
            cache_hit: null,
            started_at: null,
            finished_at: null,
            steps: JSON.stringify(j.steps.map((s) => ({ id: s.id, name: s.name, status: 'pending', exitCode: null, reason: null, durationMs: null }))),
          })
          .where('run_id', '=', runId)
          .where('job_id', '=', j.id)
          .execute();
      }
      await t
        .insertInto('pipeline_logs')
        .values({ run_id: runId, seq: ++seq, job_id: 'checkout', step_id: 'checkout', at: nowIso(), chunk: `\n${why}: starting again from the first job (attempt ${attempt})\n` })
        .execute();
      await store.events.append(tx, {
        actor: run.actor,
        action: 'pipeline.run.retried',
        subject: `pipeline-run:${runId}`,
        payload: { repo: run.repo, sha: run.sha, attempt, lostRunner: run.runner, reason: why },
      });
    });
    return seq;
  }

  /** Writes step output in batches (one insert per 200 ms or 64 KiB), in order. */
  function logWriter(runId: string, startSeq: number) {
    let seq = startSeq;
    let buf: Array<{ run_id: string; seq: number; job_id: string; step_id: string; at: string; chunk: string }> = [];
    let bytes = 0;
    let timer: NodeJS.Timeout | null = null;
    let chain: Promise<unknown> = Promise.resolve();
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (buf.length === 0) return chain;
      const rows = buf;
      buf = [];
      bytes = 0;
      chain = chain.then(() => db().insertInto('pipeline_logs').values(rows).execute()).catch((e) => log.warn('could not store pipeline output', { run: runId, error: errorChain(e) }));
      return chain;
    };
    return {
      write(jobId: string, stepId: string, chunk: string) {
        const last = buf[buf.length - 1];
        if (last && last.job_id === jobId && last.step_id === stepId && last.chunk.length < 16_384) last.chunk += chunk;
        else buf.push({ run_id: runId, seq: ++seq, job_id: jobId, step_id: stepId, at: nowIso(), chunk });
        bytes += chunk.length;
        if (bytes >= LOG_FLUSH_BYTES) void flush();
        else if (!timer) timer = setTimeout(() => void flush(), LOG_FLUSH_MS);
      },
      flush,
    };
  }

  async function finishRun(id: string, status: RunStatus, reason: string | null): Promise<void> {
    const run = await loadRun(id);
    const finishedAt = nowIso();
    const jobs = await db().selectFrom('pipeline_jobs').selectAll().where('run_id', '=', id).orderBy('position').execute();
    await store.transaction(async (tx) => {
      await tx.withTables<PipelineTables>().updateTable('pipeline_runs').set({ status, finished_at: finishedAt, reason }).where('id', '=', id).execute();
      // Jobs that never got to run end with the run.
      await tx
        .withTables<PipelineTables>()
        .updateTable('pipeline_jobs')
        .set({ status: status === 'cancelled' ? 'cancelled' : 'skipped', finished_at: finishedAt })
        .where('run_id', '=', id)
        .where('status', 'in', ['pending', 'running'])
        .execute();
      await store.events.append(tx, {
        actor: run.actor,
        action: 'pipeline.run.finished',
        subject: `pipeline-run:${id}`,
        payload: {
          repo: run.repo,
          component: run.component_ref,
          sha: run.sha,
          branch: run.branch,
          event: run.event,
          status,
          reason,
          durationMs: run.started_at ? Date.parse(finishedAt) - Date.parse(run.started_at) : 0,
          jobs: Object.fromEntries(jobs.map((j) => [j.job_id, j.status])),
        },
      });
      // What follows a green run (a release and its auto-deploy, src/environments) is a durable job queued with
      // the run's end, so it happens even when the run ended on a runner in another process.
      if (status === 'succeeded') {
        await store.queue.enqueue(tx, { type: RUN_SUCCEEDED_JOB, payload: { runId: id }, idempotencyKey: `${RUN_SUCCEEDED_JOB}:${id}`, actor: run.actor });
      }
    });
  }

  async function runHandler(job: QueueJob, jctx: JobContext): Promise<unknown> {
    const runId = (job.payload as { runId?: unknown } | null)?.runId;
    if (typeof runId !== 'string') throw new InputError('pipeline.run: expected a payload { runId }');
    const run = await loadRun(runId);
    if (TERMINAL.has(run.status)) return { status: run.status };
    const pipeline = JSON.parse(run.pipeline ?? 'null') as EffectivePipeline | null;
    let startSeq = 0;
    if (jctx.attempt > 1) {
      // The runner that had it stopped (killed, machine lost): its lease expired. A run is never resumed half-way:
      // its orphaned processes are killed, then it starts again from the first job if the pipeline's retry policy
      // allows, or it is marked failed.
      const { killRunProcesses } = await import('../runner/index.js');
      await killRunProcesses(runId).catch(() => {});
      const lost = `the runner running it (${run.runner ?? 'unknown'}) stopped; its lease expired`;
      const retries = pipeline?.retry?.runnerLost ?? 0;
      if (jctx.attempt - 1 > retries || Number(run.cancel_requested) === 1) {
        await finishRun(runId, Number(run.cancel_requested) === 1 ? 'cancelled' : 'failed', retries > 0 ? `${lost} (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : lost);
        return { status: 'failed' };
      }
      startSeq = await resetForRetry(run, pipeline as EffectivePipeline, jctx.attempt, lost);
    }
    if (Number(run.cancel_requested) === 1) {
      await finishRun(runId, 'cancelled', 'cancelled before it started');
      return { status: 'cancelled' };
    }
    if (!pipeline) {
      await finishRun(runId, 'failed', 'the run has no pipeline');
      return { status: 'failed' };
    }
    await store.transaction(async (tx) => {
      await tx.withTables<PipelineTables>().updateTable('pipeline_runs').set({ status: 'running', started_at: nowIso(), runner: jctx.workerId, attempt: jctx.attempt }).where('id', '=', runId).execute();
      await store.events.append(tx, { actor: run.actor, action: 'pipeline.run.started', subject: `pipeline-run:${runId}`, payload: { repo: run.repo, sha: run.sha, runner: jctx.workerId } });
    });

    const runDir = join(opts.workspaceDir, 'cache', 'pipelines', 'runs', runId);
    const checkoutDir = join(runDir, 'checkout');
    const cancel = new AbortController();
    const onStop = () => cancel.abort(jctx.signal.reason);
    jctx.signal.addEventListener('abort', onStop, { once: true });
    if (jctx.signal.aborted) onStop();
    let cancelledByUser = false;
    const poll = setInterval(() => {
      void db()
        .selectFrom('pipeline_runs')
        .select('cancel_requested')
        .where('id', '=', runId)
        .executeTakeFirst()
        .then((r) => {
          if (r && Number(r.cancel_requested) === 1 && !cancel.signal.aborted) {
            cancelledByUser = true;
            cancel.abort(new Error('cancelled'));
          }
        })
        .catch(() => {});
    }, 300);
    const logs = logWriter(runId, startSeq);
    let findingSeq = 0;
    const pending: Array<Promise<unknown>> = [];
    try {
      await mkdir(runDir, { recursive: true });
      logs.write('checkout', 'checkout', `checking out ${run.sha} (${run.branch}) of ${run.repo}\n`);
      await source.checkout(run.repo, run.sha, checkoutDir, cancel.signal);
      const secrets: Record<string, string> = {};
      const missing = new Set<string>();
      const owner = /:\/\//.test(run.repo) ? null : await ownerOf(run.repo).catch(() => null);
      for (const j of pipeline.jobs) {
        for (const env of [pipeline.env, j.env, ...j.steps.map((s) => s.env)]) {
          for (const v of Object.values(env)) {
            if (typeof v === 'object' && v && 'secret' in v) {
              if (Object.hasOwn(secrets, v.secret) || missing.has(v.secret)) continue;
              const value = (await opts.secrets?.resolve(owner, v.secret)) ?? secretOf(v.secret);
              if (value === undefined) missing.add(v.secret);
              else secrets[v.secret] = value;
            }
          }
        }
      }
      if (missing.size > 0) {
        const scopes = owner ? `${owner} or global` : 'global';
        throw new InputError(`secrets not set: ${[...missing].join(', ')} (not in ${scopes}, nor GANTRY_SECRET_<NAME> on runner ${jctx.workerId})`);
      }
      const now = () => nowIso();
      const result = await runPipeline({
        pipeline,
        ctx: { runId, event: run.event as PipelineEvent, branch: run.branch, sha: run.sha },
        checkoutDir,
        workDir: join(runDir, 'work'),
        cacheDir: join(opts.workspaceDir, 'cache', 'pipelines', 'cache'),
        artifactsDir: join(opts.workspaceDir, 'artifacts', runId),
        secrets,
        maxParallelJobs: opts.maxParallelJobs ?? 2,
        ...(opts.policyGate ? { builtIns: defaultBuiltIns({ policyGate: opts.policyGate }) } : {}),
        signal: cancel.signal,
        hooks: {
          onJob: async (jobId, status, info) => {
            await db()
              .updateTable('pipeline_jobs')
              .set({
                status,
                ...(info.reason !== undefined ? { reason: info.reason } : {}),
                ...(info.cacheHit !== undefined ? { cache_hit: info.cacheHit ? 1 : 0 } : {}),
                ...(status === 'running' ? { started_at: now() } : { finished_at: now() }),
              })
              .where('run_id', '=', runId)
              .where('job_id', '=', jobId)
              .execute();
          },
          onStep: async (jobId, stepId, status, info) => {
            const row = await db().selectFrom('pipeline_jobs').select('steps').where('run_id', '=', runId).where('job_id', '=', jobId).executeTakeFirst();
            if (!row) return;
            const steps = (JSON.parse(row.steps) as StepView[]).map((s) =>
              s.id === stepId ? { ...s, status, exitCode: info.exitCode ?? s.exitCode, reason: info.reason ?? s.reason, durationMs: info.durationMs ?? s.durationMs } : s,
            );
            await db().updateTable('pipeline_jobs').set({ steps: JSON.stringify(steps) }).where('run_id', '=', runId).where('job_id', '=', jobId).execute();
          },
          onLog: (jobId, stepId, chunk) => logs.write(jobId, stepId, chunk),
          onFinding: (jobId, stepId, f) => {
            const row = { run_id: runId, job_id: jobId, step_id: stepId, seq: ++findingSeq, tool: f.rule.split('/')[0] ?? 'gantry', rule: f.rule, severity: f.severity, file: f.file, line: f.line, message: f.message };
            pending.push(db().insertInto('pipeline_findings').values(row).execute());
          },
          onArtifact: (jobId, a) => {
            pending.push(db().insertInto('pipeline_artifacts').values({ run_id: runId, job_id: jobId, path: a.path, size: a.size, sha256: a.sha256, stored_at: a.storedAt }).execute());
          },
        },
      });
      await logs.flush();
      await Promise.all(pending);
      if (jctx.signal.aborted && !cancelledByUser) throw new Error('the runner is stopping');
      const status: RunStatus = cancelledByUser ? 'cancelled' : result.status;
      const failed = Object.entries(result.jobs).filter(([, s]) => s === 'failed').map(([j]) => j);
      await finishRun(runId, status, status === 'failed' ? `failed jobs: ${failed.join(', ') || 'none'}` : status === 'cancelled' ? 'cancelled' : null);
      return { status };
    } catch (e) {
      await logs.flush();
      await Promise.all(pending).catch(() => {});
      if (jctx.signal.aborted && !cancelledByUser) throw e; // the runner stops: the lease decides what happens next
      const msg = errorChain(e);
      logs.write('checkout', 'checkout', `error: ${msg}\n`);
      await logs.flush();
      await finishRun(runId, cancelledByUser ? 'cancelled' : 'failed', cancelledByUser ? 'cancelled' : msg);
      return { status: 'failed' };
    } finally {
      clearInterval(poll);
      jctx.signal.removeEventListener('abort', onStop);
      await rm(runDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  const api: Pipelines = {
    async trigger(p, input) {
      const isRemote = /:\/\//.test(input.repo);
      const owner = isRemote ? null : await ownerOf(input.repo);
      authorize(p, 'pipeline.run.create', { owner });
      const branch = input.branch ?? (isRemote ? 'main' : (await repos.get(input.repo)).defaultBranch);
      const sha = input.sha ?? (isRemote ? undefined : await headOf(input.repo, branch));
      if (!sha || !/^[0-9a-f]{40}$/.test(sha)) throw new InputError(`sha: expected a full 40-character commit id, found ${JSON.stringify(input.sha ?? '')}`);
      return createRun(p, { repo: input.repo, branch, sha, event: input.event }, true);
    },

    async onPush(e) {
      const out: RunView[] = [];
      const pusher: Principal = { ...SYSTEM, userRef: e.pusher };
      for (const u of e.updates) {
        if (!u.after || !u.ref.startsWith('refs/heads/')) continue;
        const r = await createRun(pusher, { repo: e.repo, branch: u.ref.slice('refs/heads/'.length), sha: u.after, event: 'push' }, true);
        if (r) out.push(r);
      }
      return out;
    },

    async listRuns(q = {}) {
      let query = db().selectFrom('pipeline_runs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(Math.max(q.limit ?? 50, 1), 500));
      if (q.repo) query = query.where('repo', '=', q.repo);
      if (q.componentRef) query = query.where('component_ref', '=', q.componentRef.toLowerCase());
      if (q.status) query = query.where('status', '=', q.status);
      if (q.sha) query = query.where('sha', '=', q.sha);
      return (await query.execute()).map(toRunView);
    },

    async getRun(id) {
      const run = await loadRun(id);
      const pipeline = JSON.parse(run.pipeline ?? 'null') as EffectivePipeline | null;
      const rows = await db().selectFrom('pipeline_jobs').selectAll().where('run_id', '=', id).orderBy('position').execute();
      const byId = new Map(pipeline?.jobs.map((j) => [j.id, j]) ?? []);
      return {
        ...toRunView(run),
        pipeline,
        jobs: rows.map((r) => {
          const j = byId.get(r.job_id);
          return {
            id: r.job_id,
            name: j?.name ?? r.job_id,
            needs: j?.needs ?? [],
            required: j?.required ?? false,
            origin: j?.origin ?? '',
            status: r.status,
            reason: r.reason,
            cacheHit: r.cache_hit === null ? null : Number(r.cache_hit) === 1,
            startedAt: r.started_at,
            finishedAt: r.finished_at,
            steps: JSON.parse(r.steps) as StepView[],
          };
        }),
      };
    },

    async logs(id, q = {}) {
      await loadRun(id);
      let query = db().selectFrom('pipeline_logs').selectAll().where('run_id', '=', id).where('seq', '>', q.after ?? 0).orderBy('seq').limit(Math.min(Math.max(q.limit ?? 1000, 1), 5000));
      if (q.jobId) query = query.where('job_id', '=', q.jobId);
      return (await query.execute()).map((r) => ({ seq: Number(r.seq), jobId: r.job_id, stepId: r.step_id, at: r.at, chunk: r.chunk }));
    },

    async findings(id) {
      await loadRun(id);
      const rows = await db().selectFrom('pipeline_findings').selectAll().where('run_id', '=', id).orderBy('job_id').orderBy('step_id').orderBy('seq').execute();
      return rows.map((r) => ({ jobId: r.job_id, stepId: r.step_id, tool: r.tool, rule: r.rule, severity: r.severity as Finding['severity'], file: r.file ?? '', line: r.line === null ? null : Number(r.line), message: r.message }));
    },

    async artifactFile(id, path) {
      const row = await db().selectFrom('pipeline_artifacts').selectAll().where('run_id', '=', id).where('path', '=', path).orderBy('job_id').executeTakeFirst();
      return row ? { file: row.stored_at, sha256: row.sha256, size: Number(row.size) } : null;
    },

    async artifacts(id) {
      await loadRun(id);
      const rows = await db().selectFrom('pipeline_artifacts').selectAll().where('run_id', '=', id).orderBy('job_id').orderBy('path').execute();
      return rows.map((r) => ({ jobId: r.job_id, path: r.path, size: Number(r.size), sha256: r.sha256 }));
    },

    async cancel(p, id) {
      const run = await loadRun(id);
      authorize(p, 'pipeline.run.cancel', { owner: /:\/\//.test(run.repo) ? null : await ownerOf(run.repo).catch(() => null) });
      if (TERMINAL.has(run.status)) throw new ConflictError(`run ${id} has already ${run.status === 'cancelled' ? 'been cancelled' : 'finished'} (${run.status})`);
      await db().updateTable('pipeline_runs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
      if (run.status === 'queued' && run.job_id) {
        const job = await store.queue.cancel(run.job_id);
        if (job?.status === 'cancelled') await finishRun(id, 'cancelled', `cancelled by ${p.userRef} before it started`);
      }
      return toRunView(await loadRun(id));
    },

    async rerun(p, id) {
      const run = await loadRun(id);
      const owner = /:\/\//.test(run.repo) ? null : await ownerOf(run.repo);
      authorize(p, 'pipeline.run.create', { owner });
      return (await createRun(p, { repo: run.repo, branch: run.branch, sha: run.sha, event: 'manual' }, false))!;
    },

    async effective(repo, branch) {
      const b = branch ?? (await repos.get(repo)).defaultBranch;
      const sha = await headOf(repo, b);
      return { sha, ...(await effectiveAt(repo, sha)) };
    },

    jobHandlers(labels) {
      if (labels.length > MAX_RUNNER_LABELS) throw new InputError(`labels: expected at most ${MAX_RUNNER_LABELS} runner labels, found ${labels.length}`);
      const out: Record<string, (job: QueueJob, ctx: JobContext) => Promise<unknown>> = {};
      for (const s of subsets([...new Set(labels)].sort())) out[jobType(s)] = runHandler;
      return out;
    },
  };
  return api;
}

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EffectivePipeline, Job, RunContext } from '../model/types.js';
import { storeArtifacts } from './artifacts.js';
import { cacheKey, restoreCache, saveCache, type CacheIo } from './cache.js';
import { conditionMismatch } from './conditions.js';
import { diskFullReason, isDiskFull } from './diskFull.js';
import { markers, toolEnv, type RunPlaces } from './env.js';
import { formatDuration, timerMs } from './format.js';
import { StepOutput, type SecretMasker } from './output.js';
import { PathError, dirNameFor } from './paths.js';
import { reapByMarkers } from './reaper.js';
import { runStep, type JobAbortReason } from './runStep.js';
import { runTool } from './tools.js';
import { JOB_LOG_STEP_ID, type BuiltInStep, type RunnerHooks } from './types.js';

export interface JobRunInput {
  pipeline: EffectivePipeline;
  job: Job;
  ctx: RunContext;
  checkoutDir: string;
  workDir: string;
  cacheDir: string;
  artifactsDir: string;
  places: RunPlaces;
  secrets: Record<string, string>;
  masker: SecretMasker;
  maxLogBytes: number;
  runSignal: AbortSignal;
  builtIns: Record<string, BuiltInStep>;
  hooks: RunnerHooks;
}

export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  reason?: string;
  cacheHit?: boolean;
}

/** A hook threw: the job fails, and the error is kept to say so. */
class HookFailure extends Error {}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs one job: copies the checkout into the job's own workspace (`<workDir>/jobs/<job>`, so jobs running in
 * parallel never see each other's files), restores its cache, runs its steps in order until one does not
 * succeed, then on success saves the cache (on a miss) and stores the artifacts. The workspace is removed at
 * the end; every process the job started is gone before it reports its final status.
 */
export async function runJob(i: JobRunInput): Promise<JobOutcome> {
  const { job, hooks, masker } = i;
  const jobStop = new AbortController();
  const onRunAbort = () => jobStop.abort('cancelled' satisfies JobAbortReason);
  i.runSignal.addEventListener('abort', onRunAbort, { once: true });
  if (i.runSignal.aborted) onRunAbort();
  const timer = setTimeout(() => jobStop.abort('timeout' satisfies JobAbortReason), timerMs(job.timeoutMs));
  const jobLog = new StepOutput(masker, i.maxLogBytes, (chunk) => hooks.onLog(job.id, JOB_LOG_STEP_ID, chunk));
  const jobMarkers = { GANTRY_RUN_ID: i.ctx.runId, GANTRY_JOB_ID: job.id };
  const workspace = path.join(i.workDir, 'jobs', dirNameFor(job.id));

  let hookError: unknown;
  const call = async (f: () => Promise<void> | void) => {
    try {
      await f();
    } catch (e) {
      hookError ??= e;
      throw new HookFailure(describe(e));
    }
  };
  /** Reports a step status; once a hook has failed, later reports are attempted but their errors ignored. */
  const report: RunnerHooks['onStep'] = async (...args) => {
    if (hookError !== undefined) await Promise.resolve(hooks.onStep(...args)).catch(() => undefined);
    else await call(() => hooks.onStep(...args));
  };

  let outcome: JobOutcome = { status: 'succeeded' };
  const stoppedOutcome = (): JobOutcome =>
    jobStop.signal.reason === 'timeout'
      ? { status: 'failed', reason: `exceeded its ${formatDuration(job.timeoutMs)} timeout` }
      : { status: 'cancelled', reason: 'the run was cancelled' };

  try {
    await call(() => hooks.onJob(job.id, 'running', {}));
    const tools = toolEnv(i.places, markers(i.ctx, job.id, JOB_LOG_STEP_ID));
    await rm(workspace, { recursive: true, force: true });
    await mkdir(workspace, { recursive: true });
    await runTool(['cp', '-a', '--', `${i.checkoutDir}/.`, `${workspace}/`], {
      cwd: i.workDir,
      env: tools,
      signal: jobStop.signal,
      what: 'copying the checkout into the job workspace',
    });

    const io: CacheIo = { workspace, cacheDir: i.cacheDir, env: tools, signal: jobStop.signal, markers: jobMarkers };
    let key: string | null = null;
    if (job.cache) {
      key = await cacheKey(job.cache, job, workspace);
      try {
        outcome.cacheHit = await restoreCache(key, io);
        jobLog.notice(outcome.cacheHit ? `cache hit: restored ${key}` : `cache miss: ${key}`);
      } catch (e) {
        if (isDiskFull(e) || jobStop.signal.aborted) throw e;
        // A damaged archive only costs time: run as on a miss (and replace it afterwards).
        outcome.cacheHit = false;
        jobLog.notice(`cache ${key} could not be restored, running without it: ${describe(e)}`);
      }
    }

    let failedStep: string | null = null;
    for (const step of job.steps) {
      const label = `${step.id} (${step.name})`;
      if (jobStop.signal.aborted) {
        const stopped = stoppedOutcome();
        if (stopped.status === 'cancelled') await report(job.id, step.id, 'cancelled', { reason: 'the run was cancelled' });
        else await report(job.id, step.id, 'skipped', { reason: `the job ${stopped.reason}` });
        continue;
      }
      if (failedStep !== null || hookError !== undefined) {
        await report(job.id, step.id, 'skipped', { reason: failedStep !== null ? `${failedStep} did not succeed` : 'the job failed' });
        continue;
      }
      const mismatch = conditionMismatch(step.if, i.ctx);
      if (mismatch) {
        await report(job.id, step.id, 'skipped', { reason: `its if does not match: ${mismatch}` });
        continue;
      }
      await report(job.id, step.id, 'running', {});
      const started = Date.now();
      const r = await runStep({
        pipeline: i.pipeline,
        job,
        step,
        ctx: i.ctx,
        workspace,
        places: i.places,
        secrets: i.secrets,
        masker,
        maxLogBytes: i.maxLogBytes,
        jobSignal: jobStop.signal,
        builtIns: i.builtIns,
        hooks,
      });
      if (r.hookError !== undefined) hookError ??= r.hookError;
      await report(job.id, step.id, r.status, {
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        durationMs: Date.now() - started,
      });
      if (r.status === 'succeeded') continue;
      failedStep = label;
      if (r.status === 'cancelled' || (r.status === 'timed_out' && jobStop.signal.aborted)) outcome = { ...outcome, ...stoppedOutcome() };
      else outcome = { ...outcome, status: 'failed', reason: r.diskFull ? r.reason! : `${label} ${r.reason ?? 'failed'}` };
    }
    if (jobStop.signal.aborted && outcome.status === 'succeeded') outcome = { ...outcome, ...stoppedOutcome() };

    if (outcome.status === 'succeeded' && hookError === undefined) {
      if (job.cache && key !== null && !outcome.cacheHit) {
        try {
          const saved = await saveCache(job.cache, key, io);
          jobLog.notice(saved.length ? `cache saved: ${key} (${saved.join(', ')})` : `cache not saved: none of ${job.cache.paths.join(', ')} exist`);
        } catch (e) {
          if (isDiskFull(e) || e instanceof PathError || jobStop.signal.aborted) throw e;
          jobLog.notice(`cache not saved: ${describe(e)}`);
        }
      }
      if (job.artifacts) {
        const dest = path.join(i.artifactsDir, dirNameFor(job.id));
        const stored = await storeArtifacts({
          workspace,
          patterns: job.artifacts.paths,
          destDir: dest,
          signal: jobStop.signal,
          log: (line) => jobLog.notice(line),
          stored: (a) => {
            if (hooks.onArtifact) void call(() => hooks.onArtifact!(job.id, a)).catch(() => undefined);
          },
        });
        jobLog.notice(stored.length ? `stored ${stored.length} artifact${stored.length === 1 ? '' : 's'} in ${dest}` : `no files matched artifacts.paths (${job.artifacts.paths.join(', ')})`);
      }
    }
  } catch (e) {
    if (jobStop.signal.aborted) outcome = { ...outcome, ...stoppedOutcome() };
    else if (isDiskFull(e)) outcome = { ...outcome, status: 'failed', reason: e instanceof Error && e.message.startsWith("the runner's disk is full") ? e.message : diskFullReason(describe(e)) };
    else if (!(e instanceof HookFailure)) outcome = { ...outcome, status: 'failed', reason: masker.mask(describe(e)) };
  } finally {
    clearTimeout(timer);
    i.runSignal.removeEventListener('abort', onRunAbort);
  }
  if (hookError !== undefined && outcome.status !== 'cancelled') {
    outcome = {
      ...outcome,
      status: 'failed',
      reason: isDiskFull(hookError) ? diskFullReason("while recording the job's progress") : `recording the job's progress failed: ${describe(hookError)}`,
    };
  }

  // Steps kill their own processes; this catches anything the job's own tools or a step left behind.
  await reapByMarkers(jobMarkers);
  jobLog.end();
  await rm(workspace, { recursive: true, force: true }).catch(() => undefined);
  const info: { reason?: string; cacheHit?: boolean } = {};
  if (outcome.reason !== undefined) info.reason = outcome.reason;
  if (outcome.cacheHit !== undefined) info.cacheHit = outcome.cacheHit;
  // This one may throw: the caller must know the final status was not recorded.
  await hooks.onJob(job.id, outcome.status, info);
  return outcome;
}

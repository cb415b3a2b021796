import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { GantryError, InputError, type Problem } from '../../core/errors.js';
import type { Job } from '../model/types.js';
import { defaultBuiltIns } from './builtins/index.js';
import { conditionMismatch } from './conditions.js';
import { SecretMasker } from './output.js';
import { reapByMarkers } from './reaper.js';
import { runJob } from './runJob.js';
import type { RunPipelineOptions, RunPipelineResult } from './types.js';

const DEFAULT_MAX_PARALLEL_JOBS = 2;
const DEFAULT_MAX_LOG_BYTES = 5 * 1024 * 1024;

type Final = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** Checks the options before anything runs: every problem in one error. */
function validate(o: RunPipelineOptions): void {
  const problems: Problem[] = [];
  const bad = (p: string, message: string) => problems.push({ code: 'invalid_runner_option', path: p, message: `${p}: ${message}`, severity: 'error' });
  for (const key of ['checkoutDir', 'workDir', 'cacheDir', 'artifactsDir'] as const) {
    const v = o[key];
    if (typeof v !== 'string' || !path.isAbsolute(v)) bad(key, `expected an absolute path, found ${JSON.stringify(v)}`);
  }
  if (typeof o.checkoutDir === 'string' && path.isAbsolute(o.checkoutDir)) {
    let isDir = false;
    try {
      isDir = statSync(o.checkoutDir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) bad('checkoutDir', `expected the directory of the checked-out commit, found nothing at ${o.checkoutDir}`);
  }
  for (const key of ['maxParallelJobs', 'maxLogBytesPerStep'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) bad(key, `expected a whole number of at least 1, found ${String(v)}`);
  }
  const seen = new Set<string>();
  for (const [ji, job] of o.pipeline.jobs.entries()) {
    const at = `pipeline.jobs[${ji}]`;
    if (seen.has(job.id)) bad(`${at}.id`, `expected a unique job id, found ${JSON.stringify(job.id)} twice`);
    for (const [ni, need] of job.needs.entries()) {
      // The model hands jobs over in topological order; anything else is a bug upstream, not something to guess at.
      if (!seen.has(need)) {
        const exists = o.pipeline.jobs.some((j) => j.id === need);
        bad(`${at}.needs[${ni}]`, exists ? `expected ${JSON.stringify(need)} to come before ${JSON.stringify(job.id)} (jobs must be in topological order)` : `expected the id of a job in this pipeline, found ${JSON.stringify(need)}`);
      }
    }
    seen.add(job.id);
    if (!Number.isFinite(job.timeoutMs) || job.timeoutMs <= 0) bad(`${at}.timeoutMs`, `expected a positive number of milliseconds, found ${String(job.timeoutMs)}`);
    const stepIds = new Set<string>();
    for (const [si, step] of job.steps.entries()) {
      const sat = `${at}.steps[${si}]`;
      if (stepIds.has(step.id)) bad(`${sat}.id`, `expected a unique step id in job ${JSON.stringify(job.id)}, found ${JSON.stringify(step.id)} twice`);
      stepIds.add(step.id);
      if ((step.run === undefined) === (step.uses === undefined)) bad(sat, 'expected exactly one of run and uses');
      if (!Number.isFinite(step.timeoutMs) || step.timeoutMs <= 0) bad(`${sat}.timeoutMs`, `expected a positive number of milliseconds, found ${String(step.timeoutMs)}`);
    }
  }
  if (problems.length) {
    throw new InputError(`the pipeline cannot be run: ${problems.map((p) => p.message).join('; ')}`, { problems });
  }
}

/**
 * Runs an effective pipeline for one commit. Jobs start when every job they need has succeeded, up to
 * `maxParallelJobs` at once, in the pipeline's order; a job whose need failed, was skipped or was cancelled is
 * skipped (the reason names the need), and a job whose `if` does not match is skipped. Cancelling (`signal`)
 * kills every running step and marks running and waiting jobs `cancelled`. Resolves when every job has a final
 * status and every process the run started is gone.
 *
 * Rejects only for options it cannot run (an `InputError` naming each field), or when a job's final status could
 * not be recorded through `hooks.onJob`.
 */
export async function runPipeline(o: RunPipelineOptions): Promise<RunPipelineResult> {
  validate(o);
  const maxParallel = o.maxParallelJobs ?? DEFAULT_MAX_PARALLEL_JOBS;
  const places = { home: path.join(o.workDir, 'home'), tmp: path.join(o.workDir, 'tmp') };
  await mkdir(places.home, { recursive: true });
  await mkdir(places.tmp, { recursive: true });
  const masker = new SecretMasker(Object.values(o.secrets));
  const builtIns = o.builtIns ?? defaultBuiltIns();

  const finals = new Map<string, Final>();
  const running = new Map<string, Promise<void>>();
  let unrecorded: { jobId: string; error: unknown } | null = null;

  const settle = async (job: Job, status: Final, reason: string) => {
    finals.set(job.id, status);
    try {
      await o.hooks.onJob(job.id, status, { reason });
    } catch (error) {
      unrecorded ??= { jobId: job.id, error };
    }
  };

  const start = (job: Job) => {
    const p = runJob({
      pipeline: o.pipeline,
      job,
      ctx: o.ctx,
      checkoutDir: o.checkoutDir,
      workDir: o.workDir,
      cacheDir: o.cacheDir,
      artifactsDir: o.artifactsDir,
      places,
      secrets: o.secrets,
      masker,
      maxLogBytes: o.maxLogBytesPerStep ?? DEFAULT_MAX_LOG_BYTES,
      runSignal: o.signal,
      builtIns,
      hooks: o.hooks,
    }).then(
      (r) => {
        finals.set(job.id, r.status);
      },
      (error: unknown) => {
        finals.set(job.id, 'failed');
        unrecorded ??= { jobId: job.id, error };
      },
    );
    running.set(job.id, p.finally(() => running.delete(job.id)));
  };

  const describeNeed = (s: Final) => (s === 'failed' ? 'failed' : s === 'skipped' ? 'was skipped' : 'was cancelled');

  for (;;) {
    for (const job of o.pipeline.jobs) {
      if (finals.has(job.id) || running.has(job.id)) continue;
      if (o.signal.aborted) {
        await settle(job, 'cancelled', 'the run was cancelled');
        continue;
      }
      const blocked = job.needs.find((n) => {
        const s = finals.get(n);
        return s !== undefined && s !== 'succeeded';
      });
      if (blocked !== undefined) {
        await settle(job, 'skipped', `needs ${blocked}, which ${describeNeed(finals.get(blocked)!)}`);
        continue;
      }
      if (!job.needs.every((n) => finals.get(n) === 'succeeded')) continue;
      const mismatch = conditionMismatch(job.if, o.ctx);
      if (mismatch) {
        await settle(job, 'skipped', `its if does not match: ${mismatch}`);
        continue;
      }
      if (running.size < maxParallel) start(job);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  // Anything of this run still alive (a job's sweep raced a fork) goes now.
  await reapByMarkers({ GANTRY_RUN_ID: o.ctx.runId });

  const jobs: Record<string, string> = {};
  for (const job of o.pipeline.jobs) jobs[job.id] = finals.get(job.id) ?? 'cancelled';
  const statuses = Object.values(jobs);
  const status: RunPipelineResult['status'] = statuses.includes('cancelled') ? 'cancelled' : statuses.includes('failed') ? 'failed' : 'succeeded';
  if (unrecorded) {
    const u: { jobId: string; error: unknown } = unrecorded;
    throw new GantryError(`the run ended (${status}) but the final status of job ${u.jobId} could not be recorded`, {
      cause: u.error,
      details: { status, jobs },
    });
  }
  return { status, jobs };
}

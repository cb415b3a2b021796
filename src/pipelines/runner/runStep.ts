import { stat } from 'node:fs/promises';
import type { EffectivePipeline, Job, RunContext, Step } from '../model/types.js';
import { diskFullReason, isDiskFull } from './diskFull.js';
import { EnvError, stepEnv, type RunPlaces } from './env.js';
import { ExpressionError, substituteScript } from './expressions.js';
import { formatDuration, timerMs } from './format.js';
import { StepOutput, type SecretMasker } from './output.js';
import { PathError, insideWorkspace } from './paths.js';
import { runInGroup } from './process.js';
import type { BuiltInContext, BuiltInExec, BuiltInResult, BuiltInStep, RunnerHooks, StepStatus } from './types.js';

/** Why a job's signal was aborted. */
export type JobAbortReason = 'cancelled' | 'timeout';

export interface StepRunInput {
  pipeline: EffectivePipeline;
  job: Job;
  step: Step;
  ctx: RunContext;
  workspace: string;
  places: RunPlaces;
  secrets: Record<string, string>;
  masker: SecretMasker;
  maxLogBytes: number;
  /** Aborted with a `JobAbortReason`. */
  jobSignal: AbortSignal;
  builtIns: Record<string, BuiltInStep>;
  hooks: RunnerHooks;
}

export interface StepOutcome {
  status: Exclude<StepStatus, 'running' | 'skipped'>;
  exitCode?: number | null;
  reason?: string;
  /** The failure is the runner's disk being full. */
  diskFull?: boolean;
  /** A hook threw while the step ran (the step is failed because of it). */
  hookError?: unknown;
}

/** stdout a built-in may capture from a program (an `npm audit --json` report); more is an error, not a leak. */
const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;

/** Prepares what the step needs before anything runs; a mistake here fails the step with the message. */
async function prepare(i: StepRunInput): Promise<{ env: Record<string, string>; cwd: string; script: string | null }> {
  const env = stepEnv({ pipelineEnv: i.pipeline.env, job: i.job, step: i.step, ctx: i.ctx, secrets: i.secrets, places: i.places });
  let cwd = i.workspace;
  if (i.step.workingDirectory !== undefined) {
    cwd = await insideWorkspace(i.workspace, i.step.workingDirectory, 'workingDirectory');
    const st = await stat(cwd).catch(() => null);
    if (!st?.isDirectory()) throw new PathError(`workingDirectory: ${JSON.stringify(i.step.workingDirectory)} is not a directory in the job workspace`);
  }
  const script = i.step.run !== undefined ? substituteScript(i.step.run, i.job) : null;
  return { env, cwd, script };
}

/**
 * Runs one step: a `run` script as `sh -e -c` in its own process group (stdout and stderr merged in the order the
 * process wrote them), or a built-in. Handles its timeout, the job's timeout and cancellation, and reports
 * output through `onLog`, masked and capped. Never throws: every failure becomes an outcome with a reason.
 */
export async function runStep(i: StepRunInput): Promise<StepOutcome> {
  const { job, step } = i;
  const out = new StepOutput(i.masker, i.maxLogBytes, (chunk) => i.hooks.onLog(job.id, step.id, chunk));
  const stop = new AbortController();
  let why: 'cancelled' | 'job-timeout' | 'step-timeout' | null = null;
  const onJobAbort = () => {
    why ??= (i.jobSignal.reason as JobAbortReason) === 'timeout' ? 'job-timeout' : 'cancelled';
    stop.abort();
  };
  i.jobSignal.addEventListener('abort', onJobAbort, { once: true });
  if (i.jobSignal.aborted) onJobAbort();
  const timer = setTimeout(() => {
    why ??= 'step-timeout';
    stop.abort();
  }, timerMs(step.timeoutMs));
  const markers = { GANTRY_RUN_ID: i.ctx.runId, GANTRY_JOB_ID: job.id, GANTRY_STEP_ID: step.id };

  let outcome: StepOutcome;
  try {
    const prepared = await prepare(i);
    if (stop.signal.aborted) outcome = { status: 'failed' };
    else if (prepared.script !== null) outcome = await runScript(prepared.script, prepared, i, out, stop.signal, markers);
    else outcome = await runBuiltIn(i, prepared, out, stop.signal, markers);
  } catch (e) {
    const known = e instanceof EnvError || e instanceof PathError || e instanceof ExpressionError;
    const msg = i.masker.mask(e instanceof Error ? e.message : String(e));
    outcome = isDiskFull(e)
      ? { status: 'failed', reason: diskFullReason(`in the step: ${msg}`), diskFull: true }
      : { status: 'failed', reason: known ? msg : step.uses !== undefined ? `${step.uses}: ${msg}` : `the runner failed to run the step: ${msg}` };
  } finally {
    clearTimeout(timer);
    i.jobSignal.removeEventListener('abort', onJobAbort);
  }

  // Cancellation and timeouts decide the status whatever the process did on its way out.
  if (why === 'cancelled') outcome = { status: 'cancelled', reason: 'the run was cancelled' };
  else if (why === 'step-timeout') outcome = { status: 'timed_out', reason: `exceeded its ${formatDuration(step.timeoutMs)} timeout` };
  else if (why === 'job-timeout') outcome = { status: 'timed_out', reason: `the job exceeded its ${formatDuration(job.timeoutMs)} timeout` };
  if (why !== null) out.notice(`${outcome.reason ?? ''}: stopped the step and every process it started`);

  if (outcome.status === 'failed' && out.sawNoSpace && !outcome.diskFull) {
    outcome = { ...outcome, reason: diskFullReason('in the step: its output says "No space left on device"'), diskFull: true };
  }
  out.end();
  if (out.failure !== undefined) {
    outcome = {
      status: 'failed',
      ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
      reason: isDiskFull(out.failure) ? diskFullReason("while recording the step's output") : `recording the step's output failed: ${String(out.failure)}`,
      diskFull: isDiskFull(out.failure),
      hookError: out.failure,
    };
  }
  return outcome;
}

async function runScript(
  script: string,
  p: { env: Record<string, string>; cwd: string },
  i: StepRunInput,
  out: StepOutput,
  signal: AbortSignal,
  markers: Record<string, string>,
): Promise<StepOutcome> {
  // The outer shell only merges stderr into stdout and becomes the step's shell (`exec`), so the step's pid leads
  // the process group. The script travels as "$1": it is never re-parsed by the outer shell.
  const r = await runInGroup({
    argv: ['/bin/sh', '-c', 'exec /bin/sh -e -c "$1" 2>&1', 'sh', script],
    cwd: p.cwd,
    env: p.env,
    signal,
    onStdout: (b) => out.write(b),
    onStderr: (b) => out.write(b),
    markers,
  });
  if (r.pipesForcedClosed) out.notice('a process outside the step kept its output open; stopped reading it');
  if (r.spawnError) return { status: 'failed', reason: `could not start the step: ${r.spawnError.message}` };
  if (r.exitCode === 0) return { status: 'succeeded', exitCode: 0 };
  if (r.exitCode !== null) return { status: 'failed', exitCode: r.exitCode, reason: `exited with code ${r.exitCode}` };
  return { status: 'failed', exitCode: null, reason: `was killed by ${r.signal ?? 'a signal'}` };
}

async function runBuiltIn(
  i: StepRunInput,
  p: { env: Record<string, string>; cwd: string },
  out: StepOutput,
  signal: AbortSignal,
  markers: Record<string, string>,
): Promise<StepOutcome> {
  const uses = i.step.uses ?? '';
  if (!Object.hasOwn(i.builtIns, uses)) {
    const known = Object.keys(i.builtIns).sort().join(', ');
    return { status: 'failed', reason: `uses: expected a built-in step (${known || 'none are configured'}), found ${JSON.stringify(uses)}` };
  }
  const impl = i.builtIns[uses]!;
  let hookError: unknown;
  const exec: BuiltInExec = async (argv, o = {}) => {
    const captured: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const r = await runInGroup({
      argv,
      cwd: o.cwd ?? p.cwd,
      env: o.env ?? p.env,
      signal,
      onStdout: (b) => {
        size += b.length;
        if (size > MAX_CAPTURE_BYTES) overflow = true;
        else captured.push(b);
      },
      onStderr: (b) => out.write(b),
      markers,
    });
    if (r.spawnError) throw new Error(`could not start ${argv[0]}: ${r.spawnError.message}`);
    if (overflow) throw new Error(`${argv[0]} printed more than ${MAX_CAPTURE_BYTES} bytes to stdout`);
    return { exitCode: r.exitCode, signal: r.signal, stdout: Buffer.concat(captured).toString('utf8') };
  };
  const c: BuiltInContext = {
    ctx: i.ctx,
    pipeline: i.pipeline,
    jobId: i.job.id,
    stepId: i.step.id,
    workspace: i.workspace,
    cwd: p.cwd,
    with: i.step.with ?? {},
    env: p.env,
    signal,
    log: (line) => out.line(line),
    finding: (f) => {
      try {
        i.hooks.onFinding?.(i.job.id, i.step.id, { ...f, message: i.masker.mask(f.message) });
      } catch (e) {
        hookError ??= e;
      }
    },
    exec,
  };
  // A built-in that ignores the signal (an injected policy gate that never answers) must not hold the job past its
  // timeout or a cancel: stop waiting for it (its processes are killed through `exec` either way).
  let onStop: (() => void) | null = null;
  const stopped = new Promise<BuiltInResult>((resolve) => {
    onStop = () => resolve({ status: 'failed', reason: 'stopped' });
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
  });
  let r: BuiltInResult;
  try {
    const running = impl.run(c);
    running.catch(() => undefined); // once the race is lost, a later failure is of no interest
    r = await Promise.race([running, stopped]);
  } finally {
    if (onStop) signal.removeEventListener('abort', onStop);
  }
  if (hookError !== undefined) {
    return {
      status: 'failed',
      reason: isDiskFull(hookError) ? diskFullReason('while recording a finding') : `recording a finding failed: ${String(hookError)}`,
      diskFull: isDiskFull(hookError),
      hookError,
    };
  }
  if (r.status === 'succeeded') return { status: 'succeeded' };
  return { status: 'failed', reason: i.masker.mask(r.reason ?? 'failed') };
}

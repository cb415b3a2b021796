import type { EffectivePipeline, RunContext } from '../model/types.js';

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'timed_out';

/** Something a built-in step found (a secret, a vulnerable dependency, an unpinned requirement). */
export interface Finding {
  /** `@secretlint/secretlint-rule-aws`, `npm-audit/GHSA-xxxx`, `python/unpinned-requirement`. */
  rule: string;
  severity: 'error' | 'warning' | 'info';
  /** Relative to the job workspace, with `/` separators. */
  file: string;
  /** 1-based; null when the finding is about a whole file (an npm advisory). */
  line: number | null;
  /** Secret values in it are masked. */
  message: string;
}

export interface StoredArtifact {
  /** Relative to the job workspace, with `/` separators. */
  path: string;
  size: number;
  sha256: string;
  /** Absolute path of the stored copy. */
  storedAt: string;
}

/**
 * How the runner reports progress. Called in order for one job; jobs running in parallel interleave.
 * A hook that throws fails the job it reports on (a disk-full error is reported as such); when the final status
 * of a job cannot be recorded, `runPipeline` rejects once every process is gone.
 */
export interface RunnerHooks {
  onJob(jobId: string, status: JobStatus, info: { reason?: string; cacheHit?: boolean }): Promise<void> | void;
  onStep(
    jobId: string,
    stepId: string,
    status: StepStatus,
    info: { exitCode?: number | null; reason?: string; durationMs?: number },
  ): Promise<void> | void;
  /**
   * Output, already masked and capped. `stepId` is `JOB_LOG_STEP_ID` for the job's own lines (cache, artifacts,
   * cleanup) that belong to no step.
   */
  onLog(jobId: string, stepId: string, chunk: string): void;
  onFinding?(jobId: string, stepId: string, f: Finding): void;
  onArtifact?(jobId: string, a: StoredArtifact): void;
}

/** The step id job-level log lines are sent with (step ids are `step-N`, so it cannot collide). */
export const JOB_LOG_STEP_ID = 'job';

/** What a policy engine answers for `gantry/policy-gate@1`. */
export interface PolicyDecision {
  allowed: boolean;
  reason: string;
}

export type PolicyGate = (input: {
  ctx: RunContext;
  pipeline: EffectivePipeline;
  jobId: string;
  stepId: string;
  with: Record<string, unknown>;
}) => Promise<PolicyDecision> | PolicyDecision;

/** Runs a program (no shell) for a built-in step, in its own process group, killed with the step. */
export type BuiltInExec = (
  argv: string[],
  options?: { cwd?: string; env?: Record<string, string> },
) => Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stdout: string }>;

export interface BuiltInContext {
  ctx: RunContext;
  pipeline: EffectivePipeline;
  jobId: string;
  stepId: string;
  /** The job workspace. */
  workspace: string;
  /** The workspace plus the step's `workingDirectory`. */
  cwd: string;
  with: Record<string, unknown>;
  /** The step's environment (the same one a `run` step gets; it holds the resolved secrets). */
  env: Record<string, string>;
  /** Aborted on cancel or timeout. */
  signal: AbortSignal;
  /** One line of output (masked, capped; a newline is added). */
  log(line: string): void;
  /** Reports a finding (its message is masked). */
  finding(f: Finding): void;
  exec: BuiltInExec;
}

export interface BuiltInResult {
  status: 'succeeded' | 'failed';
  reason?: string;
}

/** The implementation of a `uses:` step. Throwing fails the step with the error's message. */
export interface BuiltInStep {
  run(c: BuiltInContext): Promise<BuiltInResult>;
}

export interface RunPipelineOptions {
  pipeline: EffectivePipeline;
  ctx: RunContext;
  /** The exact commit, already checked out by the caller (fresh per run). Every job gets a copy of it. */
  checkoutDir: string;
  /** Scratch for this run: job workspaces, the run's HOME and TMPDIR. The caller removes it afterwards. */
  workDir: string;
  cacheDir: string;
  artifactsDir: string;
  /** Resolved `{ secret: NAME }` values; every value is masked in every log. */
  secrets: Record<string, string>;
  /** Default 2. */
  maxParallelJobs?: number;
  /** Default 5 MiB. Beyond: one notice line, the rest discarded while the pipe keeps draining. */
  maxLogBytesPerStep?: number;
  /** Cancels the run: kills everything and marks what was running or waiting `cancelled`. */
  signal: AbortSignal;
  hooks: RunnerHooks;
  /** `uses:` implementations by id; default: `defaultBuiltIns()`. */
  builtIns?: Record<string, BuiltInStep>;
}

export interface RunPipelineResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  /** Final status of every job by id. */
  jobs: Record<string, string>;
}

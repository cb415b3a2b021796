/**
 * The effective pipeline: what `.gantry/pipeline.yaml` means after `extends` is merged, the matrix expanded and
 * defaults applied. The model produces it (src/pipelines/model), the runner runs it (src/pipelines/runner), the
 * exporters translate it. Format of the file: docs/pipelines.md.
 */

/** Run only when every given list matches (branch names are globs; absent = any). */
export interface Condition {
  branches?: string[];
  events?: PipelineEvent[];
}

export type PipelineEvent = 'push' | 'manual' | 'webhook';

/** An environment value: text, or a reference to a platform secret (resolved at run time, masked in logs). */
export type EnvValue = string | { secret: string };

export interface Step {
  /** Stable within its job: `step-1`, `step-2`, ... in order. */
  id: string;
  name: string;
  /** Exactly one of `run` and `uses`. */
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env: Record<string, EnvValue>;
  timeoutMs: number;
  if?: Condition;
  /** Relative to the checkout; never leaves it. */
  workingDirectory?: string;
}

export interface Cache {
  /** Files (relative to the checkout) whose contents make the key. */
  keyFiles: string[];
  prefix?: string;
  paths: string[];
}

export interface Job {
  /** Unique: the job id from the file, with the matrix values for expanded jobs: `test (node=20)`. */
  id: string;
  name: string;
  /** Ids of jobs (after expansion) this one waits for. */
  needs: string[];
  runsOn: string[];
  timeoutMs: number;
  if?: Condition;
  env: Record<string, EnvValue>;
  matrix?: Record<string, string>;
  cache?: Cache;
  artifacts?: { paths: string[] };
  steps: Step[];
  /** Supplied by the standard pipeline (cannot be removed). */
  required: boolean;
  /** Why the standard pipeline requires the job (its `reason`), for messages and the rendered pipeline. */
  reason?: string;
  /** Where the job came from: `gantry/node-service@1` or the repository's file. */
  origin: string;
}

export interface EffectivePipeline {
  name: string;
  extends?: string;
  on: { push?: { branches?: string[] }; manual: boolean };
  env: Record<string, EnvValue>;
  /** Runs started again when their runner is lost (absent: none; the run is marked failed). */
  retry?: { runnerLost: number };
  /** In a topological order (every job after the jobs it needs). */
  jobs: Job[];
}

/** What a run knows that conditions and `${{ }}` expressions read. */
export interface RunContext {
  runId: string;
  event: PipelineEvent;
  branch: string;
  sha: string;
}

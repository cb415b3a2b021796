import type { CiJob, CiPipeline, CiStep } from '../../model/scan.js';

/** A file that could not be read or parsed: reported, never fatal. */
export interface CiProblem {
  file: string;
  line?: number;
  message: string;
}

/**
 * Whether a change to this repository path would start the pipeline (or job). `under`, when present, says
 * quickly whether any path inside a folder could (false lets a monorepo skip testing each of its files).
 */
export type PathFilter = ((path: string) => boolean) & { under?: (dir: string) => boolean };

/**
 * What appliesTo needs beyond the public model, kept beside the objects scanCi returned (a WeakMap, so the model
 * stays plain data): path filters of the triggers and jobs, and where each step's commands run.
 */
export interface PipelineScope {
  /** Null when some trigger starts the pipeline whatever files changed. */
  changes: PathFilter | null;
  /** For systems whose file may live anywhere (Jenkinsfile, azure-pipelines.yml, cloudbuild.yaml): its folder. */
  fileDir: string | null;
}

export interface JobScope {
  changes: PathFilter | null;
}

export interface StepScope {
  /** Repository folders the step's commands run in (`.` for the root). */
  dirs: string[];
  /** Some command runs somewhere that cannot be told (`cd $DIR`). */
  unsure: boolean;
}

const pipelineScopes = new WeakMap<CiPipeline, PipelineScope>();
const jobScopes = new WeakMap<CiJob, JobScope>();
const stepScopes = new WeakMap<CiStep, StepScope>();

export function setPipelineScope(p: CiPipeline, s: PipelineScope): CiPipeline {
  pipelineScopes.set(p, s);
  return p;
}
export function pipelineScopeOf(p: CiPipeline): PipelineScope | undefined {
  return pipelineScopes.get(p);
}
export function setJobScope(j: CiJob, s: JobScope): CiJob {
  jobScopes.set(j, s);
  return j;
}
export function jobScopeOf(j: CiJob): JobScope | undefined {
  return jobScopes.get(j);
}
export function setStepScope(s: CiStep, scope: StepScope): CiStep {
  stepScopes.set(s, scope);
  return s;
}
export function stepScopeOf(s: CiStep): StepScope | undefined {
  return stepScopes.get(s);
}

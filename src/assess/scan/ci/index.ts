import type { CiPipeline, ServiceScan } from '../../model/scan.js';
import type { RepoFiles } from '../files.js';
import { scopeToService as scopeKnown } from './appliesTo.js';
import { scanAzurePipelines } from './azurePipelines.js';
import { capabilitiesOf as capabilities } from './capabilities.js';
import { scanCircleci } from './circleci.js';
import { scanCloudBuild } from './cloudBuild.js';
import { ScanContext } from './context.js';
import { scanGithubActions } from './githubActions.js';
import { scanGitlab } from './gitlabCi.js';
import { scanJenkins } from './jenkins.js';
import { scanTravis } from './travis.js';
import { pipelineScopeOf, type CiProblem } from './types.js';

/**
 * CI pipelines of a repository, read without running anything: every CI system's pipelines, their jobs and
 * steps, and what each step does (the model is src/assess/model/scan.ts). Each system has its reader
 * (githubActions.ts, gitlabCi.ts, jenkins.ts, circleci.ts, azurePipelines.ts, cloudBuild.ts, travis.ts); commands
 * are classified by classify.ts, which follows npm scripts, make targets and shell scripts into the repository.
 */

export type { CiProblem } from './types.js';

const SYSTEMS: Array<[string, (ctx: ScanContext) => CiPipeline[]]> = [
  ['GitHub Actions', scanGithubActions],
  ['GitLab CI', scanGitlab],
  ['Jenkins', scanJenkins],
  ['CircleCI', scanCircleci],
  ['Azure Pipelines', scanAzurePipelines],
  ['Cloud Build', scanCloudBuild],
  ['Travis CI', scanTravis],
];

/** Every CI pipeline in the repository. Files that cannot be read or parsed are problems, never exceptions. */
export function scanCi(files: RepoFiles): { pipelines: CiPipeline[]; problems: CiProblem[] } {
  const ctx = new ScanContext(files);
  const pipelines: CiPipeline[] = [];
  for (const [system, scan] of SYSTEMS) {
    try {
      pipelines.push(...scan(ctx));
    } catch (e) {
      // A scanner bug must not lose the other systems' findings; it is reported like a broken file.
      ctx.problems.push({ file: '.', message: `${system} scanner failed: ${(e as Error).message}` });
    }
  }
  return { pipelines, problems: ctx.problems };
}

/** Per step kind over the pipelines' active jobs: present, unknown (a step's logic is elsewhere) or absent. */
export function capabilitiesOf(pipelines: CiPipeline[]): ServiceScan['capabilities'] {
  return capabilities(pipelines);
}

/**
 * Whether a pipeline concerns the service at `servicePath` in a monorepo: false when its triggers are limited to
 * paths that exclude the service's folder, when its steps all work in another folder, or when its file belongs
 * to another service; true otherwise (and when unsure).
 */
export function appliesTo(pipeline: CiPipeline, servicePath: string, files: RepoFiles): boolean {
  return scopeToService(pipeline, servicePath, files) !== null;
}

/**
 * The pipeline with only the jobs that concern the service (a job limited by `rules: changes` or a path-gated
 * workflow to another service's folder is left out), or null when nothing in it does. Use it before
 * capabilitiesOf for per-service capabilities in monorepos.
 */
export function scopeToService(pipeline: CiPipeline, servicePath: string, files: RepoFiles): CiPipeline | null {
  if (pipelineScopeOf(pipeline)) return scopeKnown(pipeline, servicePath, files);
  // A pipeline that did not come from scanCi in this process (read back from storage): scan again to know its
  // path filters and folders, then keep the given pipeline's jobs that the scanned twin keeps.
  const twin = rescanned(files).find((p) => p.system === pipeline.system && p.file === pipeline.file && p.name === pipeline.name);
  if (!twin) return pipeline;
  const scoped = scopeKnown(twin, servicePath, files);
  if (!scoped) return null;
  const names = new Set(scoped.jobs.map((j) => j.name));
  const jobs = pipeline.jobs.filter((j) => names.has(j.name));
  return jobs.length === pipeline.jobs.length ? pipeline : { ...pipeline, jobs };
}

const rescans = new WeakMap<RepoFiles, CiPipeline[]>();
function rescanned(files: RepoFiles): CiPipeline[] {
  let pipelines = rescans.get(files);
  if (!pipelines) {
    pipelines = scanCi(files).pipelines;
    rescans.set(files, pipelines);
  }
  return pipelines;
}

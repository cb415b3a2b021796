import type { CiJob, CiPipeline } from '../../model/scan.js';
import type { RepoFiles } from '../files.js';
import { inDir, isWithinDir } from './paths.js';
import { jobScopeOf, pipelineScopeOf, stepScopeOf, type PathFilter } from './types.js';

/**
 * Whether a pipeline (or which of its jobs) concerns one service of a monorepo. It does not when its change
 * triggers are limited to paths none of the service's files match, when every job is, when all its located
 * steps run in another folder (`cd services/web`, `working-directory:`), or when its file sits in another
 * service's folder (a Jenkinsfile or azure-pipelines.yml next to another service's build file). When unsure: it
 * does.
 */

/** Files that make a folder a service of its own. */
const SERVICE_MARKERS = ['package.json', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'go.mod', 'Cargo.toml', 'pyproject.toml', 'setup.py', 'requirements.txt', 'Gemfile', 'composer.json', 'Dockerfile', 'mix.exs', 'build.sbt'];

/** Per repository: its sorted paths, and the files of each folder asked about (a monorepo asks many times). */
const indexes = new WeakMap<RepoFiles, { all: string[]; folders: Map<string, string[]> }>();

function serviceFiles(files: RepoFiles, servicePath: string): string[] {
  let index = indexes.get(files);
  if (!index) {
    let all = files.paths();
    // RepoFiles promises sorted paths; a copy is sorted when an implementation does not keep the promise.
    if (all.some((p, i) => i > 0 && all[i - 1]! > p)) all = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    index = { all, folders: new Map() };
    indexes.set(files, index);
  }
  if (servicePath === '.' || servicePath === '') return index.all;
  const cached = index.folders.get(servicePath);
  if (cached) return cached;
  const out = folderFiles(index.all, servicePath);
  index.folders.set(servicePath, out);
  return out;
}

function folderFiles(all: string[], servicePath: string): string[] {
  const prefix = `${servicePath}/`;
  // paths() is sorted by code unit: the service's files are one run, found by binary search.
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < all.length && all[i]!.startsWith(prefix); i++) out.push(all[i]!);
  return out;
}

function admitsAny(filter: PathFilter | null, paths: string[], folder: string): boolean {
  if (filter === null || paths.length === 0) return true;
  if (filter.under && !filter.under(folder)) return false;
  return paths.some((p) => filter(p));
}

/** Another folder than the service's, not above it nor inside it. */
function elsewhere(dir: string, servicePath: string): boolean {
  return !isWithinDir(dir, servicePath) && !isWithinDir(servicePath, dir);
}

function jobApplies(job: CiJob, servicePath: string, paths: string[]): boolean {
  if (!admitsAny(jobScopeOf(job)?.changes ?? null, paths, servicePath)) return false;
  let located = 0;
  for (const step of job.steps) {
    const scope = stepScopeOf(step);
    if (!scope || scope.unsure || scope.dirs.length === 0) continue;
    if (scope.dirs.some((d) => !elsewhere(d, servicePath))) return true;
    located++;
  }
  return located === 0;
}

/** The pipeline with only the jobs that concern the service, or null when none does. */
export function scopeToService(pipeline: CiPipeline, servicePath: string, files: RepoFiles): CiPipeline | null {
  const service = servicePath.replace(/^\.\/|\/+$/g, '') || '.';
  if (service === '.') return pipeline;
  const scope = pipelineScopeOf(pipeline);
  const paths = serviceFiles(files, service);
  if (scope) {
    if (scope.fileDir !== null && scope.fileDir !== '.' && elsewhere(scope.fileDir, service) && looksLikeService(files, scope.fileDir)) return null;
    if (!admitsAny(scope.changes, paths, service)) return null;
  }
  if (pipeline.jobs.length === 0) return pipeline;
  const jobs = pipeline.jobs.filter((j) => jobApplies(j, service, paths));
  if (jobs.length === 0) return null;
  return jobs.length === pipeline.jobs.length ? pipeline : { ...pipeline, jobs };
}

/** Whether the pipeline concerns the service at `servicePath` (`.` is the whole repository). */
export function appliesTo(pipeline: CiPipeline, servicePath: string, files: RepoFiles): boolean {
  return scopeToService(pipeline, servicePath, files) !== null;
}

function looksLikeService(files: RepoFiles, dir: string): boolean {
  const set = new Set(serviceFiles(files, dir));
  return SERVICE_MARKERS.some((m) => set.has(inDir(dir, m)));
}

import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Cache, Job } from '../model/types.js';
import { DiskFullError, isDiskFull } from './diskFull.js';
import { insideWorkspace } from './paths.js';
import { runTool } from './tools.js';

/** Bumped when what a cache archive holds changes meaning, so old archives are not restored. */
const CACHE_FORMAT = 'gantry-cache-v1';

export interface CacheIo {
  workspace: string;
  cacheDir: string;
  env: Record<string, string>;
  signal: AbortSignal;
  markers: Record<string, string>;
}

/**
 * The cache key: sha256 over the format version, the prefix, the job id (which carries the matrix values), the
 * matrix values themselves and, for each key file, its path and the sha256 of its contents (or that it is
 * missing). The file name is `<prefix>-<hex>.tar` so an operator can tell caches apart.
 */
export async function cacheKey(cache: Cache, job: Job, workspace: string): Promise<string> {
  const h = createHash('sha256');
  const field = (s: string) => h.update(`${s}\0`);
  field(CACHE_FORMAT);
  field(cache.prefix ?? '');
  field(job.id);
  for (const [k, v] of Object.entries(job.matrix ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) field(`${k}=${v}`);
  for (const [i, f] of cache.keyFiles.entries()) {
    const abs = await insideWorkspace(workspace, f, `cache.key[${i}]`);
    let digest = 'missing';
    try {
      digest = createHash('sha256').update(await readFile(abs)).digest('hex');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    field(f);
    field(digest);
  }
  const prefix = (cache.prefix ?? '').replace(/[^A-Za-z0-9._-]/g, '_');
  return `${prefix ? `${prefix}-` : ''}${h.digest('hex')}`;
}

function archiveOf(cacheDir: string, key: string): string {
  return path.join(cacheDir, `${key}.tar`);
}

/** Restores `<cacheDir>/<key>.tar` into the workspace with the system tar; false when there is none. */
export async function restoreCache(key: string, io: CacheIo): Promise<boolean> {
  const archive = archiveOf(io.cacheDir, key);
  try {
    await stat(archive);
  } catch {
    return false;
  }
  // GNU tar strips leading `/` and refuses `..` members by default, and never writes through a link it extracted.
  await runTool(['tar', '-xf', archive, '--no-same-owner', '-C', io.workspace], {
    cwd: io.workspace,
    env: io.env,
    signal: io.signal,
    what: 'restoring the cache',
    markers: io.markers,
  });
  return true;
}

/**
 * Saves the cache paths that exist into `<cacheDir>/<key>.tar`: written to a temporary file in the same
 * directory, then renamed, so a reader never sees half an archive and concurrent savers do not mix. Returns the
 * paths saved (none: nothing written).
 */
export async function saveCache(cache: Cache, key: string, io: CacheIo): Promise<string[]> {
  const present: string[] = [];
  for (const [i, p] of cache.paths.entries()) {
    const abs = await insideWorkspace(io.workspace, p, `cache.paths[${i}]`);
    try {
      await lstat(abs);
      present.push(path.relative(io.workspace, abs) || '.');
    } catch {
      // not produced by this job: nothing to save
    }
  }
  if (present.length === 0) return [];
  const tmp = path.join(io.cacheDir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(io.cacheDir, { recursive: true });
    await runTool(['tar', '-cf', tmp, '-C', io.workspace, '--', ...present], {
      cwd: io.workspace,
      env: io.env,
      signal: io.signal,
      what: 'saving the cache',
      markers: io.markers,
    });
    await rename(tmp, archiveOf(io.cacheDir, key));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (isDiskFull(e) && !(e instanceof DiskFullError)) throw new DiskFullError('while saving the cache', { cause: e });
    throw e;
  }
  return present;
}

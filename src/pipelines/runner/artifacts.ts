import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { glob } from 'tinyglobby';
import { DiskFullError, isDiskFull } from './diskFull.js';
import { PathError, isWithin } from './paths.js';
import type { StoredArtifact } from './types.js';

function checkPattern(p: string, i: number): void {
  if (p === '' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
    throw new PathError(`artifacts.paths[${i}]: expected a glob relative to the job workspace (no leading / and no ..), found ${JSON.stringify(p)}`);
  }
}

/** Copies one file to `dest` (through a temporary file and a rename) and returns its size and sha256. */
async function copyHashed(src: string, dest: string, signal: AbortSignal): Promise<{ size: number; sha256: string }> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(src), tap, createWriteStream(tmp, { flags: 'wx' }), { signal });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Stores the files matching the job's `artifacts.paths` globs under `destDir`, keeping their relative paths.
 * Symbolic links are not followed or stored (a link could point at the runner's own files).
 */
export async function storeArtifacts(o: {
  workspace: string;
  patterns: string[];
  destDir: string;
  signal: AbortSignal;
  log(line: string): void;
  stored(a: StoredArtifact): void;
}): Promise<StoredArtifact[]> {
  o.patterns.forEach(checkPattern);
  const files = await glob(o.patterns, { cwd: o.workspace, onlyFiles: true, dot: true, followSymbolicLinks: false });
  files.sort();
  const root = await realpath(o.workspace);
  const out: StoredArtifact[] = [];
  for (const rel of files) {
    if (o.signal.aborted) throw new Error('storing artifacts: stopped');
    const src = path.join(o.workspace, rel);
    const st = await lstat(src);
    if (!st.isFile()) {
      o.log(`artifacts: skipped ${rel}: ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`);
      continue;
    }
    if (!isWithin(root, await realpath(src))) {
      o.log(`artifacts: skipped ${rel}: it lies outside the job workspace`);
      continue;
    }
    const dest = path.join(o.destDir, rel);
    let copied: { size: number; sha256: string };
    try {
      copied = await copyHashed(src, dest, o.signal);
    } catch (e) {
      if (isDiskFull(e)) throw new DiskFullError(`while storing the artifact ${rel}`, { cause: e });
      throw e;
    }
    const a: StoredArtifact = { path: rel.split(path.sep).join('/'), ...copied, storedAt: dest };
    out.push(a);
    o.stored(a);
  }
  return out;
}

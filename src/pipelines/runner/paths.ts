import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export class PathError extends Error {}

/**
 * Resolves a workspace-relative path given in the pipeline and checks it stays inside the workspace, lexically
 * (no absolute paths, no `..` out) and after following symbolic links that exist (a committed link `web -> /`).
 * `field` names where the path came from, for the message.
 */
export async function insideWorkspace(workspace: string, rel: string, field: string): Promise<string> {
  if (rel === '' || path.isAbsolute(rel) || rel.includes('\0')) {
    throw new PathError(`${field}: expected a relative path inside the job workspace, found ${JSON.stringify(rel)}`);
  }
  const abs = path.resolve(workspace, rel);
  if (!isWithin(workspace, abs)) {
    throw new PathError(`${field}: expected a path inside the job workspace, found ${JSON.stringify(rel)} (it leaves it)`);
  }
  let real: string | null = null;
  try {
    real = await realpath(abs);
  } catch {
    real = null; // does not exist (yet): the lexical check is all there is
  }
  if (real !== null && !isWithin(await realpath(workspace), real)) {
    throw new PathError(`${field}: ${JSON.stringify(rel)} is a symbolic link that leads out of the job workspace`);
  }
  return abs;
}

export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * A directory name for a job id: readable (`test (node=20)` stays as it is) and safe. Characters other than
 * letters, digits, space and `._=()+,@-` become `_`; when anything was replaced, a short hash of the id is added
 * so two ids can never share a directory.
 */
export function dirNameFor(jobId: string): string {
  let name = jobId.replace(/[^A-Za-z0-9 ._=()+,@-]/g, '_');
  if (name.startsWith('.') || name === '') name = `_${name}`;
  if (name !== jobId) name += `-${createHash('sha256').update(jobId).digest('hex').slice(0, 8)}`;
  return name;
}

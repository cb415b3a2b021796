import { lstat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from '../../core/errors.js';

/**
 * Paths from templates and their parameters are untrusted: they must name something inside the task's
 * workspace (or the template's own source), written relative, with no `..` that climbs out and no symbolic
 * link on the way (a link could point anywhere on the server).
 */

export function pathError(field: string, message: string): InputError {
  return new InputError(`${field}: ${message}`, { problems: [{ code: 'path_outside_workspace', path: field, message, severity: 'error' }] });
}

/** True when `child` is `root` or below it. Both must be absolute and normalised. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Resolves `rel` inside `root` and checks that no existing part of the path is a symbolic link. Throws an
 * InputError naming `field` otherwise. `rel` may be `.` or empty for the root itself.
 */
export async function resolveInside(root: string, rel: unknown, field: string): Promise<string> {
  if (rel === undefined || rel === null || rel === '') return resolve(root);
  if (typeof rel !== 'string') throw pathError(field, `expected a relative path, found ${typeof rel}`);
  if (rel.includes('\0')) throw pathError(field, 'expected a path, found a NUL character');
  if (isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel)) {
    throw pathError(field, `expected a path relative to the task workspace, found the absolute path ${JSON.stringify(rel)}`);
  }
  const base = resolve(root);
  const abs = resolve(base, rel);
  if (!isInside(base, abs)) throw pathError(field, `expected a path inside the task workspace, found ${JSON.stringify(rel)}, which leaves it`);
  await assertNoLinks(base, abs, field, rel);
  return abs;
}

/** Throws when any existing component of `abs` below `base` is a symbolic link. */
export async function assertNoLinks(base: string, abs: string, field: string, shown: string): Promise<void> {
  const parts = relative(base, abs).split(sep).filter(Boolean);
  let cur = base;
  for (const part of parts) {
    cur = resolve(cur, part);
    let st;
    try {
      st = await lstat(cur);
    } catch {
      return; // the rest does not exist yet
    }
    if (st.isSymbolicLink()) {
      throw pathError(field, `expected a path without symbolic links, found ${JSON.stringify(shown)}, which goes through the link ${JSON.stringify(relative(base, cur))}`);
    }
  }
}

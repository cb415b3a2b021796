import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoFiles } from '../files.js';

/** Test helpers: repositories in memory or from `fixtures/<name>/`, as the scanners see them. */

export function memoryFiles(files: Record<string, string>): RepoFiles {
  const paths = Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    paths: () => [...paths],
    read: (path) => (Object.hasOwn(files, path) ? files[path]! : null),
  };
}

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A fixture repository, read once into memory. */
export function fixtureFiles(name: string): RepoFiles {
  const root = join(FIXTURES, name);
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[relative(root, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return memoryFiles(files);
}

/** The 1-based line of the first line of `file` containing `text` (for expectations that follow the fixture). */
export function lineOf(files: RepoFiles, file: string, text: string, occurrence = 1): number {
  const lines = (files.read(file) ?? '').split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(text) && ++seen === occurrence) return i + 1;
  }
  throw new Error(`${file} has no line containing ${JSON.stringify(text)}`);
}

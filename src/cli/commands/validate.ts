/**
 * Offline validation of descriptor files (`gantry catalog validate`): no server, the same parser the catalog
 * ingests with, every problem in one pass.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Problem } from '../../core/errors.js';

/** One document of a validated file. */
export interface ValidatedDocument {
  index: number;
  line: number;
  ref: string | null;
  valid: boolean;
}

/** One validated file: its documents and every problem in it, each with file:line:col. */
export interface ValidatedFile {
  file: string;
  documents: ValidatedDocument[];
  problems: Problem[];
}

/** What `gantry catalog validate --json` prints. */
export interface ValidationReport {
  valid: boolean;
  summary: { files: number; documents: number; validDocuments: number; errors: number; warnings: number };
  files: ValidatedFile[];
}

const DESCRIPTOR_GLOB = '**/*.{yaml,yml}';

/** How a path is shown: as the user wrote it (relative stays relative to the cwd, absolute stays absolute). */
function displayPath(abs: string, given: string, cwd: string): string {
  return isAbsolute(given) ? abs : relative(cwd, abs) || '.';
}

/**
 * Expands files and directories (recursively, `*.yaml`/`*.yml`, skipping dot-folders and node_modules) into a
 * sorted, de-duplicated list. A path that does not exist becomes a problem, not an exception.
 */
async function expandPaths(paths: string[], cwd: string): Promise<{ files: Array<{ abs: string; shown: string }>; missing: Problem[] }> {
  const { glob } = await import('tinyglobby');
  const seen = new Map<string, string>();
  const missing: Problem[] = [];
  for (const given of paths) {
    const abs = resolve(cwd, given);
    let info;
    try {
      info = await stat(abs);
    } catch {
      missing.push({
        code: 'not_found',
        path: '',
        severity: 'error',
        message: `expected a file or directory, found nothing at ${given}`,
        position: { file: given, line: 1, column: 1 },
      });
      continue;
    }
    if (info.isDirectory()) {
      const found = await glob([DESCRIPTOR_GLOB], { cwd: abs, ignore: ['**/node_modules/**'], dot: false, onlyFiles: true });
      for (const f of found) {
        const fileAbs = join(abs, f);
        if (!seen.has(fileAbs)) seen.set(fileAbs, displayPath(fileAbs, given, cwd));
      }
    } else if (!seen.has(abs)) {
      seen.set(abs, displayPath(abs, given, cwd));
    }
  }
  const files = [...seen].map(([abs, shown]) => ({ abs, shown })).sort((a, b) => a.shown.localeCompare(b.shown));
  return { files, missing };
}

function byPosition(a: Problem, b: Problem): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0);
}

/** Validates every descriptor under `paths` with the catalog model's parser. */
export async function validatePaths(paths: string[], cwd: string = process.cwd()): Promise<ValidationReport> {
  const { parseDescriptors } = await import('../../catalog/model/index.js');
  const { files, missing } = await expandPaths(paths, cwd);
  const results: ValidatedFile[] = missing.map((p) => ({ file: p.position?.file ?? '', documents: [], problems: [p] }));
  for (const { abs, shown } of files) {
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (e) {
      const problem: Problem = {
        code: 'unreadable',
        path: '',
        severity: 'error',
        message: `cannot read the file: ${(e as Error).message}`,
        position: { file: shown, line: 1, column: 1 },
      };
      results.push({ file: shown, documents: [], problems: [problem] });
      continue;
    }
    const parsed = parseDescriptors(text, shown);
    const problems: Problem[] = parsed.problems.map((p) => ({ ...p, position: p.position ?? { file: shown, line: 1, column: 1 } }));
    const documents: ValidatedDocument[] = [];
    for (const doc of parsed.documents) {
      // Every problem must point somewhere a person can open; fall back to the start of its document.
      for (const p of doc.problems) problems.push({ ...p, position: p.position ?? doc.position });
      documents.push({ index: doc.index, line: doc.position.line, ref: doc.ref ?? null, valid: doc.entity !== undefined });
    }
    results.push({ file: shown, documents, problems: problems.sort(byPosition) });
  }
  const all = results.flatMap((r) => r.problems);
  const errors = all.filter((p) => p.severity !== 'warning').length;
  const docs = results.flatMap((r) => r.documents);
  return {
    valid: errors === 0,
    summary: {
      files: files.length,
      documents: docs.length,
      validDocuments: docs.filter((d) => d.valid).length,
      errors,
      warnings: all.length - errors,
    },
    files: results,
  };
}

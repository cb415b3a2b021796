import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { insideWorkspace } from '../paths.js';
import type { BuiltInContext, BuiltInStep, Finding } from '../types.js';

/** Files larger than this are not scanned (generated bundles, data); said in the log. */
const MAX_FILE_BYTES = 1024 * 1024;
/** Never scanned: git's own objects, and installed third-party code that is not part of the commit. */
const IGNORED = ['**/.git/**', '**/node_modules/**'];

const CONFIG = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }] };

function readPaths(c: BuiltInContext): string[] {
  const v = c.with.paths;
  if (v === undefined) return ['.'];
  if (!Array.isArray(v) || v.length === 0 || !v.every((p): p is string => typeof p === 'string')) {
    throw new Error(`with.paths: expected a non-empty list of paths, found ${JSON.stringify(v)}`);
  }
  return v;
}

async function filesUnder(c: BuiltInContext, paths: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const [i, p] of paths.entries()) {
    const abs = await insideWorkspace(c.workspace, path.relative(c.workspace, path.resolve(c.cwd, p)) || '.', `with.paths[${i}]`);
    const st = await lstat(abs).catch(() => null);
    if (!st) throw new Error(`with.paths[${i}]: ${JSON.stringify(p)} does not exist in the job workspace`);
    if (st.isFile()) out.add(abs);
    else if (st.isDirectory()) {
      for (const f of await glob(['**/*'], { cwd: abs, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: IGNORED, absolute: true })) out.add(f);
    }
  }
  return [...out].sort();
}

function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0);
}

/**
 * `gantry/secret-scan@1`: scans the job workspace (or `with.paths`) with secretlint's recommended preset. Each
 * finding goes to `onFinding` with the secret masked; the step fails when any has severity error.
 */
export function secretScanStep(): BuiltInStep {
  return {
    async run(c) {
      const files = await filesUnder(c, readPaths(c));
      let scanned = 0;
      let skipped = 0;
      const findings: Finding[] = [];
      for (const file of files) {
        if (c.signal.aborted) return { status: 'failed', reason: 'stopped' };
        const st = await lstat(file);
        if (!st.isFile()) continue;
        if (st.size > MAX_FILE_BYTES) {
          skipped++;
          continue;
        }
        const content = await readFile(file);
        if (isBinary(content)) continue;
        scanned++;
        const result = await lintSource({
          source: { content: content.toString('utf8'), filePath: file, ext: path.extname(file), contentType: 'text' },
          options: { config: CONFIG, maskSecrets: true },
        });
        const rel = path.relative(c.workspace, file).split(path.sep).join('/');
        for (const m of result.messages) {
          const f: Finding = {
            rule: m.ruleId,
            severity: m.severity === 'error' ? 'error' : m.severity === 'warning' ? 'warning' : 'info',
            file: rel,
            line: m.loc.start.line,
            message: m.message,
          };
          findings.push(f);
          c.finding(f);
          c.log(`${rel}:${f.line}: ${f.severity}: ${f.message} (${f.rule})`);
        }
      }
      const errors = findings.filter((f) => f.severity === 'error');
      c.log(
        `secret-scan: scanned ${scanned} file${scanned === 1 ? '' : 's'}` +
          (skipped ? `, skipped ${skipped} larger than 1 MiB` : '') +
          `; ${errors.length} error${errors.length === 1 ? '' : 's'}, ${findings.length - errors.length} other finding${findings.length - errors.length === 1 ? '' : 's'}`,
      );
      if (errors.length === 0) return { status: 'succeeded' };
      const first = errors[0]!;
      return {
        status: 'failed',
        reason: `found ${errors.length} secret${errors.length === 1 ? '' : 's'} (first: ${first.file}:${first.line}, ${first.rule})`,
      };
    },
  };
}

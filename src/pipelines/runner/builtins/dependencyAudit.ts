import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BuiltInContext, BuiltInResult, BuiltInStep, Finding } from '../types.js';

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];

function rank(s: string): number {
  return SEVERITIES.indexOf(s as Severity);
}

function readThreshold(c: BuiltInContext): Severity {
  const v = c.with.severity ?? 'high';
  if (typeof v !== 'string' || rank(v) < 1) {
    throw new Error(`with.severity: expected one of low, moderate, high, critical, found ${JSON.stringify(v)}`);
  }
  return v as Severity;
}

/**
 * What to do when the advisory database cannot be asked (an offline or air-gapped registry, a mirror without the
 * audit endpoint): `fail` (the default: an audit that could not run has not shown the dependencies are safe) or
 * `warn` (pass, with a warning finding that says the dependencies were not audited). The step's `with.unreachable`
 * wins; otherwise the runner's GANTRY_AUDIT_UNREACHABLE, which the platform operator sets, not the team.
 */
function readUnreachable(c: BuiltInContext): 'fail' | 'warn' {
  const v = c.with.unreachable ?? process.env.GANTRY_AUDIT_UNREACHABLE ?? 'fail';
  if (v !== 'fail' && v !== 'warn') {
    const where = c.with.unreachable !== undefined ? 'with.unreachable' : 'GANTRY_AUDIT_UNREACHABLE (on the runner)';
    throw new Error(`${where}: expected fail or warn, found ${JSON.stringify(v)}`);
  }
  return v;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function rel(c: BuiltInContext, p: string): string {
  return path.relative(c.workspace, p).split(path.sep).join('/');
}

/** One advisory as `npm audit --json` (report version 2) lists it in a vulnerability's `via`. */
interface Advisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
}

async function auditNpm(c: BuiltInContext, threshold: Severity, unreachable: 'fail' | 'warn'): Promise<BuiltInResult & { findings: number }> {
  const lockfile = path.join(c.cwd, 'package-lock.json');
  if (!(await exists(lockfile)) && !(await exists(path.join(c.cwd, 'npm-shrinkwrap.json')))) {
    c.log('dependency-audit: no package-lock.json; resolving one with npm install --package-lock-only --ignore-scripts');
    const r = await c.exec(['npm', 'install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund']);
    if (r.exitCode !== 0) {
      return { status: 'failed', reason: `npm install --package-lock-only failed (exit code ${r.exitCode ?? r.signal}): see the log`, findings: 0 };
    }
  }
  const lockfileOf = (await exists(path.join(c.cwd, 'npm-shrinkwrap.json'))) ? path.join(c.cwd, 'npm-shrinkwrap.json') : lockfile;
  const r = await c.exec(['npm', 'audit', '--json', '--package-lock-only']);
  let report: {
    auditReportVersion?: number;
    vulnerabilities?: Record<string, { name?: string; severity?: string; range?: string; via?: Array<Advisory | string> }>;
    error?: { code?: string; summary?: string; detail?: string };
    message?: string;
  };
  try {
    report = JSON.parse(r.stdout) as typeof report;
  } catch {
    return { status: 'failed', reason: `npm audit did not print a JSON report (exit code ${r.exitCode ?? r.signal}): see the log`, findings: 0 };
  }
  if (report.error) {
    // Fail closed: an audit that could not ask for advisories has not shown the dependencies are safe.
    const why = report.error.summary || report.message || report.error.code || 'unknown error';
    if (unreachable === 'warn') {
      const message = `the dependencies were not audited: npm audit could not get advisories (${why})`;
      c.finding({ rule: 'npm-audit/advisories-unreachable', severity: 'warning', file: rel(c, lockfileOf), line: null, message });
      c.log(`dependency-audit: warning: ${message}; passing because unreachable is warn`);
      return { status: 'succeeded', findings: 0 };
    }
    return { status: 'failed', reason: `npm audit failed: ${why}`, findings: 0 };
  }
  if (report.auditReportVersion !== 2 || typeof report.vulnerabilities !== 'object') {
    return { status: 'failed', reason: `npm audit printed a report this runner does not read (auditReportVersion ${String(report.auditReportVersion)}; npm 7 or later is needed)`, findings: 0 };
  }
  const seen = new Set<string>();
  let count = 0;
  let below = 0;
  for (const [pkg, v] of Object.entries(report.vulnerabilities)) {
    for (const via of v.via ?? []) {
      // A string names another vulnerable package this one depends on; its advisories are listed under it.
      if (typeof via === 'string') continue;
      const id = via.url ?? `${via.source ?? ''}:${via.name ?? pkg}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const sev = via.severity ?? v.severity ?? 'info';
      if (rank(sev) < rank(threshold)) {
        below++;
        continue;
      }
      count++;
      const ghsa = via.url?.match(/GHSA-[\w-]+/)?.[0];
      const f: Finding = {
        rule: `npm-audit/${ghsa ?? via.source ?? 'advisory'}`,
        severity: 'error',
        file: rel(c, lockfile),
        line: null,
        message: `${via.name ?? pkg}${via.range ? ` ${via.range}` : ''}: ${via.title ?? 'vulnerable'} (${sev})${via.url ? ` ${via.url}` : ''}`,
      };
      c.finding(f);
      c.log(`${f.message}`);
    }
  }
  c.log(`dependency-audit: npm: ${count} advisor${count === 1 ? 'y' : 'ies'} at or above ${threshold}, ${below} below`);
  return count === 0
    ? { status: 'succeeded', findings: 0 }
    : { status: 'failed', reason: `npm audit found ${count} advisor${count === 1 ? 'y' : 'ies'} at or above ${threshold}`, findings: count };
}

/** `name==1.2.3` (or `===`), also with extras and markers; a direct reference `name @ url` counts as pinned. */
function isPinned(req: string): boolean {
  if (/^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@\s*\S/.test(req)) return true;
  const m = req.match(/===?\s*([^\s,;]+)/);
  return m !== null && !m[1]!.includes('*') && !/[<>!~]=?|,/.test(req.replace(/===?\s*[^\s,;]+/, ''));
}

async function auditPython(c: BuiltInContext, files: string[]): Promise<number> {
  let unpinned = 0;
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
    for (const [i, raw] of lines.entries()) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      // Blank lines, comments, and options (-r other.txt, -e ., --index-url) are not requirements.
      if (!line || line.startsWith('-')) continue;
      const spec = line.split(';')[0]!.trim();
      if (isPinned(spec)) continue;
      unpinned++;
      const name = spec.match(/^[A-Za-z0-9._-]+/)?.[0] ?? spec;
      const f: Finding = {
        rule: 'python/unpinned-requirement',
        severity: 'warning',
        file: rel(c, file),
        line: i + 1,
        message: `${name} is not pinned to one version (expected ${name}==<version>, found ${JSON.stringify(raw.trim())})`,
      };
      c.finding(f);
      c.log(`${f.file}:${f.line}: warning: ${f.message}`);
    }
  }
  c.log(`dependency-audit: python: ${unpinned} unpinned requirement${unpinned === 1 ? '' : 's'} in ${files.map((f) => rel(c, f)).join(', ')}`);
  return unpinned;
}

/**
 * `gantry/dependency-audit@1`: for an npm project (package.json in the step's directory), `npm audit` against
 * the lockfile (resolved first when there is none), failing on advisories at or above `with.severity` (default
 * high); for Python, requirement lines without a pinned version are reported as warnings. No manifest: nothing
 * to audit, the step succeeds and says so.
 */
export function dependencyAuditStep(): BuiltInStep {
  return {
    async run(c) {
      const threshold = readThreshold(c);
      const unreachable = readUnreachable(c);
      const hasNpm = await exists(path.join(c.cwd, 'package.json'));
      const requirements = (await readdir(c.cwd))
        .filter((f) => /^requirements.*\.txt$/.test(f))
        .sort()
        .map((f) => path.join(c.cwd, f));
      if (!hasNpm && requirements.length === 0) {
        c.log(`dependency-audit: no package.json or requirements*.txt in ${rel(c, c.cwd) || '.'}; nothing to audit`);
        return { status: 'succeeded' };
      }
      let result: BuiltInResult = { status: 'succeeded' };
      if (hasNpm) {
        const r = await auditNpm(c, threshold, unreachable);
        result = { status: r.status, ...(r.reason ? { reason: r.reason } : {}) };
      }
      if (requirements.length) await auditPython(c, requirements);
      return result;
    },
  };
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Problem } from '../../core/errors.js';
import { parsePolicies } from '../model/parsePolicies.js';
import type { AdmissionInput, DecisionResult, Policy } from '../model/types.js';
import { builtInPolicies } from '../packs/builtIn.js';
import { createPolicyEngine, type PolicyEngine } from './engine.js';

/**
 * `gantry policy test`: policy unit tests, like `opa test`. A `*.test.yaml` names the policies under test
 * (files or folders relative to it, or policy names found there or among the built-in packs) and cases with
 * an input and the expected outcome.
 */

export interface CaseResult {
  name: string;
  passed: boolean;
  expected: string;
  actual: DecisionResult | 'error';
  /** Why it failed: the decisions' messages, or what was wrong with the case. */
  detail?: string;
}

export interface TestFileResult {
  file: string;
  problems: Problem[];
  cases: CaseResult[];
}

export interface TestReport {
  passed: number;
  failed: number;
  files: TestFileResult[];
}

const EXPECTS = ['allow', 'deny', 'warn', 'audit'] as const;

/** Defaults so a case states only what matters to it. */
const DEFAULT_SUBJECT = { ref: 'component:default/example', kind: 'component', namespace: 'default', name: 'example', labels: {}, annotations: {}, tags: [], spec: {} };
const DEFAULT_ACTOR = { ref: 'user:default/tester', role: 'member', teams: [] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Files named `*.test.yaml` / `*.test.yml` under a path (a file is taken as it is). */
export async function findTestFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [resolve(path)];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.test\.ya?ml$/.test(entry.name) && !entry.parentPath.includes('node_modules')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** Every Policy in the `.yaml`/`.yml` files (not tests) of a folder or one file; problems keep file:line:col. */
export async function loadPolicyFiles(path: string): Promise<{ policies: Policy[]; problems: Problem[] }> {
  const info = await stat(path);
  const files = info.isDirectory()
    ? (await readdir(path, { withFileTypes: true, recursive: true }))
        .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !/\.test\.ya?ml$/.test(e.name))
        .map((e) => join(e.parentPath, e.name))
        .sort()
    : [path];
  const policies: Policy[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const r = parsePolicies(await readFile(file, 'utf8'), file);
    policies.push(...r.policies);
    problems.push(...r.problems);
  }
  return { policies, problems };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function policiesUnderTest(entries: unknown, dir: string, problems: Problem[], file: string): Promise<Policy[]> {
  const fail = (message: string) => problems.push({ code: 'invalid_value', path: 'policies', message: `policies: ${message}`, position: { file, line: 1, column: 1 }, severity: 'error' });
  if (!Array.isArray(entries) || entries.length === 0) {
    fail('expected a list of policy files, folders or names');
    return [];
  }
  const out: Policy[] = [];
  let known: Policy[] | undefined;
  for (const entry of entries) {
    if (typeof entry !== 'string' || !entry) {
      fail(`expected a file, folder or policy name, found ${JSON.stringify(entry)}`);
      continue;
    }
    const path = resolve(dir, entry);
    if (await exists(path)) {
      const r = await loadPolicyFiles(path);
      out.push(...r.policies);
      problems.push(...r.problems);
      continue;
    }
    known ??= [...(await loadPolicyFiles(dir)).policies, ...builtInPolicies()];
    const found = known.find((p) => p.metadata.name === entry);
    if (found) out.push(found);
    else fail(`expected a file, folder or policy name, found ${JSON.stringify(entry)}: no such file, and no policy of that name in ${dir} or the built-in packs`);
  }
  return out;
}

function inputOf(raw: unknown): AdmissionInput {
  const r = isRecord(raw) ? raw : {};
  return {
    subject: { ...DEFAULT_SUBJECT, ...(isRecord(r.subject) ? r.subject : {}) } as AdmissionInput['subject'],
    actor: { ...DEFAULT_ACTOR, ...(isRecord(r.actor) ? r.actor : {}) } as AdmissionInput['actor'],
    object: isRecord(r.object) ? r.object : {},
  };
}

/** The outcome of a set of decisions: deny beats warn beats audit beats allow. */
export function outcomeOf(results: readonly DecisionResult[]): DecisionResult {
  for (const r of ['deny', 'warn', 'audit'] as const) if (results.includes(r)) return r;
  return 'allow';
}

export async function runTestFile(file: string, engine: PolicyEngine = createPolicyEngine()): Promise<TestFileResult> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return { code: 'yaml_syntax', path: '', message: `expected valid YAML, found an error: ${e.message.split('\n')[0]}`, position: { file, line, column: col }, severity: 'error' as const };
  });
  if (problems.length) return { file, problems, cases: [] };
  const raw = doc.toJS() as unknown;
  if (!isRecord(raw) || !Array.isArray(raw.cases)) {
    return { file, problems: [{ code: 'invalid_value', path: 'cases', message: 'cases: expected a list of { name, action, input, expect }', position: { file, line: 1, column: 1 }, severity: 'error' }], cases: [] };
  }
  const policies = await policiesUnderTest(raw.policies, dirname(file), problems, file);
  if (problems.length) return { file, problems, cases: [] };
  const baseDir = dirname(file);
  const cases: CaseResult[] = [];
  for (const [i, c] of (raw.cases as unknown[]).entries()) {
    const name = isRecord(c) && typeof c.name === 'string' ? c.name : `case ${i + 1}`;
    const bad = (detail: string): void => void cases.push({ name, passed: false, expected: isRecord(c) ? String(c.expect) : '?', actual: 'error', detail });
    if (!isRecord(c)) {
      bad('expected a mapping with name, action, input and expect');
      continue;
    }
    if (typeof c.action !== 'string') {
      bad('expected action: an admission point such as deployment.create');
      continue;
    }
    if (typeof c.expect !== 'string' || !(EXPECTS as readonly string[]).includes(c.expect)) {
      bad(`expected expect: one of ${EXPECTS.join(', ')}, found ${JSON.stringify(c.expect)}`);
      continue;
    }
    let input: unknown = c.input;
    if (typeof c.inputFile === 'string') {
      try {
        input = JSON.parse(await readFile(resolve(baseDir, c.inputFile), 'utf8')) as unknown;
      } catch (e) {
        bad(`inputFile ${c.inputFile}: ${(e as Error).message}`);
        continue;
      }
    }
    const now = c.now === undefined ? undefined : new Date(String(c.now instanceof Date ? c.now.toISOString() : c.now));
    if (now && Number.isNaN(now.getTime())) {
      bad(`expected now: an ISO time, found ${JSON.stringify(c.now)}`);
      continue;
    }
    let selected = policies;
    if (typeof c.policy === 'string') selected = policies.filter((p) => p.metadata.name === c.policy);
    const decisions = engine.evaluate(selected, c.action, inputOf(input), now ? { now } : {});
    const actual = outcomeOf(decisions.map((d) => d.result));
    const messages = decisions.flatMap((d) => d.messages.map((m) => `${d.policy}: ${m}`));
    let passed = actual === c.expect;
    let detail = passed ? undefined : `expected ${c.expect}, got ${actual}${messages.length ? `: ${messages.join('; ')}` : ''}`;
    if (passed && typeof c.message === 'string' && !messages.some((m) => m.includes(c.message as string))) {
      passed = false;
      detail = `expected a message containing ${JSON.stringify(c.message)}, got ${messages.length ? messages.join('; ') : 'none'}`;
    }
    cases.push({ name, passed, expected: c.expect, actual, ...(detail ? { detail } : {}) });
  }
  return { file, problems, cases };
}

/** Runs every test file under a path with one engine (compiled policies are shared). */
export async function runPolicyTests(path: string): Promise<TestReport> {
  const engine = createPolicyEngine();
  const files: TestFileResult[] = [];
  for (const file of await findTestFiles(path)) files.push(await runTestFile(file, engine));
  const all = files.flatMap((f) => f.cases);
  const passed = all.filter((c) => c.passed).length;
  return { passed, failed: all.length - passed + files.filter((f) => f.problems.length > 0).length, files };
}

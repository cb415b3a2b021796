import { parse } from 'yaml';
import { yamlDocument, yamlText } from '../yamlText.js';
import { mapRuntimeExpressions, toShellVariables, RUNTIME_VARIABLES, type RuntimeExpression } from '../expressions.js';
import type { Condition, EffectivePipeline, EnvValue, Job, PipelineEvent, Step } from '../types.js';
import { builtInCommand, GENERATED_BY, parseBuiltInCommand, uniqueKeys } from './shared.js';

/**
 * The effective pipeline as a GitHub Actions workflow (docs/pipelines.md, "Export"). Matrix jobs are exported
 * already expanded, one GitHub job per combination, so the workflow runs exactly the jobs Gantry would.
 */

const GH_EVENTS: Record<PipelineEvent, string> = { push: 'push', manual: 'workflow_dispatch', webhook: 'repository_dispatch' };

/** Gantry's event names from GitHub's, for `${{ event }}` and GANTRY_EVENT. */
const EVENT_EXPRESSION =
  "${{ github.event_name == 'workflow_dispatch' && 'manual' || github.event_name == 'repository_dispatch' && 'webhook' || github.event_name }}";

/** What each run-time expression becomes in GitHub expression syntax (env values; `run` uses the variables). */
const GH_RUNTIME: Record<Exclude<RuntimeExpression, 'job.id'>, string> = {
  branch: '${{ github.ref_name }}',
  sha: '${{ github.sha }}',
  event: EVENT_EXPRESSION,
  'run.id': '${{ github.run_id }}',
};

const CHECKOUT = 'actions/checkout@v4';
const CACHE = 'actions/cache@v4';
const UPLOAD = 'actions/upload-artifact@v4';

/** GitHub job ids: a letter or `_`, then letters, digits, `_` and `-`. */
function githubJobKey(id: string): string {
  const key = id
    .replace(/ \(/, '_')
    .replace(/\)$/, '')
    .replace(/, /g, '_')
    .replace(/[^A-Za-z0-9_-]/g, '-');
  return /^[A-Za-z_]/.test(key) ? key : `_${key}`;
}

function quoteGh(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

/** A Gantry branch glob as a GitHub expression; `*`, `**` and `?` all become prefix/suffix/contains tests. */
function branchTest(glob: string): string {
  const parts = glob.split(/\*\*|\*|\?/);
  if (parts.length === 1) return `github.ref_name == ${quoteGh(glob)}`;
  const terms: string[] = [];
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (first) terms.push(`startsWith(github.ref_name, ${quoteGh(first)})`);
  for (const middle of parts.slice(1, -1)) if (middle) terms.push(`contains(github.ref_name, ${quoteGh(middle)})`);
  if (last) terms.push(`endsWith(github.ref_name, ${quoteGh(last)})`);
  if (terms.length === 0) return 'true';
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(' && ')})`;
}

/** A condition as a GitHub `if`: `(event tests) && (branch tests)`, each group an `||` of tests. */
export function githubCondition(c: Condition): string | undefined {
  const groups: string[] = [];
  if (c.events) groups.push(`(${c.events.map((e) => `github.event_name == ${quoteGh(GH_EVENTS[e])}`).join(' || ')})`);
  if (c.branches) groups.push(`(${c.branches.map(branchTest).join(' || ')})`);
  return groups.length > 0 ? groups.join(' && ') : undefined;
}

function envValue(value: EnvValue, jobId: string | undefined): string {
  if (typeof value !== 'string') return `\${{ secrets.${value.secret} }}`;
  return mapRuntimeExpressions(value, (expr) => (expr === 'job.id' ? (jobId ?? '') : GH_RUNTIME[expr]));
}

function envBlock(env: Record<string, EnvValue>, jobId?: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, envValue(v, jobId)]));
}

function exportStep(step: Step, jobId: string): Record<string, unknown> {
  // Default names are the first line of `run` and may hold run-time expressions GitHub would reject.
  const out: Record<string, unknown> = { name: envValue(step.name, jobId) };
  const cond = step.if ? githubCondition(step.if) : undefined;
  if (cond) out.if = cond;
  out.run = step.run !== undefined ? toShellVariables(step.run) : builtInCommand(step.uses as string, step.with);
  if (Object.keys(step.env).length > 0) out.env = envBlock(step.env, jobId);
  out['timeout-minutes'] = minutes(step.timeoutMs);
  if (step.workingDirectory !== undefined) out['working-directory'] = step.workingDirectory;
  return out;
}

function exportJob(job: Job, keys: Map<string, string>): Record<string, unknown> {
  const key = keys.get(job.id) as string;
  const out: Record<string, unknown> = {};
  if (job.name !== key) out.name = job.name;
  if (job.needs.length > 0) out.needs = job.needs.map((n) => keys.get(n));
  const cond = job.if ? githubCondition(job.if) : undefined;
  if (cond) out.if = cond;
  out['runs-on'] = job.runsOn.length > 0 ? job.runsOn : 'ubuntu-latest';
  out['timeout-minutes'] = minutes(job.timeoutMs);
  out.env = { GANTRY_JOB_ID: job.id, ...envBlock(job.env, job.id) };
  const steps: Array<Record<string, unknown>> = [{ uses: CHECKOUT }];
  if (job.cache) {
    const files = job.cache.keyFiles.map(quoteGh).join(', ');
    steps.push({
      name: 'Restore cache',
      uses: CACHE,
      with: { path: job.cache.paths.join('\n'), key: `gantry-${job.cache.prefix ?? 'cache'}-${key}-\${{ hashFiles(${files}) }}` },
    });
  }
  steps.push(...job.steps.map((s) => exportStep(s, job.id)));
  if (job.artifacts) {
    steps.push({ name: 'Upload artifacts', uses: UPLOAD, with: { name: key, path: job.artifacts.paths.join('\n') } });
  }
  out.steps = steps;
  return out;
}

/** The workflow YAML (`.github/workflows/gantry.yaml`). */
export function toGithubActions(p: EffectivePipeline): string {
  const keys = uniqueKeys(
    p.jobs.map((j) => j.id),
    githubJobKey,
  );
  const on: Record<string, unknown> = {};
  if (p.on.push) on.push = p.on.push.branches ? { branches: p.on.push.branches } : {};
  if (p.on.manual) on.workflow_dispatch = {};
  const workflow = {
    name: p.name,
    on,
    permissions: { contents: 'read' },
    env: {
      [RUNTIME_VARIABLES.branch]: GH_RUNTIME.branch,
      [RUNTIME_VARIABLES.sha]: GH_RUNTIME.sha,
      [RUNTIME_VARIABLES.event]: GH_RUNTIME.event,
      [RUNTIME_VARIABLES['run.id']]: GH_RUNTIME['run.id'],
      ...envBlock(p.env),
    },
    jobs: Object.fromEntries(p.jobs.map((job) => [keys.get(job.id), exportJob(job, keys)])),
  };
  return yamlText(yamlDocument(workflow, ` ${GENERATED_BY}${p.extends ? `\n Extends ${p.extends}.` : ''}`));
}

// ---- reading back ------------------------------------------------------------------------------------------------

type Token = { kind: 'id' | 'str' | 'op' | 'punct'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      while (i < expr.length) {
        if (expr[i] === "'" && expr[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (expr[i] === "'") {
          i++;
          break;
        } else {
          value += expr[i];
          i++;
        }
      }
      tokens.push({ kind: 'str', text: value });
    } else if (expr.startsWith('&&', i) || expr.startsWith('||', i) || expr.startsWith('==', i)) {
      tokens.push({ kind: 'op', text: expr.slice(i, i + 2) });
      i += 2;
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(expr.slice(i));
      if (!m) throw new Error(`unexpected ${JSON.stringify(c)} in ${JSON.stringify(expr)}`);
      tokens.push({ kind: 'id', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

type Expr =
  | { kind: 'and' | 'or'; items: Expr[] }
  | { kind: 'group'; inner: Expr }
  | { kind: 'eq'; left: string; value: string }
  | { kind: 'call'; fn: string; arg: string; value: string }
  | { kind: 'true' };

/**
 * A parser for the `if` expressions `githubCondition` writes (a small subset of GitHub's expression language).
 * Parentheses are kept as `group` nodes: they delimit the event and branch groups.
 */
function parseExpression(expr: string): Expr {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (text?: string): Token => {
    const t = tokens[pos++];
    if (!t || (text !== undefined && t.text !== text)) throw new Error(`expected ${text ?? 'more'} in ${JSON.stringify(expr)}`);
    return t;
  };
  const binary = (op: '&&' | '||', next: () => Expr): Expr => {
    const items = [next()];
    while (peek()?.text === op) {
      take(op);
      items.push(next());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: op === '&&' ? 'and' : 'or', items };
  };
  const primary = (): Expr => {
    const t = take();
    if (t.text === '(') {
      const inner = or();
      take(')');
      return { kind: 'group', inner };
    }
    if (t.text === 'true') return { kind: 'true' };
    if (peek()?.text === '(') {
      take('(');
      const arg = take().text;
      take(',');
      const value = take().text;
      take(')');
      return { kind: 'call', fn: t.text, arg, value };
    }
    take('==');
    return { kind: 'eq', left: t.text, value: take().text };
  };
  const and = (): Expr => binary('&&', primary);
  const or = (): Expr => binary('||', and);
  const result = or();
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos]?.text} in ${JSON.stringify(expr)}`);
  return result;
}

function globOf(e: Expr): string {
  if (e.kind === 'true') return '*';
  if (e.kind === 'eq') return e.value;
  const inner = e.kind === 'group' ? e.inner : e;
  const terms = inner.kind === 'and' ? inner.items : [inner];
  let start = '';
  let end = '';
  const middles: string[] = [];
  for (const t of terms) {
    if (t.kind !== 'call') throw new Error('unexpected branch test');
    if (t.fn === 'startsWith') start = t.value;
    else if (t.fn === 'endsWith') end = t.value;
    else middles.push(t.value);
  }
  return [start, ...middles, end].join('*');
}

const EVENTS_BY_GITHUB = Object.fromEntries(Object.entries(GH_EVENTS).map(([k, v]) => [v, k])) as Record<string, PipelineEvent>;

/** Reads back a condition written by `githubCondition`: one or two parenthesised groups joined by `&&`. */
export function conditionFromGithub(expr: string): Condition {
  const parsed = parseExpression(expr);
  const groups = parsed.kind === 'and' ? parsed.items : [parsed];
  const out: Condition = {};
  for (const group of groups) {
    if (group.kind !== 'group') throw new Error(`expected a parenthesised group in ${JSON.stringify(expr)}`);
    const alternatives = group.inner.kind === 'or' ? group.inner.items : [group.inner];
    if (alternatives.every((a) => a.kind === 'eq' && a.left === 'github.event_name')) {
      out.events = alternatives.map((a) => EVENTS_BY_GITHUB[(a as { value: string }).value] as PipelineEvent);
    } else {
      out.branches = alternatives.map(globOf);
    }
  }
  return out;
}

function runtimeFromGithub(text: string): string {
  let out = text;
  for (const [expr, gh] of Object.entries(GH_RUNTIME)) out = out.replaceAll(gh, `\${{ ${expr} }}`);
  return out;
}

function envFromGithub(env: Record<string, unknown> | undefined): Record<string, EnvValue> {
  const out: Record<string, EnvValue> = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    if (k.startsWith('GANTRY_')) continue;
    const secret = /^\$\{\{ secrets\.([A-Za-z_][A-Za-z0-9_]*) \}\}$/.exec(String(v));
    out[k] = secret ? { secret: secret[1] as string } : runtimeFromGithub(String(v));
  }
  return out;
}

function shellVariablesBack(run: string): string {
  let out = run;
  for (const [expr, variable] of Object.entries(RUNTIME_VARIABLES)) out = out.replaceAll(`\${${variable}}`, `\${{ ${expr} }}`);
  return out;
}

interface GhStep {
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, unknown>;
  'timeout-minutes'?: number;
  'working-directory'?: string;
}

interface GhJob {
  name?: string;
  needs?: string | string[];
  if?: string;
  'runs-on'?: string | string[];
  'timeout-minutes'?: number;
  env?: Record<string, unknown>;
  steps?: GhStep[];
}

/**
 * Reads a workflow written by `toGithubActions` back into an effective pipeline: jobs, needs, conditions, env,
 * timeouts (whole minutes) and steps; cache and artifacts from the actions that carry them. Jobs come back as
 * not required, with origin `github-actions`.
 */
export function fromGithubActions(text: string): EffectivePipeline {
  const wf = parse(text) as {
    name?: string;
    on?: { push?: { branches?: string[] } | null; workflow_dispatch?: unknown };
    env?: Record<string, unknown>;
    jobs?: Record<string, GhJob>;
  };
  const on: EffectivePipeline['on'] = { manual: wf.on !== undefined && 'workflow_dispatch' in (wf.on ?? {}) };
  if (wf.on && 'push' in wf.on) on.push = wf.on.push?.branches ? { branches: wf.on.push.branches } : {};
  const entries = Object.entries(wf.jobs ?? {});
  const idOf = new Map(entries.map(([key, job]) => [key, String(job.env?.GANTRY_JOB_ID ?? key)]));
  const jobs: Job[] = entries.map(([key, gh]) => {
    const id = idOf.get(key) as string;
    const steps: Step[] = [];
    const job: Job = {
      id,
      name: gh.name ?? id,
      needs: (typeof gh.needs === 'string' ? [gh.needs] : (gh.needs ?? [])).map((n) => idOf.get(n) ?? n),
      runsOn: gh['runs-on'] === 'ubuntu-latest' || gh['runs-on'] === undefined ? [] : [gh['runs-on']].flat(),
      timeoutMs: (gh['timeout-minutes'] ?? 360) * 60_000,
      env: envFromGithub(gh.env),
      steps,
      required: false,
      origin: 'github-actions',
    };
    if (gh.if) job.if = conditionFromGithub(gh.if);
    for (const s of gh.steps ?? []) {
      const withs = (s as { with?: Record<string, string> }).with ?? {};
      if (s.uses === CHECKOUT) continue;
      if (s.uses === CACHE) {
        const files = [...(withs.key ?? '').matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replaceAll("''", "'"));
        const tail = withs.key?.indexOf(`-${key}-\${{ hashFiles(`) ?? -1;
        const prefix = tail > 'gantry-'.length ? withs.key?.slice('gantry-'.length, tail) : undefined;
        job.cache = { keyFiles: files, paths: (withs.path ?? '').split('\n'), ...(prefix && prefix !== 'cache' ? { prefix } : {}) };
        continue;
      }
      if (s.uses === UPLOAD) {
        job.artifacts = { paths: (withs.path ?? '').split('\n') };
        continue;
      }
      const run = s.run ?? '';
      const builtIn = parseBuiltInCommand(run);
      const step: Step = {
        id: `step-${steps.length + 1}`,
        name: runtimeFromGithub(s.name ?? run),
        env: envFromGithub(s.env),
        timeoutMs: (s['timeout-minutes'] ?? 360) * 60_000,
      };
      if (builtIn) {
        step.uses = builtIn.uses;
        if (builtIn.with) step.with = builtIn.with;
      } else {
        step.run = shellVariablesBack(run);
      }
      if (s.if) step.if = conditionFromGithub(s.if);
      if (s['working-directory'] !== undefined) step.workingDirectory = s['working-directory'];
      steps.push(step);
    }
    return job;
  });
  return { name: wf.name ?? 'pipeline', on, env: envFromGithub(wf.env), jobs };
}

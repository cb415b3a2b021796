import { parse } from 'yaml';
import { yamlDocument, yamlText } from '../yamlText.js';
import { globFromRegExpSource, globToRegExpSource } from '../conditions.js';
import { defaultStepName } from '../effectivePipeline.js';
import { mapRuntimeExpressions, toShellVariables, RUNTIME_VARIABLES, type RuntimeExpression } from '../expressions.js';
import { formatDuration, parseDuration } from '../schema.js';
import type { Condition, EffectivePipeline, EnvValue, Job, PipelineEvent, Step } from '../types.js';
import { builtInCommand, GENERATED_BY, parseBuiltInCommand, readShellWord, shellDoubleQuote, shellQuote, uniqueKeys } from './shared.js';

/**
 * The effective pipeline as `.gitlab-ci.yml` (docs/pipelines.md, "Export"). Matrix jobs are exported expanded.
 * Stages come from the depth in the needs graph and `needs` keeps the exact edges. GitLab has no steps: each
 * step is one `script` entry; a step with a name of its own, env, a working directory or a condition becomes a
 * subshell block (format below) that `fromGitlabCi` reads back. Step timeouts have no GitLab equivalent (the job
 * timeout still applies).
 *
 *   # step: <name>
 *   if printf '%s\n' "$GANTRY_EVENT" | grep -Eqx 'push' && printf '%s\n' "$GANTRY_BRANCH" | grep -Eqx 'main'; then
 *   (cd 'web'; export NPM_TOKEN="${NPM_TOKEN}" MODE='ci'
 *   <the step's command>
 *   )
 *   fi
 */

const GL_EVENTS: Record<PipelineEvent, string> = { push: 'push', manual: 'web', webhook: 'trigger' };
const EVENTS_BY_GITLAB = Object.fromEntries(Object.entries(GL_EVENTS).map(([k, v]) => [v, k])) as Record<string, PipelineEvent>;

/** GitLab's predefined variables for the run-time expressions (GANTRY_EVENT is set by the workflow rules). */
const GL_RUNTIME: Record<Exclude<RuntimeExpression, 'job.id'>, string> = {
  branch: 'CI_COMMIT_REF_NAME',
  sha: 'CI_COMMIT_SHA',
  event: 'GANTRY_EVENT',
  'run.id': 'CI_PIPELINE_ID',
};

/** Top-level keys of .gitlab-ci.yml; a job cannot be called that (`pages` would publish GitLab Pages). */
const RESERVED = new Set(['image', 'services', 'stages', 'types', 'before_script', 'after_script', 'variables', 'cache', 'include', 'default', 'workflow', 'pages', 'true', 'false', 'nil']);

/** A regular expression literal for GitLab `=~` (RE2), matching any of the globs. */
function regexLiteral(alternatives: string[]): string {
  return `/^(${alternatives.join('|').replaceAll('/', '\\/')})$/`;
}

/** A condition as a GitLab `rules:if` expression. */
export function gitlabCondition(c: Condition): string | undefined {
  const parts: string[] = [];
  if (c.events) parts.push(`$CI_PIPELINE_SOURCE =~ ${regexLiteral(c.events.map((e) => GL_EVENTS[e]))}`);
  if (c.branches) parts.push(`$CI_COMMIT_REF_NAME =~ ${regexLiteral(c.branches.map(globToRegExpSource))}`);
  return parts.length > 0 ? parts.join(' && ') : undefined;
}

/** A condition as a shell test (steps have no `rules`). */
function shellCondition(c: Condition): string {
  const tests: string[] = [];
  if (c.events) tests.push(`printf '%s\\n' "$GANTRY_EVENT" | grep -Eqx ${shellQuote(c.events.join('|'))}`);
  if (c.branches) {
    tests.push(`printf '%s\\n' "$GANTRY_BRANCH" | grep -Eqx ${shellQuote(c.branches.map(globToRegExpSource).join('|'))}`);
  }
  return tests.join(' && ');
}

/** Literal `$` is `$$` in GitLab variables; run-time expressions and secrets are variable references. */
function variableValue(value: EnvValue, jobId: string | undefined): string {
  if (typeof value !== 'string') return `\${${value.secret}}`;
  const escaped = value.replaceAll('$', '$$$$');
  // `$$` above also doubled the `$` of `${{ }}`: map expressions on the escaped text, then put them back.
  return mapRuntimeExpressions(escaped.replaceAll('$${{', '${{'), (expr) =>
    expr === 'job.id' ? (jobId ?? '') : `\${${GL_RUNTIME[expr]}}`,
  );
}

function variables(env: Record<string, EnvValue>, jobId?: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, variableValue(v, jobId)]));
}

/** `export` words for a step's env, in the shell (the subshell keeps them to the step). */
function exportWord(value: EnvValue, jobId: string): string {
  if (typeof value !== 'string') return shellDoubleQuote([{ variable: value.secret }]);
  const parts: Array<{ text: string } | { variable: string }> = [];
  let last = 0;
  for (const m of value.matchAll(/\$\{\{\s*([^}]*?)\s*\}\}/g)) {
    const expr = m[1] as string;
    parts.push({ text: value.slice(last, m.index) });
    if (expr === 'job.id') parts.push({ text: jobId });
    else if (expr in RUNTIME_VARIABLES) parts.push({ variable: RUNTIME_VARIABLES[expr as RuntimeExpression] });
    else parts.push({ text: m[0] });
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push({ text: value.slice(last) });
  return parts.some((p) => 'variable' in p) ? shellDoubleQuote(parts) : shellQuote(value);
}

function scriptItem(step: Step, jobId: string): string {
  const command = step.run !== undefined ? toShellVariables(step.run) : builtInCommand(step.uses as string, step.with);
  const plain =
    step.name === defaultStepName(step.run, step.uses) &&
    !step.if &&
    Object.keys(step.env).length === 0 &&
    step.workingDirectory === undefined &&
    !command.startsWith('# step: ');
  if (plain) return command;
  const setup: string[] = [];
  if (step.workingDirectory !== undefined) setup.push(`cd ${shellQuote(step.workingDirectory)};`);
  const exports = Object.entries(step.env).map(([k, v]) => `${k}=${exportWord(v, jobId)}`);
  if (exports.length > 0) setup.push(`export ${exports.join(' ')}`);
  const lines = [`# step: ${step.name.replaceAll('\n', ' ')}`];
  if (step.if) lines.push(`if ${shellCondition(step.if)}; then`);
  lines.push(`(${setup.join(' ')}`, command, ')');
  if (step.if) lines.push('fi');
  return lines.join('\n');
}

/** Depth of each job in the needs graph (jobs are in topological order). */
function depths(jobs: readonly Job[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const job of jobs) out.set(job.id, Math.max(0, ...job.needs.map((n) => (out.get(n) ?? 0) + 1)));
  return out;
}

function cacheKeySlug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+|-+$/g, '') || 'cache';
}

function exportJob(job: Job, names: Map<string, string>, depth: Map<string, number>, conditional: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { stage: `stage-${(depth.get(job.id) ?? 0) + 1}` };
  if (job.needs.length > 0) {
    // A needed job left out by its rules would make GitLab reject the pipeline; `optional` lets it be absent.
    out.needs = job.needs.map((n) => (conditional.has(n) ? { job: names.get(n), optional: true } : names.get(n)));
  }
  if (job.runsOn.length > 0) out.tags = job.runsOn;
  out.timeout = formatDuration(job.timeoutMs);
  const cond = job.if ? gitlabCondition(job.if) : undefined;
  if (cond) out.rules = [{ if: cond }];
  out.variables = { GANTRY_JOB_ID: job.id, ...variables(job.env, job.id) };
  if (job.cache) {
    const prefix = cacheKeySlug(`gantry-${job.cache.prefix ?? 'cache'}-${job.id}`);
    // GitLab hashes at most two key files; with more, the key is per job and the restore step must cope.
    out.cache = {
      key: job.cache.keyFiles.length <= 2 ? { files: job.cache.keyFiles, prefix } : prefix,
      paths: job.cache.paths,
    };
  }
  if (job.artifacts) out.artifacts = { paths: job.artifacts.paths };
  out.script = job.steps.map((s) => scriptItem(s, job.id));
  return out;
}

/** The `.gitlab-ci.yml` text. */
export function toGitlabCi(p: EffectivePipeline): string {
  const names = uniqueKeys(
    p.jobs.map((j) => j.id),
    (id) => (RESERVED.has(id) ? `${id}-job` : id),
  );
  const depth = depths(p.jobs);
  const conditional = new Set(p.jobs.filter((j) => j.if).map((j) => j.id));
  const rules: Array<Record<string, unknown>> = [];
  if (p.on.push) {
    const branches = p.on.push.branches;
    rules.push({
      if: `$CI_PIPELINE_SOURCE == "push"${branches ? ` && $CI_COMMIT_REF_NAME =~ ${regexLiteral(branches.map(globToRegExpSource))}` : ''}`,
      variables: { GANTRY_EVENT: 'push' },
    });
  }
  if (p.on.manual) rules.push({ if: '$CI_PIPELINE_SOURCE == "web"', variables: { GANTRY_EVENT: 'manual' } });
  const stages = [...new Set([...depth.values()])].sort((a, b) => a - b).map((d) => `stage-${d + 1}`);
  const ci: Record<string, unknown> = {
    stages,
    workflow: { name: p.name, rules },
    variables: {
      [RUNTIME_VARIABLES.branch]: `$${GL_RUNTIME.branch}`,
      [RUNTIME_VARIABLES.sha]: `$${GL_RUNTIME.sha}`,
      [RUNTIME_VARIABLES['run.id']]: `$${GL_RUNTIME['run.id']}`,
      ...variables(p.env),
    },
  };
  // A lost runner is GitLab's runner_system_failure (or a job stuck past its timeout with no runner).
  if (p.retry) ci.default = { retry: { max: p.retry.runnerLost, when: ['runner_system_failure', 'stuck_or_timeout_failure'] } };
  for (const job of p.jobs) ci[names.get(job.id) as string] = exportJob(job, names, depth, conditional);
  return yamlText(yamlDocument(ci, ` ${GENERATED_BY}${p.extends ? `\n Extends ${p.extends}.` : ''}`));
}

// ---- reading back ------------------------------------------------------------------------------------------------

/** Reads back the regular expression literals `regexLiteral` writes. */
function alternativesOf(literal: string): string[] {
  const body = literal.replace(/^\/\^\(/, '').replace(/\)\$\/$/, '').replaceAll('\\/', '/');
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      current += body.slice(i, i + 2);
      i++;
    } else if (body[i] === '|') {
      out.push(current);
      current = '';
    } else {
      current += body[i];
    }
  }
  out.push(current);
  return out;
}

/** Reads back a condition written by `gitlabCondition`. */
export function conditionFromGitlab(expr: string): Condition {
  const out: Condition = {};
  const events = /\$CI_PIPELINE_SOURCE =~ (\/\^\(.*?\)\$\/)(?: && |$)/.exec(expr);
  if (events) out.events = alternativesOf(events[1] as string).map((e) => EVENTS_BY_GITLAB[e] as PipelineEvent);
  const branches = /\$CI_COMMIT_REF_NAME =~ (\/\^\(.*\)\$\/)$/.exec(expr);
  if (branches) out.branches = alternativesOf(branches[1] as string).map(globFromRegExpSource);
  return out;
}

function conditionFromShell(line: string): Condition {
  const out: Condition = {};
  for (const [variable, key] of [
    ['GANTRY_EVENT', 'events'],
    ['GANTRY_BRANCH', 'branches'],
  ] as const) {
    const marker = `"$${variable}" | grep -Eqx `;
    const at = line.indexOf(marker);
    if (at === -1) continue;
    const pattern = readShellWord(line, at + marker.length).value;
    const alternatives = alternativesOf(`/^(${pattern.replaceAll('/', '\\/')})$/`);
    if (key === 'events') out.events = alternatives as PipelineEvent[];
    else out.branches = alternatives.map(globFromRegExpSource);
  }
  return out;
}

const GL_RUNTIME_BACK = Object.fromEntries(Object.entries(GL_RUNTIME).map(([expr, variable]) => [variable, expr]));

function variableBack(value: string): EnvValue {
  const secret = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  if (secret && !((secret[1] as string) in GL_RUNTIME_BACK)) return { secret: secret[1] as string };
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    const expr = name ? GL_RUNTIME_BACK[name] : undefined;
    return expr ? `\${{ ${expr} }}` : whole;
  });
}

function variablesBack(vars: Record<string, unknown> | undefined): Record<string, EnvValue> {
  const out: Record<string, EnvValue> = {};
  for (const [k, v] of Object.entries(vars ?? {})) if (!k.startsWith('GANTRY_')) out[k] = variableBack(String(v));
  return out;
}

function shellVariablesBack(text: string): string {
  let out = text;
  for (const [expr, variable] of Object.entries(RUNTIME_VARIABLES)) out = out.replaceAll(`\${${variable}}`, `\${{ ${expr} }}`);
  return out;
}

/** One `script` entry back into a step. */
function stepFromItem(item: string, index: number): Step {
  const step: Step = { id: `step-${index + 1}`, name: '', env: {}, timeoutMs: parseDuration('10m') as number };
  let command = item;
  if (item.startsWith('# step: ')) {
    const lines = item.split('\n');
    step.name = (lines[0] as string).slice('# step: '.length);
    let rest = lines.slice(1).join('\n');
    if (rest.startsWith('if ')) {
      const nl = rest.indexOf('\n');
      step.if = conditionFromShell(rest.slice(0, nl));
      rest = rest.slice(nl + 1).replace(/\nfi$/, '');
    }
    // The subshell line: `(cd '<dir>'; export K=<word> ...` up to the first unquoted newline.
    let i = 1;
    if (rest.startsWith('cd ', i)) {
      const dir = readShellWord(rest, i + 3);
      step.workingDirectory = dir.value;
      i = dir.end;
      if (rest[i] === ';') i++;
      if (rest[i] === ' ') i++;
    }
    if (rest.startsWith('export ', i)) {
      i += 'export '.length;
      while (i < rest.length && rest[i] !== '\n') {
        const eq = rest.indexOf('=', i);
        const name = rest.slice(i, eq);
        const word = readShellWord(rest, eq + 1);
        const single = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(word.value);
        step.env[name] =
          word.quoted === 'double' && single && !((single[1] as string) in GL_RUNTIME_BACK) && !(single[1] as string).startsWith('GANTRY_')
            ? { secret: single[1] as string }
            : shellVariablesBack(word.value);
        i = word.end;
        if (rest[i] === ' ') i++;
      }
    }
    const bodyStart = rest.indexOf('\n', i) + 1;
    command = rest.slice(bodyStart).replace(/\n\)$/, '');
  }
  const builtIn = parseBuiltInCommand(command);
  if (builtIn) {
    step.uses = builtIn.uses;
    if (builtIn.with) step.with = builtIn.with;
  } else {
    step.run = shellVariablesBack(command);
  }
  if (!step.name) step.name = defaultStepName(step.run, step.uses);
  return step;
}

interface GlJob {
  stage?: string;
  needs?: Array<string | { job: string }>;
  tags?: string[];
  timeout?: string;
  rules?: Array<{ if?: string }>;
  variables?: Record<string, unknown>;
  cache?: { key?: string | { files?: string[]; prefix?: string }; paths?: string[] };
  artifacts?: { paths?: string[] };
  script?: string[];
}

/**
 * Reads a `.gitlab-ci.yml` written by `toGitlabCi` back into an effective pipeline: jobs, needs, conditions, env,
 * job timeouts and steps (step timeouts come back as the default). Jobs come back not required, origin `gitlab-ci`.
 */
export function fromGitlabCi(text: string): EffectivePipeline {
  const ci = parse(text) as Record<string, unknown> & {
    workflow?: { name?: string; rules?: Array<{ if?: string }> };
    variables?: Record<string, unknown>;
    default?: { retry?: { max?: number } };
  };
  const on: EffectivePipeline['on'] = { manual: false };
  for (const rule of ci.workflow?.rules ?? []) {
    if (rule.if === '$CI_PIPELINE_SOURCE == "web"') on.manual = true;
    else if (rule.if?.startsWith('$CI_PIPELINE_SOURCE == "push"')) {
      const branches = /\$CI_COMMIT_REF_NAME =~ (.*)$/.exec(rule.if);
      on.push = branches ? { branches: alternativesOf(branches[1] as string).map(globFromRegExpSource) } : {};
    }
  }
  const entries = Object.entries(ci).filter(([key, value]) => !RESERVED.has(key) && value && typeof value === 'object') as Array<[string, GlJob]>;
  const idOf = new Map(entries.map(([key, job]) => [key, String(job.variables?.GANTRY_JOB_ID ?? key)]));
  const jobs: Job[] = entries.map(([key, gl]) => {
    const id = idOf.get(key) as string;
    const job: Job = {
      id,
      name: id,
      needs: (gl.needs ?? []).map((n) => {
        const name = typeof n === 'string' ? n : n.job;
        return idOf.get(name) ?? name;
      }),
      runsOn: gl.tags ?? [],
      timeoutMs: parseDuration(gl.timeout ?? '1h') ?? 3_600_000,
      env: variablesBack(gl.variables),
      steps: (gl.script ?? []).map(stepFromItem),
      required: false,
      origin: 'gitlab-ci',
    };
    const rule = gl.rules?.[0]?.if;
    if (rule) job.if = conditionFromGitlab(rule);
    if (gl.cache?.paths) {
      const key = gl.cache.key;
      job.cache = { keyFiles: typeof key === 'object' ? (key.files ?? []) : [], paths: gl.cache.paths };
    }
    if (gl.artifacts?.paths) job.artifacts = { paths: gl.artifacts.paths };
    return job;
  });
  const back: EffectivePipeline = { name: ci.workflow?.name ?? 'pipeline', on, env: variablesBack(ci.variables), jobs };
  const retries = ci.default?.retry?.max;
  if (typeof retries === 'number' && retries > 0) back.retry = { runnerLost: retries };
  return back;
}

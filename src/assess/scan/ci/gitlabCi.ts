import type { Node } from 'yaml';
import type { CiJob, CiPipeline, CiStep, StepKind } from '../../model/scan.js';
import { deactivateAll, evidence, knownStep, makeJob, scriptStep, unknownStep, type ScanContext } from './context.js';
import { globToRegExp, joinDir, own } from './paths.js';
import { setPipelineScope, type PathFilter } from './types.js';
import type { YamlSource } from './yamlSource.js';

/**
 * GitLab CI: `.gitlab-ci.yml` with its local includes merged in (later definitions override earlier ones, key by
 * key), hidden jobs (`.name`) and `extends`, `!reference` tags, default `before_script`, and child pipelines
 * (`trigger: include: local`) as pipelines of their own. Templates from GitLab are known by name; other
 * projects' and remote files are unknown steps.
 */

const ROOT_FILE = '.gitlab-ci.yml';
/** Top-level keys that are not jobs (GitLab's ci.json schema, `properties`; `pages` is a job). */
const KEYWORDS = new Set(['image', 'services', 'before_script', 'after_script', 'variables', 'cache', 'default', 'stages', 'include', 'workflow', 'spec', 'types']);
const MAX_INCLUDES = 150;
const MAX_EXTENDS = 11;

interface Part {
  ys: YamlSource;
  keyNode: Node;
  value: Node | null;
}
/** A job's keys, each from the file that defined it last. */
type Def = Map<string, Part>;

interface IncludeUse {
  kind: 'template' | 'project' | 'remote' | 'component';
  name: string;
  ys: YamlSource;
  node: Node | null;
}

interface Config {
  defs: Map<string, Def>;
  /** Where each job's key is (the including file's, when several define it). */
  keys: Map<string, { ys: YamlSource; keyNode: Node }>;
  globals: Map<string, Part>;
  uses: IncludeUse[];
}

/** Known GitLab templates (`include: template:`), by name without `.latest` and `.gitlab-ci.yml`. */
const TEMPLATES: Array<[RegExp, StepKind[] | 'unknown']> = [
  [/^(Security|Jobs)\/SAST(-IaC)?$/, ['sast']],
  [/^(Security|Jobs)\/Secret-Detection$/, ['secret-scan']],
  [/^(Security|Jobs)\/Dependency-Scanning$/, ['dependency-scan']],
  [/^(Jobs\/)?Code-Quality$/, ['lint']],
  [/^Jobs\/Build$/, ['build', 'publish-image']],
  [/^Jobs\/Test$/, ['test']],
  [/^Jobs\/Deploy$/, ['deploy']],
  // Container scanning checks an image, which no step kind covers; Auto DevOps runs whatever its variables say.
  [/^(Security|Jobs)\/Container-Scanning$/, 'unknown'],
  [/^Auto-DevOps$/, 'unknown'],
  [/^(Security\/(DAST|DAST-API|API-Fuzzing|Coverage-Fuzzing|License-Scanning)|Workflows\/.*)$/, []],
];
/** Variables that switch a security template's jobs off. */
const DISABLING_VARIABLES: Array<[RegExp, string]> = [
  [/SAST/, 'SAST_DISABLED'],
  [/Secret-Detection/, 'SECRET_DETECTION_DISABLED'],
  [/Dependency-Scanning/, 'DEPENDENCY_SCANNING_DISABLED'],
  [/Container-Scanning/, 'CONTAINER_SCANNING_DISABLED'],
  [/Code-Quality/, 'CODE_QUALITY_DISABLED'],
];

export function scanGitlab(ctx: ScanContext): CiPipeline[] {
  if (!ctx.exists(ROOT_FILE)) return [];
  const out: CiPipeline[] = [];
  const children: Array<{ file: string; parentActive: boolean; changes: PathFilter | null; from: string }> = [];
  const root = readPipeline(ctx, ROOT_FILE, ['push'], children);
  if (root) out.push(root);
  const seen = new Set<string>([ROOT_FILE]);
  for (let i = 0; i < children.length && i < 100; i++) {
    const child = children[i]!;
    if (seen.has(child.file)) continue;
    seen.add(child.file);
    const p = readPipeline(ctx, child.file, child.parentActive ? ['parent_pipeline'] : [], children, child.changes);
    if (!p) continue;
    if (!child.parentActive) deactivateAll(p.jobs, `child pipeline of ${child.from}, whose trigger job never runs`);
    out.push(p);
  }
  return out;
}

function readPipeline(
  ctx: ScanContext,
  file: string,
  defaultTriggers: string[],
  children: Array<{ file: string; parentActive: boolean; changes: PathFilter | null; from: string }>,
  inheritedChanges: PathFilter | null = null,
): CiPipeline | null {
  const ys = ctx.yaml(file);
  if (!ys) return null;
  if (!ys.isMap(ys.root)) {
    if (ys.root !== null) ctx.problem(file, ys.lineOf(ys.root), 'expected a GitLab CI configuration (a mapping of jobs), found something else');
    return null;
  }
  const config: Config = { defs: new Map(), keys: new Map(), globals: new Map(), uses: [] };
  loadConfig(ctx, ys, config, new Set([file]), { count: 0 });

  const workflowRules = config.globals.get('workflow');
  const wfRules = workflowRules ? workflowRules.ys.items(workflowRules.ys.get(workflowRules.value, 'rules')) : [];
  const wfNever = wfRules.length > 0 && wfRules.every((r) => workflowRules!.ys.str(workflowRules!.ys.get(r, 'when')) === 'never');
  const triggers = new Set<string>(defaultTriggers);
  if (workflowRules && wfRules.length > 0 && defaultTriggers.includes('push')) {
    // With workflow rules, only the sources they let through start a pipeline.
    triggers.clear();
    for (const r of wfRules) {
      const w = workflowRules.ys;
      if (w.str(w.get(r, 'when')) === 'never') continue;
      const sources = sourcesOf(w.str(w.get(r, 'if')) ?? '');
      if (sources.length === 0) triggers.add('push');
      for (const s of sources) triggers.add(s);
    }
  }

  const variables = globalVariables(config);
  const jobs: CiJob[] = [];
  for (const [name, own] of config.defs) {
    if (name.startsWith('.') || KEYWORDS.has(name)) continue;
    const def = resolveExtends(ctx, config, name, own, []);
    jobs.push(readJob(ctx, config, name, def, children, file));
    for (const r of rulesOf(def)) for (const s of sourcesOf(r.ys.str(r.ys.get(r.node, 'if')) ?? '')) if (defaultTriggers.includes('push')) triggers.add(s);
  }
  for (const use of config.uses) jobs.push(includeJob(use, variables));

  const pipeline: CiPipeline = { system: 'gitlab-ci', file, name: file, triggers: [...triggers], jobs };
  if (wfNever) {
    pipeline.triggers = [];
    deactivateAll(jobs, 'workflow: every rule is `when: never`');
  } else if (pipeline.triggers.length === 0) {
    deactivateAll(jobs, 'nothing triggers the pipeline');
  }
  return setPipelineScope(pipeline, { changes: inheritedChanges, fileDir: null });
}

/** Merges a file and its includes into `config`: included definitions first, the including file's over them. */
function loadConfig(ctx: ScanContext, ys: YamlSource, config: Config, loading: Set<string>, budget: { count: number }): void {
  const root = ys.root;
  for (const inc of includeItems(ys, ys.get(root, 'include'))) {
    if (inc.kind !== 'local') {
      config.uses.push({ kind: inc.kind, name: inc.name, ys, node: inc.node });
      continue;
    }
    const targets = localTargets(ctx, inc.name);
    if (targets.length === 0) {
      ctx.problem(ys.file, ys.lineOf(inc.node), `include: expected a file in this repository, found no file matching ${inc.name}`);
      continue;
    }
    for (const target of targets) {
      if (loading.has(target) || ++budget.count > MAX_INCLUDES) continue;
      const inner = ctx.yaml(target);
      if (!inner) continue;
      loading.add(target);
      loadConfig(ctx, inner, config, loading, budget);
      loading.delete(target);
    }
  }
  for (const e of ys.entries(root)) {
    if (e.key === 'include') continue;
    if (KEYWORDS.has(e.key)) {
      config.globals.set(e.key, { ys, keyNode: e.keyNode, value: e.value });
      continue;
    }
    if (!ys.isMap(e.value)) continue;
    config.keys.set(e.key, { ys, keyNode: e.keyNode });
    const def: Def = config.defs.get(e.key) ?? new Map();
    for (const k of ys.entries(e.value)) def.set(k.key, { ys, keyNode: k.keyNode, value: k.value });
    config.defs.set(e.key, def);
  }
}

function includeItems(ys: YamlSource, node: Node | null): Array<{ kind: 'local' | IncludeUse['kind']; name: string; node: Node | null }> {
  const list = ys.isSeq(node) ? ys.items(node) : node ? [node] : [];
  const out: Array<{ kind: 'local' | IncludeUse['kind']; name: string; node: Node | null }> = [];
  for (const item of list) {
    const s = ys.str(item);
    if (s !== undefined) {
      out.push({ kind: /^https?:\/\//.test(s) ? 'remote' : 'local', name: s, node: item });
      continue;
    }
    const local = ys.str(ys.get(item, 'local'));
    const template = ys.str(ys.get(item, 'template'));
    const project = ys.str(ys.get(item, 'project'));
    const remote = ys.str(ys.get(item, 'remote'));
    const component = ys.str(ys.get(item, 'component'));
    if (local !== undefined) out.push({ kind: 'local', name: local, node: item });
    else if (template !== undefined) out.push({ kind: 'template', name: template, node: item });
    else if (project !== undefined) {
      const files = ys.strings(ys.get(item, 'file'));
      out.push({ kind: 'project', name: `${project}${files.length > 0 ? `:${files.join(',')}` : ''}`, node: item });
    } else if (remote !== undefined) out.push({ kind: 'remote', name: remote, node: item });
    else if (component !== undefined) out.push({ kind: 'component', name: component, node: item });
  }
  return out;
}

/** Files a local include names: a path from the repository root, or a glob (`/ci/*.yml`). */
function localTargets(ctx: ScanContext, written: string): string[] {
  const rel = written.replace(/^\/+/, '');
  if (!/[*?[]/.test(rel)) {
    const p = joinDir('.', rel);
    return p !== null && ctx.exists(p) ? [p] : [];
  }
  const re = globToRegExp(rel);
  return ctx.paths().filter((p) => re.test(p));
}

function resolveExtends(ctx: ScanContext, config: Config, name: string, own: Def, chain: string[]): Def {
  const ext = own.get('extends');
  if (!ext) return own;
  const bases = ext.ys.strings(ext.value);
  const merged: Def = new Map();
  for (const base of bases) {
    const baseDef = config.defs.get(base);
    if (!baseDef) {
      ctx.problem(ext.ys.file, ext.ys.lineOf(ext.value), `${name}.extends: expected a job or hidden job named ${base}, found none`);
      continue;
    }
    if (base === name || chain.includes(base) || chain.length >= MAX_EXTENDS) {
      ctx.problem(ext.ys.file, ext.ys.lineOf(ext.value), `${name}.extends: expected a chain of at most ${MAX_EXTENDS} jobs without cycles, found ${[...chain, name, base].join(' → ')}`);
      continue;
    }
    for (const [k, v] of resolveExtends(ctx, config, base, baseDef, [...chain, name])) merged.set(k, v);
  }
  for (const [k, v] of own) if (k !== 'extends') merged.set(k, v);
  return merged;
}

function rulesOf(def: Def): Array<{ ys: YamlSource; node: Node }> {
  const rules = def.get('rules');
  if (!rules) return [];
  return rules.ys.items(rules.value).map((node) => ({ ys: rules.ys, node }));
}

function readJob(
  ctx: ScanContext,
  config: Config,
  name: string,
  def: Def,
  children: Array<{ file: string; parentActive: boolean; changes: PathFilter | null; from: string }>,
  from: string,
): CiJob {
  const key = config.keys.get(name);
  const jobFile = key ? key.ys.file : from;
  const jobLine = key ? key.ys.lineOf(key.keyNode) : 1;

  let inactive: string | undefined;
  const when = def.get('when');
  if (when && when.ys.str(when.value) === 'never') inactive = `disabled: \`when: never\` (${when.ys.file}:${when.ys.lineOf(when.value)})`;
  const rules = rulesOf(def);
  if (!inactive && rules.length > 0 && rules.every((r) => r.ys.str(r.ys.get(r.node, 'when')) === 'never')) {
    inactive = `disabled: every rule is \`when: never\` (${rules[0]!.ys.file}:${rules[0]!.ys.lineOf(rules[0]!.node)})`;
  }
  const changes = changesFilter(def);

  const steps: CiStep[] = [];
  const trigger = def.get('trigger');
  if (trigger) {
    steps.push(...triggerSteps(ctx, name, trigger, children, inactive === undefined, changes, from));
  } else {
    const lines: Array<{ ys: YamlSource; node: Node }> = [];
    const inherit = def.get('inherit');
    const inheritsDefault = !inherit || inheritsKey(inherit, 'default', 'before_script');
    const before = def.get('before_script') ?? (inheritsDefault ? defaultPart(config, 'before_script') : undefined);
    if (before) lines.push(...scriptLines(ctx, config, before, 0));
    const script = def.get('script');
    if (script) lines.push(...scriptLines(ctx, config, script, 0));
    let cwd: string | null = '.';
    lines.forEach((l, i) => {
      const text = l.ys.str(l.node) ?? '';
      const stepName = `#${i + 1}`;
      const { step, endDir } = scriptStep(ctx, { name: stepName, file: l.ys.file, job: name, script: text, cwd, lineOf: l.ys.valueLines(l.node) });
      cwd = endDir;
      steps.push(step);
    });
  }
  return makeJob({ name, file: jobFile, line: jobLine, steps, inactiveReason: inactive, changes });
}

/** `inherit: default: false` or a list of the default keys to inherit. */
function inheritsKey(inherit: Part, section: string, key: string): boolean {
  const v = inherit.ys.get(inherit.value, section);
  if (v === null) return true;
  const s = inherit.ys.str(v);
  if (s !== undefined) return s !== 'false';
  return inherit.ys.strings(v).includes(key);
}

function defaultPart(config: Config, key: string): Part | undefined {
  const d = config.globals.get('default');
  if (d) {
    const v = d.ys.get(d.value, key);
    if (v) return { ys: d.ys, keyNode: d.ys.keyNode(d.value, key)!, value: v };
  }
  return config.globals.get(key);
}

/** A `script` value flattened: nested lists and `!reference [job, key]` resolved. */
function scriptLines(ctx: ScanContext, config: Config, part: Part, depth: number): Array<{ ys: YamlSource; node: Node }> {
  const out: Array<{ ys: YamlSource; node: Node }> = [];
  const visit = (ys: YamlSource, node: Node | null, level: number): void => {
    if (!node || level > 10) return;
    if (ys.tagOf(node) === '!reference') {
      const [job, key, sub] = ys.strings(node);
      const target = job ? config.defs.get(job) : undefined;
      if (!target || !key || depth > 5) {
        ctx.problem(ys.file, ys.lineOf(node), `!reference: expected [job, key], found a reference to ${job ?? 'nothing'}${key ? `.${key}` : ''} that does not exist`);
        return;
      }
      const resolved = resolveExtends(ctx, config, job!, target, []);
      const ref = resolved.get(key);
      if (!ref) return;
      const value = sub !== undefined ? ref.ys.get(ref.value, sub) : ref.value;
      out.push(...scriptLines(ctx, config, { ys: ref.ys, keyNode: ref.keyNode, value }, depth + 1));
      return;
    }
    if (ys.isSeq(node)) {
      for (const item of ys.items(node)) visit(ys, item, level + 1);
      return;
    }
    if (ys.str(node) !== undefined) out.push({ ys, node });
  };
  visit(part.ys, part.value, 0);
  return out;
}

function triggerSteps(
  ctx: ScanContext,
  job: string,
  trigger: Part,
  children: Array<{ file: string; parentActive: boolean; changes: PathFilter | null; from: string }>,
  active: boolean,
  changes: PathFilter | null,
  from: string,
): CiStep[] {
  const { ys, value } = trigger;
  const line = ys.lineOf(value);
  const project = ys.str(value) ?? ys.str(ys.get(value, 'project'));
  if (project !== undefined) return [unknownStep('trigger', evidence(ys.file, line, job, 'trigger', `trigger: ${project}`))];
  const steps: CiStep[] = [];
  for (const inc of includeItems(ys, ys.get(value, 'include'))) {
    const ev = evidence(ys.file, ys.lineOf(inc.node), job, 'trigger', `trigger: include: ${inc.name}`);
    if (inc.kind === 'local') {
      for (const target of localTargets(ctx, inc.name)) {
        children.push({ file: target, parentActive: active, changes, from });
        steps.push(knownStep('trigger', [], ev));
      }
      continue;
    }
    steps.push(templateStep(inc.kind, inc.name, ev));
  }
  // `include: { artifact: ... }` (a generated child pipeline) cannot be read.
  if (steps.length === 0) steps.push(unknownStep('trigger', evidence(ys.file, line, job, 'trigger', 'trigger: (generated child pipeline)')));
  return steps;
}

function templateStep(kind: IncludeUse['kind'], name: string, ev: CiStep['evidence']): CiStep {
  if (kind !== 'template') return unknownStep(`include ${kind}`, ev);
  const key = name.replace(/^\/+/, '').replace(/\.gitlab-ci\.yml$/, '').replace(/\.latest$/, '');
  for (const [re, kinds] of TEMPLATES) {
    if (!re.test(key)) continue;
    return kinds === 'unknown' ? unknownStep('include template', ev) : knownStep('include template', kinds, ev);
  }
  return unknownStep('include template', ev);
}

/** An include of a template, another project's file, a remote file or a component: a job of its own. */
function includeJob(use: IncludeUse, variables: Map<string, string>): CiJob {
  const line = use.ys.lineOf(use.node);
  const ev = evidence(use.ys.file, line, `include ${use.kind}: ${use.name}`, undefined, `${use.kind}: ${use.name}`);
  const step = templateStep(use.kind, use.name, { ...ev, step: `include ${use.kind}` });
  let inactive: string | undefined;
  if (use.kind === 'template') {
    for (const [re, variable] of DISABLING_VARIABLES) {
      if (re.test(use.name) && /^(true|1|yes)$/i.test(variables.get(variable) ?? '')) inactive = `disabled: variable ${variable} is "${variables.get(variable)}"`;
    }
  }
  return makeJob({ name: `include ${use.kind}: ${use.name}`, file: use.ys.file, line, steps: [step], inactiveReason: inactive, excerpt: `${use.kind}: ${use.name}` });
}

function globalVariables(config: Config): Map<string, string> {
  const out = new Map<string, string>();
  const v = config.globals.get('variables');
  if (!v) return out;
  for (const e of v.ys.entries(v.value)) {
    const s = v.ys.str(e.value) ?? v.ys.str(v.ys.get(e.value, 'value'));
    if (s !== undefined) out.set(e.key, s);
  }
  return out;
}

/**
 * Which changed files could start a job: `rules` are read in order and the first that matches decides (a rule
 * with `changes` matches only those files; one with `if` might not match at all), `only:changes` and
 * `except:changes` likewise. Null when no rule looks at changes.
 */
function changesFilter(def: Def): PathFilter | null {
  const rules = rulesOf(def);
  const patterns = (ys: YamlSource, node: Node | null): RegExp[] | null => {
    if (!node) return null;
    const list = ys.isMap(node) ? ys.strings(ys.get(node, 'paths')) : ys.strings(node);
    return list.map((p) => globToRegExp(p));
  };
  const compiled = rules.map((r) => ({
    changes: patterns(r.ys, r.ys.get(r.node, 'changes')),
    conditional: r.ys.has(r.node, 'if') || r.ys.has(r.node, 'exists'),
    never: r.ys.str(r.ys.get(r.node, 'when')) === 'never',
  }));
  const only = def.get('only');
  const except = def.get('except');
  const onlyChanges = only ? patterns(only.ys, only.ys.get(only.value, 'changes')) : null;
  const exceptChanges = except ? patterns(except.ys, except.ys.get(except.value, 'changes')) : null;
  if (!compiled.some((r) => r.changes) && !onlyChanges && !exceptChanges) return null;
  return (path) => {
    if (onlyChanges && !onlyChanges.some((re) => re.test(path))) return false;
    if (exceptChanges && exceptChanges.some((re) => re.test(path))) return false;
    if (compiled.length === 0) return true;
    for (const r of compiled) {
      if (r.changes && !r.changes.some((re) => re.test(path))) continue;
      if (r.never) {
        if (!r.conditional) return false;
        continue;
      }
      return true;
    }
    return false;
  };
}

/** Pipeline sources an `if:` expression names (`$CI_PIPELINE_SOURCE == "merge_request_event"`). */
function sourcesOf(expr: string): string[] {
  const out: string[] = [];
  const re = /\$CI_PIPELINE_SOURCE\s*==\s*["']([a-z_]+)["']/g;
  for (let m = re.exec(expr); m; m = re.exec(expr)) out.push(own(SOURCE_NAMES, m[1]!) ?? m[1]!);
  if (/\$CI_MERGE_REQUEST_(IID|ID)\b/.test(expr) && !out.includes('merge_request')) out.push('merge_request');
  if (/\$CI_COMMIT_(BRANCH|TAG)\b/.test(expr) && out.length === 0) out.push('push');
  return out;
}

const SOURCE_NAMES: Record<string, string> = {
  merge_request_event: 'merge_request',
  external_pull_request_event: 'pull_request',
  web: 'manual',
};

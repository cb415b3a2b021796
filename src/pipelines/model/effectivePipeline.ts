import type { Problem } from '../../core/errors.js';
import { checkExpressions, substituteMatrix } from './expressions.js';
import { parsePipelineFile } from './parsePipeline.js';
import { hasErrors, problemAt, type Locator, type Segment } from './problems.js';
import { parseDuration, type PipelineFile, type PipelineFileJob, type PipelineFileStep } from './schema.js';
import { builtInStandardPipelines, type StandardLookup, type StandardPipeline } from './standards.js';
import type { Condition, EffectivePipeline, EnvValue, Job, Step } from './types.js';

export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
/** Where a repository keeps its pipeline; the origin of the team's jobs. */
export const PIPELINE_FILE = '.gantry/pipeline.yaml';

export interface ResolveOptions {
  /** Where `extends` is looked up; default: the standard pipelines in src/pipelines/standard/. */
  standards?: StandardLookup;
  /** Places problems in the team's file (from parsePipelineFile). */
  locate?: Locator;
  /** The origin given to the team's jobs; default `.gantry/pipeline.yaml`. */
  origin?: string;
  /** The pipeline's name when the file has none (e.g. the repository's name). */
  defaultName?: string;
}

export interface ResolvedPipeline {
  /** Present when there is no error problem (warnings may be). */
  pipeline?: EffectivePipeline;
  problems: Problem[];
}

/** Where a piece of a job came from: a path in the team's file, or in a standard pipeline. */
interface Source {
  at: Segment[];
  /** The standard's ref, when the piece is not in the team's file. */
  standard?: string;
}

interface DraftStep {
  step: PipelineFileStep;
  src: Source;
}

interface DraftNeed {
  id: string;
  src: Source;
}

/** A job after `extends` is merged, before matrix expansion. */
interface DraftJob {
  id: string;
  origin: string;
  required: boolean;
  reason?: string;
  name?: string;
  runsOn?: string[];
  timeout?: string;
  if?: Condition;
  env: Record<string, EnvValue>;
  matrix?: Record<string, string[]>;
  cache?: PipelineFileJob['cache'];
  artifacts?: PipelineFileJob['artifacts'];
  needs: DraftNeed[];
  steps: DraftStep[];
  /** Each definition merged into this job, for checks that need to point into it. */
  parts: Array<{ def: PipelineFileJob; src: Source }>;
  /** Path of the job in the team's file, when it has one there. */
  fileAt?: Segment[];
}

/**
 * The effective pipeline of a team's file: `extends` merged (docs/pipelines.md, "Extends"), needs checked (known
 * jobs, no cycles), expressions checked, the matrix expanded, defaults applied, jobs in topological order. Every
 * problem is reported in one pass; the pipeline is returned only when none is an error.
 */
export function resolvePipeline(file: PipelineFile, opts: ResolveOptions = {}): ResolvedPipeline {
  const problems: Problem[] = [];
  const origin = opts.origin ?? PIPELINE_FILE;
  const report = (code: string, src: Source, message: string, on: 'value' | 'key' | 'parent' = 'value'): void => {
    if (src.standard) {
      // A standard pipeline is platform code; it has no position in the team's file.
      problems.push(problemAt(code, src.at, `${message} (in ${src.standard})`));
    } else {
      problems.push(problemAt(code, src.at, message, opts.locate, on));
    }
  };
  const warn = (code: string, src: Source, message: string): void => {
    const p = problemAt(code, src.at, message, src.standard ? undefined : opts.locate);
    p.severity = 'warning';
    problems.push(p);
  };

  let standard: StandardPipeline | undefined;
  if (file.extends !== undefined) {
    const lookup = opts.standards ?? builtInStandardPipelines();
    standard = lookup.get(file.extends);
    if (!standard) {
      report(
        'unknown_extends',
        { at: ['extends'] },
        `unknown standard pipeline ${JSON.stringify(file.extends)}; expected one of: ${lookup.refs().join(', ')}`,
      );
      return { problems };
    }
  }

  const jobs = new Map<string, DraftJob>();
  if (standard) {
    for (const [id, def] of Object.entries(standard.pipeline.jobs)) {
      const src: Source = { at: ['jobs', id], standard: standard.ref };
      const { required, reason, ...jobDef } = def;
      const draft: DraftJob = {
        id,
        origin: standard.ref,
        required: required === true,
        env: {},
        needs: [],
        steps: [],
        parts: [],
      };
      if (reason !== undefined) draft.reason = reason;
      applyJob(draft, jobDef, src);
      jobs.set(id, draft);
    }
  }

  const requiredMessage = (job: DraftJob): string =>
    `job ${job.id} is required by ${job.origin}${job.reason ? ` (reason: ${job.reason})` : ''}`;
  const removeJob = (id: string, src: Source, how: string): void => {
    const job = jobs.get(id);
    if (!standard) {
      report('invalid_remove', src, `expected ${how} only in a file with extends (it removes a job of the standard pipeline)`);
    } else if (!job || job.origin !== standard.ref) {
      const standardJobs = [...jobs.values()].filter((j) => j.origin === standard.ref).map((j) => j.id);
      report('unknown_job', src, `expected a job of ${standard.ref} to remove (${standardJobs.join(', ')}), found ${JSON.stringify(id)}`);
    } else if (job.required) {
      report('required_job', src, `${requiredMessage(job)}; it cannot be removed`);
    } else {
      jobs.delete(id);
    }
  };

  file.remove?.forEach((id, index) => removeJob(id, { at: ['remove', index] }, 'remove'));

  for (const [id, def] of Object.entries(file.jobs ?? {})) {
    const src: Source = { at: ['jobs', id] };
    if (def === null) {
      removeJob(id, src, 'a null job');
      continue;
    }
    let draft = jobs.get(id);
    if (draft) {
      if (draft.required && def.if !== undefined) {
        report('required_job', { at: ['jobs', id, 'if'] }, `${requiredMessage(draft)}; its if cannot be set`, 'key');
      }
    } else {
      draft = { id, origin, required: false, env: {}, needs: [], steps: [], parts: [] };
      jobs.set(id, draft);
    }
    draft.fileAt = src.at;
    applyJob(draft, def, src);
  }

  const pipelineEnv: Record<string, EnvValue> = { ...(standard?.pipeline.env ?? {}), ...(file.env ?? {}) };
  for (const [key, value] of Object.entries(file.env ?? {})) {
    if (typeof value !== 'string') continue;
    for (const message of checkExpressions(value, { matrixKeys: [], runtime: true })) {
      report('invalid_expression', { at: ['env', key] }, message);
    }
  }

  const on = file.on ?? standard?.pipeline.on;
  const effectiveOn: EffectivePipeline['on'] = on
    ? { manual: on.manual ?? false, ...(on.push !== undefined ? { push: on.push ?? {} } : {}) }
    : { push: {}, manual: true };
  if (!effectiveOn.push && !effectiveOn.manual) {
    report('no_trigger', { at: ['on'] }, 'expected at least one trigger (push, or manual: true), found none');
  }

  for (const job of jobs.values()) {
    checkJob(job, report, warn);
  }
  checkNeeds(jobs, report);
  if (hasErrors(problems)) return { problems };

  const ordered = topologicalOrder(jobs);
  const expandedIds = new Map<string, string[]>();
  const out: Job[] = [];
  for (const draft of ordered) {
    const combos = combinations(draft.matrix);
    const ids: string[] = [];
    for (const combo of combos) {
      const job = expand(draft, combo, expandedIds, report);
      ids.push(job.id);
      out.push(job);
    }
    expandedIds.set(draft.id, ids);
  }
  if (hasErrors(problems)) return { problems };

  const pipeline: EffectivePipeline = {
    name: file.name ?? opts.defaultName ?? standard?.pipeline.name ?? 'pipeline',
    on: effectiveOn,
    env: pipelineEnv,
    jobs: out,
  };
  if (file.extends !== undefined) pipeline.extends = file.extends;
  // The team's file decides how its runs are retried; the standard supplies the default.
  const retry = file.retry ?? standard?.pipeline.retry;
  if (retry && retry.runnerLost > 0) pipeline.retry = { runnerLost: retry.runnerLost };
  return { pipeline, problems };
}

/** Parses a pipeline file and resolves it: the common path for the CLI, the API and the runner. */
export function resolvePipelineText(
  text: string,
  file: string,
  opts: Omit<ResolveOptions, 'locate'> = {},
): ResolvedPipeline & { file?: PipelineFile } {
  const parsed = parsePipelineFile(text, file);
  if (!parsed.pipeline) return { problems: parsed.problems };
  const resolved = resolvePipeline(parsed.pipeline, { ...opts, locate: parsed.locate });
  return { ...resolved, file: parsed.pipeline, problems: [...parsed.problems, ...resolved.problems] };
}

/** Merges one definition into a job: scalars and objects replace, env merges by key, needs and steps append. */
function applyJob(draft: DraftJob, def: PipelineFileJob, src: Source): void {
  draft.parts.push({ def, src });
  if (def.name !== undefined) draft.name = def.name;
  if (def.runsOn !== undefined) draft.runsOn = def.runsOn;
  if (def.timeout !== undefined) draft.timeout = def.timeout;
  if (def.if !== undefined) draft.if = def.if;
  if (def.env !== undefined) Object.assign(draft.env, def.env);
  if (def.matrix !== undefined) draft.matrix = def.matrix;
  if (def.cache !== undefined) draft.cache = def.cache;
  if (def.artifacts !== undefined) draft.artifacts = def.artifacts;
  def.needs?.forEach((id, index) => {
    if (!draft.needs.some((n) => n.id === id)) draft.needs.push({ id, src: { ...src, at: [...src.at, 'needs', index] } });
  });
  def.steps?.forEach((step, index) => draft.steps.push({ step, src: { ...src, at: [...src.at, 'steps', index] } }));
}

type Report = (code: string, src: Source, message: string, on?: 'value' | 'key' | 'parent') => void;

/** Steps present; expressions valid for the job's matrix; a team step that repeats a standard step is warned. */
function checkJob(job: DraftJob, report: Report, warn: (code: string, src: Source, message: string) => void): void {
  if (job.steps.length === 0) {
    report('missing_steps', { at: job.fileAt ?? ['jobs', job.id] }, 'expected at least one step, found none', 'key');
  }
  const matrixKeys = Object.keys(job.matrix ?? {});
  const check = (value: string, src: Source, runtime: boolean): void => {
    for (const message of checkExpressions(value, { matrixKeys, runtime })) report('invalid_expression', src, message);
  };
  const at = (src: Source, ...more: Segment[]): Source => ({ ...src, at: [...src.at, ...more] });
  for (const { def, src } of job.parts) {
    if (def.name !== undefined) check(def.name, at(src, 'name'), false);
    def.runsOn?.forEach((label, i) => check(label, at(src, 'runsOn', i), false));
    def.if?.branches?.forEach((glob, i) => check(glob, at(src, 'if', 'branches', i), false));
    for (const [key, value] of Object.entries(def.env ?? {})) {
      if (typeof value === 'string') check(value, at(src, 'env', key), true);
    }
    def.cache?.key.forEach((p, i) => check(p, at(src, 'cache', 'key', i), false));
    def.cache?.paths.forEach((p, i) => check(p, at(src, 'cache', 'paths', i), false));
    def.artifacts?.paths.forEach((p, i) => check(p, at(src, 'artifacts', 'paths', i), false));
  }
  for (const { step, src } of job.steps) {
    if (step.name !== undefined) check(step.name, at(src, 'name'), false);
    if (step.run !== undefined) check(step.run, at(src, 'run'), true);
    if (step.workingDirectory !== undefined) check(step.workingDirectory, at(src, 'workingDirectory'), false);
    step.if?.branches?.forEach((glob, i) => check(glob, at(src, 'if', 'branches', i), false));
    for (const [key, value] of Object.entries(step.env ?? {})) {
      if (typeof value === 'string') check(value, at(src, 'env', key), true);
    }
    forEachString(step.with, ['with'], (value, path) => check(value, at(src, ...path), false));
  }

  // The golden paths' files once repeated the standard's commands; say so instead of silently running them twice.
  const standardSteps = job.steps.filter((s) => s.src.standard);
  job.steps.forEach(({ step, src }) => {
    if (src.standard) return;
    const same = standardSteps.findIndex((s) => sameCommand(s.step, step));
    if (same !== -1) {
      warn(
        'duplicate_step',
        src,
        `repeats step ${same + 1} of job ${job.id} in ${job.origin} (steps are appended after the standard's, so it runs twice)`,
      );
    }
  });
}

function sameCommand(a: PipelineFileStep, b: PipelineFileStep): boolean {
  if (a.run !== undefined) return a.run.trim() === b.run?.trim();
  return a.uses === b.uses && JSON.stringify(a.with ?? {}) === JSON.stringify(b.with ?? {});
}

function forEachString(value: unknown, path: Segment[], fn: (value: string, path: Segment[]) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => forEachString(v, [...path, i], fn));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) forEachString(v, [...path, k], fn);
  }
}

/** Every need names a job; the needs graph has no cycle (each cycle is reported once, named in order). */
function checkNeeds(jobs: Map<string, DraftJob>, report: Report): void {
  const known = [...jobs.keys()];
  for (const job of jobs.values()) {
    for (const need of job.needs) {
      if (!jobs.has(need.id)) {
        const message = `expected a job of this pipeline (${known.join(', ')}), found ${JSON.stringify(need.id)}`;
        report('unknown_job', need.src, message);
      }
    }
  }

  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    const job = jobs.get(id) as DraftJob;
    for (const need of job.needs) {
      if (!jobs.has(need.id)) continue;
      const s = state.get(need.id);
      if (s === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(need.id)), need.id];
        const key = canonicalCycle(cycle);
        if (!seen.has(key)) {
          seen.add(key);
          // The edge that closes the cycle is the one to point at; it is in the team's file when it can be.
          const edge = cycleEdges(cycle, jobs).find((e) => !e.src.standard) ?? need;
          report('needs_cycle', edge.src, `needs form a cycle: ${cycle.join(' -> ')}`);
        }
      } else if (s === undefined) {
        visit(need.id);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of jobs.keys()) if (!state.has(id)) visit(id);
}

function canonicalCycle(cycle: string[]): string {
  const ring = cycle.slice(0, -1);
  const start = ring.indexOf([...ring].sort()[0] as string);
  return [...ring.slice(start), ...ring.slice(0, start)].join('\u0000');
}

function cycleEdges(cycle: string[], jobs: Map<string, DraftJob>): DraftNeed[] {
  const edges: DraftNeed[] = [];
  for (let i = 0; i < cycle.length - 1; i++) {
    const need = jobs.get(cycle[i] as string)?.needs.find((n) => n.id === cycle[i + 1]);
    if (need) edges.push(need);
  }
  return edges;
}

/** Kahn's algorithm, taking the earliest job (standard order, then the file's) whenever several are ready. */
function topologicalOrder(jobs: Map<string, DraftJob>): DraftJob[] {
  const pending = [...jobs.values()];
  const placed = new Set<string>();
  const out: DraftJob[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((job) => job.needs.every((n) => placed.has(n.id)));
    // checkNeeds has ruled out cycles, so some job is always ready.
    const [job] = pending.splice(index, 1) as [DraftJob];
    placed.add(job.id);
    out.push(job);
  }
  return out;
}

/** Every combination of the matrix in file order (the first key varies slowest); one empty one without a matrix. */
function combinations(matrix: Record<string, string[]> | undefined): Array<Record<string, string> | undefined> {
  if (!matrix) return [undefined];
  let combos: Array<Record<string, string>> = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos;
}

function isInsideCheckout(path: string): boolean {
  return !path.startsWith('/') && !path.split('/').includes('..');
}

/** One job of the effective pipeline: matrix values substituted, defaults applied, needs mapped to expansions. */
function expand(
  draft: DraftJob,
  combo: Record<string, string> | undefined,
  expandedIds: Map<string, string[]>,
  report: Report,
): Job {
  const sub = (text: string): string => (combo ? substituteMatrix(text, combo) : text);
  const suffix = combo
    ? Object.entries(combo)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : '';
  const baseName = draft.name ?? draft.id;
  const name = !combo ? baseName : baseName.includes('${{') ? sub(baseName) : `${baseName} (${suffix})`;
  const checkPath = (path: string, src: Source): string => {
    if (!isInsideCheckout(path)) {
      report('invalid_path', src, `expected a path inside the checkout, found ${JSON.stringify(path)} (after matrix values)`);
    }
    return path;
  };
  const subEnv = (env: Record<string, EnvValue>): Record<string, EnvValue> =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? sub(v) : { ...v }]));
  const subCondition = (c: Condition | undefined): Condition | undefined => {
    if (!c) return undefined;
    const out: Condition = {};
    if (c.branches) out.branches = c.branches.map(sub);
    if (c.events) out.events = [...c.events];
    return out;
  };
  const jobSrc: Source = draft.fileAt ? { at: draft.fileAt } : { at: ['jobs', draft.id], standard: draft.origin };

  const steps: Step[] = draft.steps.map(({ step: s, src }, index) => {
    const run = s.run !== undefined ? sub(s.run) : undefined;
    const step: Step = {
      id: `step-${index + 1}`,
      name: s.name !== undefined ? sub(s.name) : defaultStepName(run, s.uses),
      env: subEnv(s.env ?? {}),
      timeoutMs: s.timeout !== undefined ? (parseDuration(s.timeout) as number) : DEFAULT_STEP_TIMEOUT_MS,
    };
    if (run !== undefined) step.run = run;
    if (s.uses !== undefined) step.uses = s.uses;
    if (s.with !== undefined) step.with = substituteDeep(s.with, sub) as Record<string, unknown>;
    const cond = subCondition(s.if);
    if (cond) step.if = cond;
    if (s.workingDirectory !== undefined) {
      step.workingDirectory = checkPath(sub(s.workingDirectory), { ...src, at: [...src.at, 'workingDirectory'] });
    }
    return step;
  });

  const job: Job = {
    id: combo ? `${draft.id} (${suffix})` : draft.id,
    name,
    needs: draft.needs.flatMap((n) => expandedIds.get(n.id) ?? []),
    runsOn: (draft.runsOn ?? []).map(sub),
    timeoutMs: draft.timeout !== undefined ? (parseDuration(draft.timeout) as number) : DEFAULT_JOB_TIMEOUT_MS,
    env: subEnv(draft.env),
    steps,
    required: draft.required,
    origin: draft.origin,
  };
  const cond = subCondition(draft.if);
  if (cond) job.if = cond;
  if (combo) job.matrix = combo;
  if (draft.reason !== undefined) job.reason = draft.reason;
  if (draft.cache) {
    job.cache = {
      keyFiles: draft.cache.key.map((p) => checkPath(sub(p), { ...jobSrc, at: [...jobSrc.at, 'cache', 'key'] })),
      paths: draft.cache.paths.map((p) => checkPath(sub(p), { ...jobSrc, at: [...jobSrc.at, 'cache', 'paths'] })),
    };
    if (draft.cache.prefix !== undefined) job.cache.prefix = draft.cache.prefix;
  }
  if (draft.artifacts) {
    job.artifacts = {
      paths: draft.artifacts.paths.map((p) => checkPath(sub(p), { ...jobSrc, at: [...jobSrc.at, 'artifacts', 'paths'] })),
    };
  }
  return job;
}

function substituteDeep(value: unknown, sub: (text: string) => string): unknown {
  if (typeof value === 'string') return sub(value);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, sub));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, sub)]));
  }
  return value;
}

/** The first line of `run` (at most 80 characters), or the `uses` id. */
export function defaultStepName(run: string | undefined, uses: string | undefined): string {
  if (run === undefined) return uses ?? 'step';
  const line = run.trim().split('\n')[0]?.trim() ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line || 'step';
}


import type { CiJob, CiStep, Evidence, StepKind } from '../../model/scan.js';
import type { RepoFiles } from '../files.js';
import { Classifier, orderKinds } from './classify.js';
import { setJobScope, setStepScope, type CiProblem, type PathFilter } from './types.js';
import { YamlSource } from './yamlSource.js';

const MAX_EXCERPT = 160;

/** What one scanCi call shares between the CI systems: the files, parsed files, classifier and problems. */
export class ScanContext {
  readonly classifier: Classifier;
  readonly problems: CiProblem[] = [];
  private readonly parsed = new Map<string, YamlSource | null>();
  private readonly problemKeys = new Set<string>();
  private pathList: string[] | null = null;

  constructor(readonly files: RepoFiles) {
    this.classifier = new Classifier(files);
  }

  paths(): string[] {
    this.pathList ??= this.files.paths();
    return this.pathList;
  }

  exists(path: string): boolean {
    return this.classifier.project.exists(path);
  }

  /** Reads the file's text; a file that cannot be read is a problem. */
  read(path: string): string | null {
    const text = this.exists(path) ? this.files.read(path) : null;
    if (text === null) this.problem(path, undefined, 'could not be read (missing, binary or larger than 1 MiB)');
    return text;
  }

  /** Parses a YAML (or JSON) CI file once per scan; broken files become problems and null. */
  yaml(path: string): YamlSource | null {
    if (this.parsed.has(path)) return this.parsed.get(path)!;
    const text = this.read(path);
    let source: YamlSource | null = null;
    if (text !== null) {
      const result = YamlSource.parse(path, text);
      this.problems.push(...result.problems);
      source = result.source ?? null;
    }
    this.parsed.set(path, source);
    return source;
  }

  /** Records a problem once (a file read by several pipelines reports its problem once). */
  problem(file: string, line: number | undefined, message: string): void {
    const key = `${file}\0${line ?? ''}\0${message}`;
    if (this.problemKeys.has(key)) return;
    this.problemKeys.add(key);
    const p: CiProblem = { file, message };
    if (line !== undefined) p.line = line;
    this.problems.push(p);
  }
}

export function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > MAX_EXCERPT ? `${t.slice(0, MAX_EXCERPT - 3)}...` : t;
}

export function evidence(file: string, line: number, job: string | undefined, step: string | undefined, text: string | undefined): Evidence {
  const e: Evidence = { file, line };
  if (job !== undefined) e.job = job;
  if (step !== undefined) e.step = step;
  if (text !== undefined && text !== '') e.excerpt = excerpt(text);
  return e;
}

/** A step whose kinds are known from its action, task or orb (not from a script). */
export function knownStep(name: string, kinds: StepKind[], ev: Evidence, options: { unknown?: boolean; dirs?: string[] } = {}): CiStep {
  const step: CiStep = { name, kinds: orderKinds(kinds), unknown: options.unknown ?? false, evidence: ev };
  return setStepScope(step, { dirs: options.dirs ?? [], unsure: false });
}

/** A step whose logic is elsewhere (another repository's workflow or template, a shared library, a plugin). */
export function unknownStep(name: string, ev: Evidence): CiStep {
  return knownStep(name, [], ev, { unknown: true });
}

export interface ScriptStepInput {
  name: string;
  file: string;
  job: string;
  script: string;
  cwd: string | null;
  /** File line of the script's 0-based line. */
  lineOf: (index: number) => number;
  /** Kinds the step has besides its script (a task's own kind). */
  extraKinds?: StepKind[];
}

/**
 * A step that runs a script: its kinds are its commands' kinds; its evidence is the first command that has a
 * kind (else the first command); its scope is the folders its commands run in.
 */
export function scriptStep(ctx: ScanContext, input: ScriptStepInput): { step: CiStep; endDir: string | null } {
  const facts = ctx.classifier.script(input.script, input.cwd);
  const hit = facts.commands.find((c) => c.kinds.length > 0) ?? facts.commands.find((c) => c.located) ?? facts.commands[0];
  const line = input.lineOf(hit?.line ?? 0);
  const text = hit?.text ?? input.script.split('\n').find((l) => l.trim() !== '') ?? '';
  const step: CiStep = {
    name: input.name,
    kinds: orderKinds([...facts.kinds, ...(input.extraKinds ?? [])]),
    unknown: false,
    evidence: evidence(input.file, line, input.job, input.name, text),
  };
  const dirs = new Set<string>();
  let unsure = false;
  for (const c of facts.commands) {
    if (!c.located) continue;
    if (c.dir === null) unsure = true;
    else dirs.add(c.dir);
  }
  setStepScope(step, { dirs: [...dirs], unsure });
  return { step, endDir: facts.endDir };
}

export interface JobInput {
  name: string;
  file: string;
  line: number;
  steps: CiStep[];
  inactiveReason?: string | undefined;
  changes?: PathFilter | null;
  excerpt?: string;
}

export function makeJob(input: JobInput): CiJob {
  const job: CiJob = {
    name: input.name,
    active: input.inactiveReason === undefined,
    steps: input.steps,
    evidence: evidence(input.file, input.line, input.name, undefined, input.excerpt),
  };
  if (input.inactiveReason !== undefined) job.inactiveReason = input.inactiveReason;
  return setJobScope(job, { changes: input.changes ?? null });
}

/** Marks every job of a pipeline that nothing triggers as inactive (keeping a more specific reason). */
export function deactivateAll(jobs: CiJob[], reason: string): void {
  for (const j of jobs) {
    if (!j.active) continue;
    j.active = false;
    j.inactiveReason = reason;
  }
}

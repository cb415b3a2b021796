import type { Node } from 'yaml';
import type { CiJob, CiPipeline, CiStep } from '../../model/scan.js';
import { actionKinds } from './actions.js';
import { imageKinds } from './classify.js';
import { deactivateAll, evidence, knownStep, makeJob, scriptStep, unknownStep, type ScanContext } from './context.js';
import { anyOf, pathsFilter } from './filters.js';
import { joinDir, resolveDir } from './paths.js';
import { setPipelineScope, type PathFilter } from './types.js';
import type { YamlSource } from './yamlSource.js';

/**
 * GitHub Actions: `.github/workflows/*.yml|yaml` (GitHub reads no sub-folders). A workflow with no trigger, or
 * only `workflow_call`, does not run on its own: its jobs count through the workflows that call it. A job that
 * calls a reusable workflow in another repository is one unknown step; a local one is read and its jobs'
 * steps become the calling job's.
 */

const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;
/** Events whose path filters say which changes start the workflow. */
const CHANGE_EVENTS = new Set(['push', 'pull_request', 'pull_request_target']);
const MAX_CALL_DEPTH = 10;

interface Workflow {
  file: string;
  name: string;
  /** Events as written, without `workflow_call`. */
  triggers: string[];
  callable: boolean;
  changes: PathFilter | null;
  jobs: CiJob[];
}

export function scanGithubActions(ctx: ScanContext): CiPipeline[] {
  const reader = new WorkflowReader(ctx);
  const out: CiPipeline[] = [];
  for (const path of ctx.paths()) {
    if (!WORKFLOW_FILE.test(path)) continue;
    const wf = reader.read(path, []);
    if (!wf) continue;
    const pipeline: CiPipeline = { system: 'github-actions', file: path, name: wf.name, triggers: wf.triggers, jobs: wf.jobs };
    if (wf.triggers.length === 0) {
      deactivateAll(
        pipeline.jobs,
        wf.callable
          ? 'reusable workflow (on: workflow_call only): runs only when another workflow calls it'
          : 'the workflow has no trigger (no `on`)',
      );
    }
    out.push(setPipelineScope(pipeline, { changes: wf.changes, fileDir: null }));
  }
  return out;
}

class WorkflowReader {
  private readonly cache = new Map<string, Workflow | null>();

  constructor(private readonly ctx: ScanContext) {}

  read(path: string, callers: string[]): Workflow | null {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    const ys = this.ctx.yaml(path);
    const wf = ys ? this.parse(ys, callers) : null;
    this.cache.set(path, wf);
    return wf;
  }

  private parse(ys: YamlSource, callers: string[]): Workflow | null {
    const root = ys.root;
    if (!ys.isMap(root)) {
      if (root !== null) this.ctx.problem(ys.file, ys.lineOf(root), 'expected a workflow (a mapping with `on` and `jobs`), found something else');
      return null;
    }
    const file = ys.file;
    const { triggers, callable, changes } = readTriggers(ys, ys.get(root, 'on'));
    const name = ys.str(ys.get(root, 'name')) ?? file;
    const workflowDir = ys.str(ys.get(ys.get(ys.get(root, 'defaults'), 'run'), 'working-directory'));
    const jobs: CiJob[] = [];
    const ifs = new Map<string, string>();
    const needs = new Map<string, string[]>();
    for (const { key: id, keyNode, value: jobNode } of ys.entries(ys.get(root, 'jobs'))) {
      const line = ys.lineOf(keyNode);
      const cond = readIf(ys, ys.get(jobNode, 'if'));
      ifs.set(id, cond.text);
      needs.set(id, ys.strings(ys.get(jobNode, 'needs')));
      const jobDir = ys.str(ys.get(ys.get(ys.get(jobNode, 'defaults'), 'run'), 'working-directory')) ?? workflowDir;
      const uses = ys.str(ys.get(jobNode, 'uses'));
      let steps: CiStep[];
      if (uses !== undefined) steps = this.callSteps(ys, id, ys.get(jobNode, 'uses'), uses, [...callers, file]);
      else steps = this.jobSteps(ys, id, jobNode, jobDir);
      jobs.push(
        makeJob({
          name: id,
          file,
          line,
          steps,
          inactiveReason: cond.disabled ? `disabled: \`if: ${cond.text}\` (line ${ys.lineOf(ys.get(jobNode, 'if'))})` : undefined,
          excerpt: uses !== undefined ? `uses: ${uses}` : undefined,
        }),
      );
    }
    propagateNeeds(jobs, needs, ifs);
    return { file, name, triggers, callable, changes, jobs };
  }

  private jobSteps(ys: YamlSource, jobId: string, jobNode: Node | null, jobDir: string | undefined): CiStep[] {
    const steps: CiStep[] = [];
    ys.items(ys.get(jobNode, 'steps')).forEach((stepNode, index) => {
      if (readIf(ys, ys.get(stepNode, 'if')).disabled) return;
      const name = ys.str(ys.get(stepNode, 'name')) ?? ys.str(ys.get(stepNode, 'id')) ?? `#${index + 1}`;
      const wd = ys.str(ys.get(stepNode, 'working-directory')) ?? jobDir;
      const cwd = wd === undefined ? '.' : resolveDir('.', wd);
      const run = ys.get(stepNode, 'run');
      const runText = ys.str(run);
      if (runText !== undefined) {
        const shell = ys.str(ys.get(stepNode, 'shell')) ?? '';
        if (/^(python|node|ruby|perl)\b/.test(shell)) {
          steps.push(knownStep(name, [], evidence(ys.file, ys.lineOf(run), jobId, name, runText)));
          return;
        }
        steps.push(scriptStep(this.ctx, { name, file: ys.file, job: jobId, script: runText, cwd, lineOf: ys.valueLines(run) }).step);
        return;
      }
      const usesNode = ys.get(stepNode, 'uses');
      const uses = ys.str(usesNode);
      if (uses === undefined) return;
      const ev = evidence(ys.file, ys.lineOf(usesNode), jobId, name, `uses: ${uses}`);
      const inputs = (ys.toJS(ys.get(stepNode, 'with')) ?? {}) as Record<string, unknown>;
      steps.push(knownStep(name, this.usesKinds(uses, inputs, cwd, 0), ev, { dirs: contextDirs(inputs) }));
    });
    return steps;
  }

  private usesKinds(uses: string, inputs: Record<string, unknown>, cwd: string | null, depth: number): CiStep['kinds'] {
    if (uses.startsWith('docker://')) {
      const args = typeof inputs.args === 'string' ? inputs.args.split(/\s+/).filter(Boolean) : [];
      return [...imageKinds(uses.slice('docker://'.length), args), ...(args.length > 0 ? this.ctx.classifier.words(args, cwd, 1).kinds : [])];
    }
    if (uses.startsWith('./')) return depth > 4 ? [] : this.localActionKinds(uses, cwd, depth);
    return actionKinds(uses, inputs, this.ctx.classifier, cwd);
  }

  /** A local composite action (`uses: ./.github/actions/x`): its steps' kinds. JavaScript and Docker actions: none. */
  private localActionKinds(uses: string, cwd: string | null, depth: number): CiStep['kinds'] {
    const dir = joinDir('.', uses);
    if (dir === null) return [];
    const path = [`${dir}/action.yml`, `${dir}/action.yaml`].find((p) => this.ctx.exists(p));
    if (!path) {
      this.ctx.problem(uses, undefined, `local action ${uses} has no action.yml`);
      return [];
    }
    const ys = this.ctx.yaml(path);
    if (!ys) return [];
    const runs = ys.get(ys.root, 'runs');
    if (ys.str(ys.get(runs, 'using')) !== 'composite') return [];
    const kinds = new Set<CiStep['kinds'][number]>();
    for (const s of ys.items(ys.get(runs, 'steps'))) {
      const run = ys.str(ys.get(s, 'run'));
      const wd = ys.str(ys.get(s, 'working-directory'));
      const stepCwd = wd === undefined ? cwd : resolveDir(cwd, wd);
      if (run !== undefined) for (const k of this.ctx.classifier.text(run, stepCwd, 1)) kinds.add(k);
      const nested = ys.str(ys.get(s, 'uses'));
      if (nested !== undefined) {
        const inputs = (ys.toJS(ys.get(s, 'with')) ?? {}) as Record<string, unknown>;
        for (const k of this.usesKinds(nested, inputs, stepCwd, depth + 1)) kinds.add(k);
      }
    }
    return [...kinds];
  }

  /** `jobs.<id>.uses`: a reusable workflow, here (read) or in another repository (unknown). */
  private callSteps(ys: YamlSource, jobId: string, usesNode: Node | null, uses: string, callers: string[]): CiStep[] {
    const ev = evidence(ys.file, ys.lineOf(usesNode), jobId, 'uses', `uses: ${uses}`);
    if (!uses.startsWith('./')) return [unknownStep('uses', ev)];
    const path = joinDir('.', uses.replace(/@.*$/, ''));
    if (path === null || !this.ctx.exists(path)) {
      this.ctx.problem(ys.file, ev.line, `jobs.${jobId}.uses: expected a workflow file in this repository, found no file ${uses}`);
      return [];
    }
    if (callers.includes(path) || callers.length > MAX_CALL_DEPTH) {
      this.ctx.problem(ys.file, ev.line, `jobs.${jobId}.uses: ${uses} calls itself (${[...callers, path].join(' → ')})`);
      return [];
    }
    const called = this.read(path, callers);
    if (!called) return [];
    return called.jobs.filter((j) => !j.inactiveReason || j.inactiveReason.startsWith('reusable workflow')).flatMap((j) => j.steps);
  }
}

/** `on` as a string, a list or a map; path filters of push/pull_request events. */
function readTriggers(ys: YamlSource, on: Node | null): { triggers: string[]; callable: boolean; changes: PathFilter | null } {
  const events: Array<{ name: string; node: Node | null }> = [];
  if (ys.isMap(on)) for (const e of ys.entries(on)) events.push({ name: e.key, node: e.value });
  else for (const s of ys.strings(on)) events.push({ name: s, node: null });
  const triggers: string[] = [];
  let callable = false;
  const filters: PathFilter[] = [];
  let unfiltered = false;
  let changeEvents = 0;
  for (const { name, node } of events) {
    if (name === 'workflow_call') {
      callable = true;
      continue;
    }
    if (!triggers.includes(name)) triggers.push(name);
    if (!CHANGE_EVENTS.has(name)) continue;
    changeEvents++;
    const paths = ys.has(node, 'paths') ? ys.strings(ys.get(node, 'paths')) : null;
    const ignore = ys.has(node, 'paths-ignore') ? ys.strings(ys.get(node, 'paths-ignore')) : null;
    if (paths === null && ignore === null) unfiltered = true;
    else filters.push(pathsFilter(paths, ignore));
  }
  // Manual, scheduled and other events do not say which service a workflow is for; change events do.
  const changes = changeEvents === 0 || unfiltered ? null : anyOf(filters);
  return { triggers, callable, changes };
}

/** `if: false`, `if: ${{ false }}`, `if: "false"`, `if: ${{ false && ... }}`. */
function readIf(ys: YamlSource, node: Node | null): { disabled: boolean; text: string } {
  if (node === null) return { disabled: false, text: '' };
  const text = ys.str(node) ?? '';
  const expr = text.trim().replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, '$1').trim();
  const disabled = /^false$/i.test(expr) || /^false\s*&&/.test(expr) || /^\(\s*false\s*\)$/.test(expr);
  return { disabled, text };
}

/** A job that needs a job that never runs is skipped too, unless its `if` asks to run anyway (`always()`). */
function propagateNeeds(jobs: CiJob[], needs: Map<string, string[]>, ifs: Map<string, string>): void {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  for (let changed = true, guard = 0; changed && guard <= jobs.length; guard++) {
    changed = false;
    for (const job of jobs) {
      if (!job.active) continue;
      if (/\b(always|failure|cancelled)\s*\(\s*\)/.test(ifs.get(job.name) ?? '')) continue;
      const blocked = (needs.get(job.name) ?? []).find((n) => byName.get(n)?.active === false);
      if (blocked !== undefined) {
        job.active = false;
        job.inactiveReason = `needs job ${blocked}, which never runs`;
        changed = true;
      }
    }
  }
}

/** Build actions name the folder they build (`context: services/api`). */
function contextDirs(inputs: Record<string, unknown>): string[] {
  const ctx = inputs.context ?? inputs['working-directory'] ?? inputs.workdir;
  if (typeof ctx !== 'string') return [];
  const d = resolveDir('.', ctx);
  return d === null ? [] : [d];
}

import type { Node } from 'yaml';
import type { CiJob, CiPipeline, CiStep, StepKind } from '../../model/scan.js';
import { evidence, knownStep, makeJob, scriptStep, unknownStep, type ScanContext } from './context.js';
import { anyOf, regexFilter } from './filters.js';
import { own, resolveDir } from './paths.js';
import { setPipelineScope, type PathFilter } from './types.js';
import type { YamlSource } from './yamlSource.js';

/**
 * CircleCI: `.circleci/config.yml`. Workflows decide which jobs run: a job in no workflow (or only in workflows
 * that are `when: false`) never runs. Reusable `commands` are expanded; orb jobs and commands are known by name
 * (`snyk/scan`, `aws-ecr/build-and-push-image`), other orbs' are unknown. A setup config with the
 * path-filtering orb continues with another config whose workflows are gated by pipeline parameters: those
 * workflows' jobs run only for the changes the mapping names.
 */

const ROOT = '.circleci/config.yml';
const DEFAULT_CONTINUATION = '.circleci/continue_config.yml';
const BUILT_IN_STEPS = new Set(['checkout', 'setup_remote_docker', 'save_cache', 'restore_cache', 'persist_to_workspace', 'attach_workspace', 'store_artifacts', 'store_test_results', 'add_ssh_keys', 'deploy']);

/** Orb members (`<namespace>/<orb>` + `/` + job or command) whose effect is known; `*` for any other member. */
const ORBS: Record<string, Record<string, StepKind[]>> = {
  'circleci/node': { test: ['test'], '*': [] },
  'circleci/python': { test: ['test'], '*': [] },
  'circleci/go': { test: ['test'], '*': [] },
  'circleci/maven': { test: ['build', 'test'], '*': [] },
  'circleci/gradle': { test: ['test'], run: [], '*': [] },
  'circleci/ruby': { 'rspec-test': ['test'], 'rubocop-check': ['lint'], '*': [] },
  'circleci/rust': { test: ['test'], clippy: ['lint'], format: ['lint'], build: ['build'], '*': [] },
  'circleci/docker': { build: ['build'], push: ['publish-image'], publish: ['build', 'publish-image'], hadolint: ['lint'], '*': [] },
  'circleci/aws-ecr': { 'build-and-push-image': ['build', 'publish-image'], build_and_push_image: ['build', 'publish-image'], 'push-image': ['publish-image'], push_image: ['publish-image'], 'build-image': ['build'], build_image: ['build'], '*': [] },
  'circleci/aws-ecs': { 'deploy-service-update': ['deploy'], deploy_service_update: ['deploy'], 'update-service': ['deploy'], update_service: ['deploy'], '*': [] },
  'circleci/aws-eks': { 'update-container-image': ['deploy'], '*': [] },
  'circleci/gcp-gcr': { 'build-and-push-image': ['build', 'publish-image'], 'push-image': ['publish-image'], 'build-image': ['build'], '*': [] },
  'circleci/gcp-cloud-run': { deploy: ['deploy'], build: ['build'], '*': [] },
  'circleci/kubernetes': { 'create-or-update-resource': ['deploy'], 'update-container-image': ['deploy'], '*': [] },
  'circleci/helm': { 'upgrade-helm-chart': ['deploy'], 'install-helm-chart': ['deploy'], '*': [] },
  'circleci/heroku': { 'deploy-via-git': ['deploy'], deploy_via_git: ['deploy'], 'push-docker-image': ['publish-image'], '*': [] },
  'circleci/azure-acr': { 'build-and-push-image': ['build', 'publish-image'], '*': [] },
  'circleci/terraform': { apply: ['deploy'], '*': [] },
  'snyk/snyk': { scan: ['dependency-scan'], '*': [] },
  'sonarsource/sonarcloud': { scan: ['sast'], '*': [] },
  'gitguardian/ggshield': { scan: ['secret-scan'], '*': [] },
  'circleci/slack': { '*': [] },
  'circleci/browser-tools': { '*': [] },
  'circleci/aws-cli': { '*': [] },
  'circleci/gcp-cli': { '*': [] },
  'circleci/path-filtering': { '*': [] },
  'circleci/continuation': { '*': [] },
  'circleci/jq': { '*': [] },
  'circleci/aws-s3': { '*': [] },
  'codecov/codecov': { '*': [] },
};

interface Continuation {
  file: string;
  /** Per pipeline parameter, the path regular expressions that set it to true. */
  mapping: Map<string, string[]>;
  triggers: string[];
}

export function scanCircleci(ctx: ScanContext): CiPipeline[] {
  if (!ctx.exists(ROOT)) return [];
  const out: CiPipeline[] = [];
  const continuations: Continuation[] = [];
  const root = readConfig(ctx, ROOT, null, continuations);
  if (root) out.push(root);
  const seen = new Set([ROOT]);
  for (const c of continuations) {
    if (seen.has(c.file)) continue;
    seen.add(c.file);
    if (!ctx.exists(c.file)) {
      ctx.problem(ROOT, undefined, `path-filtering continues with ${c.file}, which does not exist`);
      continue;
    }
    const p = readConfig(ctx, c.file, c, continuations);
    if (p) out.push(p);
  }
  return out;
}

function readConfig(ctx: ScanContext, file: string, continuation: Continuation | null, continuations: Continuation[]): CiPipeline | null {
  const ys = ctx.yaml(file);
  if (!ys) return null;
  const root = ys.root;
  if (!ys.isMap(root)) {
    if (root !== null) ctx.problem(file, ys.lineOf(root), 'expected a CircleCI configuration (a mapping), found something else');
    return null;
  }
  const orbs = new Map<string, string>();
  for (const e of ys.entries(ys.get(root, 'orbs'))) {
    const ref = ys.str(e.value);
    orbs.set(e.key, ref ? ref.replace(/@.*$/, '') : `inline:${e.key}`);
  }
  const commands = new Map<string, Node | null>();
  for (const e of ys.entries(ys.get(root, 'commands'))) commands.set(e.key, ys.get(e.value, 'steps'));

  const reader = new StepReader(ctx, ys, orbs, commands);
  const triggers = new Set<string>(continuation ? continuation.triggers : ['push']);

  // Which workflows run each job, and what gates them.
  const usage = new Map<string, Array<{ workflow: string; gate: PathFilter | null; line: number; node: Node | null }>>();
  const workflows = ys.get(root, 'workflows');
  const version = ys.str(ys.get(root, 'version')) ?? '';
  for (const wf of ys.entries(workflows)) {
    if (wf.key === 'version' || !ys.isMap(wf.value)) continue;
    if (ys.has(wf.value, 'triggers')) triggers.add('schedule');
    const when = ys.get(wf.value, 'when');
    if (when && ys.str(when) === 'false') continue;
    if (ys.str(ys.get(wf.value, 'unless')) === 'true') continue;
    const gate = continuation ? gateOf(ys, when, continuation.mapping) : null;
    for (const j of ys.items(ys.get(wf.value, 'jobs'))) {
      const ref = ys.str(j) ?? ys.entries(j)[0]?.key;
      if (!ref) continue;
      const params = ys.str(j) !== undefined ? null : (ys.entries(j)[0]?.value ?? null);
      const list = usage.get(ref) ?? [];
      list.push({ workflow: wf.key, gate, line: ys.lineOf(j), node: params });
      usage.set(ref, list);
      if (ref.endsWith('/filter') && orbs.get(ref.split('/')[0]!) === 'circleci/path-filtering') {
        continuations.push(pathFilteringContinuation(ys, params, [...triggers]));
      }
    }
  }

  const jobs: CiJob[] = [];
  const defined = ys.entries(ys.get(root, 'jobs'));
  const hasWorkflows = ys.entries(workflows).some((w) => w.key !== 'version');
  for (const { key, keyNode, value } of defined) {
    const uses = usage.get(key);
    let inactive: string | undefined;
    // CircleCI 2.0 without workflows runs the job called `build`.
    if (!hasWorkflows && version.startsWith('2') && key !== 'build') inactive = 'not in any workflow (without workflows, CircleCI runs only `build`)';
    else if (hasWorkflows && !uses) inactive = 'not in any workflow that runs';
    const wd = ys.str(ys.get(value, 'working_directory'));
    const cwd = wd === undefined ? '.' : resolveDir('.', wd);
    const steps = reader.steps(ys.get(value, 'steps'), key, cwd, 0);
    jobs.push(makeJob({ name: key, file, line: ys.lineOf(keyNode), steps, inactiveReason: inactive, changes: gateUnion(uses) }));
  }
  // Orb jobs used directly in workflows (`- aws-ecr/build-and-push-image:`).
  for (const [ref, uses] of usage) {
    if (defined.some((d) => d.key === ref) || !ref.includes('/')) {
      if (!ref.includes('/') && !defined.some((d) => d.key === ref)) ctx.problem(file, uses[0]!.line, `workflow ${uses[0]!.workflow}: job ${ref} is not defined`);
      continue;
    }
    const ev = evidence(file, uses[0]!.line, ref, ref, ref);
    jobs.push(makeJob({ name: ref, file, line: uses[0]!.line, steps: [reader.orbStep(ref, ev, uses[0]!.node)], changes: gateUnion(uses) }));
  }
  const pipeline: CiPipeline = { system: 'circleci', file, name: file, triggers: [...triggers], jobs };
  return setPipelineScope(pipeline, { changes: null, fileDir: null });
}

/** A job runs for the changes any of its workflows runs for. */
function gateUnion(uses: Array<{ gate: PathFilter | null }> | undefined): PathFilter | null {
  if (!uses || uses.length === 0) return null;
  if (uses.some((u) => u.gate === null)) return null;
  return anyOf(uses.map((u) => u.gate!));
}

/** `when: << pipeline.parameters.run-api >>` in a continued config: the mapping's paths for that parameter. */
function gateOf(ys: YamlSource, when: Node | null, mapping: Map<string, string[]>): PathFilter | null {
  const text = ys.str(when);
  if (!text) return null;
  const m = /^<<\s*pipeline\.parameters\.([\w-]+)\s*>>$/.exec(text.trim());
  if (!m) return null;
  const patterns = mapping.get(m[1]!);
  return patterns ? regexFilter(patterns) : null;
}

function pathFilteringContinuation(ys: YamlSource, params: Node | null, triggers: string[]): Continuation {
  const file = ys.str(ys.get(params, 'config-path')) ?? DEFAULT_CONTINUATION;
  const mapping = new Map<string, string[]>();
  for (const line of (ys.str(ys.get(params, 'mapping')) ?? '').split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3 || parts[0]!.startsWith('#')) continue;
    const [regex, param, value] = parts as [string, string, string];
    if (value !== 'true') continue;
    mapping.set(param, [...(mapping.get(param) ?? []), regex]);
  }
  return { file: file.replace(/^\.\//, ''), mapping, triggers };
}

class StepReader {
  constructor(
    private readonly ctx: ScanContext,
    private readonly ys: YamlSource,
    private readonly orbs: Map<string, string>,
    private readonly commands: Map<string, Node | null>,
  ) {}

  steps(node: Node | null, job: string, cwd: string | null, depth: number): CiStep[] {
    const ys = this.ys;
    const out: CiStep[] = [];
    for (const item of ys.items(node)) {
      const index = `#${out.length + 1}`;
      const plain = ys.str(item);
      const key = plain ?? ys.entries(item)[0]?.key;
      const value = plain !== undefined ? null : (ys.entries(item)[0]?.value ?? null);
      if (!key) continue;
      if (key === 'run') {
        const command = ys.str(value) ?? ys.str(ys.get(value, 'command'));
        const commandNode = ys.str(value) !== undefined ? value : ys.get(value, 'command');
        if (command === undefined) continue;
        const name = ys.str(ys.get(value, 'name')) ?? index;
        const wd = ys.str(ys.get(value, 'working_directory'));
        const stepCwd = wd === undefined ? cwd : resolveDir(cwd, wd);
        out.push(scriptStep(this.ctx, { name, file: ys.file, job, script: command, cwd: stepCwd, lineOf: ys.valueLines(commandNode) }).step);
        continue;
      }
      if (key === 'when' || key === 'unless') {
        const condition = ys.str(ys.get(value, 'condition'));
        if ((key === 'when' && condition === 'false') || (key === 'unless' && condition === 'true')) continue;
        out.push(...this.steps(ys.get(value, 'steps'), job, cwd, depth + 1));
        continue;
      }
      const ev = evidence(ys.file, ys.lineOf(item), job, key, key);
      if (BUILT_IN_STEPS.has(key)) {
        out.push(knownStep(key, [], ev));
        continue;
      }
      if (this.commands.has(key)) {
        if (depth < 8) out.push(...this.steps(this.commands.get(key) ?? null, job, cwd, depth + 1));
        continue;
      }
      if (key.includes('/')) {
        out.push(this.orbStep(key, ev, value));
        continue;
      }
      this.ctx.problem(ys.file, ev.line, `job ${job}: step ${key} is neither a built-in step, a command of this config nor an orb's`);
    }
    return out;
  }

  /** An orb's job or command: known orbs by member, others unknown. `node/run` runs an npm script. */
  orbStep(ref: string, ev: CiStep['evidence'], params: Node | null): CiStep {
    const [alias, member] = ref.split('/') as [string, string];
    const orb = this.orbs.get(alias);
    const known = orb ? own(ORBS, orb) : undefined;
    if (orb === 'circleci/node' && member === 'run') {
      const script = this.ys.str(this.ys.get(params, 'npm-run')) ?? this.ys.str(this.ys.get(params, 'yarn-run'));
      const appDir = this.ys.str(this.ys.get(params, 'app-dir'));
      const dir = appDir === undefined ? '.' : resolveDir('.', appDir.replace(/^~\/project/, '.'));
      if (script) return knownStep(ref, this.ctx.classifier.npmScript('npm', dir, script, 0).kinds, ev);
    }
    if (!known) return unknownStep(ref, ev);
    const kinds = own(known, member) ?? own(known, '*');
    return kinds === undefined ? unknownStep(ref, ev) : knownStep(ref, kinds, ev);
  }
}

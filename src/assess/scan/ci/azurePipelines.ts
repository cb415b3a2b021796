import type { Node } from 'yaml';
import type { CiJob, CiPipeline, CiStep, StepKind } from '../../model/scan.js';
import type { Classifier } from './classify.js';
import { evidence, knownStep, makeJob, scriptStep, unknownStep, type ScanContext } from './context.js';
import { anyOf, prefixFilter } from './filters.js';
import { dirOf, isPipelineLocation, joinDir, own, resolveDir } from './paths.js';
import { setPipelineScope, type PathFilter } from './types.js';
import type { YamlSource } from './yamlSource.js';

/**
 * Azure Pipelines: `azure-pipelines.yml` (any folder, also `azure-pipelines-<x>.yml`), and files under
 * `.azure-pipelines/` or `.azuredevops/` that declare triggers. Stages, jobs, deployment jobs and steps; local
 * templates are read (relative to the file that names them), templates from other repositories
 * (`x.yml@repo`) and `extends` from them are unknown; `condition: false` / `enabled: false` switch things off;
 * tasks are known by name (`Docker@2` with `buildAndPush` builds and publishes an image).
 */

const FILE = /(^|\/)azure-pipelines([._-][^/]*)?\.ya?ml$/;
const FOLDER_FILE = /^\.(azure-pipelines|azuredevops)\/[^/]+\.ya?ml$/;
const MAX_TEMPLATE_DEPTH = 10;

type Inputs = Record<string, unknown>;
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const low = (v: unknown): string => str(v).toLowerCase();

/** Tasks by name (lower case, without `@version`). */
const TASKS: Record<string, (inputs: Inputs, cl: Classifier, cwd: string | null) => StepKind[]> = {
  docker: (w) => {
    const c = low(w.command || 'buildAndPush');
    if (c === 'buildandpush') return ['build', 'publish-image'];
    if (c === 'build' || c === 'build an image') return ['build'];
    if (c === 'push' || c === 'push an image') return ['publish-image'];
    return [];
  },
  dockercompose: (w) => (/build/.test(low(w.action)) ? ['build'] : /push/.test(low(w.action)) ? ['publish-image'] : []),
  npm: (w, cl, cwd) => {
    const c = low(w.command || 'install');
    if (c === 'custom') return cl.words(['npm', ...str(w.customCommand).split(/\s+/).filter(Boolean)], dirInput(w.workingDir, cwd), 1).kinds;
    return [];
  },
  maven: (w, cl, cwd) => [
    ...cl.words(['mvn', ...str(w.goals || 'package').split(/\s+/), ...str(w.options).split(/\s+/)].filter(Boolean), cwd, 1).kinds,
    ...(/^true$/i.test(str(w.sonarQubeRunAnalysis)) || /^true$/i.test(str(w.spotBugsRunAnalysis)) ? (['sast'] as StepKind[]) : []),
    ...(/^true$/i.test(str(w.checkStyleRunAnalysis)) || /^true$/i.test(str(w.pmdRunAnalysis)) ? (['lint'] as StepKind[]) : []),
  ],
  gradle: (w, cl, cwd) => [
    ...cl.words(['gradle', ...str(w.tasks || 'build').split(/\s+/)].filter(Boolean), dirInput(w.workingDirectory, cwd), 1).kinds,
    ...(/^true$/i.test(str(w.sonarQubeRunAnalysis)) ? (['sast'] as StepKind[]) : []),
  ],
  dotnetcorecli: (w, cl, cwd) => {
    const c = low(w.command || 'build');
    if (c === 'custom') return cl.words(['dotnet', str(w.custom), ...str(w.arguments).split(/\s+/)].filter(Boolean), cwd, 1).kinds;
    return cl.words(['dotnet', c], cwd, 1).kinds;
  },
  vstest: () => ['test'],
  msbuild: () => ['build'],
  vsbuild: () => ['build'],
  xcode: () => ['build'],
  bash: (w, cl, cwd) => (low(w.targetType) === 'inline' || w.script ? cl.text(str(w.script), dirInput(w.workingDirectory, cwd), 1) : w.filePath ? cl.scriptFile(str(w.filePath), dirInput(w.workingDirectory, cwd), 1) : []),
  cmdline: (w, cl, cwd) => cl.text(str(w.script), dirInput(w.workingDirectory, cwd), 1),
  powershell: (w, cl, cwd) => cl.text(str(w.script), dirInput(w.workingDirectory, cwd), 1),
  azurecli: (w, cl, cwd) => (w.inlineScript ? cl.text(str(w.inlineScript), dirInput(w.workingDirectory, cwd), 1) : w.scriptPath ? cl.scriptFile(str(w.scriptPath), cwd, 1) : []),
  kubernetesmanifest: (w) => (['deploy', 'promote', 'patch', 'scale'].includes(low(w.action || 'deploy')) ? ['deploy'] : []),
  kubernetes: (w) => (['apply', 'set', 'rollout', 'replace'].includes(low(w.command)) ? ['deploy'] : []),
  helmdeploy: (w) => (['upgrade', 'install'].includes(low(w.command)) ? ['deploy'] : []),
  azurewebapp: () => ['deploy'],
  azurermwebappdeployment: () => ['deploy'],
  azurefunctionapp: () => ['deploy'],
  azurefunctionappcontainer: () => ['deploy'],
  azurewebappcontainer: () => ['deploy'],
  azurecontainerapps: () => ['deploy'],
  azurespringcloud: () => ['deploy'],
  azureresourcemanagertemplatedeployment: () => ['deploy'],
  azureresourcegroupdeployment: () => ['deploy'],
  terraformtaskv4: (w) => (low(w.command) === 'apply' ? ['deploy'] : []),
  terraformtaskv3: (w) => (low(w.command) === 'apply' ? ['deploy'] : []),
  terraform: (w) => (low(w.command) === 'apply' ? ['deploy'] : []),
  sonarqubeanalyze: () => ['sast'],
  sonarcloudanalyze: () => ['sast'],
  'dependency-check-build-task': () => ['dependency-scan'],
  snyksecurityscan: (w) => (low(w.testType || 'app') === 'app' ? ['dependency-scan'] : low(w.testType) === 'code' ? ['sast'] : []),
  credscan: () => ['secret-scan'],
  'advancedsecurity-codeql-analyze': () => ['sast'],
  'advancedsecurity-dependency-scanning': () => ['dependency-scan'],
  microsoftsecuritydevops: () => ['sast'],
  whitesource: () => ['dependency-scan'],
};
/** In-the-box tasks that neither build, check nor ship. */
const NO_KIND_TASKS = new Set([
  'publishtestresults', 'publishbuildartifacts', 'publishpipelineartifact', 'downloadpipelineartifact', 'downloadbuildartifacts',
  'copyfiles', 'archivefiles', 'extractfiles', 'cache', 'nodetool', 'usenode', 'usepythonversion', 'usedotnet', 'javatoolinstaller',
  'gotool', 'npmauthenticate', 'pipauthenticate', 'nugetauthenticate', 'nugetcommand', 'nugettoolinstaller', 'nugetrestore',
  'publishcodecoverageresults', 'installsshkey', 'downloadsecurefile', 'azurekeyvault', 'azurefilecopy', 'githubrelease',
  'manualvalidation', 'delay', 'invokerestapi', 'deletefiles', 'sonarqubeprepare', 'sonarcloudprepare', 'sonarqubepublish',
  'sonarcloudpublish', 'advancedsecurity-codeql-init', 'advancedsecurity-codeql-autobuild', 'advancedsecurity-publish',
  'twineauthenticate', 'mavenauthenticate', 'gradleauthenticate', 'dockerinstaller', 'helminstaller', 'kubectlinstaller',
  'terraforminstaller', 'publishsymbols', 'universalpackages', 'azurepowershell', 'azureappservicemanage', 'azureappservicesettings',
  'publishhtmlreport', 'replacetokens', 'filetransform', 'servicefabricdeploy', 'sshtask', 'copyfilesoverssh', 'ftpupload',
  'checkout', 'download', 'publish', 'getpackage',
]);

function dirInput(v: unknown, cwd: string | null): string | null {
  return v === undefined || v === null || v === '' ? cwd : resolveDir('.', str(v));
}

export function scanAzurePipelines(ctx: ScanContext): CiPipeline[] {
  const out: CiPipeline[] = [];
  for (const path of ctx.paths()) {
    const folder = FOLDER_FILE.test(path);
    if ((!FILE.test(path) && !folder) || !isPipelineLocation(path)) continue;
    const ys = ctx.yaml(path);
    if (!ys) continue;
    if (folder && !['trigger', 'pr', 'schedules'].some((k) => ys.has(ys.root, k))) continue;
    const p = readPipeline(ctx, ys);
    if (p) out.push(p);
  }
  return out;
}

function readPipeline(ctx: ScanContext, ys: YamlSource): CiPipeline | null {
  const root = ys.root;
  if (!ys.isMap(root)) {
    if (root !== null) ctx.problem(ys.file, ys.lineOf(root), 'expected an Azure Pipelines file (a mapping), found something else');
    return null;
  }
  const { triggers, changes } = readTriggers(ys, root);
  const reader = new AzureReader(ctx);
  const jobs = reader.body(ys, root, []);
  const pipeline: CiPipeline = { system: 'azure-pipelines', file: ys.file, name: ys.file, triggers, jobs };
  return setPipelineScope(pipeline, { changes, fileDir: dirOf(ys.file) });
}

function readTriggers(ys: YamlSource, root: Node | null): { triggers: string[]; changes: PathFilter | null } {
  const triggers: string[] = [];
  const filters: PathFilter[] = [];
  let unfiltered = false;
  for (const [key, event] of [['trigger', 'push'], ['pr', 'pull_request']] as const) {
    const node = ys.get(root, key);
    // Absent: CI and PR triggers on every branch (PR triggers for GitHub and Bitbucket repositories).
    if (!ys.has(root, key)) {
      triggers.push(event);
      unfiltered = true;
      continue;
    }
    if (ys.str(node) === 'none') continue;
    triggers.push(event);
    const paths = ys.get(node, 'paths');
    if (paths) filters.push(prefixFilter(ys.strings(ys.get(paths, 'include')), ys.strings(ys.get(paths, 'exclude'))));
    else unfiltered = true;
  }
  if (ys.items(ys.get(root, 'schedules')).length > 0) triggers.push('schedule');
  if (ys.items(ys.get(ys.get(root, 'resources'), 'pipelines')).some((p) => ys.has(p, 'trigger'))) triggers.push('pipeline');
  if (triggers.length === 0) triggers.push('manual');
  return { triggers, changes: unfiltered || filters.length === 0 ? null : anyOf(filters) };
}

const isFalse = (ys: YamlSource, node: Node | null): boolean => /^\s*(false|\$\{\{\s*false\s*\}\})\s*$/i.test(ys.str(node) ?? '');

class AzureReader {
  constructor(private readonly ctx: ScanContext) {}

  /** The pipeline's (or a template's) stages, jobs or steps. */
  body(ys: YamlSource, node: Node | null, chain: string[]): CiJob[] {
    const ext = ys.get(node, 'extends');
    if (ext) {
      const t = ys.get(ext, 'template');
      const target = this.template(ys, t, chain);
      if (target === 'remote') {
        const ev = evidence(ys.file, ys.lineOf(t), 'extends', 'extends', `extends: template: ${ys.str(t)}`);
        return [makeJob({ name: 'extends', file: ys.file, line: ys.lineOf(ext), steps: [unknownStep('extends', ev)] })];
      }
      return target ? this.body(target, target.root, [...chain, ys.file]) : [];
    }
    if (ys.has(node, 'stages')) return this.stages(ys, ys.get(node, 'stages'), chain);
    if (ys.has(node, 'jobs')) return this.jobs(ys, ys.get(node, 'jobs'), null, undefined, chain);
    if (ys.has(node, 'steps')) {
      const steps = this.steps(ys, ys.get(node, 'steps'), 'Job', '.', chain);
      return [makeJob({ name: 'Job', file: ys.file, line: ys.lineOf(ys.keyNode(node, 'steps')), steps })];
    }
    return [];
  }

  private stages(ys: YamlSource, node: Node | null, chain: string[]): CiJob[] {
    const out: CiJob[] = [];
    for (const item of this.expand(ys, node)) {
      const t = ys.get(item, 'template');
      if (t) {
        out.push(...this.templated(ys, t, item, chain, (tys, tnode, c) => this.stages(tys, tys.get(tnode, 'stages'), c)));
        continue;
      }
      const name = ys.str(ys.get(item, 'stage')) ?? `stage@${ys.lineOf(item)}`;
      const off = isFalse(ys, ys.get(item, 'condition')) ? `disabled: \`condition: false\` on stage ${name} (line ${ys.lineOf(ys.get(item, 'condition'))})` : undefined;
      out.push(...this.jobs(ys, ys.get(item, 'jobs'), name, off, chain));
    }
    return out;
  }

  private jobs(ys: YamlSource, node: Node | null, stage: string | null, stageOff: string | undefined, chain: string[]): CiJob[] {
    const out: CiJob[] = [];
    for (const item of this.expand(ys, node)) {
      const t = ys.get(item, 'template');
      if (t) {
        out.push(...this.templated(ys, t, item, chain, (tys, tnode, c) => this.jobs(tys, tys.get(tnode, 'jobs'), stage, stageOff, c)));
        continue;
      }
      const id = ys.str(ys.get(item, 'job')) ?? ys.str(ys.get(item, 'deployment')) ?? `job@${ys.lineOf(item)}`;
      const name = stage ? `${stage}/${id}` : id;
      const off = stageOff ?? (isFalse(ys, ys.get(item, 'condition')) ? `disabled: \`condition: false\` (line ${ys.lineOf(ys.get(item, 'condition'))})` : undefined);
      let stepNodes: Node[] = [];
      if (ys.has(item, 'steps')) stepNodes = [ys.get(item, 'steps')!];
      else if (ys.has(item, 'strategy')) {
        // Deployment jobs: runOnce / rolling / canary, each with lifecycle hooks holding steps.
        for (const strategy of ys.entries(ys.get(item, 'strategy'))) {
          for (const hook of ys.entries(strategy.value)) {
            if (hook.key === 'on') for (const h of ys.entries(hook.value)) stepNodes.push(ys.get(h.value, 'steps')!);
            else stepNodes.push(ys.get(hook.value, 'steps')!);
          }
        }
      }
      const steps = stepNodes.filter(Boolean).flatMap((n) => this.steps(ys, n, name, '.', chain));
      out.push(makeJob({ name, file: ys.file, line: ys.lineOf(item), steps, inactiveReason: off }));
    }
    return out;
  }

  private steps(ys: YamlSource, node: Node | null, job: string, cwd: string | null, chain: string[]): CiStep[] {
    const out: CiStep[] = [];
    for (const item of this.expand(ys, node)) {
      if (isFalse(ys, ys.get(item, 'condition')) || ys.str(ys.get(item, 'enabled')) === 'false') continue;
      const index = `#${out.length + 1}`;
      const name = ys.str(ys.get(item, 'displayName')) ?? ys.str(ys.get(item, 'name')) ?? index;
      const t = ys.get(item, 'template');
      if (t) {
        const target = this.template(ys, t, chain);
        if (target === 'remote') out.push(unknownStep(name, evidence(ys.file, ys.lineOf(t), job, name, `template: ${ys.str(t)}`)));
        else if (target) out.push(...this.steps(target, target.get(target.root, 'steps'), job, cwd, [...chain, ys.file]));
        continue;
      }
      const scriptKey = ['script', 'bash', 'pwsh', 'powershell'].find((k) => ys.has(item, k));
      if (scriptKey) {
        const scriptNode = ys.get(item, scriptKey);
        const wd = ys.str(ys.get(item, 'workingDirectory'));
        const stepCwd = wd === undefined ? cwd : resolveDir('.', wd);
        out.push(scriptStep(this.ctx, { name, file: ys.file, job, script: ys.str(scriptNode) ?? '', cwd: stepCwd, lineOf: ys.valueLines(scriptNode) }).step);
        continue;
      }
      const taskNode = ys.get(item, 'task');
      const task = ys.str(taskNode);
      if (task !== undefined) {
        const key = task.replace(/@.*$/, '').toLowerCase();
        const ev = evidence(ys.file, ys.lineOf(taskNode), job, name, `task: ${task}`);
        const inputs = (ys.toJS(ys.get(item, 'inputs')) ?? {}) as Inputs;
        const rule = own(TASKS, key);
        if (rule) out.push(knownStep(name, rule(inputs, this.ctx.classifier, cwd), ev));
        else if (NO_KIND_TASKS.has(key)) out.push(knownStep(name, [], ev));
        else out.push(unknownStep(name, ev));
        continue;
      }
      const other = ['checkout', 'download', 'publish', 'downloadBuild', 'getPackage', 'restoreCache', 'reviewApp'].find((k) => ys.has(item, k));
      if (other) out.push(knownStep(name, [], evidence(ys.file, ys.lineOf(item), job, name, `${other}: ${ys.str(ys.get(item, other)) ?? ''}`)));
    }
    return out;
  }

  /** List items, with `${{ if ... }}:` / `${{ each ... }}:` entries spliced in (taken as possibly true). */
  private expand(ys: YamlSource, node: Node | null): Node[] {
    const out: Node[] = [];
    for (const item of ys.items(node)) {
      const entries = ys.entries(item);
      if (entries.length === 1 && entries[0]!.key.startsWith('${{')) out.push(...this.expand(ys, entries[0]!.value));
      else out.push(item);
    }
    return out;
  }

  private templated(
    ys: YamlSource,
    t: Node,
    item: Node,
    chain: string[],
    read: (tys: YamlSource, tnode: Node | null, chain: string[]) => CiJob[],
  ): CiJob[] {
    const target = this.template(ys, t, chain);
    if (target === 'remote') {
      const ev = evidence(ys.file, ys.lineOf(t), `template ${ys.str(t)}`, 'template', `template: ${ys.str(t)}`);
      return [makeJob({ name: `template ${ys.str(t)}`, file: ys.file, line: ys.lineOf(item), steps: [unknownStep('template', ev)] })];
    }
    if (!target) return [];
    return read(target, target.root, [...chain, ys.file]);
  }

  /** A template reference: the parsed local file, `remote` for another repository's, null when missing. */
  private template(ys: YamlSource, t: Node | null, chain: string[]): YamlSource | 'remote' | null {
    const ref = ys.str(t);
    if (!ref) return null;
    const at = ref.indexOf('@');
    if (at >= 0 && ref.slice(at + 1) !== 'self') return 'remote';
    const written = at >= 0 ? ref.slice(0, at) : ref;
    if (/\$\{\{|\$\(/.test(written)) return 'remote';
    const path = written.startsWith('/') ? joinDir('.', written) : joinDir(dirOf(ys.file), written);
    if (path === null || !this.ctx.exists(path)) {
      this.ctx.problem(ys.file, ys.lineOf(t), `template: expected a file in this repository, found no file ${written}`);
      return null;
    }
    if (chain.includes(path) || chain.length > MAX_TEMPLATE_DEPTH) {
      this.ctx.problem(ys.file, ys.lineOf(t), `template: ${written} includes itself`);
      return null;
    }
    return this.ctx.yaml(path);
  }
}

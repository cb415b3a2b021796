import type { CiJob, CiPipeline, CiStep, StepKind } from '../../model/scan.js';
import { evidence, knownStep, makeJob, scriptStep, unknownStep, type ScanContext } from './context.js';
import { orderedGlobs } from './filters.js';
import { parseGroovy, type Stmt, type Tok } from './groovy.js';
import { dirOf, isPipelineLocation, own, resolveDir } from './paths.js';
import { setPipelineScope, type PathFilter } from './types.js';

/**
 * Jenkins: `Jenkinsfile` (also `Jenkinsfile.<x>` and `*.jenkinsfile`, anywhere: monorepos keep one per service).
 * Declarative pipelines (`pipeline { stages { stage('X') { steps { ... } } } }`) and scripted ones
 * (`node { stage('X') { ... } }`) are read with a brace-aware tokenizer, not a Groovy interpreter. Each stage is
 * a job. `sh`/`bat`/`powershell` scripts are classified; known steps are steps; any other call at the start of a
 * statement (a shared library's `deployToProd()`, an unknown plugin's step, `build job:`) is an unknown step.
 *
 * Not handled: Groovy evaluation (variables in scripts are kept as written, `if` conditions other than a literal
 * `false` are taken as possibly true), `load`ed files (unknown), shared library code, matrix axes, `when`
 * conditions other than literal `expression { false }`/`true`, `not`, `allOf`, `anyOf` and `changeset`.
 */

const FILE = /(^|\/)(Jenkinsfile([._-][^/]*)?|[^/]+\.jenkinsfile)$/i;
/** `Jenkinsfile.md` documents a pipeline; it is not one. */
const NOT_GROOVY = /\.(md|txt|adoc|rst|html?|json|ya?ml|png|svg|jpe?g)$/i;
const SCRIPT_STEPS = new Set(['sh', 'bat', 'powershell', 'pwsh']);
/** Steps that only wrap others (their closures are read) or set things up. */
const WRAPPERS = new Set([
  'script', 'dir', 'withCredentials', 'withEnv', 'timeout', 'retry', 'timestamps', 'ansiColor', 'lock', 'catchError',
  'warnError', 'node', 'container', 'withDockerRegistry', 'withDockerContainer', 'withDockerServer', 'withMaven',
  'withGradle', 'withSonarQubeEnv', 'withKubeConfig', 'withKubeCredentials', 'withAWS', 'withVault', 'sshagent',
  'configFileProvider', 'wrap', 'withPythonEnv', 'nodejs', 'withNPM', 'withFolderProperties', 'podTemplate',
  'waitUntil', 'parallel', 'steps', 'stage', 'withGoEnv', 'withAnt', 'xvfb', 'gitlabCommitStatus', 'withChecks',
  'withBuildUser', 'tee', 'dockerNode', 'ws', 'withContext', 'withGithubNotify',
]);
/** Known steps with a kind. */
const STEP_KINDS: Record<string, StepKind[]> = {
  dependencyCheck: ['dependency-scan'],
  snykSecurity: ['dependency-scan'],
  kubernetesDeploy: ['deploy'],
  kubeDeploy: ['deploy'],
  azureWebAppPublish: ['deploy'],
  azureFunctionAppPublish: ['deploy'],
  helmDeploy: ['deploy'],
  openshiftDeploy: ['deploy'],
  ecrPush: ['publish-image'],
  sonarScanner: ['sast'],
  gitleaks: ['secret-scan'],
};
/** Known steps without a kind, and Groovy built-ins: never unknown. */
const KNOWN = new Set([
  'echo', 'error', 'checkout', 'git', 'svn', 'junit', 'archiveArtifacts', 'archive', 'stash', 'unstash', 'deleteDir',
  'cleanWs', 'sleep', 'input', 'milestone', 'fileExists', 'readFile', 'writeFile', 'readJSON', 'writeJSON', 'readYaml',
  'writeYaml', 'readProperties', 'readMavenPom', 'writeMavenPom', 'readCSV', 'writeCSV', 'findFiles', 'zip', 'unzip', 'tar', 'untar',
  'tool', 'isUnix', 'pwd', 'emailext', 'mail', 'slackSend', 'publishHTML', 'publishChecks', 'recordIssues', 'jacoco',
  'cobertura', 'recordCoverage', 'publishCoverage', 'step', 'sshPublisher', 'properties', 'library', 'setGitHubPullRequestStatus',
  'githubNotify', 'httpRequest', 'copyArtifacts', 'fingerprint', 'unstable', 'waitForQualityGate', 'dependencyCheckPublisher',
  'println', 'print', 'printf', 'sprintf', 'assert', 'string', 'booleanParam', 'choice', 'text', 'password', 'credentials',
  'usernamePassword', 'usernameColonPassword', 'file', 'sshUserPrivateKey', 'certificate', 'logRotator', 'buildDiscarder',
  'cron', 'pollSCM', 'upstream', 'pipelineTriggers', 'disableConcurrentBuilds', 'skipDefaultCheckout', 'githubPush',
  'parameters', 'timestamps', 'currentBuild', 'scm', 'addBadge', 'addShortText', 'addInfoBadge', 'updateGitlabCommitStatus',
  'notifyBitbucket', 'setBuildStatus', 'buildName', 'buildDescription', 's3Upload', 's3Download', 'nexusArtifactUploader',
  'googleStorageUpload', 'publishTestResults', 'xunit', 'nunit', 'mstest', 'perfReport', 'recordTestResults', 'gerritReview',
  'jiraComment', 'office365ConnectorSend', 'discordSend', 'telegramSend', 'hipchatSend', 'script', 'evaluate', 'getContext',
  'resolveScm', 'sha1', 'sha256', 'md5', 'prependToFile', 'touch', 'readManifest', 'nodesByLabel', 'jobDsl', 'dockerfile',
  'agent', 'label', 'none', 'any', 'options', 'environment', 'tools', 'post', 'when', 'failFast', 'matrix', 'axes',
  'axis', 'values', 'excludes', 'exclude', 'name', 'quietPeriod', 'checkoutToSubdirectory', 'preserveStashes',
  'overrideIndexTriggers', 'newContainerPerStage', 'retries', 'parallelsAlwaysFailFast', 'durabilityHint',
  'containerTemplate', 'secretVolume', 'hostPathVolume', 'emptyDirVolume', 'envVar', 'secretEnvVar', 'podAnnotation',
  'ansiblePlaybook', 'mavenPublish', 'println', 'catchError',
]);
/** Receivers whose methods are Groovy or Jenkins objects, not shared-library code. */
const OBJECTS = new Set(['env', 'params', 'currentBuild', 'scm', 'this', 'System', 'Math', 'JsonOutput', 'String', 'Integer', 'Boolean', 'Date', 'manager', 'jenkins', 'Jenkins', 'steps', 'binding', 'out', 'err', 'docker', 'pipeline', 'it', 'script', 'super', 'Thread', 'Collections', 'Arrays', 'groovy', 'java', 'hudson', 'org', 'com', 'net', 'io', 'sh', 'readJSON', 'readYaml']);
const KEYWORDS = new Set(['if', 'else', 'for', 'while', 'try', 'catch', 'finally', 'switch', 'case', 'return', 'throw', 'new', 'import', 'package', 'class', 'def', 'synchronized', 'assert', 'break', 'continue', 'default', 'true', 'false', 'null', 'in', 'instanceof', 'as', 'final', 'static', 'void', 'public', 'private', 'protected', 'boolean', 'int', 'long', 'String', 'Map', 'List', 'Object', 'var', 'do']);
const NOISE = new Set(['echo', 'error', 'println', 'print', 'printf', 'sprintf', 'sleep', 'fileExists', 'readFile', 'writeFile', 'readJSON', 'writeJSON', 'readYaml', 'writeYaml', 'readProperties', 'readMavenPom', 'isUnix', 'pwd', 'tool', 'string', 'booleanParam', 'choice', 'text', 'password', 'credentials', 'usernamePassword', 'usernameColonPassword', 'file', 'sshUserPrivateKey', 'certificate', 'assert', 'evaluate', 'sha1', 'sha256', 'md5', 'findFiles', 'currentBuild', 'scm', 'properties', 'library', 'logRotator', 'buildDiscarder', 'cron', 'pollSCM', 'upstream', 'pipelineTriggers', 'disableConcurrentBuilds', 'skipDefaultCheckout', 'githubPush', 'parameters', 'agent', 'label', 'none', 'any', 'options', 'environment', 'tools', 'failFast', 'name', 'values', 'axis', 'axes', 'getContext', 'envVar', 'secretEnvVar', 'containerTemplate']);

interface JobDraft {
  name: string;
  line: number;
  steps: CiStep[];
  inactive?: string;
  changes: PathFilter | null;
}

export function scanJenkins(ctx: ScanContext): CiPipeline[] {
  const out: CiPipeline[] = [];
  for (const path of ctx.paths()) {
    if (!FILE.test(path) || NOT_GROOVY.test(path) || !isPipelineLocation(path)) continue;
    const text = ctx.read(path);
    if (text === null) continue;
    out.push(readJenkinsfile(ctx, path, text));
  }
  return out;
}

function readJenkinsfile(ctx: ScanContext, file: string, text: string): CiPipeline {
  const stmts = parseGroovy(text);
  const reader = new JenkinsReader(ctx, file, stmts, text.split('\n'));
  const drafts = reader.read();
  const jobs: CiJob[] = drafts.map((d) => makeJob({ name: d.name, file, line: d.line, steps: d.steps, inactiveReason: d.inactive, changes: d.changes }));
  const pipeline: CiPipeline = { system: 'jenkins', file, name: file, triggers: reader.triggers(), jobs };
  return setPipelineScope(pipeline, { changes: null, fileDir: dirOf(file) });
}

const isId = (t: Tok | undefined, v?: string): boolean => t !== undefined && t.t === 'id' && (v === undefined || t.v === v);
const isOp = (t: Tok | undefined, v: string): boolean => t !== undefined && t.t === 'op' && t.v === v;
const blocksOf = (s: Stmt): Stmt[][] => s.toks.filter((t) => t.t === 'block').map((t) => t.block!);
/** The first string argument of a statement (`stage('Build')`, `dir "api"`). */
const firstString = (s: Stmt): Tok | undefined => s.toks.find((t) => t.t === 'str');

class JenkinsReader {
  private readonly functions = new Map<string, Stmt[]>();
  private readonly locals = new Set<string>();
  private readonly imageVars = new Set<string>();
  private readonly params = new Map<string, string[]>();
  private readonly inlining = new Set<string>();
  private readonly jobs: JobDraft[] = [];
  /** While a local function is inlined: its parameters' values at the call, and the call's line. */
  private call: { values: Map<string, string>; line: number } | null = null;

  constructor(
    private readonly ctx: ScanContext,
    private readonly file: string,
    private readonly stmts: Stmt[],
    private readonly lines: string[],
  ) {
    this.collectNames(stmts);
  }

  /** Evidence for a step at `line` (the call's line while a function is inlined), quoting the source line. */
  private ev(line: number, job: string, step: string): CiStep['evidence'] {
    const at = this.call?.line ?? line;
    return evidence(this.file, at, job, step, (this.lines[at - 1] ?? '').trim());
  }

  read(): JobDraft[] {
    const pipeline = this.stmts.find((s) => isId(s.toks[0], 'pipeline') && s.toks.some((t) => t.t === 'block'));
    if (pipeline) this.declarative(blocksOf(pipeline)[0] ?? []);
    else this.scripted();
    return this.jobs;
  }

  /** Jenkins runs a Jenkinsfile on pushes (multibranch); `triggers { cron(...) }` adds schedules. */
  triggers(): string[] {
    const out = new Set<string>(['push']);
    const visit = (stmts: Stmt[]): void => {
      for (const s of stmts) {
        s.toks.forEach((t, i) => {
          if (t.t !== 'id' || !isOp(s.toks[i + 1], '(')) return;
          if (t.v === 'cron' || t.v === 'parameterizedCron') out.add('schedule');
          if (t.v === 'upstream') out.add('pipeline');
        });
        for (const b of blocksOf(s)) visit(b);
      }
    };
    visit(this.stmts);
    return [...out];
  }

  // ---- declarative ----

  private declarative(body: Stmt[]): void {
    for (const s of body) {
      const head = s.toks[0];
      if (isId(head, 'stages')) this.stages(blocksOf(s)[0] ?? [], undefined, null, null);
      else if (isId(head, 'post')) this.postJob(s, 'post');
    }
  }

  private stages(body: Stmt[], inheritedInactive: string | undefined, inheritedChanges: PathFilter | null, prefix: string | null): void {
    for (const s of body) {
      if (!isId(s.toks[0], 'stage')) continue;
      const name = firstString(s)?.v ?? `stage@${s.line}`;
      const inner = blocksOf(s)[0] ?? [];
      const when = inner.find((x) => isId(x.toks[0], 'when'));
      const whenInfo = when ? this.when(blocksOf(when)[0] ?? []) : { value: null, changes: null };
      const inactive = inheritedInactive ?? (whenInfo.value === false ? `disabled: \`when\` is always false (line ${when!.line})` : undefined);
      const changes = whenInfo.changes ?? inheritedChanges;
      const full = prefix ? `${prefix} / ${name}` : name;
      const steps: CiStep[] = [];
      for (const x of inner) {
        const head = x.toks[0];
        if (isId(head, 'steps')) this.steps(blocksOf(x)[0] ?? [], steps, full, '.');
        else if (isId(head, 'post')) for (const b of blocksOf(x)) for (const cond of b) for (const cb of blocksOf(cond)) this.steps(cb, steps, full, '.');
      }
      const hasNested = inner.some((x) => ['stages', 'parallel', 'matrix'].some((k) => isId(x.toks[0], k)));
      // A stage that only groups others is not a job of its own (unless it has steps or post steps).
      if (steps.length > 0 || !hasNested) this.jobs.push({ name: full, line: s.line, steps, inactive, changes });
      for (const x of inner) {
        const head = x.toks[0];
        if (isId(head, 'stages') || isId(head, 'parallel')) this.stages(blocksOf(x)[0] ?? [], inactive, changes, full);
        else if (isId(head, 'matrix')) {
          for (const m of blocksOf(x)[0] ?? []) if (isId(m.toks[0], 'stages')) this.stages(blocksOf(m)[0] ?? [], inactive, changes, full);
        }
      }
    }
  }

  private postJob(s: Stmt, name: string): void {
    const steps: CiStep[] = [];
    for (const b of blocksOf(s)) for (const cond of b) for (const cb of blocksOf(cond)) this.steps(cb, steps, name, '.');
    if (steps.length > 0) this.jobs.push({ name, line: s.line, steps, changes: null });
  }

  /** `when { ... }`: false when it can never hold; the `changeset` paths it requires. */
  private when(body: Stmt[]): { value: boolean | null; changes: PathFilter | null } {
    let value: boolean | null = true;
    const filters: PathFilter[] = [];
    for (const s of body) {
      const head = s.toks[0];
      if (isId(head, 'changeset')) {
        const pattern = firstString(s)?.v;
        const regexp = s.toks.some((t) => t.t === 'str' && t.v === 'REGEXP');
        const caseSensitive = s.toks.some((t, i) => isId(t, 'caseSensitive') && isId(s.toks[i + 2], 'true'));
        if (pattern !== undefined && !regexp) filters.push(orderedGlobs([pattern], { caseInsensitive: !caseSensitive }));
        value = value === false ? false : null;
        continue;
      }
      if (['beforeAgent', 'beforeInput', 'beforeOptions'].some((k) => isId(head, k))) continue;
      const v = this.condition(s);
      if (v === false) value = false;
      else if (v === null && value !== false) value = null;
    }
    return { value, changes: filters.length > 0 ? (path) => filters.every((f) => f(path)) : null };
  }

  private condition(s: Stmt): boolean | null {
    const head = s.toks[0];
    const inner = blocksOf(s)[0] ?? [];
    if (isId(head, 'expression')) return literal(inner);
    if (isId(head, 'not')) {
      const v = inner[0] ? this.condition(inner[0]) : null;
      return v === null ? null : !v;
    }
    if (isId(head, 'allOf')) {
      const vs = inner.map((x) => this.condition(x));
      return vs.includes(false) ? false : vs.every((v) => v === true) ? true : null;
    }
    if (isId(head, 'anyOf')) {
      const vs = inner.map((x) => this.condition(x));
      return vs.includes(true) ? true : vs.length > 0 && vs.every((v) => v === false) ? false : null;
    }
    return null;
  }

  // ---- scripted ----

  private scripted(): void {
    const loose: CiStep[] = [];
    const current = { name: '(no stage)', line: 1, steps: loose };
    this.walkScripted(this.stmts, current, '.', undefined);
    if (loose.length > 0) this.jobs.unshift({ name: '(no stage)', line: loose[0]!.evidence.line ?? 1, steps: loose, changes: null });
  }

  private walkScripted(stmts: Stmt[], current: { name: string; steps: CiStep[] }, dir: string | null, inactive: string | undefined): void {
    let job = current;
    for (const s of stmts) {
      if (this.isFunctionDef(s)) continue;
      if (isId(s.toks[0], 'stage')) {
        const name = firstString(s)?.v ?? `stage@${s.line}`;
        const body = blocksOf(s)[0];
        const draft: JobDraft = { name, line: s.line, steps: [], changes: null, inactive };
        this.jobs.push(draft);
        if (body) this.walkScripted(body, draft, dir, inactive);
        // Old style `stage 'X'` without a closure: the statements after it belong to it.
        else job = draft;
        continue;
      }
      if (isId(s.toks[0], 'if') && isOp(s.toks[1], '(') && isId(s.toks[2], 'false') && isOp(s.toks[3], ')')) {
        const [then, ...rest] = blocksOf(s);
        // Stages under `if (false)` never run: kept as inactive jobs; loose steps there are dropped.
        if (then) this.walkScripted(then, { name: job.name, steps: [] }, dir, `disabled: inside \`if (false)\` (line ${s.line})`);
        for (const b of rest) this.walkScripted(b, job, dir, inactive);
        continue;
      }
      const handled = this.statement(s, job.steps, job.name, dir);
      if (handled.descend) {
        for (const b of blocksOf(s)) this.walkScripted(b, job, handled.dir, inactive);
      }
    }
  }

  // ---- steps ----

  /** Steps of a declarative `steps { }` (or a closure): stages inside are not expected here. */
  private steps(stmts: Stmt[], out: CiStep[], job: string, dir: string | null): void {
    for (const s of stmts) {
      if (this.isFunctionDef(s)) continue;
      if (isId(s.toks[0], 'if') && isOp(s.toks[1], '(') && isId(s.toks[2], 'false') && isOp(s.toks[3], ')')) {
        for (const b of blocksOf(s).slice(1)) this.steps(b, out, job, dir);
        continue;
      }
      const handled = this.statement(s, out, job, dir);
      if (handled.descend) for (const b of blocksOf(s)) this.steps(b, out, job, handled.dir);
    }
  }

  /**
   * Reads one statement's steps (scripts anywhere in it, docker builds and pushes, the call at its head) and
   * says whether its closures should be read, and in which folder (`dir('api') { ... }`).
   */
  private statement(s: Stmt, out: CiStep[], job: string, dir: string | null): { descend: boolean; dir: string | null } {
    const toks = s.toks;
    const eq = toks.findIndex((t) => isOp(t, '='));
    const h = eq >= 0 ? eq + 1 : 0;
    const head = toks[h];
    const index = (): string => `#${out.length + 1}`;

    // Scripts anywhere in the statement (`def v = sh(script: '...', returnStdout: true).trim()`).
    toks.forEach((t, i) => {
      if (t.t !== 'id' || !SCRIPT_STEPS.has(t.v) || isOp(toks[i - 1], '.')) return;
      const next = toks[i + 1];
      if (!(isOp(next, '(') || next?.t === 'str' || (isId(next) && isOp(toks[i + 2], ':')))) return;
      const script = scriptArgument(toks, i + 1);
      if (!script) return;
      const label = labelled(toks, i + 1, 'label')?.v;
      const name = label ?? index();
      const base = this.call?.line ?? script.tok.line;
      const text = this.call ? substitute(script.text, this.call.values) : script.text;
      const { step } = scriptStep(this.ctx, { name, file: this.file, job, script: text, cwd: dir, lineOf: (k) => (this.call ? base : base + k) });
      // Inside an inlined function the call is what the file shows at that line.
      if (this.call) step.evidence.excerpt = this.ev(base, job, name).excerpt;
      out.push(step);
    });

    // Docker Pipeline: docker.build(...) builds, image.push() publishes.
    toks.forEach((t, i) => {
      if (isId(t, 'docker') && isOp(toks[i + 1], '.') && isId(toks[i + 2], 'build') && isOp(toks[i + 3], '(')) {
        out.push(knownStep(index(), ['build'], this.ev(t.line, job, index())));
      }
      if (isOp(t, '.') && isId(toks[i + 1], 'push') && isOp(toks[i + 2], '(')) {
        const receiver = receiverOf(toks, i);
        if (receiver.includes('docker') || receiver.some((r) => this.imageVars.has(r))) {
          out.push(knownStep(index(), ['publish-image'], this.ev(toks[i + 1]!.line, job, index())));
        }
      }
    });

    if (!head || head.t !== 'id') return { descend: true, dir };
    const name = head.v;
    const dotted = isOp(toks[h + 1], '.') || isOp(toks[h + 1], '?.');
    if (KEYWORDS.has(name) || SCRIPT_STEPS.has(name)) return { descend: true, dir };
    if (dotted) {
      if (OBJECTS.has(name) || this.locals.has(name) || /^[A-Z]/.test(name)) return { descend: true, dir };
      // A global variable from a shared library (`buildTools.deploy()`), or an unknown plugin's.
      out.push(unknownStep(index(), this.ev(head.line, job, index())));
      return { descend: true, dir };
    }
    const isCall = isOp(toks[h + 1], '(') || toks[h + 1]?.t === 'str' || toks[h + 1]?.t === 'block' || (isId(toks[h + 1]) && eq < 0) || toks[h + 1]?.t === 'num' || isOp(toks[h + 1], '[');
    if (!isCall) return { descend: true, dir };
    if (name === 'dir') {
      const target = firstString(s)?.v;
      return { descend: true, dir: target === undefined ? null : resolveDir(dir, target) };
    }
    if (WRAPPERS.has(name)) return { descend: true, dir };
    const kinds = own(STEP_KINDS, name);
    if (kinds) {
      out.push(knownStep(index(), kinds, this.ev(head.line, job, index())));
      return { descend: true, dir };
    }
    if (this.functions.has(name)) {
      if (!this.inlining.has(name)) {
        // A function of this file: its steps, with the call's string arguments for its parameters.
        const values = new Map<string, string>();
        const args = callStrings(toks, h + 1);
        (this.params.get(name) ?? []).forEach((p, k) => {
          if (args[k] !== undefined) values.set(p, args[k]!);
        });
        const outer = this.call;
        this.call = { values: new Map([...(outer?.values ?? []), ...values]), line: outer?.line ?? head.line };
        this.inlining.add(name);
        this.steps(this.functions.get(name)!, out, job, dir);
        this.inlining.delete(name);
        this.call = outer;
      }
      return { descend: true, dir };
    }
    if (KNOWN.has(name)) {
      if (!NOISE.has(name)) out.push(knownStep(index(), [], this.ev(head.line, job, index())));
      return { descend: true, dir };
    }
    if (this.locals.has(name)) return { descend: true, dir };
    // `build job: 'x'` runs another Jenkins job; `load 'x.groovy'`, shared library steps and plugin steps:
    // their logic is not in this file.
    out.push(unknownStep(index(), this.ev(head.line, job, index())));
    return { descend: true, dir };
  }

  private isFunctionDef(s: Stmt): boolean {
    return functionName(s) !== null;
  }

  /** Functions defined in the file, and names that are local variables (not shared-library globals). */
  private collectNames(stmts: Stmt[]): void {
    for (const s of stmts) {
      const t = s.toks;
      const fn = functionName(s);
      if (fn !== null) {
        this.functions.set(fn.name, t[t.length - 1]!.block!);
        const params: string[] = [];
        for (let i = fn.paren + 1; i < t.length && !isOp(t[i], ')'); i++) {
          if (isId(t[i]) && (isOp(t[i + 1], ',') || isOp(t[i + 1], ')') || isOp(t[i + 1], '='))) {
            this.locals.add(t[i]!.v);
            params.push(t[i]!.v);
          }
        }
        this.params.set(fn.name, params);
      }
      // Closure parameters: `{ name -> ... }`, `{ k, v -> ... }` start a block's first statement.
      const arrow = t.findIndex((x) => isOp(x, '->'));
      t.forEach((tok, i) => {
        if (isId(tok, 'def') && isId(t[i + 1])) this.locals.add(t[i + 1]!.v);
        if (isId(tok) && isOp(t[i + 1], '=')) this.locals.add(tok.v);
        if (isId(tok) && i < arrow && (isOp(t[i + 1], '->') || isOp(t[i + 1], ','))) this.locals.add(tok.v);
        if (isId(tok, 'for') && isOp(t[i + 1], '(')) {
          const v = isId(t[i + 2], 'def') ? t[i + 3] : t[i + 2];
          if (isId(v)) this.locals.add(v!.v);
        }
        if (isId(tok) && isOp(t[i + 1], '=')) {
          const rhs = t.slice(i + 2, i + 6);
          if (isId(rhs[0], 'docker') && isOp(rhs[1], '.') && (isId(rhs[2], 'build') || isId(rhs[2], 'image'))) this.imageVars.add(tok.v);
        }
      });
      for (const tok of t) if (tok.t === 'block') this.collectNames(tok.block!);
    }
  }
}

const MODIFIERS = new Set(['def', 'void', 'static', 'public', 'private', 'protected', 'final', 'synchronized']);
const CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'new', 'else', 'try']);

/**
 * A method definition (`def npm(String args) {`, `String version() {`, `private static void x() {`): its name and
 * the index of its `(`; null for calls with a closure (`stage('x') {`) and control statements.
 */
function functionName(s: Stmt): { name: string; paren: number } | null {
  const t = s.toks;
  if (t[t.length - 1]?.t !== 'block') return null;
  let i = 0;
  while (isId(t[i]) && MODIFIERS.has(t[i]!.v)) i++;
  if (isId(t[i]) && isId(t[i + 1]) && isOp(t[i + 2], '(') && !CONTROL.has(t[i]!.v) && !CONTROL.has(t[i + 1]!.v)) return { name: t[i + 1]!.v, paren: i + 2 };
  if (i > 0 && isId(t[i]) && isOp(t[i + 1], '(') && !CONTROL.has(t[i]!.v)) return { name: t[i]!.v, paren: i + 1 };
  return null;
}

/** `expression { false }` / `{ return false }`: the literal value, else null. */
function literal(stmts: Stmt[]): boolean | null {
  if (stmts.length !== 1) return null;
  const t = stmts[0]!.toks.filter((x) => !(x.t === 'op' && (x.v === '(' || x.v === ')')));
  const v = isId(t[0], 'return') ? t.slice(1) : t;
  if (v.length !== 1) return null;
  if (isId(v[0], 'false')) return false;
  if (isId(v[0], 'true')) return true;
  return null;
}

/** The script text of `sh 'x'`, `sh(script: 'x')`, `sh "a" + "b"`: string literals joined. */
function scriptArgument(toks: Tok[], from: number): { text: string; tok: Tok } | null {
  const named = labelled(toks, from, 'script');
  if (named) return { text: concatenated(toks, toks.indexOf(named)), tok: named };
  let depth = 0;
  for (let i = from; i < toks.length; i++) {
    const t = toks[i]!;
    if (isOp(t, '(') || isOp(t, '[')) depth++;
    else if (isOp(t, ')') || isOp(t, ']')) {
      depth--;
      if (depth <= 0) break;
    } else if (t.t === 'str' && depth <= 1 && !isOp(toks[i + 1], ':')) return { text: concatenated(toks, i), tok: t };
    else if (t.t === 'block') break;
  }
  return null;
}

function concatenated(toks: Tok[], at: number): string {
  let text = toks[at]!.v;
  for (let i = at + 1; i + 1 < toks.length && isOp(toks[i], '+'); i += 2) {
    const next = toks[i + 1]!;
    if (next.t === 'str') text += next.v;
    else if (next.t === 'id') text += `\${${next.v}}`;
    else break;
  }
  return text;
}

/** The string value of `name: '...'` among a call's arguments. */
function labelled(toks: Tok[], from: number, name: string): Tok | undefined {
  let depth = 0;
  for (let i = from; i < toks.length; i++) {
    const t = toks[i]!;
    if (isOp(t, '(') || isOp(t, '[')) depth++;
    else if (isOp(t, ')') || isOp(t, ']')) {
      depth--;
      if (depth < 0 || (depth === 0 && i > from)) break;
    }
    if (isId(t, name) && isOp(toks[i + 1], ':') && toks[i + 2]?.t === 'str' && depth <= 1) return toks[i + 2];
  }
  return undefined;
}

/** The identifiers of `a.b('x').c` before the `.` at `dot`. */
function receiverOf(toks: Tok[], dot: number): string[] {
  const names: string[] = [];
  let depth = 0;
  for (let i = dot - 1; i >= 0; i--) {
    const t = toks[i]!;
    if (isOp(t, ')')) depth++;
    else if (isOp(t, '(')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0) {
      if (t.t === 'id') names.push(t.v);
      else if (!isOp(t, '.') && !isOp(t, '?.')) break;
    }
  }
  return names;
}

/** The string literals passed to a call, in order (`npm 'run lint'`, `deploy('staging', 'eu')`). */
function callStrings(toks: Tok[], from: number): string[] {
  const out: string[] = [];
  let depth = 0;
  for (let i = from; i < toks.length; i++) {
    const t = toks[i]!;
    if (isOp(t, '(') || isOp(t, '[')) depth++;
    else if (isOp(t, ')') || isOp(t, ']')) {
      if (--depth <= 0 && isOp(t, ')')) break;
    } else if (t.t === 'block') break;
    else if (t.t === 'str' && depth <= 1 && !isOp(toks[i + 1], ':') && !isOp(toks[i - 1], ':')) out.push(t.v);
  }
  return out;
}

/** `${name}` and `$name` replaced by the parameters' values. */
function substitute(text: string, values: Map<string, string>): string {
  return text.replace(/\$\{\s*([A-Za-z_]\w*)\s*\}|\$([A-Za-z_]\w*)/g, (m, a?: string, b?: string) => values.get(a ?? b ?? '') ?? m);
}

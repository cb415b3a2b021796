import type { Node } from 'yaml';
import type { CiJob, CiPipeline, CiStep, StepKind } from '../../model/scan.js';
import { evidence, knownStep, makeJob, scriptStep, type ScanContext } from './context.js';
import { setPipelineScope } from './types.js';
import type { YamlSource } from './yamlSource.js';

/**
 * Travis CI: `.travis.yml`. The root phases make the default job; `jobs.include` (or `matrix.include`) entries
 * are jobs that inherit the root phases they do not set (with includes, the root alone is not a job). A job's
 * phases run in one shell, in Travis's order. A job with no `script` runs the language's default (node_js:
 * `npm test`; java: `gradle check` or `mvn test`; go: `make` or `go test`). Deploy providers are known by name.
 */

const FILE = '.travis.yml';
const PHASES = ['before_install', 'install', 'before_script', 'script', 'after_success', 'before_deploy', 'after_deploy', 'after_script'];
const DEPLOY_PROVIDERS = new Set([
  'heroku', 'elasticbeanstalk', 'codedeploy', 'lambda', 'cloudfoundry', 'gae', 'googleappengine', 'firebase', 'netlify',
  'surge', 'azure_web_apps', 'openshift', 'engineyard', 'cloud66', 'hephy', 'scalingo', 'boxfuse', 'anynines', 'bluemixcloudfoundry',
  'cloudformation', 'ecs',
]);

export function scanTravis(ctx: ScanContext): CiPipeline[] {
  if (!ctx.exists(FILE)) return [];
  const ys = ctx.yaml(FILE);
  if (!ys) return [];
  const root = ys.root;
  if (!ys.isMap(root)) {
    if (root !== null) ctx.problem(FILE, ys.lineOf(root), 'expected a Travis configuration (a mapping), found something else');
    return [];
  }
  const matrix = ys.get(root, 'jobs') ?? ys.get(root, 'matrix');
  const includes = ys.items(ys.get(matrix, 'include'));
  const jobs: CiJob[] = [];
  if (includes.length === 0) jobs.push(readJob(ctx, ys, root, null, 'default', ys.lineOf(root)));
  includes.forEach((inc, i) => {
    const name = ys.str(ys.get(inc, 'name')) ?? `${ys.str(ys.get(inc, 'stage')) ?? 'job'} #${i + 1}`;
    jobs.push(readJob(ctx, ys, root, inc, name, ys.lineOf(inc)));
  });
  const pipeline: CiPipeline = { system: 'travis', file: FILE, name: FILE, triggers: ['push', 'pull_request'], jobs };
  return [setPipelineScope(pipeline, { changes: null, fileDir: null })];
}

function readJob(ctx: ScanContext, ys: YamlSource, root: Node | null, inc: Node | null, name: string, line: number): CiJob {
  const pick = (key: string): Node | null => (inc && ys.has(inc, key) ? ys.get(inc, key) : ys.get(root, key));
  const steps: CiStep[] = [];
  let cwd: string | null = '.';
  for (const phase of PHASES) {
    const node = pick(phase);
    if (phase === 'script' && !node) {
      const implicit = defaultScript(ctx, ys, inc, root);
      if (implicit) steps.push(scriptStep(ctx, { name: 'script (language default)', file: FILE, job: name, script: implicit.script, cwd, lineOf: () => implicit.line }).step);
      continue;
    }
    const items = ys.isSeq(node) ? ys.items(node) : node ? [node] : [];
    for (const item of items) {
      const text = ys.str(item);
      if (text === undefined) continue;
      const { step, endDir } = scriptStep(ctx, { name: `${phase} #${steps.length + 1}`, file: FILE, job: name, script: text, cwd, lineOf: ys.valueLines(item) });
      cwd = endDir;
      steps.push(step);
    }
    if (phase === 'before_deploy') steps.push(...deploySteps(ctx, ys, pick('deploy'), name, cwd));
  }
  const cond = ys.str(inc ? ys.get(inc, 'if') : null);
  const inactive = cond !== undefined && /^\s*false\s*$/i.test(cond) ? `disabled: \`if: false\` (line ${ys.lineOf(ys.get(inc, 'if'))})` : undefined;
  return makeJob({ name, file: FILE, line, steps, inactiveReason: inactive });
}

function deploySteps(ctx: ScanContext, ys: YamlSource, node: Node | null, job: string, cwd: string | null): CiStep[] {
  const list = ys.isSeq(node) ? ys.items(node) : node ? [node] : [];
  const out: CiStep[] = [];
  for (const d of list) {
    const provider = (ys.str(ys.get(d, 'provider')) ?? '').toLowerCase();
    const name = `deploy ${provider}`;
    if (provider === 'script') {
      const s = ys.get(d, 'script');
      out.push(scriptStep(ctx, { name, file: FILE, job, script: ys.str(s) ?? '', cwd, lineOf: ys.valueLines(s) }).step);
      continue;
    }
    const kinds: StepKind[] = DEPLOY_PROVIDERS.has(provider) ? ['deploy'] : [];
    out.push(knownStep(name, kinds, evidence(FILE, ys.lineOf(ys.get(d, 'provider') ?? d), job, name, `provider: ${provider}`)));
  }
  return out;
}

/** Travis's default `script` per language (https://docs.travis-ci.com/user/languages/). */
function defaultScript(ctx: ScanContext, ys: YamlSource, inc: Node | null, root: Node | null): { script: string; line: number } | null {
  const langNode = (inc && ys.get(inc, 'language')) || ys.get(root, 'language');
  const language = (ys.str(langNode) ?? '').toLowerCase();
  const line = ys.lineOf(langNode);
  switch (language) {
    case 'node_js':
      return { script: ctx.exists('yarn.lock') ? 'yarn test' : 'npm test', line };
    case 'java':
      if (ctx.exists('build.gradle') || ctx.exists('build.gradle.kts')) return { script: ctx.exists('gradlew') ? './gradlew check' : 'gradle check', line };
      if (ctx.exists('pom.xml')) return { script: 'mvn test -B', line };
      return null;
    case 'go':
      return { script: ctx.exists('Makefile') ? 'make' : 'go test ./...', line };
    default:
      return null;
  }
}

import { model as pipelineModel } from '../../src/pipelines/index.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { glob } from 'tinyglobby';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseDescriptors, validateEntity } from '../../src/catalog/index.js';
import { checkParameters } from '../../src/golden-paths/model/parameters.js';
import { evaluate, RenderError, renderString } from '../../src/golden-paths/model/render.js';
import { checkTemplateSpec } from '../../src/golden-paths/model/template.js';

/**
 * The built-in golden paths, end to end without the platform: each template's skeleton is rendered the way
 * fetch:template renders it, and the generated project's own lint, tests and build run as real processes.
 */

const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');
const TEMPLATE_NAMES = ['node-service', 'python-service', 'static-site'] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** What a person fills in on the form. */
const PARAMETERS = {
  name: 'orders-api',
  description: 'Takes payment orders and hands them to the "ledger" & settlement services.',
  owner: 'group:default/payments-core',
  system: 'payments',
  tier: 'tier-1',
  port: 8080,
};

interface FetchStep {
  action: string;
  input: { url: string; values: Record<string, unknown>; copyWithoutTemplating?: string[] };
}

interface TemplateDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { type: string; owner: string; parameters: unknown[]; steps: FetchStep[] };
}

async function readTemplate(name: TemplateName): Promise<{ file: string; text: string; doc: TemplateDoc }> {
  const file = join(TEMPLATES_DIR, name, 'template.yaml');
  const text = await readFile(file, 'utf8');
  return { file, text, doc: parse(text) as TemplateDoc };
}

function fetchStepOf(doc: TemplateDoc): FetchStep {
  const step = doc.spec.steps.find((s) => s.action === 'fetch:template');
  if (!step) throw new Error(`${doc.metadata.name}: expected a fetch:template step`);
  return step;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * Renders a template's skeleton into `outDir` as fetch:template does: the step's values are evaluated against
 * the parameters, every path and text is rendered with `{ values }`, files matching copyWithoutTemplating keep
 * their text, and a file whose rendered path is empty is skipped. Returns the written paths (relative, `/`).
 */
async function renderSkeleton(name: TemplateName, parameters: Record<string, unknown>, outDir: string): Promise<string[]> {
  const { doc } = await readTemplate(name);
  const step = fetchStepOf(doc);
  const values = evaluate(step.input.values, { parameters });
  const skeleton = resolve(TEMPLATES_DIR, name, step.input.url);
  const asIs = new Set(await glob(step.input.copyWithoutTemplating ?? [], { cwd: skeleton, dot: true }));
  const written: string[] = [];
  for (const abs of await walk(skeleton)) {
    const rel = relative(skeleton, abs).split(sep).join('/');
    const where = (e: unknown) =>
      e instanceof RenderError ? new Error(`${name}/skeleton/${rel}:${e.line ?? 1}:${e.column ?? 1}: ${e.message}`) : e;
    let target: string;
    try {
      target = renderString(rel, { values }).trim();
    } catch (e) {
      throw where(e);
    }
    if (target === '' || target.split('/').some((part) => part === '')) continue;
    const bytes = await readFile(abs);
    let content: string | Buffer = bytes;
    if (!asIs.has(rel)) {
      try {
        content = renderString(bytes.toString('utf8'), { values });
      } catch (e) {
        throw where(e);
      }
    }
    const dest = join(outDir, target);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, content);
    await chmod(dest, (await stat(abs)).mode & 0o777);
    written.push(target);
  }
  return written;
}

/** The environment for the generated project's tools: without the settings of the npm and vitest running us. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CI: 'true', npm_config_update_notifier: 'false', ...extra };
}

/** Runs a command to the end; a failure shows its output. */
async function run(cwd: string, command: string, args: string[]): Promise<string> {
  const r = await execa(command, args, { cwd, env: cleanEnv(), extendEnv: false, reject: false, all: true });
  expect(r.exitCode, `${command} ${args.join(' ')} in ${cwd} exited ${r.exitCode}:\n${r.all}`).toBe(0);
  return r.all ?? '';
}

async function gitInitAndCommit(dir: string): Promise<void> {
  await run(dir, 'git', ['-c', 'init.defaultBranch=main', 'init', '-q']);
  await run(dir, 'git', ['add', '-A']);
  await run(dir, 'git', ['-c', 'user.name=Gantry Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'Created from a golden path']);
}

/**
 * Starts the generated service on a free port (PORT=0) and returns the port from its JSON `listening` log line.
 */
async function startService(cwd: string, command: string, args: string[]): Promise<{ child: ChildProcess; port: number; lines: string[] }> {
  const child = spawn(command, args, { cwd, env: cleanEnv({ PORT: '0', HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const reader = createInterface({ input: child.stdout! });
    reader.on('line', (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') resolvePort(entry.port);
      } catch {
        reject(new Error(`expected JSON log lines, found ${JSON.stringify(line)}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited ${code} before listening:\n${lines.join('\n')}\n${stderr}`)));
  });
  return { child, port, lines };
}

async function stopService(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

/** /healthz, /readyz and /metrics of a running generated service. */
async function checkEndpoints(port: number): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  const health = await fetch(`${base}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const metrics = await fetch(`${base}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await metrics.text();
  expect(text).toMatch(/^# TYPE http_requests_total counter$/m);
  expect(text).toMatch(/^http_requests_total\{method="GET",route="\/healthz",status="200",service="orders-api"\} 1$/m);
}

async function readYaml<T = Record<string, unknown>>(dir: string, file: string): Promise<T> {
  return parse(await readFile(join(dir, file), 'utf8')) as T;
}

/** The user of a Dockerfile's final stage: the last USER after the last FROM (root when there is none). */
function finalStageUser(dockerfile: string): string {
  const lines = dockerfile.split('\n').map((l) => l.trim());
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const users = lines.slice(lastFrom).filter((l) => /^USER\s/i.test(l));
  return users.length ? users[users.length - 1]!.replace(/^USER\s+/i, '').split(':')[0]! : 'root';
}

/** Facts every generated repository shares: catalog entry, container, Kubernetes, Score, pipeline, owners. */
async function checkCommonFiles(name: TemplateName, dir: string, files: string[], componentType: string): Promise<void> {
  for (const f of ['catalog-info.yaml', 'CODEOWNERS', 'README.md', 'Dockerfile', '.dockerignore', '.gitignore', 'score.yaml', '.gantry/pipeline.yaml',
    'deploy/kubernetes/deployment.yaml', 'deploy/kubernetes/service.yaml', 'deploy/kubernetes/serviceaccount.yaml']) {
    expect(files, `${name} should generate ${f}`).toContain(f);
  }
  // Nothing is left unrendered.
  for (const f of files) {
    const text = await readFile(join(dir, f), 'utf8');
    expect(text.includes('${{') || text.includes('{%'), `${f} still holds template syntax`).toBe(false);
  }

  // The catalog entry is valid for Gantry's catalog model, as a file and as an object.
  const catalogText = await readFile(join(dir, 'catalog-info.yaml'), 'utf8');
  const parsed = parseDescriptors(catalogText, 'catalog-info.yaml');
  expect(parsed.problems).toEqual([]);
  expect(parsed.documents).toHaveLength(1);
  expect(parsed.documents[0]!.problems).toEqual([]);
  const { entity, problems } = validateEntity(parse(catalogText));
  expect(problems).toEqual([]);
  // Provenance (source template, version, parameters) is stamped by publish:git, not written by the skeleton.
  expect(entity).toMatchObject({
    kind: 'Component',
    metadata: { name: 'orders-api', description: PARAMETERS.description, annotations: { 'gantry.dev/tier': 'tier-1' } },
    spec: { type: componentType, lifecycle: 'experimental', owner: 'group:default/payments-core', system: 'payments' },
  });

  expect(await readFile(join(dir, 'CODEOWNERS'), 'utf8')).toMatch(/^\*\s+@payments-core$/m);
  expect(finalStageUser(await readFile(join(dir, 'Dockerfile'), 'utf8'))).not.toMatch(/^(root|0)$/);

  const pipeline = await readYaml<{ extends: string }>(dir, '.gantry/pipeline.yaml');
  expect(pipeline.extends).toBe(`gantry/${name}@1`);
  // The generated pipeline resolves cleanly (no warnings either) against the platform's standard pipeline.
  const effective = pipelineModel.resolvePipelineText(await readFile(join(dir, '.gantry/pipeline.yaml'), 'utf8'), '.gantry/pipeline.yaml');
  expect(effective.problems).toEqual([]);
  expect(effective.pipeline!.jobs.map((j) => j.id)).toEqual(expect.arrayContaining(['secret-scan', 'test', 'policy-gate']));

  const score = await readYaml<{ apiVersion: string; metadata: { name: string }; containers: Record<string, { livenessProbe: unknown }> }>(dir, 'score.yaml');
  expect(score.apiVersion).toBe('score.dev/v1b1');
  expect(score.metadata.name).toBe('orders-api');
  expect(score.containers.main!.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });

  interface Container {
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  }
  const deployment = await readYaml<{
    kind: string;
    spec: { template: { spec: { securityContext: { runAsNonRoot: boolean; runAsUser: number }; containers: Container[]; serviceAccountName: string } } };
  }>(dir, 'deploy/kubernetes/deployment.yaml');
  expect(deployment.kind).toBe('Deployment');
  const pod = deployment.spec.template.spec;
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
  expect(pod.serviceAccountName).toBe('orders-api');
  const container = pod.containers[0]!;
  expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  expect(container.readinessProbe.httpGet.path).toBe(name === 'static-site' ? '/healthz' : '/readyz');
  expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
  expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
  expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  const service = await readYaml<{ kind: string; spec: { selector: Record<string, string> } }>(dir, 'deploy/kubernetes/service.yaml');
  expect(service).toMatchObject({ kind: 'Service', spec: { selector: { 'app.kubernetes.io/name': 'orders-api' } } });
  expect(await readYaml(dir, 'deploy/kubernetes/serviceaccount.yaml')).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'orders-api' } });
}

/** Renders only slo.yaml for a tier and returns its objective's target. */
async function sloTarget(name: TemplateName, tier: string | undefined): Promise<number> {
  const { doc } = await readTemplate(name);
  const values = evaluate(fetchStepOf(doc).input.values, { parameters: { ...PARAMETERS, tier } });
  const text = renderString(await readFile(join(TEMPLATES_DIR, name, 'skeleton', 'slo.yaml'), 'utf8'), { values });
  const slo = parse(text) as { apiVersion: string; kind: string; spec: { objectives: Array<{ target: number }> } };
  expect(slo).toMatchObject({ apiVersion: 'openslo/v1', kind: 'SLO' });
  return slo.spec.objectives[0]!.target;
}

const workDirs: string[] = [];
async function freshDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gantry-${name}-`));
  workDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(workDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('built-in template descriptors', () => {
  it.each(TEMPLATE_NAMES)('%s/template.yaml passes the catalog model with no error', async (name) => {
    const { file, text, doc } = await readTemplate(name);
    const { documents, problems } = parseDescriptors(text, file);
    expect(problems).toEqual([]);
    expect(documents).toHaveLength(1);
    expect(documents[0]!.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    expect(documents[0]!.entity).toMatchObject({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name, annotations: { 'gantry.dev/template-version': '1.0.0' } },
      spec: { owner: 'group:default/platform', type: name === 'static-site' ? 'website' : 'service' },
    });
    expect(doc.spec.steps.map((s) => s.action)).toEqual(['fetch:template', 'publish:git', 'catalog:register']);
    expect(checkTemplateSpec(doc.spec as unknown as Record<string, unknown>)).toEqual([]);
  });

  it.each(TEMPLATE_NAMES)('%s: the parameter pages accept a filled-in form, fill defaults and reject a bad name', async (name) => {
    const { doc } = await readTemplate(name);
    const pages = doc.spec.parameters as Record<string, unknown>[];
    const { values, problems } = checkParameters(pages, { name: 'orders-api', description: 'Orders.', owner: 'group:default/payments-core' });
    expect(problems).toEqual([]);
    expect(values.tier).toBe('tier-2');
    if (name === 'node-service') expect(values.port).toBe(8080);
    const bad = checkParameters(pages, { name: 'Orders_API', description: 'Orders.', owner: 'group:default/payments-core', tier: 'tier-9' });
    expect(bad.problems.map((p) => p.path).sort()).toEqual(['parameters.name', 'parameters.tier']);
  });

  it.each(TEMPLATE_NAMES)('%s: every values.X its skeleton uses is passed by the fetch step', async (name) => {
    const { doc } = await readTemplate(name);
    const passed = new Set(Object.keys(fetchStepOf(doc).input.values));
    const used = new Set<string>();
    const skeleton = join(TEMPLATES_DIR, name, 'skeleton');
    for (const file of await walk(skeleton)) {
      const text = relative(skeleton, file) + '\n' + (await readFile(file, 'utf8'));
      for (const m of text.matchAll(/\bvalues\.([A-Za-z_]\w*)/g)) used.add(m[1]!);
    }
    expect([...used].filter((k) => !passed.has(k))).toEqual([]);
    expect(used.has('name') && used.has('owner')).toBe(true);
  });

  it.each(['node-service', 'python-service'] as const)('%s: the SLO objective follows the tier', async (name) => {
    expect(await sloTarget(name, 'tier-1')).toBe(0.999);
    expect(await sloTarget(name, 'tier-2')).toBe(0.995);
    expect(await sloTarget(name, 'tier-3')).toBe(0.99);
    expect(await sloTarget(name, undefined)).toBe(0.995);
  });

  it('leaves spec.system out of the catalog entry when no system is chosen', async () => {
    const dir = await freshDir('nosystem');
    await renderSkeleton('node-service', { ...PARAMETERS, system: undefined }, dir);
    const text = await readFile(join(dir, 'catalog-info.yaml'), 'utf8');
    const { entity, problems } = validateEntity(parse(text));
    expect(problems).toEqual([]);
    expect(entity!.spec).not.toHaveProperty('system');
    expect(parseAllDocuments(await readFile(join(dir, 'deploy/kubernetes/deployment.yaml'), 'utf8'))[0]!.toJS()).not.toHaveProperty(
      ['metadata', 'labels', 'app.kubernetes.io/part-of'],
    );
  });
});

describe('node-service generates a repository whose own checks pass', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = await freshDir('node-service');
    files = await renderSkeleton('node-service', PARAMETERS, dir);
    await gitInitAndCommit(dir);
  });

  it('has the files of a golden-path service', async () => {
    await checkCommonFiles('node-service', dir, files, 'service');
    for (const f of ['package.json', 'tsconfig.json', 'eslint.config.js', 'slo.yaml', 'src/main.ts', 'src/server.ts']) expect(files).toContain(f);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name: string; description: string; scripts: Record<string, string> };
    expect(pkg.name).toBe('orders-api');
    expect(pkg.description).toBe(PARAMETERS.description);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['start', 'build', 'test', 'lint']));
    expect(files).not.toContain('package-lock.json');
  });

  it('installs, lints, tests and builds; the service answers /healthz, /readyz and /metrics', { timeout: 240_000 }, async () => {
    await run(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    await run(dir, 'npm', ['run', 'lint']);
    const testOutput = await run(dir, 'npm', ['test']);
    expect(testOutput).toMatch(/^# fail 0$/m);
    expect(testOutput).toMatch(/^# pass [1-9]\d*$/m);
    await run(dir, 'npm', ['run', 'build']);

    const { child, port, lines } = await startService(dir, 'node', ['dist/main.js']);
    try {
      await checkEndpoints(port);
    } finally {
      expect(await stopService(child)).toBe(0);
    }
    const listening = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(listening).toMatchObject({ level: 'info', msg: 'listening', service: 'orders-api', tracing_export: false });
    // What the checks produced (node_modules, dist) is ignored by the generated .gitignore; the lockfile npm
    // wrote is new, for the team to commit.
    expect(await run(dir, 'git', ['status', '--porcelain'])).toBe('?? package-lock.json');
  });
});

describe('python-service generates a repository whose own checks pass', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = await freshDir('python-service');
    files = await renderSkeleton('python-service', PARAMETERS, dir);
    await gitInitAndCommit(dir);
  });

  it('has the files of a golden-path service', async () => {
    await checkCommonFiles('python-service', dir, files, 'service');
    for (const f of ['Makefile', 'pyproject.toml', 'slo.yaml', 'app/__main__.py', 'app/server.py', 'tools/lint.py']) expect(files).toContain(f);
    expect(await readFile(join(dir, 'pyproject.toml'), 'utf8')).toMatch(/^name = "orders-api"$/m);
  });

  it('lints and tests with the standard library; the service answers /healthz, /readyz and /metrics', { timeout: 120_000 }, async () => {
    const output = await run(dir, 'make', ['lint', 'test']);
    expect(output).toMatch(/lint: \d+ files, 0 problems/);
    expect(output).toMatch(/^Ran [1-9]\d* tests? in /m);
    expect(output).toMatch(/^OK$/m);

    const { child, port, lines } = await startService(dir, 'python3', ['-m', 'app']);
    try {
      await checkEndpoints(port);
    } finally {
      expect(await stopService(child)).toBe(0);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'listening', service: 'orders-api', tracing_export: false });
    expect(await run(dir, 'git', ['status', '--porcelain'])).toBe('');
  });
});

describe('static-site generates a repository whose own checks pass', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = await freshDir('static-site');
    files = await renderSkeleton('static-site', PARAMETERS, dir);
    await gitInitAndCommit(dir);
  });

  it('has the files of a golden-path site', async () => {
    await checkCommonFiles('static-site', dir, files, 'website');
    for (const f of ['package.json', 'build.mjs', 'lib/markdown.mjs', 'content/index.md', 'nginx/default.conf']) expect(files).toContain(f);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).not.toHaveProperty('dependencies');
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toMatch(/^FROM nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/m);
  });

  it('tests and builds with no dependencies installed', { timeout: 60_000 }, async () => {
    const output = await run(dir, 'npm', ['test']);
    expect(output).toMatch(/^# fail 0$/m);
    expect(output).toMatch(/^# pass [1-9]\d*$/m);
    await run(dir, 'npm', ['run', 'build']);
    const index = await readFile(join(dir, 'dist', 'index.html'), 'utf8');
    expect(index).toContain('<title>orders-api</title>');
    expect(index).toContain('<a href="getting-started.html">Getting started</a>');
    // The description's quotes and ampersand arrive escaped, once.
    expect(index).toContain('hands them to the &quot;ledger&quot; &amp; settlement services.');
    expect(await run(dir, 'git', ['status', '--porcelain'])).toBe('');
  });
});

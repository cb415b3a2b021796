/**
 * The platform is killed (SIGKILL) in the middle of a deployment; started again on the same workspace, it runs
 * exactly the release the environment repository holds, once, never half of each (docs/environments.md).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ORG, type Json } from '../helpers/platform.js';
import { BIN, cleanEnv } from './runCli.js';

const run = promisify(execFile);
type Proc = ResultPromise<{ reject: false; env: Record<string, string>; extendEnv: false; cwd: string; stdin: 'ignore' }>;

const COMPONENT = `phoenix-${randomBytes(3).toString('hex')}`;
const SERVER = `import { createServer } from 'node:http';
const readyAt = Date.now() + Number(process.env.READY_DELAY_MS ?? 0);
createServer((req, res) => {
  if (req.url === '/readyz') { res.statusCode = Date.now() >= readyAt ? 200 : 503; return res.end(); }
  res.end('version ' + process.env.VERSION);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
const score = (version: string, delayMs: number) => `apiVersion: score.dev/v1b1
metadata: { name: ${COMPONENT} }
containers:
  main:
    image: .
    command: [node, server.mjs]
    variables: { VERSION: "${version}", READY_DELAY_MS: "${delayMs}" }
    resources: { limits: { cpu: 250m, memory: 128Mi } }
service:
  ports: { http: { port: 80, targetPort: 8080 } }
`;

let root: string;
const started: Proc[] = [];

function up(): { proc: Proc; ready: Promise<{ url: string; routerPort: number }> } {
  const proc = execa('node', [BIN, 'up', '--port', '0', '--router-port', '0', '--no-sample', '--workspace', 'ws'], { cwd: root, env: cleanEnv(), extendEnv: false, reject: false, stdin: 'ignore' });
  started.push(proc);
  const ready = new Promise<{ url: string; routerPort: number }>((resolve, reject) => {
    let seen = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /Gantry is running at (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Services: {2}http:\/\/<component>\.<environment>\.localhost:(\d+)/.exec(seen);
      if (m) resolve({ url: m[1]!, routerPort: Number(m[2]) });
    });
    void proc.then((r) => reject(new Error(`gantry up exited (${r.exitCode}): ${r.stderr}`)));
  });
  return { proc, ready };
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function viaRouter(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Live processes that run this test's component (the driver marks each with GANTRY_COMPONENT). */
function processesOfComponent(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`).includes(Buffer.from(`\0GANTRY_COMPONENT=${COMPONENT}\0`))) out.push(Number(d));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function push(url: string, token: string, files: Record<string, string>, message: string): Promise<void> {
  const work = join(root, 'work');
  const auth = `Authorization: Basic ${Buffer.from(`x:${token}`).toString('base64')}`;
  await rm(work, { recursive: true, force: true });
  await run('git', ['-c', `http.extraHeader=${auth}`, 'clone', '-q', `${url}/git/shop`, work]);
  const { writeFile } = await import('node:fs/promises');
  for (const [p, t] of Object.entries(files)) await writeFile(join(work, p), t);
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  await run('git', ['add', '-A'], { cwd: work, env });
  await run('git', ['commit', '-q', '-m', message], { cwd: work, env });
  await run('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', 'HEAD:main'], { cwd: work, env });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-deploy-restart-'));
});

afterAll(async () => {
  for (const p of started) if (p.exitCode === undefined && p.pid) p.kill('SIGINT');
  await Promise.allSettled(started);
  for (const pid of processesOfComponent()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a platform killed during a deployment', () => {
  it('comes back running the desired release, once', async () => {
    const first = up();
    const { url } = await first.ready;
    const token = (await readFile(join(root, 'ws', 'admin-token'), 'utf8')).trim();
    expect((await call(url, token, 'POST', '/api/catalog/entities', { yaml: ORG, file: 'org.yaml' })).status).toBe(200);
    expect((await call(url, token, 'POST', '/api/repos', { name: 'shop', owner: 'team-a' })).status).toBe(201);
    const entity = `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: ${COMPONENT}, annotations: { gantry.dev/repo: shop } }\nspec: { type: service, lifecycle: production, owner: team-a }\n`;
    expect((await call(url, token, 'POST', '/api/catalog/entities', { yaml: entity, file: 'c.yaml' })).status).toBe(200);
    expect((await call(url, token, 'POST', '/api/environments', { name: 'dev', type: 'development', owner: 'team-a' })).status).toBe(201);

    await push(url, token, { 'server.mjs': SERVER, 'score.yaml': score('1', 0) }, 'v1');
    const v1 = (await call(url, token, 'POST', '/api/releases', { component: COMPONENT })).body;
    const d1 = (await call(url, token, 'POST', '/api/deployments', { component: COMPONENT, environment: 'dev' })).body;
    await waitFor('v1 to run', async () => ((await call(url, token, 'GET', `/api/deployments/${d1.id}`)).body.status === 'succeeded' ? true : undefined));

    // v2 takes 4 s to get ready: the platform dies while it starts.
    await push(url, token, { 'score.yaml': score('2', 4000) }, 'v2');
    const v2 = (await call(url, token, 'POST', '/api/releases', { component: COMPONENT })).body;
    const d2 = (await call(url, token, 'POST', '/api/deployments', { component: COMPONENT, environment: 'dev' })).body;
    await waitFor('v2 to be starting next to v1', async () => (processesOfComponent().length >= 2 ? true : undefined));
    first.proc.kill('SIGKILL');
    await first.proc;

    const second = up();
    const { url: url2, routerPort } = await second.ready;
    const desired = parseYaml((await run('git', ['--git-dir', join(root, 'ws', 'repos', 'environments.git'), 'show', `main:dev/${COMPONENT}/release.yaml`])).stdout).spec.release as string;
    expect([v1.id, v2.id]).toContain(desired);
    const version = desired === v1.id ? '1' : '2';
    const host = `${COMPONENT}.dev.localhost:${routerPort}`;
    await waitFor(`the router to serve ${desired}`, async () => ((await viaRouter(routerPort, host)) === `200 version ${version}` ? true : undefined));
    // Only the desired release runs: what the killed platform was starting is gone or is that release.
    await waitFor('one process of the component', async () => (processesOfComponent().length === 1 ? true : undefined));
    for (let i = 0; i < 10; i++) expect(await viaRouter(routerPort, host)).toBe(`200 version ${version}`);
    const m = (await call(url2, token, 'GET', '/api/environments/matrix')).body;
    expect(m.components.find((c: Json) => c.component === COMPONENT).cells.dev.runtime).toMatchObject({ state: 'ready', releaseId: desired });
    expect((await call(url2, token, 'GET', '/api/environments/dev/drift')).body.items).toEqual([]);
    void d2;

    second.proc.kill('SIGINT');
    expect((await second.proc).exitCode).toBe(0);
    // Stopping the platform stops its workloads.
    await waitFor('the workload to stop with the platform', async () => (processesOfComponent().length === 0 ? true : undefined), 30_000);
  }, 240_000);
});

import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { DATABASES, dropSchema } from '../helpers/databases.js';

const run = promisify(execFile);

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [team-b] }
`;

const PIPELINE = `name: demo
on:
  push: { branches: [main] }
  manual: true
env: { GREETING: hello }
jobs:
  lint:
    steps:
      - run: echo "lint $GREETING at \${{ sha }}"
  test:
    needs: [lint]
    steps:
      - name: Unit tests
        run: echo "tests pass on \${{ branch }}" && test -f catalog-info.yaml
  slow:
    if: { events: [manual] }
    steps:
      - run: sleep 60
`;

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: demo-svc }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

// Built at run time so this file itself holds no string a secret scanner would flag.
const FAKE_AWS_SECRET = ['1tUm636uS1yOEcfP5pvfq', 'J/ml36mF7AkyHsEU0IU'].join('');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(DATABASES)('pipelines on the platform ($name)', (database) => {
  let platform: Platform;
  let dir: string;
  let dbOptions: { databaseUrl?: string; pgSchema?: string };
  let bobToken: string;

  async function call(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
    const res = await fetch(platform.url + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function waitForRun(id: string): Promise<Json> {
    const until = Date.now() + 60_000;
    for (;;) {
      const r = await call('GET', `/api/pipelines/runs/${id}`, platform.adminToken);
      if (['succeeded', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
      if (Date.now() > until) throw new Error(`run ${id} still ${r.body.status}`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  async function waitFor<T>(f: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + 30_000;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  /** Commits files into a fresh clone of the hosted repo and pushes them over HTTP with the admin token. */
  async function push(repo: string, files: Record<string, string>, message: string): Promise<string> {
    const work = join(dir, `work-${repo}`);
    const auth = `Authorization: Basic ${Buffer.from(`x:${platform.adminToken}`).toString('base64')}`;
    await rm(work, { recursive: true, force: true });
    await run('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform.url}/git/${repo}`, work]);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(work, path, '..'), { recursive: true });
      await writeFile(join(work, path), text);
    }
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
    await run('git', ['add', '-A'], { cwd: work, env });
    await run('git', ['commit', '-q', '-m', message], { cwd: work, env });
    await run('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', 'HEAD:main'], { cwd: work, env });
    return (await run('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-pipelines-'));
    dbOptions = database.options();
    platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, ...dbOptions });
    await call('POST', '/api/catalog/entities', platform.adminToken, { yaml: ORG, file: 'org.yaml' });
    bobToken = (await call('POST', '/api/tokens', platform.adminToken, { name: 'bob', userRef: 'user:default/bob' })).body.secret;
    expect((await call('POST', '/api/repos', platform.adminToken, { name: 'demo', owner: 'team-a' })).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
    if (dbOptions?.pgSchema) await dropSchema(dbOptions.pgSchema);
  });

  it('a push to a hosted repository runs its pipeline at that commit', async () => {
    const sha = await push('demo', { '.gantry/pipeline.yaml': PIPELINE, 'catalog-info.yaml': CATALOG_INFO }, 'add pipeline');
    const runs = await waitFor(async () => {
      const r = await call('GET', '/api/pipelines/runs?repo=demo', platform.adminToken);
      return r.body.items.length > 0 ? r.body.items : undefined;
    });
    expect(runs[0]).toMatchObject({ repo: 'demo', sha, branch: 'main', event: 'push', componentRef: 'component:default/demo-svc' });
    const done = await waitForRun(runs[0].id);
    expect(done.status).toBe('succeeded');
    expect(done.jobs.map((j: Json) => `${j.id}:${j.status}`)).toEqual(['lint:succeeded', 'test:succeeded', 'slow:skipped']);
    const logs = await call('GET', `/api/pipelines/runs/${done.id}/logs`, platform.adminToken);
    const text = logs.body.items.map((l: Json) => l.chunk).join('');
    expect(text).toContain(`lint hello at ${sha}`);
    expect(text).toContain('tests pass on main');
    const events = await call('GET', `/api/events?subject=pipeline-run:${done.id}`, platform.adminToken);
    expect(events.body.items.map((e: Json) => e.action)).toEqual(['pipeline.run.created', 'pipeline.run.started', 'pipeline.run.finished']);
    expect(events.body.items[2].payload).toMatchObject({ status: 'succeeded', sha, jobs: { lint: 'succeeded', test: 'succeeded' } });
  });

  it('runs manually, streams the run, and cancels it, killing its processes', async () => {
    const started = await call('POST', '/api/pipelines/runs', platform.adminToken, { repo: 'demo' });
    expect(started.status).toBe(201);
    const id = started.body.id;
    await waitFor(async () => {
      const r = await call('GET', `/api/pipelines/runs/${id}`, platform.adminToken);
      const slow = r.body.jobs.find((j: Json) => j.id === 'slow');
      return slow.steps[0].status === 'running' ? true : undefined;
    });
    const cancel = await call('POST', `/api/pipelines/runs/${id}/cancel`, platform.adminToken);
    expect(cancel.status).toBe(200);
    const done = await waitForRun(id);
    expect(done.status).toBe('cancelled');
    const { stdout } = await run('sh', ['-c', `grep -l "GANTRY_RUN_ID=${id}" /proc/[0-9]*/environ 2>/dev/null || true`]);
    expect(stdout.trim()).toBe('');
    const stream = await fetch(`${platform.url}/api/pipelines/runs/${id}/stream?access_token=${platform.adminToken}`);
    const body = await stream.text();
    expect(body).toContain('event: run');
    expect(body).toMatch(/event: end\ndata: \{"status":"cancelled"\}/);
  });

  it('a member of another team may not run or cancel it', async () => {
    const r = await call('POST', '/api/pipelines/runs', bobToken, { repo: 'demo' });
    expect(r.status).toBe(403);
  });

  it('a pipeline file with problems fails the run with file:line and the reason', async () => {
    await push('demo', { '.gantry/pipeline.yaml': 'jobs:\n  a:\n    needs: [b]\n    steps: [{ run: echo }]\n  b:\n    needs: [a]\n    stepz: []\n' }, 'break it');
    const runs = await waitFor(async () => {
      const r = await call('GET', '/api/pipelines/runs?repo=demo&status=failed', platform.adminToken);
      return r.body.items.find((x: Json) => x.problems.length > 0);
    });
    const messages = runs.problems.map((p: Json) => `${p.position?.line ?? '-'} ${p.message}`).join('\n');
    expect(messages).toMatch(/^7 .*stepz/m);
    expect(runs.reason).toContain('cannot be used');
  });

  it('the secret scan stores its findings with the run', async () => {
    const leaky = `jobs:\n  scan:\n    steps:\n      - uses: gantry/secret-scan@1\n`;
    await push('demo', { '.gantry/pipeline.yaml': leaky, 'config/aws.env': `REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET}\n` }, 'leak a key');
    const r = await waitFor(async () => {
      const list = await call('GET', '/api/pipelines/runs?repo=demo', platform.adminToken);
      const latest = list.body.items[0];
      return latest && ['succeeded', 'failed'].includes(latest.status) && latest.problems.length === 0 ? latest : undefined;
    });
    const scanLog = (await call('GET', `/api/pipelines/runs/${r.id}/logs`, platform.adminToken)).body.items.map((l: Json) => l.chunk).join('');
    expect(r.status, scanLog).toBe('failed');
    const findings = await call('GET', `/api/pipelines/runs/${r.id}/findings`, platform.adminToken);
    expect(findings.body.items.length).toBeGreaterThan(0);
    expect(findings.body.items[0]).toMatchObject({ jobId: 'scan', file: 'config/aws.env', line: 2, severity: 'error' });
    expect(JSON.stringify(findings.body.items)).not.toContain(FAKE_AWS_SECRET);
  });

  it('GitHub push webhooks need the right signature, then run the pushed commit', async () => {
    const secret = 'whsec-test';
    process.env.GANTRY_GITHUB_WEBHOOK_SECRET = secret;
    try {
      const remote = join(dir, 'remote.git');
      await run('git', ['clone', '--quiet', '--bare', platform.repos.pathOf('demo'), remote]);
      await push('demo', { '.gantry/pipeline.yaml': PIPELINE }, 'fix it');
      await run('git', ['--git-dir', remote, 'fetch', '--quiet', platform.repos.pathOf('demo'), '+refs/heads/main:refs/heads/main']);
      const sha = (await run('git', ['--git-dir', remote, 'rev-parse', 'main'])).stdout.trim();
      const payload = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { clone_url: `file://${remote}` }, pusher: { name: 'octocat' } });
      const bad = await call('POST', '/api/webhooks/github', null, payload, { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00', 'content-type': 'application/json' });
      expect(bad.status).toBe(401);
      const sig = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
      const ok = await call('POST', '/api/webhooks/github', null, payload, { 'x-github-event': 'push', 'x-hub-signature-256': sig, 'content-type': 'application/json' });
      expect(ok.status).toBe(202);
      expect(ok.body.runs).toHaveLength(1);
      const done = await waitForRun(ok.body.runs[0]);
      const hookLog = (await call('GET', `/api/pipelines/runs/${done.id}/logs`, platform.adminToken)).body.items.map((l: Json) => l.chunk).join('');
      expect(done, `${done.reason}\n${hookLog}`).toMatchObject({ status: 'succeeded', event: 'webhook', sha, repo: `file://${remote}` });
    } finally {
      delete process.env.GANTRY_GITHUB_WEBHOOK_SECRET;
    }
  });
});

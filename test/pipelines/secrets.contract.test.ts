import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretStore } from '../../src/pipelines/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { BIN, cleanEnv } from '../cli/runCli.js';
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
metadata: { name: alice }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [team-b] }
`;

// The hashes let the test see which value a step got although the log masks the value itself.
const USES_SECRETS = `on: { push: { branches: [main] }, manual: true }
jobs:
  deploy:
    steps:
      - run: |
          echo "token=$TOKEN"
          printf %s "$TOKEN" | sha256sum
          printf %s "$SHARED" | sha256sum
        env: { TOKEN: { secret: DEPLOY_TOKEN }, SHARED: { secret: SHARED_URL } }
`;

const FROM_RUNNER_ENV = `on: { push: { branches: [main] }, manual: true }
jobs:
  deploy:
    steps:
      - run: printf %s "$R" | sha256sum
        env: { R: { secret: RUNNER_ONLY } }
`;

const NEEDS_UNSET = `on: { push: { branches: [main] }, manual: true }
jobs:
  deploy:
    steps:
      - run: echo "$A $B"
        env: { A: { secret: DEPLOY_TOKEN }, B: { secret: NEVER_SET_ONE } }
`;

const TEAM_VALUE = 'team-a-deploy-token-7f3c9a1e';
const GLOBAL_VALUE = 'global-deploy-token-0b52d4c8';
const SHARED_VALUE = 'https://shared.example/hook-91ab';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(DATABASES)('pipeline secrets ($name)', (database) => {
  let platform: Platform;
  let dir: string;
  let dbOptions: { databaseUrl?: string; pgSchema?: string };
  let aliceToken: string;
  let bobToken: string;
  let viewerToken: string;
  const answers: string[] = [];

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(platform.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  const teamA = `/api/secrets/${encodeURIComponent('group:default/team-a')}`;

  async function waitFor<T>(f: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + 60_000;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  /** Pushes files to the hosted repo over HTTP and waits for the run of that commit to finish. */
  async function pushAndRun(files: Record<string, string>, message: string): Promise<{ run: Json; log: string }> {
    const work = join(dir, 'work');
    const auth = `Authorization: Basic ${Buffer.from(`x:${platform.adminToken}`).toString('base64')}`;
    await rm(work, { recursive: true, force: true });
    await run('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform.url}/git/svc`, work]);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(work, path, '..'), { recursive: true });
      await writeFile(join(work, path), text);
    }
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
    await run('git', ['add', '-A'], { cwd: work, env });
    await run('git', ['commit', '-q', '-m', message], { cwd: work, env });
    await run('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', 'HEAD:main'], { cwd: work, env });
    const sha = (await run('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    const done = await waitFor(async () => {
      const r = await call('GET', '/api/pipelines/runs?repo=svc', platform.adminToken);
      const mine = r.body.items.find((x: Json) => x.sha === sha);
      return mine && ['succeeded', 'failed', 'cancelled'].includes(mine.status) ? mine : undefined;
    });
    const logs = await call('GET', `/api/pipelines/runs/${done.id}/logs`, platform.adminToken);
    return { run: done, log: logs.body.items.map((l: Json) => l.chunk).join('') };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-secrets-'));
    dbOptions = database.options();
    platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, ...dbOptions });
    await call('POST', '/api/catalog/entities', platform.adminToken, { yaml: ORG, file: 'org.yaml' });
    aliceToken = (await call('POST', '/api/tokens', platform.adminToken, { name: 'alice', userRef: 'user:default/alice' })).body.secret;
    bobToken = (await call('POST', '/api/tokens', platform.adminToken, { name: 'bob', userRef: 'user:default/bob' })).body.secret;
    viewerToken = (await call('POST', '/api/tokens', platform.adminToken, { name: 'alice-ro', userRef: 'user:default/alice', role: 'viewer' })).body.secret;
    expect((await call('POST', '/api/repos', platform.adminToken, { name: 'svc', owner: 'team-a' })).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
    if (dbOptions?.pgSchema) await dropSchema(dbOptions.pgSchema);
  });

  it('a team member sets a team secret; other teams, viewers and non-admins for global may not', async () => {
    expect((await call('PUT', `${teamA}/DEPLOY_TOKEN`, aliceToken, { value: TEAM_VALUE })).status).toBe(204);
    const other = await call('PUT', `${teamA}/DEPLOY_TOKEN`, bobToken, { value: 'bob-was-here-123' });
    expect(other.status).toBe(403);
    expect(other.body.detail).toContain('group:default/team-a');
    expect((await call('PUT', `${teamA}/DEPLOY_TOKEN`, viewerToken, { value: 'viewer-was-here-123' })).status).toBe(403);
    const global = await call('PUT', '/api/secrets/global/SHARED_URL', aliceToken, { value: SHARED_VALUE });
    expect(global.status).toBe(403);
    expect(global.body.detail).toContain('only an admin');
    expect((await call('PUT', '/api/secrets/global/SHARED_URL', platform.adminToken, { value: SHARED_VALUE })).status).toBe(204);
    expect((await call('PUT', '/api/secrets/global/DEPLOY_TOKEN', platform.adminToken, { value: GLOBAL_VALUE })).status).toBe(204);
  });

  it('refuses bad names, scopes and values, naming the field', async () => {
    const name = await call('PUT', `${teamA}/deploy-token`, aliceToken, { value: 'x1234' });
    expect(name.status).toBe(422);
    expect(name.body.problems[0].path).toBe('name');
    const scope = await call('PUT', `/api/secrets/${encodeURIComponent('user:default/alice')}/X`, aliceToken, { value: 'x1234' });
    expect(scope.status).toBe(422);
    expect(scope.body.problems[0].path).toBe('scope');
    const empty = await call('PUT', `${teamA}/EMPTY`, aliceToken, { value: '' });
    expect(empty.status).toBe(422);
    expect(empty.body.problems[0].path).toBe('value');
    const big = await call('PUT', `${teamA}/BIG`, aliceToken, { value: 'x'.repeat(64 * 1024 + 1) });
    expect(big.status).toBe(422);
    expect(big.body.detail).toContain('65536 bytes');
  });

  it('lists names only; no API answer and no event carries a value; the stored row is ciphertext', async () => {
    const all = await call('GET', '/api/secrets', viewerToken);
    expect(all.status).toBe(200);
    expect(all.body.items.map((s: Json) => `${s.scope} ${s.name}`)).toEqual(['global DEPLOY_TOKEN', 'global SHARED_URL', 'group:default/team-a DEPLOY_TOKEN']);
    expect(Object.keys(all.body.items[2]).sort()).toEqual(['name', 'scope', 'updatedAt', 'updatedBy']);
    expect(all.body.items[2].updatedBy).toBe('user:default/alice');
    const one = await call('GET', `/api/secrets?scope=${encodeURIComponent('group:default/team-a')}`, aliceToken);
    expect(one.body.items.map((s: Json) => s.name)).toEqual(['DEPLOY_TOKEN']);

    const events = await call('GET', '/api/events?action=secret.set', platform.adminToken);
    expect(events.body.items.length).toBeGreaterThanOrEqual(3);
    expect(events.body.items.find((e: Json) => e.subject === 'secret:group:default/team-a/DEPLOY_TOKEN').payload).toEqual({ scope: 'group:default/team-a', name: 'DEPLOY_TOKEN' });

    for (const text of answers) {
      for (const v of [TEAM_VALUE, GLOBAL_VALUE, SHARED_VALUE]) expect(text).not.toContain(v);
    }

    const rows = await platform.store.db.withTables<{ secrets: Record<string, string> }>().selectFrom('secrets').selectAll().execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const stored = JSON.stringify(row);
      for (const v of [TEAM_VALUE, GLOBAL_VALUE, SHARED_VALUE]) {
        expect(stored).not.toContain(v);
        expect(stored).not.toContain(Buffer.from(v).toString('base64'));
      }
      expect(Buffer.from(row.iv!, 'base64')).toHaveLength(12);
    }
    expect(new Set(rows.map((r) => r.iv)).size).toBe(3);
    expect((await stat(join(dir, 'ws', 'secret.key'))).mode & 0o777).toBe(0o600);
  });

  it('a run gets the team secret before the global one, and its stored log shows *** instead', async () => {
    const { run: r, log } = await pushAndRun({ '.gantry/pipeline.yaml': USES_SECRETS }, 'use secrets');
    expect(r.status, log).toBe('succeeded');
    expect(log).toContain('token=***');
    expect(log).toContain(sha256(TEAM_VALUE));
    expect(log).toContain(sha256(SHARED_VALUE));
    for (const v of [TEAM_VALUE, GLOBAL_VALUE, SHARED_VALUE]) expect(log).not.toContain(v);
  });

  it('a run that needs an unset secret fails naming it', async () => {
    const { run: r } = await pushAndRun({ '.gantry/pipeline.yaml': NEEDS_UNSET }, 'needs an unset secret');
    expect(r.status).toBe('failed');
    expect(r.reason).toContain('NEVER_SET_ONE');
    expect(r.reason).not.toContain('DEPLOY_TOKEN,');
  });

  it('falls back to GANTRY_SECRET_<NAME> of the runner when the store has none', async () => {
    process.env.GANTRY_SECRET_RUNNER_ONLY = 'runner-env-value-4d2e';
    try {
      const { run: r, log } = await pushAndRun({ '.gantry/pipeline.yaml': FROM_RUNNER_ENV }, 'runner env secret');
      expect(r.status, log).toBe('succeeded');
      expect(log).toContain(sha256('runner-env-value-4d2e'));
    } finally {
      delete process.env.GANTRY_SECRET_RUNNER_ONLY;
    }
  });

  it('a value only decrypts with its key, under the scope and name it was stored as', async () => {
    const other = createSecretStore({ store: platform.store, key: randomBytes(32) });
    await expect(other.resolve('group:default/team-a', 'DEPLOY_TOKEN')).rejects.toThrow(/DEPLOY_TOKEN of group:default\/team-a cannot be decrypted/);
    expect(() => createSecretStore({ store: platform.store, key: 'dG9vIHNob3J0' })).toThrow(/GANTRY_SECRET_KEY: expected a 32-byte key.*found 9 bytes/);
    // A row copied to another scope (a team trying to read another's value) does not decrypt.
    const t = platform.store.db.withTables<{ secrets: Record<string, string> }>();
    const row = await t.selectFrom('secrets').selectAll().where('scope', '=', 'group:default/team-a').where('name', '=', 'DEPLOY_TOKEN').executeTakeFirstOrThrow();
    await t.insertInto('secrets').values({ ...row, scope: 'group:default/team-b' }).execute();
    await expect(platform.secrets.resolve('group:default/team-b', 'DEPLOY_TOKEN')).rejects.toThrow(/cannot be decrypted/);
    await t.deleteFrom('secrets').where('scope', '=', 'group:default/team-b').execute();
  });

  it('deletes: members for their team, then the name is gone; a second delete is 404', async () => {
    expect((await call('DELETE', `${teamA}/DEPLOY_TOKEN`, bobToken)).status).toBe(403);
    expect((await call('DELETE', '/api/secrets/global/SHARED_URL', aliceToken)).status).toBe(403);
    expect((await call('DELETE', `${teamA}/DEPLOY_TOKEN`, aliceToken)).status).toBe(204);
    const list = await call('GET', `/api/secrets?scope=team-a`, aliceToken);
    expect(list.body.items).toEqual([]);
    expect((await call('DELETE', `${teamA}/DEPLOY_TOKEN`, aliceToken)).status).toBe(404);
    const events = await call('GET', '/api/events?action=secret.deleted', platform.adminToken);
    expect(events.body.items.map((e: Json) => e.payload)).toEqual([{ scope: 'group:default/team-a', name: 'DEPLOY_TOKEN' }]);
  });

  it('the CLI sets a secret from stdin and lists it', async () => {
    const env = cleanEnv({ GANTRY_URL: platform.url, GANTRY_TOKEN: aliceToken });
    const set = await execa('node', [BIN, 'secret', 'set', 'team-a', 'CLI_TOKEN'], { env, extendEnv: false, reject: false, input: 'from-stdin-5e1d77\n' });
    expect(set.exitCode, set.stderr).toBe(0);
    expect(set.stdout).toContain('Set secret CLI_TOKEN');
    const list = await execa('node', [BIN, 'secret', 'list', '--scope', 'group:default/team-a', '--json'], { env, extendEnv: false, reject: false });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).items.map((s: Json) => s.name)).toEqual(['CLI_TOKEN']);
    expect(list.stdout).not.toContain('from-stdin-5e1d77');
    expect(await platform.secrets.resolve('group:default/team-a', 'CLI_TOKEN')).toBe('from-stdin-5e1d77');
  });
});

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { execa } from 'execa';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/authorize.js';
import { createTokenService } from '../../src/auth/tokens.js';
import { createRepoHost, gitHttpHandler, type PushEvent, type RepoHost } from '../../src/hosting/index.js';
import { openStore, type Store } from '../../src/store/index.js';

let tmp: string;
let store: Store;
let host: RepoHost;
let server: ServerType;
let base: string;
let port: number;
let admin: Principal;
const secrets: Record<'admin' | 'alice' | 'bob' | 'viewer', string> = { admin: '', alice: '', bob: '', viewer: '' };
const pushes: PushEvent[] = [];

/** Real git, isolated from the machine's config and credential helpers, never prompting. */
function git(args: string[], cwd?: string) {
  return execa('git', args, {
    cwd: cwd ?? tmp,
    reject: false,
    stdin: 'ignore',
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(tmp, 'home'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Alice',
      GIT_AUTHOR_EMAIL: 'alice@example.com',
      GIT_COMMITTER_NAME: 'Alice',
      GIT_COMMITTER_EMAIL: 'alice@example.com',
    },
  });
}

async function ok(args: string[], cwd?: string): Promise<string> {
  const r = await git(args, cwd);
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

const urlFor = (who: keyof typeof secrets | null, path: string) =>
  who ? `http://x:${secrets[who]}@127.0.0.1:${port}${path}` : `http://127.0.0.1:${port}${path}`;

/** A raw request, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(path: string, secret: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', headers: { authorization: `Bearer ${secret}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gantry-hosting-'));
  await mkdir(join(tmp, 'home'));
  store = await openStore({ sqlitePath: join(tmp, 'gantry.db') });
  const tokens = createTokenService(store);
  secrets.admin = await tokens.bootstrapAdmin();
  admin = await tokens.authenticate(secrets.admin);
  // Team membership comes from the catalog's relations; these two rows are what ingesting the users would write.
  await store.db
    .insertInto('relations')
    .values([
      { source_ref: 'user:default/alice', type: 'memberOf', target_ref: 'group:default/team-a', origin_ref: 'user:default/alice' },
      { source_ref: 'user:default/bob', type: 'memberOf', target_ref: 'group:default/team-b', origin_ref: 'user:default/bob' },
    ])
    .execute();
  secrets.alice = (await tokens.create(admin, { name: 'alice', userRef: 'user:default/alice' })).secret;
  secrets.bob = (await tokens.create(admin, { name: 'bob', userRef: 'user:default/bob' })).secret;
  secrets.viewer = (await tokens.create(admin, { name: 'vic', userRef: 'user:default/vic' })).secret;

  host = createRepoHost({ reposDir: join(tmp, 'repos'), store });
  host.onPush((e) => pushes.push(e));
  await host.create(admin, { name: 'demo', owner: 'group:default/team-a', description: 'the demo service' });

  const app = new Hono();
  app.all('/git/*', gitHttpHandler(host, { authenticate: (s) => tokens.authenticate(s) }));
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await store?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('hosted git over smart HTTP', () => {
  let first: string;

  it('clones an empty repo, pushes a commit (larger than git\'s post buffer), and a second clone sees it', async () => {
    await ok(['clone', '--quiet', urlFor('alice', '/git/demo'), 'work1']);
    const work = join(tmp, 'work1');
    await writeFile(join(work, 'README.md'), '# demo\n');
    // Over http.postBuffer (1 MiB), so git streams the pack with chunked encoding and no Content-Length.
    await writeFile(join(work, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    await ok(['add', '.'], work);
    await ok(['commit', '--quiet', '-m', 'first'], work);
    first = (await ok(['rev-parse', 'HEAD'], work)).trim();
    await ok(['push', '--quiet', 'origin', 'main'], work);

    // Recorded before the push returned: exactly one notification with the created ref.
    expect(pushes).toEqual([
      { repo: 'demo', pusher: 'user:default/alice', updates: [{ ref: 'refs/heads/main', before: null, after: first }] },
    ]);
    const events = await store.events.list({ action: 'hosting.repo.pushed' });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      actor: 'user:default/alice',
      subject: 'repo:demo',
      payload: { pusher: 'user:default/alice', updates: [{ ref: 'refs/heads/main', before: null, after: first }] },
    });

    // The `.git` form of the URL, and a different (read-only) user.
    await ok(['clone', '--quiet', urlFor('viewer', '/git/demo.git'), 'work2']);
    expect((await ok(['log', '--format=%H %s'], join(tmp, 'work2'))).trim()).toBe(`${first} first`);
  });

  it('reports every ref a push changes, with before and after', async () => {
    const work = join(tmp, 'work1');
    await writeFile(join(work, 'README.md'), '# demo\n\nsecond\n');
    await ok(['commit', '--quiet', '-am', 'second'], work);
    const second = (await ok(['rev-parse', 'HEAD'], work)).trim();
    await ok(['tag', 'v1'], work);
    await ok(['push', '--quiet', 'origin', 'main', 'v1', `${first}:refs/heads/old`], work);

    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.updates).toEqual([
      { ref: 'refs/heads/main', before: first, after: second },
      { ref: 'refs/heads/old', before: null, after: first },
      { ref: 'refs/tags/v1', before: null, after: second },
    ]);

    await ok(['push', '--quiet', 'origin', ':old'], work);
    expect(pushes).toHaveLength(3);
    expect(pushes[2]!.updates).toEqual([{ ref: 'refs/heads/old', before: first, after: null }]);
  });

  it('asks for credentials (401, Basic challenge) when no token is sent, and clone fails', async () => {
    const res = await fetch(`${base}/git/demo/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="gantry"');

    const r = await git(['clone', urlFor(null, '/git/demo'), 'anon']);
    expect(r.exitCode).not.toBe(0);

    const bad = await git(['clone', `http://x:gty_not-a-token@127.0.0.1:${port}/git/demo`, 'bad']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/Authentication failed|401/);
  });

  it('accepts the token as a Bearer header too', async () => {
    const res = await fetch(`${base}/git/demo/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Bearer ${secrets.viewer}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    await res.arrayBuffer();
  });

  it('inflates gzip request bodies (git gzips fetch requests over 1 KiB)', async () => {
    const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
    // Protocol v2 ls-refs, padded with peel arguments past 1 KiB like a real negotiation.
    const request = pkt('command=ls-refs\n') + '0001' + pkt('peel\n').repeat(120) + '0000';
    const res = await fetch(`${base}/git/demo/git-upload-pack`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secrets.viewer}`,
        'content-type': 'application/x-git-upload-pack-request',
        'content-encoding': 'gzip',
        'git-protocol': 'version=2',
      },
      body: gzipSync(request),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`${(await host.refs('demo')).get('refs/heads/main')} refs/heads/main`);
  });

  it('lets a viewer clone but not push, and a member of another team neither push', async () => {
    const before = await host.refs('demo');
    for (const who of ['viewer', 'bob'] as const) {
      const dir = `work-${who}`;
      await ok(['clone', '--quiet', urlFor(who, '/git/demo'), dir]);
      const work = join(tmp, dir);
      await writeFile(join(work, `${who}.txt`), who);
      await ok(['add', '.'], work);
      await ok(['commit', '--quiet', '-m', `by ${who}`], work);
      const r = await git(['push', 'origin', 'main'], work);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('403');
      expect(r.stderr).toContain('hosting.repo.push');
    }
    expect(await host.refs('demo')).toEqual(before);
    expect(pushes).toHaveLength(3);
  });

  it('never serves a path outside the repositories folder', async () => {
    // A real repository right next to reposDir: the traversal target.
    await ok(['init', '--quiet', '--bare', join(tmp, 'outside.git')]);
    // And a repository inside reposDir that the store does not know.
    await ok(['init', '--quiet', '--bare', join(tmp, 'repos', 'stray.git')]);
    const q = '/info/refs?service=git-upload-pack';
    for (const path of [
      `/git/../outside.git${q}`,
      `/git/..%2Foutside.git${q}`,
      `/git/%2e%2e%2Foutside.git${q}`,
      `/git/%2e%2e/outside.git${q}`,
      `/git/..${q}`,
      `/git/.${q}`,
      `/git/demo/../../outside.git${q}`,
      `/git/stray${q}`,
      `/git/demo/HEAD`,
      `/git/demo/objects/info/packs`,
    ]) {
      const r = await rawGet(path, secrets.admin);
      expect([400, 404], `${path} answered ${r.status}`).toContain(r.status);
    }
    const r = await git(['clone', urlFor('admin', '/git/../outside.git'), 'escaped']);
    expect(r.exitCode).not.toBe(0);
  });

  it('refuses the dumb protocol and wrong methods', async () => {
    const auth = { authorization: `Bearer ${secrets.admin}` };
    expect((await fetch(`${base}/git/demo/info/refs`, { headers: auth })).status).toBe(400);
    const wrong = await fetch(`${base}/git/demo/git-upload-pack`, { headers: auth });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM, type Principal } from '../auth/authorize.js';
import { ConflictError, InputError, NotAllowedError, NotFoundError } from '../core/errors.js';
import { createTestDatabase, type Store, type TestDatabase } from '../store/index.js';
import { assertRepoName, cloneUrlOf, createRepoHost, refUpdates, type PushEvent, type RepoHost } from './repos.js';

const alice: Principal = { userRef: 'user:default/alice', role: 'member', teams: ['group:default/team-a'] };
const bob: Principal = { userRef: 'user:default/bob', role: 'member', teams: ['group:default/team-b'] };
const vic: Principal = { userRef: 'user:default/vic', role: 'viewer', teams: [] };

function git(args: string[], cwd: string) {
  return execa('git', args, {
    cwd,
    stdin: 'ignore',
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

describe('assertRepoName', () => {
  it.each(['a', 'payments-api', 'x_1.2', '0', 'a'.repeat(100)])('accepts %s', (n) => {
    expect(() => assertRepoName(n)).not.toThrow();
  });
  it.each([
    ['', 'expected 1–100'],
    ['Payments', 'found "Payments"'],
    ['-x', 'starting with a letter or digit'],
    ['.hidden', 'starting with a letter or digit'],
    ['a/b', 'found "a/b"'],
    ['a\\b', 'found "a\\b"'],
    ['a..b', 'no ".."'],
    ['a'.repeat(101), 'expected 1–100'],
    ['svc.git', '".git" suffix'],
    ['a b', 'found "a b"'],
  ])('rejects %j', (n, why) => {
    let err: unknown;
    try {
      assertRepoName(n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(why);
    expect((err as InputError).problems[0]).toMatchObject({ code: 'invalid_name', path: 'name' });
  });
  it('rejects a non-string', () => {
    expect(() => assertRepoName(42)).toThrow(/found number/);
  });
});

describe('refUpdates', () => {
  it('lists created, moved and deleted refs, sorted, and nothing unchanged', () => {
    const before = new Map([
      ['refs/heads/main', 'a'],
      ['refs/heads/gone', 'b'],
      ['refs/tags/v1', 'c'],
    ]);
    const after = new Map([
      ['refs/tags/v1', 'c'],
      ['refs/heads/main', 'd'],
      ['refs/heads/new', 'e'],
    ]);
    expect(refUpdates(before, after)).toEqual([
      { ref: 'refs/heads/gone', before: 'b', after: null },
      { ref: 'refs/heads/main', before: 'a', after: 'd' },
      { ref: 'refs/heads/new', before: null, after: 'e' },
    ]);
    expect(refUpdates(after, after)).toEqual([]);
  });
});

describe('cloneUrlOf', () => {
  it('joins the base URL and the repo name', () => {
    expect(cloneUrlOf('http://127.0.0.1:7007/', 'demo')).toBe('http://127.0.0.1:7007/git/demo');
    expect(cloneUrlOf('https://gantry.example.com', 'a.b')).toBe('https://gantry.example.com/git/a.b');
  });
});

describe.each(['sqlite', 'postgres'] as const)('repo host on %s', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  let host: RepoHost;
  let tmp: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open();
    tmp = await mkdtemp(join(tmpdir(), 'gantry-repos-'));
    host = createRepoHost({ reposDir: join(tmp, 'repos'), store });
  });
  afterAll(async () => {
    await tdb?.drop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('creates a bare repo on main that accepts pushes over HTTP, with its row and event', async () => {
    const v = await host.create(alice, { name: 'payments', owner: 'Team-A', description: ' pays ' });
    expect(v).toMatchObject({
      name: 'payments',
      owner: 'group:default/team-a',
      description: 'pays',
      createdBy: 'user:default/alice',
      defaultBranch: 'main',
    });
    const path = host.pathOf('payments');
    expect(path).toBe(join(tmp, 'repos', 'payments.git'));
    expect((await git(['rev-parse', '--is-bare-repository'], path)).stdout).toBe('true');
    expect((await git(['symbolic-ref', 'HEAD'], path)).stdout).toBe('refs/heads/main');
    expect((await git(['config', 'http.receivepack'], path)).stdout).toBe('true');
    expect(await host.get('payments')).toEqual(v);
    const events = await store.events.list({ subject: 'repo:payments' });
    expect(events.items.map((e) => [e.action, e.actor])).toEqual([['hosting.repo.created', 'user:default/alice']]);
  });

  it('refuses a second repo with the same name and leaves the first intact', async () => {
    await expect(host.create(SYSTEM, { name: 'payments' })).rejects.toBeInstanceOf(ConflictError);
    expect(existsSync(join(host.pathOf('payments'), 'HEAD'))).toBe(true);
    expect((await host.list()).map((r) => r.name)).toEqual(['payments']);
  });

  it('refuses a name whose directory is already taken by something it does not know', async () => {
    await git(['init', '--quiet', '--bare', join(tmp, 'repos', 'stray.git')], tmp);
    const e = await host.create(SYSTEM, { name: 'stray' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConflictError);
    await expect(host.get('stray')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets members create repos only for their own teams; viewers none', async () => {
    await expect(host.create(alice, { name: 'x1', owner: 'group:default/team-b' })).rejects.toThrow(
      /team-b, which is not one of your teams/,
    );
    await expect(host.create(alice, { name: 'x2' })).rejects.toBeInstanceOf(NotAllowedError);
    await expect(host.create(vic, { name: 'x3', owner: 'team-a' })).rejects.toBeInstanceOf(NotAllowedError);
    expect(existsSync(join(tmp, 'repos', 'x1.git'))).toBe(false);
    const adminRepo = await host.create(SYSTEM, { name: 'platform-tools' });
    expect(adminRepo.owner).toBeNull();
  });

  it('validates the owner and the description', async () => {
    await expect(host.create(SYSTEM, { name: 'y1', owner: 'user:default/alice' })).rejects.toThrow(
      /owner: expected a group ref like group:default\/team-a, found "user:default\/alice"/,
    );
    await expect(host.create(SYSTEM, { name: 'y2', description: 'd'.repeat(1001) })).rejects.toThrow(
      /description: expected a string of at most 1000 characters, found 1001 characters/,
    );
  });

  it('never resolves a path outside reposDir', () => {
    for (const bad of ['..', '../x', 'a/../../b', '/etc', '.', '']) {
      expect(() => host.pathOf(bad)).toThrow(InputError);
    }
  });

  it('lists in name order and finds nothing for unknown names', async () => {
    expect((await host.list()).map((r) => r.name)).toEqual(['payments', 'platform-tools']);
    await expect(host.get('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(host.get('../nope')).rejects.toBeInstanceOf(InputError);
  });

  it('records a push: the ref changes, an event, the listeners; nothing when nothing changed', async () => {
    const heard: PushEvent[] = [];
    const off = host.onPush((e) => heard.push(e));
    // A failing listener must not keep the others from hearing, nor fail the push.
    const offBad = host.onPush(() => {
      throw new Error('listener bug');
    });
    const work = join(tmp, 'w1');
    await git(['init', '--quiet', '--initial-branch=main', work], tmp);
    await writeFile(join(work, 'f'), '1');
    await git(['add', 'f'], work);
    await git(['commit', '--quiet', '-m', 'one'], work);
    const sha = (await git(['rev-parse', 'HEAD'], work)).stdout;

    const session = await host.beginPush(alice, 'payments');
    await git(['push', '--quiet', host.pathOf('payments'), 'main'], work);
    const e = await session.finish();
    const expected = { repo: 'payments', pusher: 'user:default/alice', updates: [{ ref: 'refs/heads/main', before: null, after: sha }] };
    expect(e).toEqual(expected);
    expect(await session.finish()).toEqual(expected);
    expect(heard).toEqual([expected]);
    const pushed = await store.events.list({ action: 'hosting.repo.pushed' });
    expect(pushed.items).toHaveLength(1);
    expect(pushed.items[0]!.payload).toEqual({ updates: expected.updates, pusher: 'user:default/alice' });

    const idle = await host.beginPush(alice, 'payments');
    expect(await idle.finish()).toBeNull();
    expect(heard).toHaveLength(1);
    expect(await store.events.count({ action: 'hosting.repo.pushed' })).toBe(1);
    off();
    offBad();
  });

  it('serialises pushes to one repo so each sees only its own changes', async () => {
    const work = join(tmp, 'w1');
    await writeFile(join(work, 'f'), '2');
    await git(['commit', '--quiet', '-am', 'two'], work);
    const first = await host.beginPush(alice, 'payments');
    // Queued behind `first`: its snapshot must be taken after first finishes, so it reports nothing.
    const second = host.beginPush(alice, 'payments');
    await git(['push', '--quiet', host.pathOf('payments'), 'main'], work);
    expect((await first.finish())?.updates).toHaveLength(1);
    expect(await (await second).finish()).toBeNull();
  });

  it('lets only the owning team or an admin remove a repo, and removes it from disk', async () => {
    await expect(host.remove(bob, 'payments')).rejects.toBeInstanceOf(NotAllowedError);
    await expect(host.remove(vic, 'payments')).rejects.toBeInstanceOf(NotAllowedError);
    await host.remove(alice, 'payments');
    expect(existsSync(join(tmp, 'repos', 'payments.git'))).toBe(false);
    await expect(host.get('payments')).rejects.toBeInstanceOf(NotFoundError);
    const events = await store.events.list({ subject: 'repo:payments', order: 'desc', limit: 1 });
    expect(events.items[0]).toMatchObject({ action: 'hosting.repo.deleted', actor: 'user:default/alice' });
    await expect(host.remove(SYSTEM, 'payments')).rejects.toBeInstanceOf(NotFoundError);
    // The name is free again.
    await host.create(alice, { name: 'payments', owner: 'team-a' });
  });
});

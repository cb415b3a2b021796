import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InputError, NotFoundError } from '../../src/core/errors.js';
import { createLocalDriver, type LocalDriver } from '../../src/environments/drivers/local/index.js';
import { APP_DIR, appWorkload, httpRequest, processGone, tmpWorkspace, waitFor } from './localHelpers.js';

/** The local driver with real processes (the fixture app), real ports and real files. */

const SECRET = 'pa55-w0rd-that-must-not-leak';

describe('local driver', () => {
  let dir: string;
  let driver: LocalDriver;
  const host = (component: string, env = 'dev') => `${component}.${env}.localhost`;
  const get = (component: string, path = '/', agent?: Agent) => httpRequest(driver.routerPort, host(component), path, { agent });
  const statusOf = async (component: string) => (await driver.status('dev')).filter((s) => s.component === component);

  beforeAll(async () => {
    dir = tmpWorkspace();
    driver = await createLocalDriver({ dir, routerPort: 0, backoff: { initialMs: 100, maxQuickCrashes: 3 }, stopGraceMs: 2000, logCapBytes: 4096 });
  });
  afterAll(async () => {
    await driver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys a release and serves it through the router by host', async () => {
    const r = await driver.deploy(appWorkload('r1'), APP_DIR);
    expect(r).toMatchObject({ ok: true, environment: 'dev', component: 'orders', release: 'r1', url: `http://orders.dev.localhost:${driver.routerPort}`, replaced: null });
    const answer = await get('orders');
    expect(answer).toMatchObject({ status: 200, body: 'release r1\n' });
    const [s] = await statusOf('orders');
    expect(s).toMatchObject({ release: 'r1', state: 'ready', routed: true, restarts: 0, url: r.ok ? r.url : null });
    expect(s!.memoryRssBytes).toBeGreaterThan(1024 * 1024);
    expect(existsSync(join(dir, 'state', 'dev', 'orders.json'))).toBe(true);
    expect(driver.urlOf('dev', 'orders')).toBe(`http://orders.dev.localhost:${driver.routerPort}`);
  });

  it('replaces a release with zero failed requests under steady load, letting in-flight requests finish', async () => {
    const agent = new Agent({ keepAlive: true });
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const loop = async (path: string) => {
      while (running) {
        try {
          const r = await get('orders', path, agent);
          if (r.status === 200) {
            ok++;
            seen.add(r.body.split(' ')[1]!.trim());
          } else failures.push(`${r.status} ${r.body.trim()}`);
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    // Four loops of quick requests and one of slow ones (in flight at every switch).
    const loops = [...Array.from({ length: 4 }, () => loop('/')), loop('/slow?ms=300')];
    await waitFor('requests to flow', () => ok > 20);
    for (const release of ['r2', 'r3', 'r4']) {
      const r = await driver.deploy(appWorkload(release), APP_DIR);
      expect(r).toMatchObject({ ok: true, release, drained: true });
      const before = ok;
      await waitFor(`requests answered by ${release}`, () => seen.has(release) && ok > before + 10);
    }
    running = false;
    await Promise.all(loops);
    agent.destroy();
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    const s = await statusOf('orders');
    expect(s.map((i) => [i.release, i.state])).toEqual([['r4', 'ready']]);
  });

  it('keeps the old release serving when the new one exits at once, and says why', async () => {
    const r = await driver.deploy(appWorkload('r5', { env: { CRASH_AT_START: '1' } }), APP_DIR);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.serving).toMatchObject({ release: 'r4' });
    expect(r.reason).toContain('release r5 of orders in dev failed: exited with code 1 before it was ready');
    expect(r.reason).toContain('release r4 keeps serving');
    expect(r.reason).toContain('cannot start: CRASH_AT_START is set');
    expect(r.logTail.some((l) => l.includes('CRASH_AT_START'))).toBe(true);
    expect((await get('orders')).body).toBe('release r4\n');
    expect((await statusOf('orders')).map((i) => i.release)).toEqual(['r4']);
  });

  it('keeps the old release serving when the new one never gets ready', async () => {
    const r = await driver.deploy(appWorkload('r6', { env: { READY_DELAY_MS: '600000' } }), APP_DIR, { readinessTimeoutMs: 1500 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain('not ready within 1.5 s (GET /readyz answered 503)');
    expect((await get('orders')).body).toBe('release r4\n');
    expect(processGone(Number(/pid (\d+) started/.exec(r.logTail.join('\n'))![1]))).toBe(true);
  });

  it('rejects bad input before anything changes', async () => {
    const missing = await driver.deploy(appWorkload('r7'), join(dir, 'no-such-bundle')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as InputError).problems[0]).toMatchObject({ code: 'missing_bundle', path: 'bundleDir' });
    const noCommand = appWorkload('r7');
    noCommand.containers[0]!.command = undefined;
    const e2 = await driver.deploy(noCommand, APP_DIR).catch((e: unknown) => e);
    expect((e2 as InputError).message).toContain('containers.main.command: the local driver needs a command');
    const badProgram = appWorkload('r7');
    badProgram.containers[0]!.command = ['./bin/not-there'];
    const e3 = await driver.deploy(badProgram, APP_DIR).catch((e: unknown) => e);
    expect((e3 as InputError).problems[0]).toMatchObject({ code: 'missing_program', path: 'containers.main.command' });
    expect((await statusOf('orders')).map((i) => i.release)).toEqual(['r4']);
    expect((await get('orders')).body).toBe('release r4\n');
  });

  it('restarts a crashed process on the same port with backoff', async () => {
    const r = await driver.deploy(appWorkload('c1', { component: 'crashy' }), APP_DIR);
    expect(r.ok).toBe(true);
    const [before] = await statusOf('crashy');
    expect((await get('crashy', '/crash')).body).toBe('bye\n');
    const after = await waitFor('the restart', async () => (await statusOf('crashy')).find((s) => s.restarts === 1 && s.state === 'ready'));
    expect(after.port).toBe(before!.port);
    expect(after.pid).not.toBe(before!.pid);
    expect((await get('crashy')).body).toBe('release c1\n');
    const lines: string[] = [];
    for await (const l of driver.logs('dev', 'crashy', { tail: 50 })) lines.push(l);
    expect(lines.join('\n')).toMatch(/exited with code 3 after .*; restart 1 in 100 ms \(crash 1 in a row\)/);
  });

  it('gives up after crashes in a row, with doubling delays', async () => {
    const marker = join(dir, 'crash-loop-marker');
    const r = await driver.deploy(appWorkload('q1', { component: 'loopy', env: { CRASH_IF_FILE: marker } }), APP_DIR);
    expect(r.ok).toBe(true);
    await get('loopy', '/crash');
    const failed = await waitFor('the supervisor to give up', async () => (await statusOf('loopy')).find((s) => s.state === 'failed'));
    expect(failed.restarts).toBe(2);
    expect(failed.lastError).toContain('gave up after 3 crashes in a row');
    expect(failed.memoryRssBytes).toBeNull();
    const log = readFileSync(join(dir, 'logs', 'dev', 'loopy', `${failed.instanceId}.log`), 'utf8');
    expect(log).toContain('restart 1 in 100 ms');
    expect(log).toContain('restart 2 in 200 ms');
    expect(log).toContain('exists; crashing');
    // The route stays, so the failure is visible as 502s rather than as someone else's answer.
    expect((await get('loopy')).status).toBe(502);
    expect(await driver.undeploy('dev', 'loopy')).toBe(1);
    expect((await get('loopy')).status).toBe(404);
  });

  it('captures logs: tail, follow across a deploy, rotation, secrets masked and never written by the supervisor', async () => {
    const w = (release: string) => appWorkload(release, { component: 'chatty', env: { API_TOKEN: SECRET }, secretEnv: ['API_TOKEN'], args: ['--token', SECRET] });
    expect((await driver.deploy(w('l1'), APP_DIR)).ok).toBe(true);
    await get('chatty', '/log?line=hello-1');
    const tail: string[] = [];
    for await (const l of driver.logs('dev', 'chatty', { tail: 2 })) tail.push(l);
    expect(tail).toHaveLength(2);
    expect(tail[1]).toBe('hello-1');

    const abort = new AbortController();
    const followed: string[] = [];
    const following = (async () => {
      for await (const l of driver.logs('dev', 'chatty', { tail: 1, follow: true, signal: abort.signal, pollMs: 50 })) followed.push(l);
    })();
    // The tail line first: from then on the follower reads from a fixed offset and misses nothing written later.
    await waitFor('the follower to start', () => followed[0] === 'hello-1');
    await get('chatty', `/log?line=${encodeURIComponent(`hello-2 ${SECRET}`)}`);
    await waitFor('hello-2 to be followed', () => followed.some((l) => l.startsWith('hello-2')));
    expect(followed.find((l) => l.startsWith('hello-2'))).toBe('hello-2 ***');
    expect((await driver.deploy(w('l2'), APP_DIR)).ok).toBe(true);
    await get('chatty', '/log?line=hello-3');
    await waitFor('the follower to move on to the new instance', () => followed.includes('hello-3'));
    expect(followed.some((l) => l.includes('release l2 listening'))).toBe(true);

    // Past the 4 KiB cap the log is copied to <file>.1 and emptied; tail and follow go on.
    const [cur] = await statusOf('chatty');
    const file = join(dir, 'logs', 'dev', 'chatty', `${cur!.instanceId}.log`);
    for (let i = 0; i < 60; i++) await get('chatty', `/log?line=filler-${i}-${'x'.repeat(80)}`);
    await waitFor('the log to be rotated', () => existsSync(file + '.1'), 20_000);
    await get('chatty', '/log?line=after-rotation');
    await waitFor('the line after rotation to be followed', () => followed.includes('after-rotation'));
    expect(statSync(file).size).toBeLessThan(4096);
    const last: string[] = [];
    for await (const l of driver.logs('dev', 'chatty', { tail: 2 })) last.push(l);
    expect(last[1]).toBe('after-rotation');
    expect(last[0]).toMatch(/^filler-|^\[gantry\]/);
    abort.abort();
    await following;

    // The supervisor's own lines carry the command line, with the secret masked; state files hold no env at all.
    const files = [...readdirSync(join(dir, 'logs'), { recursive: true, withFileTypes: true }), ...readdirSync(join(dir, 'state'), { recursive: true, withFileTypes: true })].filter((f) => f.isFile());
    const supervisorLines = files.flatMap((f) => readFileSync(join(f.parentPath, f.name), 'utf8').split('\n')).filter((l) => l.startsWith('[gantry]') || l.startsWith('{'));
    expect(supervisorLines.some((l) => l.includes('--token ***'))).toBe(true);
    expect(supervisorLines.join('\n')).not.toContain(SECRET);
    await expect(async () => {
      for await (const _ of driver.logs('dev', 'never-deployed')) void _;
    }).rejects.toBeInstanceOf(NotFoundError);
  });

  it('stops the whole process group and the children that left it', async () => {
    expect((await driver.deploy(appWorkload('f1', { component: 'forky', env: { FORK_CHILDREN: '1' } }), APP_DIR)).ok).toBe(true);
    const { pid, children } = JSON.parse((await get('forky', '/children')).body) as { pid: number; children: number[] };
    expect(children).toHaveLength(2);
    for (const p of [pid, ...children]) expect(processGone(p)).toBe(false);
    expect(await driver.undeploy('dev', 'forky')).toBe(1);
    for (const p of [pid, ...children]) await waitFor(`pid ${p} to be gone`, () => processGone(p), 10_000);
    expect(existsSync(join(dir, 'state', 'dev', 'forky.json'))).toBe(false);
  });

  it('runs a workload without ports as an unrouted worker', async () => {
    const r = await driver.deploy(appWorkload('w1', { component: 'worker', ports: false }), APP_DIR);
    expect(r).toMatchObject({ ok: true, url: null });
    expect((await statusOf('worker'))[0]).toMatchObject({ state: 'ready', url: null });
    expect((await get('worker')).status).toBe(404);
  });

  it('names a router port in use, and creates nothing', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const other = tmpWorkspace();
    try {
      const err = await createLocalDriver({ dir: other, routerPort: port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as Error).message).toContain(`port ${port}`);
      expect(readdirSync(other)).toEqual([]);
    } finally {
      blocker.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('stop() ends every process', async () => {
    const other = tmpWorkspace();
    const d = await createLocalDriver({ dir: other, routerPort: 0 });
    try {
      await d.deploy(appWorkload('s1', { component: 'a' }), APP_DIR);
      await d.deploy(appWorkload('s1', { component: 'b', env: { FORK_CHILDREN: '1' } }), APP_DIR);
      const { children } = JSON.parse((await httpRequest(d.routerPort, 'b.dev.localhost', '/children')).body) as { children: number[] };
      const pids = [...(await d.status()).map((s) => s.pid!), ...children];
      await d.stop();
      for (const p of pids) await waitFor(`pid ${p} to be gone`, () => processGone(p), 10_000);
      await expect(d.deploy(appWorkload('s2'), APP_DIR)).rejects.toThrow('the local driver has been stopped');
    } finally {
      await d.stop();
      rmSync(other, { recursive: true, force: true });
    }
  });
});

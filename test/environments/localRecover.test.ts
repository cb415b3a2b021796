import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalDriver, type InstanceStatus, type LocalDriver } from '../../src/environments/drivers/local/index.js';
import { spawnTsx } from '../store/tsxProcess.js';
import { APP_DIR, appWorkload, httpRequest, processGone, tmpWorkspace, waitFor } from './localHelpers.js';

/**
 * A platform process deploys with the local driver and is killed with SIGKILL; its workloads keep running. A new
 * driver on the same workspace recovers: it adopts what is desired and still runs, stops the rest, and deploys
 * what is missing.
 */
describe('local driver recovery after a platform restart', () => {
  const dir = tmpWorkspace();
  const dir2 = tmpWorkspace();
  let driver: LocalDriver | undefined;
  let driver2: LocalDriver | undefined;
  afterAll(async () => {
    await driver?.stop();
    await driver2?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  });

  it('adopts desired processes, stops the others, deploys what is missing, and keeps supervising', async () => {
    const platform = spawnTsx('test/environments/fixtures/platform.ts', { GANTRY_TEST_DIR: dir });
    const line = await platform.waitForLine(/^DEPLOYED /, 60_000);
    const before = JSON.parse(line.slice('DEPLOYED '.length)) as { routerPort: number; status: InstanceStatus[] };
    await platform.stop('SIGKILL');
    const by = (c: string) => before.status.find((s) => s.component === c)!;
    for (const s of before.status) expect(processGone(s.pid!)).toBe(false);
    const { children } = JSON.parse((await httpRequest(by('payments').port, 'x', '/children')).body) as { children: number[] };

    // Files a restarted platform must survive: garbage, and a live pid that is not ours (this test's own).
    writeFileSync(join(dir, 'state', 'dev', 'broken.json'), '{not json');
    mkdirSync(join(dir, 'state', 'qa'), { recursive: true });
    const impostor = { id: 'not-ours', release: 'x', pid: process.pid, pgid: process.pid, port: 1, startedAt: new Date().toISOString(), routed: true };
    writeFileSync(join(dir, 'state', 'qa', 'impostor.json'), JSON.stringify({ environment: 'qa', component: 'impostor', instances: [impostor] }));

    driver = await createLocalDriver({ dir, routerPort: 0, backoff: { initialMs: 100 } });
    const d = driver;
    const result = await d.recover([
      { workload: appWorkload('r1', { component: 'orders' }), bundleDir: APP_DIR },
      { workload: appWorkload('p2', { component: 'payments' }), bundleDir: APP_DIR },
    ]);
    expect(result.adopted.map((a) => [a.component, a.release, a.pid, a.port, a.state])).toEqual([['orders', 'r1', by('orders').pid, by('orders').port, 'ready']]);
    expect(result.deployed).toMatchObject([{ ok: true, component: 'payments', release: 'p2' }]);
    expect(result.stopped.map((s) => `${s.component}:${s.release}`).sort()).toEqual(['billing:b1', 'payments:p1']);
    for (const p of [by('payments').pid!, ...children, by('billing').pid!]) await waitFor(`pid ${p} to be gone`, () => processGone(p), 10_000);

    const get = (c: string, path = '/') => httpRequest(d.routerPort, `${c}.dev.localhost`, path);
    expect((await get('orders')).body).toBe('release r1\n');
    expect((await get('payments')).body).toBe('release p2\n');
    expect((await get('billing')).status).toBe(404);
    const orders = JSON.parse(readFileSync(join(dir, 'state', 'dev', 'orders.json'), 'utf8')) as { instances: Array<{ id: string; routed: boolean }> };
    expect(orders.instances).toEqual([expect.objectContaining({ id: by('orders').instanceId, routed: true })]);
    const log = readFileSync(join(dir, 'logs', 'dev', 'orders', `${by('orders').instanceId}.log`), 'utf8');
    expect(log).toContain('release r1 listening');
    expect(log).toContain('adopted by a restarted platform');

    // An adopted process is not our child: its crash is seen by polling, and it is restarted like any other.
    await get('orders', '/crash');
    const restarted = await waitFor('the adopted instance to be restarted', async () => (await d.status('dev')).find((s) => s.component === 'orders' && s.restarts === 1 && s.state === 'ready'));
    expect(restarted.pid).not.toBe(by('orders').pid);
    expect((await get('orders')).body).toBe('release r1\n');

    // A second recovery by the same driver finds nothing new; the impostor was left alone.
    expect(await d.recover([{ workload: appWorkload('r1', { component: 'orders' }), bundleDir: APP_DIR }])).toEqual({ adopted: [], deployed: [], stopped: [] });
    expect(processGone(process.pid)).toBe(false);
  });

  it('after a kill in the middle of a deploy, ends with one release: the desired one', async () => {
    const platform = spawnTsx('test/environments/fixtures/platform.ts', { GANTRY_TEST_DIR: dir2, MID_DEPLOY: '1' });
    const line = await platform.waitForLine(/^MID_DEPLOY /, 60_000);
    const orders = JSON.parse(line.slice('MID_DEPLOY '.length)) as InstanceStatus[];
    await platform.stop('SIGKILL');
    const r1 = orders.find((s) => s.release === 'r1')!;
    const r2 = orders.find((s) => s.release === 'r2')!;
    expect([r1.routed, r2.routed, r2.state]).toEqual([true, false, 'starting']);

    driver2 = await createLocalDriver({ dir: dir2, routerPort: 0 });
    const d = driver2;
    const desired = ['orders', 'payments', 'billing'].map((c) => ({ workload: appWorkload(c === 'orders' ? 'r2' : c[0] + '1', { component: c, env: c === 'orders' ? { READY_DELAY_MS: '3000' } : {} }), bundleDir: APP_DIR }));
    const result = await d.recover(desired);
    expect(result.adopted.map((a) => `${a.component}:${a.release}`).sort()).toEqual(['billing:b1', 'orders:r2', 'payments:p1']);
    expect(result.adopted.find((a) => a.component === 'orders')!.pid).toBe(r2.pid);
    expect(result.stopped.map((s) => `${s.component}:${s.release}`)).toEqual(['orders:r1']);
    await waitFor('r1 to be gone', () => processGone(r1.pid!), 10_000);
    expect((await httpRequest(d.routerPort, 'orders.dev.localhost', '/')).body).toBe('release r2\n');
    expect((await d.status('dev')).filter((s) => s.component === 'orders').map((s) => s.release)).toEqual(['r2']);
  });
});

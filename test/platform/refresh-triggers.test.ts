import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/auth/authorize.js';
import { startPlatform, type Platform } from '../../src/platform.js';

const run = promisify(execFile);

function component(name: string, lifecycle: string): string {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ${name} }
spec: { type: service, lifecycle: ${lifecycle}, owner: team-a }
`;
}

/** Polls until `check` passes (the refresh runs on a worker, after the triggering call has returned). */
async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('catalog refreshes that nobody asks for by hand', () => {
  let platform: Platform;
  let dir: string;
  let home: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-triggers-'));
    home = join(dir, 'home');
    await mkdir(home);
    platform = await startPlatform({
      workspaceDir: join(dir, 'ws'),
      port: 0,
      seedSample: false,
      quiet: true,
      schedulerIntervalMs: 200,
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const git = (cwd: string, ...args: string[]) =>
    run('git', args, {
      cwd,
      env: { ...process.env, HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    });

  it('refreshes a location that reads a hosted repository when someone pushes to it', async () => {
    const res = await fetch(`${platform.url}/api/repos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'orders', description: 'order service' }),
    });
    expect(res.status).toBe(201);
    const repo = (await res.json()) as { cloneUrl: string };
    const authed = repo.cloneUrl.replace('http://', `http://gantry:${platform.adminToken}@`);

    const work = join(dir, 'orders');
    await git(dir, 'clone', '-q', authed, work);
    await git(work, 'config', 'user.email', 'dev@example.com');
    await git(work, 'config', 'user.name', 'Dev');
    await writeFile(join(work, 'catalog-info.yaml'), component('orders', 'experimental'));
    await git(work, 'add', '.');
    await git(work, 'commit', '-qm', 'first');
    await git(work, 'push', '-q', 'origin', 'HEAD:main');

    // The catalog reads the hosted repository straight from the workspace.
    const { location } = await platform.catalog.addLocation(SYSTEM, { target: platform.repos.pathOf('orders'), type: 'git' });
    expect(location.status).toBe('ok');
    expect((await platform.catalog.getEntity('component:orders')).entity.spec?.lifecycle).toBe('experimental');

    await writeFile(join(work, 'catalog-info.yaml'), component('orders', 'production'));
    await git(work, 'commit', '-qam', 'promote');
    await git(work, 'push', '-q', 'origin', 'HEAD:main');

    await eventually(async () => {
      expect((await platform.catalog.getEntity('component:orders')).entity.spec?.lifecycle).toBe('production');
    });
    const jobs = await platform.store.queue.list({ type: 'catalog.refresh-location' });
    expect(jobs.some((j) => j.status === 'succeeded' && JSON.stringify(j.payload).includes('push to orders'))).toBe(true);
  });

  it('refreshes a location on its interval', async () => {
    const src = join(dir, 'interval');
    await mkdir(src);
    await writeFile(join(src, 'catalog-info.yaml'), component('ticker', 'experimental'));
    await platform.catalog.addLocation(SYSTEM, { target: src, type: 'dir', refreshIntervalS: 10 });
    await writeFile(join(src, 'catalog-info.yaml'), component('ticker', 'deprecated'));
    await eventually(async () => {
      expect((await platform.catalog.getEntity('component:ticker')).entity.spec?.lifecycle).toBe('deprecated');
    }, 45_000);
  });
});

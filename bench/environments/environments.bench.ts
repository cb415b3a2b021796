/**
 * Environments, local driver (issue #5): from a built artifact to healthy behind the router; 50 services in one
 * environment with the memory of each; requests under steady load while releases roll out. Real processes (the
 * test fixture app, a small node:http server), the real router on loopback, the system tar.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalDriver, type LocalDriver } from '../../src/environments/drivers/local/index.js';
import type { ResolvedWorkload } from '../../src/environments/model/types.js';
import { fmtMs, percentile, printTable, summarise } from '../stats.js';

const APP = fileURLToPath(new URL('../../test/environments/fixtures/app/server.mjs', import.meta.url));

function workload(component: string, release: string): ResolvedWorkload {
  return {
    component,
    environment: 'bench',
    releaseId: release,
    sha: '0'.repeat(40),
    artifactDigest: null,
    annotations: {},
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    resources: {},
    containers: [{ name: 'main', image: '.', command: [process.execPath, 'server.mjs'], env: { RELEASE: release }, secretEnv: [] }],
  };
}

/** GET through the router; resolves with the status (0 for a transport error) and the latency. */
function get(port: number, host: string, agent?: Agent): Promise<{ status: number; ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - t0, body }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, body: '' }));
    req.end();
  });
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** (a) tar.gz artifact -> unpacked bundle -> deploy -> first answer through the router, 10 times. */
async function artifactToHealthy(driver: LocalDriver, work: string, rows: Array<Array<string | number>>): Promise<void> {
  const src = join(work, 'src');
  mkdirSync(src);
  copyFileSync(APP, join(src, 'server.mjs'));
  const artifact = join(work, 'artifact.tar.gz');
  execFileSync('tar', ['-czf', artifact, '-C', src, '.']);
  const total: number[] = [];
  const deploy: number[] = [];
  let failed = 0;
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    const bundle = join(work, `bundle-${i}`);
    mkdirSync(bundle);
    execFileSync('tar', ['-xzf', artifact, '-C', bundle]);
    const r = await driver.deploy(workload('api', `r${i}`), bundle);
    const answer = await get(driver.routerPort, 'api.bench.localhost');
    if (!r.ok || answer.body !== `release r${i}\n`) failed++;
    // The first deploy warms the page cache and the JIT of the platform itself; it is left out.
    if (i > 0) {
      total.push(performance.now() - t0);
      deploy.push(r.durationMs);
    }
  }
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);
  rows.push(['artifact -> healthy behind router (unpack, start, /readyz, route, first answer), median / p95', fmtMs(p(total, 50)), fmtMs(p(total, 95)), `10 deploys (each replacing the previous); ${failed} failed; target < 3 s median`]);
  rows.push(['  of which deploy() until routed, median / p95', fmtMs(p(deploy, 50)), fmtMs(p(deploy, 95)), '']);
}

/** (b) 50 services in one environment, deployed 8 at a time. */
async function fiftyServices(driver: LocalDriver, bundle: string, rows: Array<Array<string | number>>): Promise<void> {
  const n = 50;
  const names = Array.from({ length: n }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < names.length) {
        const r = await driver.deploy(workload(names[next++]!, 'v1'), bundle);
        if (!r.ok) failed++;
      }
    }),
  );
  const wall = performance.now() - t0;
  const answers = await Promise.all(names.map((c) => get(driver.routerPort, `${c}.bench.localhost`)));
  const status = (await driver.status('bench')).filter((s) => s.component.startsWith('svc-'));
  const rss = status.map((s) => s.memoryRssBytes ?? 0);
  const mean = rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length);
  rows.push([`${n} services deployed in one environment (8 at a time)`, fmtMs(wall), '', `${failed} failed; ${answers.filter((a) => a.status === 200).length}/${n} answer through the router`]);
  rows.push(['  RSS per service (process group), mean / max', mb(mean), mb(Math.max(...rss)), `total ${mb(rss.reduce((a, b) => a + b, 0))}; node:http app`]);
  for (const c of names) await driver.undeploy('bench', c);
}

/** (c) 8 loops of requests on keep-alive connections while 5 releases roll out. */
async function rolloutUnderLoad(driver: LocalDriver, bundle: string, rows: Array<Array<string | number>>): Promise<void> {
  await driver.deploy(workload('web', 'w0'), bundle);
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const loops = Array.from({ length: 8 }, async () => {
    while (running) {
      const r = await get(driver.routerPort, 'web.bench.localhost', agent);
      latencies.push(r.ms);
      if (r.status !== 200) failures++;
    }
  });
  const t0 = performance.now();
  const rollouts: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const r = await driver.deploy(workload('web', `w${i}`), bundle);
    if (!r.ok) failures++;
    rollouts.push(r.durationMs);
    await new Promise((res) => setTimeout(res, 300));
  }
  running = false;
  await Promise.all(loops);
  const wall = performance.now() - t0;
  agent.destroy();
  const l = summarise(latencies);
  rows.push(['requests during 5 rollouts (8 concurrent loops, keep-alive)', `${latencies.length} requests`, `${failures} failed`, `${Math.round(latencies.length / (wall / 1000))} req/s over ${fmtMs(wall)}`]);
  rows.push(['  request latency through the router, p50 / p99', fmtMs(l.p50), fmtMs(l.p99), `max ${fmtMs(l.max)}`]);
  rows.push(['  rollout: deploy() to routed, median / max', fmtMs(summarise(rollouts).p50), fmtMs(summarise(rollouts).max), '']);
}

export async function runEnvironmentsBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gantry-bench-env-'));
  const driver = await createLocalDriver({ dir: join(work, 'workspace'), routerPort: 0 });
  const rows: Array<Array<string | number>> = [];
  try {
    await artifactToHealthy(driver, work, rows);
    const bundle = join(work, 'bundle-0');
    await fiftyServices(driver, bundle, rows);
    await rolloutUnderLoad(driver, bundle, rows);
  } finally {
    await driver.stop();
    rmSync(work, { recursive: true, force: true });
  }
  printTable('Environments: local driver (real processes, router on loopback)', ['what', 'value', 'value', 'notes'], rows);
}

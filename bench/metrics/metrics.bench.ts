/**
 * Delivery metrics at scale (issue #7): a year of delivery facts for 60 components in 12 teams (about one
 * million changes, deployments and incidents), stored through the metrics engine in day-sized batches; then the
 * organisation-wide DORA report for 90 days, the team comparison and the platform report; then webhook ingestion
 * through the real HTTP endpoint (signed GitHub deliveries). SQLite and PostgreSQL (TEST_DATABASE_URL).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SYSTEM } from '../../src/auth/authorize.js';
import type { DeliveryFact } from '../../src/metrics/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { fmtMs, printTable, summarise } from '../stats.js';

const TEAMS = 12;
const COMPONENTS = 60;
const DAY = 86_400_000;

/** A small deterministic PRNG (mulberry32), so every run stores the same year. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function organisation(): string {
  const docs: string[] = [];
  for (let t = 0; t < TEAMS; t++) docs.push(`apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team-${t} }\nspec: { type: team, children: [] }\n`);
  for (let c = 0; c < COMPONENTS; c++) {
    docs.push(`apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${c}\n  annotations: { github.com/project-slug: acme/svc-${c} }\nspec: { type: service, lifecycle: production, owner: team-${c % TEAMS} }\n`);
  }
  return docs.join('---\n');
}

/**
 * One day of one component: changes through the day; production deployments that take the changes committed
 * before them (the generic link, as for webhooks); some fail, some are rolled back 20 minutes later, a few are
 * hotfixes; staging deployments; now and then an incident, often caused by that day's deployment.
 */
export function dayOf(day: number, c: number, start: number, scale: number, random: () => number): DeliveryFact[] {
  const facts: DeliveryFact[] = [];
  const component = `svc-${c}`;
  // Scaled counts stay right on average when the scale is small (rounding would make 0.3 deployments a day 0).
  const count = (mean: number) => Math.floor(mean * scale + random());
  const t0 = start + day * DAY;
  const nChanges = count(28 + random() * 16);
  const changes: Array<{ sha: string; at: number }> = [];
  for (let i = 0; i < nChanges; i++) {
    const at = t0 + Math.floor(random() * DAY);
    const sha = ((day * 1e6 + c * 1e4 + i) >>> 0).toString(16).padStart(8, '0').padEnd(40, 'a');
    changes.push({ sha, at });
    facts.push({ kind: 'change', id: `bench:${component}:${sha}`, source: 'import', component, repo: null, sha, committedAt: new Date(at).toISOString() });
  }
  changes.sort((a, b) => a.at - b.at);
  const nProd = count(3 + random() * 2);
  for (let i = 0; i < nProd; i++) {
    const finished = t0 + Math.floor(((i + 0.5 + random() * 0.4) / nProd) * DAY);
    const carried = changes.filter((x) => x.at <= finished).pop();
    const roll = random();
    const id = `bench:${component}:${day}:p${i}`;
    facts.push({
      kind: 'deployment',
      id,
      source: 'import',
      component,
      repo: null,
      environment: 'production',
      production: true,
      sha: carried?.sha ?? null,
      status: roll < 0.05 ? 'failure' : 'success',
      rollback: false,
      hotfix: roll > 0.98,
      startedAt: new Date(finished - 120_000).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      commits: null,
      reverts: null,
      url: null,
    });
    if (roll >= 0.05 && roll < 0.08) {
      facts.push({ kind: 'deployment', id: `${id}-rollback`, source: 'import', component, repo: null, environment: 'production', production: true, sha: null, status: 'success', rollback: true, hotfix: false, startedAt: new Date(finished + 15 * 60_000).toISOString(), finishedAt: new Date(finished + 20 * 60_000).toISOString(), commits: null, reverts: id, url: null });
    }
    if (roll >= 0.08 && roll < 0.095) {
      const started = finished + Math.floor(random() * 3_600_000);
      facts.push({ kind: 'incident', id: `bench:${id}:incident`, source: 'import', title: `${component} errors`, severity: random() < 0.2 ? 'sev2' : 'sev3', startedAt: new Date(started).toISOString(), detectedAt: new Date(started + 300_000).toISOString(), acknowledgedAt: null, resolvedAt: new Date(started + 1_800_000 + Math.floor(random() * 10_800_000)).toISOString(), components: [component], repo: null, causeDeployment: id, causeSha: null, url: null });
    }
  }
  const nStaging = count(5 + random() * 3);
  for (let i = 0; i < nStaging; i++) {
    const finished = t0 + Math.floor(random() * DAY);
    facts.push({ kind: 'deployment', id: `bench:${component}:${day}:s${i}`, source: 'import', component, repo: null, environment: 'staging', production: false, sha: null, status: 'success', rollback: false, hotfix: false, startedAt: null, finishedAt: new Date(finished).toISOString(), commits: null, reverts: null, url: null });
  }
  return facts;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function benchOne(db: 'sqlite' | 'postgres', events: number): Promise<Array<Array<string | number>>> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-metrics-'));
  const pgSchema = `bench_metrics_${process.pid}`;
  const dbOptions = db === 'postgres' ? { databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', pgSchema } : {};
  process.env.GANTRY_GITHUB_WEBHOOK_SECRET = 'bench-secret';
  const platform: Platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, deployments: false, worker: false, schedulerIntervalMs: 3_600_000, ...dbOptions });
  const rows: Array<Array<string | number>> = [];
  try {
    const r = await platform.catalog.registerEntities(SYSTEM, { yaml: organisation(), file: 'org.yaml' });
    if (r.problems.length) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
    // ~45 facts per component and day at scale 1: 60 × 365 × 45 ≈ 985k.
    const scale = events / (COMPONENTS * 365 * 45.6);
    const start = Math.floor((Date.now() - 365 * DAY) / DAY) * DAY;
    const random = rng(7);
    let stored = 0;
    let counts = { changes: 0, deployments: 0, incidents: 0 };
    const ingestStart = performance.now();
    for (let day = 0; day < 365; day++) {
      const batch: DeliveryFact[] = [];
      for (let c = 0; c < COMPONENTS; c++) batch.push(...dayOf(day, c, start, scale, random));
      const k = await platform.metrics.ingest(batch, 'system:bench');
      counts = { changes: counts.changes + k.changes, deployments: counts.deployments + k.deployments, incidents: counts.incidents + k.incidents };
      stored += batch.length;
      if (day % 73 === 72) process.stderr.write(`  ${db}: ${stored.toLocaleString('en')} facts stored (day ${day + 1}/365)\n`);
    }
    const ingestS = (performance.now() - ingestStart) / 1000;
    rows.push([db, 'store a year of facts (day batches)', `${stored.toLocaleString('en')} facts (${counts.changes.toLocaleString('en')} changes, ${counts.deployments.toLocaleString('en')} deployments, ${counts.incidents.toLocaleString('en')} incidents)`, `${ingestS.toFixed(1)} s`, `${Math.round(stored / ingestS).toLocaleString('en')} facts/s`]);

    const report = async (name: string, fn: () => Promise<unknown>, runs = 6) => {
      const [first, cold] = await timed(fn);
      const warm: number[] = [];
      for (let i = 1; i < runs; i++) warm.push((await timed(fn))[1]);
      const s = summarise(warm);
      rows.push([db, name, describe(first), `cold ${fmtMs(cold)}`, `warm p50 ${fmtMs(s.p50)}, max ${fmtMs(s.max)}`]);
    };
    const describe = (r: unknown): string => {
      const x = r as { deploymentFrequency?: { deployments: number }; leadTime?: { changes: number }; changeFailureRate?: { rate: number | null } } | unknown[];
      if (Array.isArray(x)) return `${x.length} teams`;
      if (x.deploymentFrequency) return `${x.deploymentFrequency.deployments.toLocaleString('en')} deployments, ${x.leadTime!.changes.toLocaleString('en')} changes, CFR ${((x.changeFailureRate!.rate ?? 0) * 100).toFixed(1)}%`;
      return 'platform report';
    };
    await report('organisation DORA, 90 days (API service)', () => platform.metrics.dora({ windowDays: 90 }));
    await report('team comparison, 90 days', () => platform.metrics.teams({ windowDays: 90 }));
    await report('one team, 90 days', () => platform.metrics.dora({ team: 'team-3', windowDays: 90 }));
    await report('organisation DORA, 365 days', () => platform.metrics.dora({ windowDays: 365 }), 3);
    await report('platform report, 90 days', () => platform.metrics.platform({ windowDays: 90 }));
    const [, http] = await timed(async () => {
      const res = await fetch(`${platform.url}/api/metrics/dora?window=90d`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
      await res.json();
    });
    rows.push([db, 'organisation DORA, 90 days, over HTTP (GET /api/metrics/dora)', 'JSON with weekly trend', fmtMs(http), '']);

    // Webhooks: signed GitHub deliveries through the real endpoint: pushes of 3 commits and production deployment statuses.
    for (const concurrency of [1, 8]) {
      const n = 1500;
      let next = 0;
      const send = async (i: number) => {
        const repo = { full_name: `acme/svc-${i % COMPONENTS}`, name: `svc-${i % COMPONENTS}`, default_branch: 'main' };
        const now = new Date(Date.now() - (n - i) * 1000).toISOString();
        const sha = `${concurrency}${i.toString(16)}`.padStart(40, 'b');
        const isPush = i % 2 === 0;
        const payload = isPush
          ? { ref: 'refs/heads/main', after: sha, repository: repo, commits: [0, 1, 2].map((k) => ({ id: `${k}${sha.slice(1)}`, timestamp: now })) }
          : { deployment_status: { state: 'success', environment: 'production', created_at: now }, deployment: { id: concurrency * 1e6 + i, sha, ref: 'main', task: 'deploy', environment: 'production', created_at: now, payload: {} }, repository: repo };
        const body = JSON.stringify(payload);
        const res = await fetch(`${platform.url}/api/webhooks/github`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': isPush ? 'push' : 'deployment_status', 'x-github-delivery': `bench-${concurrency}-${i}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}` },
          body,
        });
        const text = await res.text();
        if (res.status !== 202) throw new Error(`webhook ${i}: ${res.status} ${text}`);
      };
      const latencies: number[] = [];
      const t = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < n; i = next++) latencies.push((await timed(() => send(i)))[1]);
        }),
      );
      const s = (performance.now() - t) / 1000;
      const l = summarise(latencies);
      rows.push([db, `webhook deliveries over HTTP, ${concurrency} sender${concurrency > 1 ? 's' : ''}`, `${n} deliveries (${n / 2} pushes of 3 commits, ${n / 2} deployment statuses)`, `${Math.round(n / s)} deliveries/s`, `p50 ${fmtMs(l.p50)}, p99 ${fmtMs(l.p99)}`]);
    }
  } finally {
    await platform.stop();
    if (db === 'postgres') {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: dbOptions.databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${pgSchema}" cascade`);
      await client.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export async function runMetricsBench(opts: { dbs: Array<'sqlite' | 'postgres'>; events?: number }): Promise<void> {
  const events = opts.events ?? 1_000_000;
  const rows: Array<Array<string | number>> = [];
  for (const db of opts.dbs) rows.push(...(await benchOne(db, events)));
  printTable(`Delivery metrics: a year of facts for ${COMPONENTS} components in ${TEAMS} teams`, ['database', 'what', 'size', 'time', 'rate / latency'], rows);
}

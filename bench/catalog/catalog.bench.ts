/**
 * Catalog benchmark (issue #2): generated catalogs of 10k and 100k entities on SQLite and PostgreSQL.
 * Measures time from registering the location to every entity and relation being queryable (the call
 * returns only then), the CPU the server process spent on it, the server's peak memory, and p50/p99 latency
 * of a filtered list, a full-text search, a facet query and a transitive relation query at 1 and 50
 * concurrent clients, over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { fmtMs, printTable, summarise } from '../stats.js';
import { generateCatalog, writeCatalogFiles } from './generate.js';

type Db = 'sqlite' | 'postgres';
const PG_URL = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Server {
  url: string;
  token: string;
  proc: ChildProcess;
  peakRssMb(): Promise<number>;
  /** CPU seconds the server process has used so far (all its threads; PostgreSQL's own work is not in it). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** The 1-minute load average: other work on the machine changes the timings, so each row says how busy it was. */
async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ')[0] ?? '?';
}

async function startServer(workspace: string, db: Db, schema: string): Promise<Server> {
  const env = { ...process.env };
  if (db === 'postgres') {
    env.BENCH_DATABASE_URL = PG_URL;
    env.BENCH_PG_SCHEMA = schema;
  } else delete env.BENCH_DATABASE_URL;
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server.ts'), workspace], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return {
    url,
    token,
    proc,
    async peakRssMb() {
      const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) / 1024 : NaN;
    },
    async cpuSeconds() {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
      const stat = await readFile(`/proc/${proc.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

async function timed(fn: () => Promise<Response>): Promise<number> {
  const t = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${res.url}`);
  return performance.now() - t;
}

/** Runs `total` requests from `clients` concurrent loops; returns each request's latency. */
async function load(clients: number, total: number, makeUrl: (i: number) => string, token: string): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const headers = { authorization: `Bearer ${token}` };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        out.push(await timed(() => fetch(makeUrl(i), { headers })));
      }
    }),
  );
  return out;
}

async function benchOne(size: number, db: Db, rows: Array<Array<string | number>>, latencyRows: Array<Array<string | number>>) {
  const work = await mkdtemp(join(tmpdir(), `gantry-bench-${db}-${size}-`));
  const schema = `bench_${db}_${size}_${process.pid}`;
  const entities = generateCatalog(size, 42);
  const filesDir = join(work, 'catalog');
  await writeCatalogFiles(entities, filesDir, 1000);
  const server = await startServer(join(work, 'ws'), db, schema);
  try {
    const loadAvg = await loadAverage();
    const cpu0 = await server.cpuSeconds();
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/catalog/locations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: filesDir, type: 'dir' }),
    });
    const body = (await res.json()) as { location: { entityCount: number }; refresh: { problems: unknown[] } };
    const ingestMs = performance.now() - t0;
    const cpu = (await server.cpuSeconds()) - cpu0;
    if (res.status !== 201) throw new Error(`register failed: ${JSON.stringify(body)}`);
    rows.push([
      db,
      size,
      body.location.entityCount,
      fmtMs(ingestMs),
      `${cpu.toFixed(1)} s`,
      `${(await server.peakRssMb()).toFixed(0)} MB`,
      body.refresh.problems.length,
      loadAvg,
    ]);

    const pick = <T>(xs: T[], i: number) => xs[(i * 7919) % xs.length]!;
    const meta = (e: object) => (e as { kind: string; metadata: { name: string; description?: string }; spec?: Record<string, unknown> });
    // Owners that own components, so every filtered-list query has results to return.
    const groups = [
      ...new Set(
        entities
          .filter((e) => meta(e).kind === 'Component')
          .map((e) => String(meta(e).spec?.owner ?? '').replace(/^group:(default\/)?/, '')),
      ),
    ].filter(Boolean);
    const components = entities.filter((e) => meta(e).kind === 'Component').map((e) => meta(e).metadata.name);
    const words = entities
      .flatMap((e) => (meta(e).metadata.description ?? '').toLowerCase().split(/[^a-z]+/))
      .filter((w) => w.length > 5)
      .slice(0, 500);
    const u = server.url;
    const queries: Record<string, (i: number) => string> = {
      'filtered list (kind + owner, 20)': (i) =>
        `${u}/api/catalog/entities?filter=kind=component&filter=spec.owner=group:default/${pick(groups, i)}&limit=20`,
      'full-text search (20)': (i) => `${u}/api/catalog/entities?q=${encodeURIComponent(pick(words, i))}&limit=20`,
      'facets (type, lifecycle of components)': () =>
        `${u}/api/catalog/facets?facet=spec.type&facet=spec.lifecycle&filter=kind=component`,
      'transitive dependents': (i) =>
        `${u}/api/catalog/related?ref=component:default/${pick(components, i)}&relation=dependencyOf&transitive=true`,
    };
    for (const [name, makeUrl] of Object.entries(queries)) {
      await load(4, 40, makeUrl, server.token); // warm up
      for (const clients of [1, 50]) {
        const s = summarise(await load(clients, clients === 1 ? 200 : 1000, makeUrl, server.token));
        latencyRows.push([db, size, name, clients, fmtMs(s.p50), fmtMs(s.p99)]);
      }
    }
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
    if (db === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    }
  }
}

export async function runCatalogBench(opts: { sizes: number[]; dbs: Db[] }): Promise<void> {
  const ingest: Array<Array<string | number>> = [];
  const latency: Array<Array<string | number>> = [];
  for (const size of opts.sizes) {
    for (const db of opts.dbs) {
      console.error(`catalog: ${size} entities on ${db}…`);
      await benchOne(size, db, ingest, latency);
    }
  }
  printTable(
    'Catalog ingest (register a directory location until everything is queryable)',
    ['db', 'entities', 'stored', 'ingest to queryable', 'server CPU', 'server peak RSS', 'problems', 'load avg'],
    ingest,
  );
  printTable('Catalog query latency over HTTP', ['db', 'entities', 'query', 'clients', 'p50', 'p99'], latency);
}

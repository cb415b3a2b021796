/**
 * Time to provision (issue #3): from the request to create a `node-service` until its repository is pushed and
 * its entity is queryable (the task has succeeded; catalog:register returns only when the entity is stored).
 * 20 runs one after another (median, p90), then 10 requests at once. The server runs in its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { fmtMs, printTable, summarise } from '../stats.js';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Server {
  url: string;
  token: string;
  child: ChildProcess;
}

async function startServer(workspace: string, db: 'sqlite' | 'postgres', schema: string): Promise<Server> {
  const env = { ...process.env, ...(db === 'postgres' ? { BENCH_DATABASE_URL: TEST_DATABASE_URL, BENCH_PG_SCHEMA: schema } : {}) };
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server.ts'), workspace], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the benchmark server exited with ${code}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { url, token, child };
}

async function provision(s: Server, name: string): Promise<{ ms: number; ok: boolean; why?: string }> {
  const t0 = performance.now();
  const res = await fetch(`${s.url}/api/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      templateRef: 'template:default/node-service',
      parameters: { name, description: `Benchmark service ${name}`, owner: 'group:default/payments-core', tier: 'tier-2' },
    }),
  });
  const task = (await res.json()) as { id?: string; detail?: string };
  if (res.status !== 201 || !task.id) return { ms: performance.now() - t0, ok: false, why: `${res.status} ${task.detail ?? ''}` };
  // The stream ends with the task.
  const stream = await fetch(`${s.url}/api/tasks/${task.id}/stream`, { headers: { authorization: `Bearer ${s.token}` } });
  const text = await stream.text();
  const ms = performance.now() - t0;
  const end = /event: end\ndata: (\{.*\})/.exec(text);
  const status = end ? (JSON.parse(end[1]!) as { status: string }).status : 'unknown';
  if (status !== 'succeeded') return { ms, ok: false, why: status };
  const entity = await fetch(`${s.url}/api/catalog/entities/by-ref/component/default/${name}`, { headers: { authorization: `Bearer ${s.token}` } });
  return entity.status === 200 ? { ms, ok: true } : { ms, ok: false, why: `entity ${entity.status}` };
}

export async function runScaffolderBench(opts: { dbs: Array<'sqlite' | 'postgres'>; runs?: number; concurrent?: number }): Promise<void> {
  const runs = opts.runs ?? 20;
  const concurrent = opts.concurrent ?? 10;
  const rows: Array<Array<string | number>> = [];
  for (const db of opts.dbs) {
    const workspace = await mkdtemp(join(tmpdir(), 'gantry-bench-scaffolder-'));
    const schema = `bench_scaffolder_${Date.now()}`;
    const server = await startServer(workspace, db, schema);
    try {
      await provision(server, 'warm-up-service'); // first run pays for module loading and caches
      const seq: number[] = [];
      let seqFailures = 0;
      for (let i = 0; i < runs; i++) {
        const r = await provision(server, `bench-seq-${i}`);
        if (r.ok) seq.push(r.ms);
        else {
          seqFailures++;
          console.error(`run ${i} failed: ${r.why}`);
        }
        process.stderr.write(`\r${db}: ${i + 1}/${runs} sequential`);
      }
      const t0 = performance.now();
      const par = await Promise.all(Array.from({ length: concurrent }, (_, i) => provision(server, `bench-par-${i}`)));
      const wall = performance.now() - t0;
      process.stderr.write('\n');
      for (const r of par.filter((p) => !p.ok)) console.error(`concurrent run failed: ${r.why}`);
      const s = summarise(seq);
      const c = summarise(par.filter((p) => p.ok).map((p) => p.ms));
      rows.push([db, `${runs} one after another`, fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.max), '-', seqFailures]);
      rows.push([db, `${concurrent} at once`, fmtMs(c.p50), fmtMs(c.p90), fmtMs(c.max), fmtMs(wall), par.filter((p) => !p.ok).length]);
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
      await rm(workspace, { recursive: true, force: true });
      if (db === 'postgres') {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    }
  }
  printTable(
    'Time to provision a node-service (request until the repository is pushed and the entity is queryable)',
    ['db', 'runs', 'median', 'p90', 'max', 'wall time', 'failures'],
    rows,
  );
}

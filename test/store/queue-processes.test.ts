import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Store, type TestDatabase } from '../../src/store/index.js';
import { spawnTsx, type TsxProcess } from './tsxProcess.js';

const WORKER = 'test/store/fixtures/workerProcess.ts';

interface Run {
  job_id: string;
  worker: string;
  attempt: number;
  started_at: number;
  ended_at: number;
}

// Several worker processes on one PostgreSQL queue: the deployment the lease and SKIP LOCKED logic exist for.
describe('job queue shared by worker processes (PostgreSQL)', () => {
  let tdb: TestDatabase;
  let store: Store;
  const processes: TsxProcess[] = [];

  function startWorker(id: string, leaseMs: number): TsxProcess {
    const p = spawnTsx(WORKER, {
      GANTRY_TEST_DATABASE_URL: tdb.options.databaseUrl!,
      GANTRY_TEST_PG_SCHEMA: tdb.options.pgSchema!,
      GANTRY_TEST_WORKER_ID: id,
      GANTRY_TEST_LEASE_MS: String(leaseMs),
    });
    processes.push(p);
    return p;
  }

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    store = await tdb.open();
    await sql`create table test_runs (job_id text not null, worker text not null, attempt integer not null,
      started_at bigint not null, ended_at bigint not null)`.execute(store.db);
    await sql`create table test_marks (job_id text not null, worker text not null, attempt integer not null)`.execute(store.db);
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
  });
  afterAll(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    await tdb?.drop();
  });

  it('three workers run 60 jobs: each succeeds once, no two runs of a job overlap', async () => {
    const workers = ['pw-1', 'pw-2', 'pw-3'].map((id) => startWorker(id, 5000));
    await Promise.all(workers.map((w) => w.waitForLine(/^ready$/, 60_000)));

    const jobs = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        store.queue.enqueue(null, { type: 'test.record', payload: { sleepMs: 20 + ((i * 37) % 60) } }),
      ),
    );
    const done = await Promise.all(jobs.map((j) => store.queue.waitFor(j.id, { timeoutMs: 90_000 })));
    expect(done.filter((j) => j.status !== 'succeeded')).toEqual([]);

    const runs = (await sql<Run>`select * from test_runs order by job_id, started_at`.execute(store.db)).rows;
    const byJob = new Map<string, Run[]>();
    for (const r of runs) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
    expect([...byJob.keys()].sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const [, jobRuns] of byJob) {
      for (let i = 1; i < jobRuns.length; i++) expect(jobRuns[i]!.started_at).toBeGreaterThanOrEqual(jobRuns[i - 1]!.ended_at);
    }
    // The worker that completed a job is the one recorded on it, and it did run the job.
    for (const j of done) {
      expect((j.result as { worker: string }).worker).toBe(j.leaseOwner);
      expect(byJob.get(j.id)?.some((r) => r.worker === j.leaseOwner && r.attempt === j.attempts)).toBe(true);
    }

    const succeeded = (
      await sql<{ subject: string; n: number }>`select subject, count(*) as n from events
        where action = 'job.succeeded' group by subject`.execute(store.db)
    ).rows;
    expect(succeeded).toHaveLength(60);
    expect(succeeded.every((r) => r.n === 1)).toBe(true);
    // The work was shared (each worker takes at most 2 at a time, and jobs keep arriving while they run).
    expect(new Set(runs.map((r) => r.worker)).size).toBeGreaterThanOrEqual(2);
    expect(await store.events.verify()).toMatchObject({ ok: true });

    // SIGTERM: each worker stops and closes its store cleanly.
    expect(await Promise.all(workers.map((w) => w.stop('SIGTERM')))).toEqual([0, 0, 0]);
  });

  it('a job whose worker is SIGKILLed mid-run is taken over after the lease expires', async () => {
    const first = startWorker('pw-doomed', 1500);
    await first.waitForLine(/^ready$/, 60_000);
    const job = await store.queue.enqueue(null, { type: 'test.hang-first' });

    await expect
      .poll(async () => (await sql`select 1 from test_marks where job_id = ${job.id}`.execute(store.db)).rows.length, {
        timeout: 30_000,
        interval: 50,
      })
      .toBe(1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await store.queue.get(job.id)).toMatchObject({ status: 'running', leaseOwner: 'pw-doomed', attempts: 1 });

    const second = startWorker('pw-rescuer', 1500);
    await second.waitForLine(/^ready$/, 60_000);
    const done = await store.queue.waitFor(job.id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, leaseOwner: 'pw-rescuer', result: { worker: 'pw-rescuer' } });

    const marks = (await sql<{ worker: string; attempt: number }>`select worker, attempt from test_marks
      where job_id = ${job.id} order by attempt`.execute(store.db)).rows;
    expect(marks).toEqual([
      { worker: 'pw-doomed', attempt: 1 },
      { worker: 'pw-rescuer', attempt: 2 },
    ]);
    const runs = (await sql<Run>`select * from test_runs where job_id = ${job.id}`.execute(store.db)).rows;
    expect(runs.map((r) => r.worker)).toEqual(['pw-rescuer']);
    const actions = (await store.events.list({ subject: `job:${job.id}` })).items.map((e) => e.action);
    expect(actions).toEqual(['job.enqueued', 'job.started', 'job.started', 'job.succeeded']);
  });
});

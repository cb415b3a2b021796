import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';
import type { Store } from './store.js';
import { createWorker, isRetryable, LeaseLostError, type Worker } from './worker.js';

describe.each(['sqlite', 'postgres'] as const)('worker on %s', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  const workers: Worker[] = [];
  const errors: unknown[] = [];
  const start = (w: Worker) => {
    workers.push(w);
    w.start();
    return w;
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    errors.length = 0;
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it('runs jobs of its types to success and leaves other types alone', async () => {
    const seen: { attempt: number; workerId: string }[] = [];
    const w = start(
      createWorker(store, {
        id: 'w-success',
        pollMs: 50,
        onError: (e) => errors.push(e),
        onLog: () => {},
        handlers: {
          'w.double': async (job, ctx) => {
            seen.push({ attempt: ctx.attempt, workerId: ctx.workerId });
            ctx.log('doubling');
            return { doubled: (job.payload as { n: number }).n * 2 };
          },
        },
      }),
    );
    const jobs = await Promise.all([1, 2, 3].map((n) => store.queue.enqueue(null, { type: 'w.double', payload: { n } })));
    const other = await store.queue.enqueue(null, { type: 'w.unhandled' });
    const done = await Promise.all(jobs.map((j) => store.queue.waitFor(j.id, { timeoutMs: 30_000 })));
    expect(done.map((j) => [j.status, j.result, j.attempts, j.leaseOwner])).toEqual([
      ['succeeded', { doubled: 2 }, 1, w.id],
      ['succeeded', { doubled: 4 }, 1, w.id],
      ['succeeded', { doubled: 6 }, 1, w.id],
    ]);
    expect(seen).toEqual([1, 2, 3].map(() => ({ attempt: 1, workerId: 'w-success' })));
    expect((await store.queue.get(other.id))?.status).toBe('queued');
    expect(errors).toEqual([]);
  });

  it('retries a failing handler and ends input errors at once', async () => {
    let calls = 0;
    start(
      createWorker(store, {
        pollMs: 50,
        onError: (e) => errors.push(e),
        handlers: {
          'w.flaky': async (_job, ctx) => {
            calls += 1;
            if (ctx.attempt === 1) throw new Error('first attempt fails', { cause: new Error('network down') });
            return 'ok';
          },
          'w.invalid': async () => {
            throw new InputError('spec.name: expected a string, found 42');
          },
        },
      }),
    );
    const flaky = await store.queue.enqueue(null, { type: 'w.flaky', maxAttempts: 3 });
    const invalid = await store.queue.enqueue(null, { type: 'w.invalid' });
    expect(await store.queue.waitFor(flaky.id, { timeoutMs: 30_000 })).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: 'ok',
      lastError: 'first attempt fails: caused by: network down',
    });
    expect(calls).toBe(2);
    expect(await store.queue.waitFor(invalid.id, { timeoutMs: 30_000 })).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'spec.name: expected a string, found 42',
    });
  });

  it('aborts the handler when its lease is lost, and does not overwrite the outcome', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let abortReason: unknown;
    start(
      createWorker(store, {
        leaseMs: 300,
        pollMs: 50,
        onError: (e) => errors.push(e),
        handlers: {
          'w.long': (_job, ctx) =>
            new Promise((resolve) => {
              started();
              ctx.signal.addEventListener('abort', () => {
                abortReason = ctx.signal.reason;
                resolve('finished anyway');
              });
            }),
        },
      }),
    );
    const job = await store.queue.enqueue(null, { type: 'w.long' });
    await running;
    await store.queue.cancel(job.id);
    await expect.poll(() => abortReason, { timeout: 10_000 }).toBeInstanceOf(LeaseLostError);
    await expect.poll(() => errors.some((e) => e instanceof LeaseLostError), { timeout: 10_000 }).toBe(true);
    expect(await store.queue.get(job.id)).toMatchObject({ status: 'cancelled', result: null });
  });

  it('stop aborts running handlers and waits for them', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let settled = false;
    const w = start(
      createWorker(store, {
        pollMs: 50,
        onError: (e) => errors.push(e),
        handlers: {
          'w.stoppable': (_job, ctx) =>
            new Promise((_resolve, reject) => {
              started();
              ctx.signal.addEventListener('abort', () => {
                setTimeout(() => {
                  settled = true;
                  reject(ctx.signal.reason as Error);
                }, 50);
              });
            }),
        },
      }),
    );
    const job = await store.queue.enqueue(null, { type: 'w.stoppable' });
    await running;
    await w.stop();
    expect(settled).toBe(true);
    // Interrupted, not failed for good: it goes back to the queue for another worker.
    expect(await store.queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 1, leaseOwner: null });
    expect((await store.queue.get(job.id))?.lastError).toMatch(/is stopping/);
  });

  it('stop with drain lets running handlers finish and claims nothing new; a later stop cuts the drain short', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let aborted = false;
    const w = start(
      createWorker(store, {
        pollMs: 50,
        concurrency: 1,
        onError: (e) => errors.push(e),
        handlers: {
          'w.drain': async (_job, ctx) => {
            started();
            ctx.signal.addEventListener('abort', () => (aborted = true));
            await gate;
            return 'done';
          },
        },
      }),
    );
    const first = await store.queue.enqueue(null, { type: 'w.drain' });
    await running;
    const drained = w.stop({ drain: true });
    const second = await store.queue.enqueue(null, { type: 'w.drain' });
    release();
    await drained;
    expect(aborted).toBe(false);
    expect(await store.queue.get(first.id)).toMatchObject({ status: 'succeeded', result: 'done' });
    expect(await store.queue.get(second.id)).toMatchObject({ status: 'queued', attempts: 0 });
    await store.queue.cancel(second.id);

    // Draining a handler that does not finish: stop() aborts it.
    let startedAgain!: () => void;
    const runningAgain = new Promise<void>((r) => (startedAgain = r));
    const w2 = start(
      createWorker(store, {
        pollMs: 50,
        onError: (e) => errors.push(e),
        handlers: {
          'w.stuck': (_job, ctx) =>
            new Promise((_resolve, reject) => {
              startedAgain();
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
            }),
        },
      }),
    );
    await store.queue.enqueue(null, { type: 'w.stuck' });
    await runningAgain;
    const draining = w2.stop({ drain: true });
    await w2.stop();
    await draining;
  });

  it('rejects bad options when built', () => {
    expect(() => createWorker(store, { handlers: {} })).toThrow(/handlers: expected/);
    expect(() => createWorker(store, { handlers: { a: async () => 1 }, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createWorker(store, { handlers: { a: async () => 1 }, leaseMs: 1.5 })).toThrow(/leaseMs/);
  });
});

describe('isRetryable', () => {
  it('treats input errors and explicit retryable: false as final', () => {
    expect(isRetryable(new Error('x'))).toBe(true);
    expect(isRetryable(new InputError('x'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: false }))).toBe(false);
    expect(isRetryable('a string')).toBe(true);
  });
});

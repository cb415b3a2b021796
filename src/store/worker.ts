import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InputError, NotAllowedError, NotAuthenticatedError, errorChain } from '../core/errors.js';
import type { Job } from './queue.js';
import type { Store } from './store.js';

export interface JobContext {
  /** Aborted when the worker stops or the job's lease is lost (taken over, cancelled). */
  signal: AbortSignal;
  workerId: string;
  /** 1 on the first run. */
  attempt: number;
  log(message: string): void;
}

export type JobHandler = (job: Job, ctx: JobContext) => Promise<unknown>;

export interface WorkerOptions {
  /** Default `<host>:<pid>:<random>`. */
  id?: string;
  handlers: Record<string, JobHandler>;
  /** Jobs run at once; default 2. */
  concurrency?: number;
  /** Default 30000; the worker renews the lease every leaseMs/3 while a handler runs. */
  leaseMs?: number;
  /** Pause between claims when the queue is empty; default 500. */
  pollMs?: number;
  /** Told about errors the loop survives (database unavailable, lease lost). Default: console.error. */
  onError?: (e: unknown) => void;
  /** Where `ctx.log` lines go. Default: console.log with worker, job type and id. */
  onLog?: (job: Job, message: string) => void;
}

export interface Worker {
  readonly id: string;
  start(): void;
  /**
   * Stops claiming, aborts the running handlers' signals and waits for them to settle. With `drain`, the
   * running handlers are left to finish instead; a later `stop()` without it aborts them.
   */
  stop(opts?: { drain?: boolean }): Promise<void>;
}

/** Thrown into a handler's signal when its lease is gone; the job is no longer this worker's. */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`the lease on job ${jobId} was lost (another worker took it over, or it was cancelled)`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Whether a failure is worth retrying. Input and permission errors will fail the same way again; a handler
 * can also say so by throwing an error with `retryable: false`.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof InputError || err instanceof NotAllowedError || err instanceof NotAuthenticatedError) return false;
  return (err as { retryable?: unknown } | null)?.retryable !== false;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * A loop that claims jobs of the types it has handlers for and runs up to `concurrency` of them at once,
 * renewing each lease while its handler runs. Several workers, in one process or many, can share a queue.
 */
export function createWorker(store: Store, opts: WorkerOptions): Worker {
  const handlers = opts.handlers;
  const types = Object.keys(handlers ?? {});
  if (types.length === 0 || types.some((t) => typeof handlers[t] !== 'function')) {
    throw new InputError('handlers: expected an object mapping job types to handler functions, found none');
  }
  const concurrency = positiveInt(opts.concurrency ?? 2, 'concurrency');
  const leaseMs = positiveInt(opts.leaseMs ?? 30_000, 'leaseMs');
  const pollMs = positiveInt(opts.pollMs ?? 500, 'pollMs');
  const id = opts.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  if (id === '') throw new InputError('id: expected a non-empty string, found an empty string');
  const heartbeatMs = Math.max(1, Math.floor(leaseMs / 3));
  const onError = opts.onError ?? ((e: unknown) => console.error(`gantry worker ${id}: ${errorChain(e)}`));
  const onLog = opts.onLog ?? ((job: Job, message: string) => console.log(`[${id}] ${job.type} ${job.id}: ${message}`));

  const running = new Map<string, Running>();
  let state: 'idle' | 'running' | 'stopping' = 'idle';
  let loopDone: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;

  const report = (e: unknown): void => {
    try {
      onError(e);
    } catch {
      // onError is the last resort; nothing left to tell.
    }
  };

  const nudge = (): void => {
    wake?.();
  };

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function loop(): Promise<void> {
    while (state === 'running') {
      const free = concurrency - running.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const jobs = await store.queue.claim(id, { types, leaseMs, limit: free });
          claimed = jobs.length;
          for (const job of jobs) launch(job);
        } catch (e) {
          report(e);
        }
      }
      if (state !== 'running') break;
      // A full batch means more may be due: claim again at once; otherwise wait for a poll, a free slot
      // or a job enqueued in this process.
      if (free > 0 && claimed === free) continue;
      await sleep(pollMs);
    }
  }

  function launch(job: Job): void {
    // Our own lease expired and we re-claimed the job (a stalled event loop): the run in progress goes
    // on under the renewed lease rather than starting a second, overlapping one.
    if (running.has(job.id)) return;
    const controller = new AbortController();
    const done = run(job, controller)
      .catch(report)
      .finally(() => {
        running.delete(job.id);
        nudge();
      });
    running.set(job.id, { controller, done });
  }

  async function run(job: Job, controller: AbortController): Promise<void> {
    const handler = Object.hasOwn(handlers, job.type) ? handlers[job.type] : undefined;
    let lastRenewal = Date.now();
    let beat: NodeJS.Timeout | undefined;
    let finished = false;
    const scheduleBeat = (): void => {
      beat = setTimeout(() => void renew(), heartbeatMs);
    };
    const renew = async (): Promise<void> => {
      try {
        const ok = await store.queue.heartbeat(job.id, id, leaseMs);
        if (!ok) {
          controller.abort(new LeaseLostError(job.id));
          return;
        }
        lastRenewal = Date.now();
      } catch (e) {
        report(e);
        // Past the lease another worker may already be running the job: stop ours.
        if (Date.now() - lastRenewal >= leaseMs) {
          controller.abort(new LeaseLostError(job.id));
          return;
        }
      }
      if (!finished) scheduleBeat();
    };
    scheduleBeat();

    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      if (!handler) throw new InputError(`no handler for job type ${job.type} in worker ${id}`);
      const result = await handler(job, {
        signal: controller.signal,
        workerId: id,
        attempt: job.attempts,
        log: (message) => {
          try {
            onLog(job, message);
          } catch (e) {
            report(e);
          }
        },
      });
      outcome = { ok: true, result };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      finished = true;
      if (beat) clearTimeout(beat);
    }

    if (controller.signal.reason instanceof LeaseLostError) {
      // complete/fail would be refused anyway; say why the work was dropped.
      report(controller.signal.reason);
      return;
    }
    if (outcome.ok) {
      const ok = await store.queue.complete(job.id, id, outcome.result);
      if (!ok) report(new LeaseLostError(job.id));
    } else {
      await store.queue.fail(job.id, id, errorChain(outcome.error), { retryable: isRetryable(outcome.error) });
    }
  }

  return {
    id,
    start() {
      if (state !== 'idle') return;
      state = 'running';
      unsubscribe = store.events.subscribe((e) => {
        if (e.action !== 'job.enqueued') return;
        const type = (e.payload as { type?: unknown } | null)?.type;
        if (typeof type === 'string' && Object.hasOwn(handlers, type)) nudge();
      });
      loopDone = loop().catch(report);
    },
    async stop(opts = {}) {
      const abortAll = () => {
        for (const r of running.values()) r.controller.abort(new Error(`worker ${id} is stopping`));
      };
      if (state === 'stopping' && !opts.drain) {
        // A drain is in progress: stop it short.
        abortAll();
        await Promise.allSettled([...running.values()].map((r) => r.done));
        return;
      }
      if (state !== 'running') return;
      state = 'stopping';
      unsubscribe?.();
      nudge();
      if (opts.drain) {
        await loopDone;
        await Promise.allSettled([...running.values()].map((r) => r.done));
        state = 'idle';
        return;
      }
      abortAll();
      await loopDone;
      // Claims in flight when stop began may have launched more handlers.
      for (const r of running.values()) r.controller.abort(new Error(`worker ${id} is stopping`));
      await Promise.allSettled([...running.values()].map((r) => r.done));
      state = 'idle';
    },
  };
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`${field}: expected a positive integer, found ${JSON.stringify(value)}`);
  }
  return value;
}

import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { InputError, NotFoundError, UnavailableError } from '../core/errors.js';
import { canonicalJson, jsonValue } from './canonicalJson.js';
import type { StoreDialect } from './dialects/storeDialect.js';
import type { EventLog, NewEvent } from './events.js';
import { isoTime } from './isoTime.js';
import type { Database, JobStatus, JobTable } from './schema.js';
import type { Tx, TxScope } from './txScope.js';

export type { JobStatus } from './schema.js';

export interface EnqueueOptions {
  type: string;
  payload?: unknown;
  /** A second enqueue with the same key returns the first job and enqueues nothing. */
  idempotencyKey?: string;
  /** Default 5. */
  maxAttempts?: number;
  /** Earliest start; default now. */
  runAt?: string;
  /** Higher runs first; default 0. */
  priority?: number;
  /** Recorded on the `job.enqueued` event; default `system:queue`. */
  actor?: string;
}

export interface Job {
  id: string;
  type: string;
  payload: unknown;
  status: JobStatus;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  idempotencyKey: string | null;
  lastError: string | null;
  result: unknown;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface ClaimOptions {
  /** Only these job types; default all. */
  types?: string[];
  leaseMs: number;
  /** Default 1. */
  limit?: number;
}

export interface JobQueue {
  /** In tx when given (same transaction as the command). Same idempotencyKey: returns the existing job, enqueues nothing. */
  enqueue(tx: Tx | null, opts: EnqueueOptions): Promise<Job>;
  /**
   * Atomically claims up to `limit` due jobs (queued with run_at <= now, or running with an expired lease),
   * sets lease_owner/lease_expires_at and increments attempts. PostgreSQL: FOR UPDATE SKIP LOCKED. A job
   * whose lease expired on its last attempt goes to `dead` instead.
   */
  claim(workerId: string, opts: ClaimOptions): Promise<Job[]>;
  /** Extends the lease; false when the lease was lost (taken over, cancelled, finished). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /** Marks the job succeeded; false (and nothing written) unless workerId holds the lease. */
  complete(jobId: string, workerId: string, result?: unknown): Promise<boolean>;
  /**
   * Retries with exponential backoff (base 1s, cap 5 min, jitter) until maxAttempts, then status `dead`;
   * `retryable: false` ends the job as `failed` at once. Undefined unless workerId holds the lease.
   */
  fail(jobId: string, workerId: string, error: string, opts?: { retryable?: boolean }): Promise<Job | undefined>;
  /** Cancels a queued or running job (a running handler loses its lease at its next heartbeat). */
  cancel(jobId: string): Promise<Job | undefined>;
  get(jobId: string): Promise<Job | undefined>;
  /** Newest first; `limit` default 100, at most 1000. */
  list(q?: { status?: JobStatus; type?: string; limit?: number }): Promise<Job[]>;
  /** Resolves when the job reaches a final status (polling), for read-your-writes callers and tests. */
  waitFor(jobId: string, opts?: { timeoutMs?: number }): Promise<Job>;
}

export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'dead', 'cancelled'];
const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', ...FINAL_JOB_STATUSES];

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 5 * 60 * 1000;
const MAX_ERROR_LENGTH = 8000;
const QUEUE_ACTOR = 'system:queue';

/**
 * Delay before retry number `attempt` (1 = after the first failure): base·2^(attempt-1), capped, with
 * "equal jitter" (half fixed, half random) so failed jobs of one outage do not all return at once.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export interface JobQueueDeps {
  db: Kysely<Database>;
  dialect: StoreDialect;
  scope: TxScope;
  events: EventLog;
  now: () => Date;
}

/** Builds the job queue over one store's database. */
export function createJobQueue(deps: JobQueueDeps): JobQueue {
  const { db, dialect, scope, events } = deps;
  const transaction = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => scope.run(db, fn);
  const now = (): Date => deps.now();

  function jobEvent(action: string, job: Selectable<JobTable>, payload: Record<string, unknown> = {}): NewEvent {
    return { actor: QUEUE_ACTOR, action, subject: `job:${job.id}`, payload: { type: job.type, attempt: job.attempts, ...payload } };
  }

  async function enqueueIn(tx: Tx, opts: EnqueueOptions): Promise<Job> {
    const t = now().toISOString();
    const row = {
      id: randomUUID(),
      type: opts.type,
      payload: canonicalJson(jsonValue(opts.payload, 'payload')),
      status: 'queued' as const,
      priority: opts.priority ?? 0,
      attempts: 0,
      max_attempts: opts.maxAttempts ?? 5,
      run_at: opts.runAt === undefined ? t : isoTime(opts.runAt, 'runAt'),
      lease_owner: null,
      lease_expires_at: null,
      idempotency_key: opts.idempotencyKey ?? null,
      last_error: null,
      result: null,
      created_at: t,
      updated_at: t,
      finished_at: null,
    };
    const inserted = await tx
      .insertInto('jobs')
      .values(row)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      // PostgreSQL waited for a concurrent insert of this key to commit before doing nothing, so the row is visible.
      const existing = await tx
        .selectFrom('jobs')
        .selectAll()
        .where('idempotency_key', '=', opts.idempotencyKey ?? '')
        .executeTakeFirst();
      if (!existing) throw new Error(`enqueue: idempotency key ${opts.idempotencyKey} conflicted but no job has it`);
      return toJob(existing);
    }
    await events.append(tx, {
      ...jobEvent('job.enqueued', inserted, { runAt: inserted.run_at, priority: inserted.priority }),
      actor: opts.actor ?? QUEUE_ACTOR,
    });
    return toJob(inserted);
  }

  async function claim(workerId: string, opts: ClaimOptions): Promise<Job[]> {
    requireText(workerId, 'workerId');
    const leaseMs = positiveInt(opts.leaseMs, 'leaseMs');
    const limit = opts.limit === undefined ? 1 : positiveInt(opts.limit, 'limit');
    const types = opts.types;
    if (types !== undefined && types.length === 0) return [];

    return transaction(async (tx) => {
      const t = now();
      const nowIso = t.toISOString();
      const deathEvents: NewEvent[] = [];

      // Jobs whose holder vanished on their last attempt: dead-letter them rather than run them again.
      const exhausted = await dialect
        .lockRows(
          tx
            .selectFrom('jobs')
            .select('id')
            .where('status', '=', 'running')
            .where('lease_expires_at', '<', nowIso)
            .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
            .$if(types !== undefined, (qb) => qb.where('type', 'in', types ?? []))
            .limit(100),
          { skipLocked: true },
        )
        .execute();
      if (exhausted.length > 0) {
        const dead = await tx
          .updateTable('jobs')
          .set({
            status: 'dead',
            last_error: 'the lease expired on the last attempt (the worker stopped or lost its connection)',
            lease_expires_at: null,
            finished_at: nowIso,
            updated_at: nowIso,
          })
          .where(
            'id',
            'in',
            exhausted.map((r) => r.id),
          )
          .returningAll()
          .execute();
        for (const job of dead) deathEvents.push(jobEvent('job.dead', job, { error: job.last_error }));
      }

      const due = await dialect
        .lockRows(
          tx
            .selectFrom('jobs')
            .select('id')
            .where((eb) =>
              eb.or([
                eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowIso)]),
                eb.and([
                  eb('status', '=', 'running'),
                  eb('lease_expires_at', '<', nowIso),
                  eb('attempts', '<', eb.ref('max_attempts')),
                ]),
              ]),
            )
            .$if(types !== undefined, (qb) => qb.where('type', 'in', types ?? []))
            .orderBy('priority', 'desc')
            .orderBy('run_at')
            .orderBy('id')
            .limit(limit),
          { skipLocked: true },
        )
        .execute();
      let claimed: Selectable<JobTable>[] = [];
      if (due.length > 0) {
        const ids = due.map((r) => r.id);
        const rows = await tx
          .updateTable('jobs')
          .set((eb) => ({
            status: 'running',
            lease_owner: workerId,
            lease_expires_at: new Date(t.getTime() + leaseMs).toISOString(),
            attempts: eb('attempts', '+', 1),
            updated_at: nowIso,
          }))
          .where('id', 'in', ids)
          .returningAll()
          .execute();
        const order = new Map(ids.map((id, i) => [id, i]));
        claimed = rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      }
      const started = claimed.map((job) => jobEvent('job.started', job, { workerId }));
      // Head lock last, after the job rows: the same lock order as every other queue transaction.
      if (deathEvents.length + started.length > 0) await events.append(tx, [...deathEvents, ...started]);
      return claimed.map(toJob);
    });
  }

  async function heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    positiveInt(leaseMs, 'leaseMs');
    const t = now();
    const r = await db
      .updateTable('jobs')
      .set({ lease_expires_at: new Date(t.getTime() + leaseMs).toISOString(), updated_at: t.toISOString() })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async function complete(jobId: string, workerId: string, result?: unknown): Promise<boolean> {
    const resultText = result === undefined ? null : canonicalJson(jsonValue(result, 'result'));
    return transaction(async (tx) => {
      const t = now().toISOString();
      const job = await tx
        .updateTable('jobs')
        .set({ status: 'succeeded', result: resultText, lease_expires_at: null, finished_at: t, updated_at: t })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .where('lease_owner', '=', workerId)
        .returningAll()
        .executeTakeFirst();
      if (!job) return false;
      await events.append(tx, jobEvent('job.succeeded', job, { workerId }));
      return true;
    });
  }

  async function fail(
    jobId: string,
    workerId: string,
    error: string,
    opts: { retryable?: boolean } = {},
  ): Promise<Job | undefined> {
    const message = String(error).slice(0, MAX_ERROR_LENGTH);
    return transaction(async (tx) => {
      const current = await dialect
        .lockRows(tx.selectFrom('jobs').selectAll().where('id', '=', jobId))
        .executeTakeFirst();
      if (!current || current.status !== 'running' || current.lease_owner !== workerId) return undefined;
      const t = now();
      const nowIso = t.toISOString();
      let update: Updateable<JobTable>;
      let event: NewEvent;
      if (opts.retryable === false) {
        update = { status: 'failed', last_error: message, lease_expires_at: null, finished_at: nowIso };
        event = jobEvent('job.failed', current, { workerId, error: message, final: true });
      } else if (current.attempts >= current.max_attempts) {
        update = { status: 'dead', last_error: message, lease_expires_at: null, finished_at: nowIso };
        event = jobEvent('job.dead', current, { workerId, error: message });
      } else {
        const runAt = new Date(t.getTime() + retryDelayMs(current.attempts)).toISOString();
        update = { status: 'queued', last_error: message, lease_owner: null, lease_expires_at: null, run_at: runAt };
        event = jobEvent('job.failed', current, { workerId, error: message, final: false, retryAt: runAt });
      }
      const job = await tx
        .updateTable('jobs')
        .set({ ...update, updated_at: nowIso })
        .where('id', '=', jobId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await events.append(tx, event);
      return toJob(job);
    });
  }

  async function cancel(jobId: string): Promise<Job | undefined> {
    return transaction(async (tx) => {
      const current = await dialect
        .lockRows(tx.selectFrom('jobs').selectAll().where('id', '=', jobId))
        .executeTakeFirst();
      if (!current) return undefined;
      if (current.status !== 'queued' && current.status !== 'running') return toJob(current);
      const t = now().toISOString();
      const job = await tx
        .updateTable('jobs')
        .set({ status: 'cancelled', lease_expires_at: null, finished_at: t, updated_at: t })
        .where('id', '=', jobId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await events.append(tx, jobEvent('job.cancelled', job, { previousStatus: current.status }));
      return toJob(job);
    });
  }

  async function get(jobId: string): Promise<Job | undefined> {
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async function list(q: { status?: JobStatus; type?: string; limit?: number } = {}): Promise<Job[]> {
    if (q.status !== undefined && !JOB_STATUSES.includes(q.status)) {
      throw new InputError(`status: expected one of ${JOB_STATUSES.join(', ')}, found ${JSON.stringify(q.status)}`);
    }
    const limit = q.limit === undefined ? 100 : Math.min(positiveInt(q.limit, 'limit'), 1000);
    let qb = db.selectFrom('jobs').selectAll();
    if (q.status !== undefined) qb = qb.where('status', '=', q.status);
    if (q.type !== undefined) qb = qb.where('type', '=', q.type);
    const rows = await qb.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toJob);
  }

  async function waitFor(jobId: string, opts: { timeoutMs?: number } = {}): Promise<Job> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    // Jobs finished by this process announce themselves; others are found by polling.
    const unsubscribe = events.subscribe((e) => {
      if (e.subject === `job:${jobId}`) wake?.();
    });
    try {
      let pause = 20;
      for (;;) {
        const job = await get(jobId);
        if (!job) throw new NotFoundError(`job ${jobId} does not exist`);
        if (FINAL_JOB_STATUSES.includes(job.status)) return job;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new UnavailableError(
            `job ${jobId} (${job.type}) did not finish within ${timeoutMs} ms; it is ${job.status} after ${job.attempts} attempt(s)`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(pause, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        pause = Math.min(pause * 2, 250);
      }
    } finally {
      unsubscribe();
    }
  }

  return {
    async enqueue(tx, opts) {
      validateEnqueue(opts);
      return tx ? enqueueIn(tx, opts) : transaction((t) => enqueueIn(t, opts));
    },
    claim,
    heartbeat,
    complete,
    fail,
    cancel,
    get,
    list,
    waitFor,
  };
}

function validateEnqueue(opts: EnqueueOptions): void {
  requireText(opts?.type, 'type');
  if (opts.idempotencyKey !== undefined) requireText(opts.idempotencyKey, 'idempotencyKey');
  if (opts.maxAttempts !== undefined) positiveInt(opts.maxAttempts, 'maxAttempts');
  if (opts.priority !== undefined && !Number.isInteger(opts.priority)) {
    throw new InputError(`priority: expected an integer, found ${JSON.stringify(opts.priority)}`);
  }
  if (opts.actor !== undefined) requireText(opts.actor, 'actor');
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '') {
    const found = value === '' ? 'an empty string' : (JSON.stringify(value) ?? 'undefined');
    throw new InputError(`${field}: expected a non-empty string, found ${found}`, {
      problems: [{ code: 'invalid_value', path: field, message: `expected a non-empty string, found ${found}` }],
    });
  }
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InputError(`${field}: expected a positive integer, found ${JSON.stringify(value) ?? 'undefined'}`);
  }
  return value;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function toJob(row: Selectable<JobTable>): Job {
  return {
    id: row.id,
    type: row.type,
    payload: parseJson(row.payload),
    status: row.status,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    idempotencyKey: row.idempotency_key,
    lastError: row.last_error,
    result: parseJson(row.result),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/**
 * The store: Gantry's database (SQLite by default, PostgreSQL for a postgres URL), its migrations, the
 * hash-chained event log and the durable job queue with its worker. Other domains import only this file.
 *
 * Rule for domain code: inside `store.transaction(async (tx) => …)` use `tx` for every query, event and
 * enqueue; `store.db` (or a queue method called without tx) throws there, because on SQLite the
 * transaction holds the only connection.
 */
export { openStore, type Store, type StoreOptions, type Dialect, type Tx } from './store.js';
export {
  eventHash,
  GENESIS_HASH,
  type EventLog,
  type EventQuery,
  type EventFilter,
  type FollowOptions,
  type NewEvent,
  type StoredEvent,
  type VerifyResult,
} from './events.js';
export {
  FINAL_JOB_STATUSES,
  retryDelayMs,
  type ClaimOptions,
  type EnqueueOptions,
  type Job,
  type JobQueue,
} from './queue.js';
export {
  createWorker,
  isRetryable,
  LeaseLostError,
  type JobContext,
  type JobHandler,
  type Worker,
  type WorkerOptions,
} from './worker.js';
export { canonicalJson } from './canonicalJson.js';
export { createTestDatabase, testDatabaseUrl, type TestDatabase } from './testDatabase.js';
export type * from './schema.js';

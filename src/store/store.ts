import { Kysely, Migrator } from 'kysely';
import { InputError, UnavailableError, isGantryError } from '../core/errors.js';
import type { Dialect, StoreDialect } from './dialects/storeDialect.js';
import { createEventLog, type EventLog } from './events.js';
import { migrationProvider } from './migrations/index.js';
import { createJobQueue, type JobQueue } from './queue.js';
import type { Database } from './schema.js';
import { createTxScope, type Tx } from './txScope.js';

export type { Dialect } from './dialects/storeDialect.js';
export type { Tx } from './txScope.js';

export interface StoreOptions {
  /**
   * `postgres://…` / `postgresql://…` selects PostgreSQL; `sqlite:<path>` or `file:<path>` a SQLite file.
   * Wins over `sqlitePath`, so `DATABASE_URL` can override a workspace default.
   */
  databaseUrl?: string;
  /** SQLite database file (created with its directory if missing). */
  sqlitePath?: string;
  /** PostgreSQL only (ignored for SQLite, so one config serves both): schema for every table, created if missing. */
  pgSchema?: string;
  /** The clock for every time the store writes (event times, run_at, leases). Default: the system clock. */
  now?: () => Date;
}

export interface Store {
  readonly dialect: Dialect;
  /**
   * The database, for queries outside a transaction. Inside `transaction(fn)` use the `tx` given to fn:
   * using `db` there throws (on SQLite it would wait forever for the connection the transaction holds).
   */
  readonly db: Kysely<Database>;
  /**
   * Runs fn in one transaction; events appended and jobs enqueued through tx commit or roll back with it.
   * Listeners of events.subscribe are told only after commit. Transactions do not nest. On SQLite the
   * transaction takes the write lock when it starts (`BEGIN IMMEDIATE`), so keep it short and do slow work
   * (git, network) before or after it.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  readonly events: EventLog;
  readonly queue: JobQueue;
  /** Stops event followers and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

function resolveTarget(opts: StoreOptions): Target {
  const url = opts.databaseUrl?.trim();
  if (url) {
    if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
    const file = /^(?:sqlite|file):(?:\/\/)?(.+)$/i.exec(url);
    if (file?.[1]) return { kind: 'sqlite', path: file[1] };
    throw new InputError(
      `databaseUrl: expected postgres://…, postgresql://… or sqlite:<path>, found ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}`,
    );
  }
  if (opts.sqlitePath) return { kind: 'sqlite', path: opts.sqlitePath };
  throw new InputError('store options: expected databaseUrl or sqlitePath, found neither');
}

/**
 * Opens the database (SQLite by default, PostgreSQL for a postgres URL) and migrates it to the latest schema.
 * Safe when several processes start at once. Open one store per database per process: on SQLite each
 * store is a connection whose lock waits block the event loop, so two in one process can stall each other.
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const target = resolveTarget(opts);
  // Loaded on demand so a PostgreSQL deployment never loads the native SQLite module, and the reverse.
  const dialect: StoreDialect =
    target.kind === 'postgres'
      ? (await import('./dialects/postgres.js')).createPostgresDialect({
          url: target.url,
          ...(opts.pgSchema ? { schema: opts.pgSchema } : {}),
        })
      : await (await import('./dialects/sqlite.js')).createSqliteDialect({ path: target.path });

  const scope = createTxScope();
  const db = new Kysely<Database>({ dialect: dialect.createKyselyDialect(scope.assertOutsideTransaction) });
  try {
    await migrate(db, dialect);
  } catch (e) {
    await db.destroy().catch(() => {});
    await dialect.close().catch(() => {});
    if (isGantryError(e)) throw e;
    throw new UnavailableError(`cannot open the ${dialect.name} store: ${(e as Error).message}`, { cause: e });
  }

  const now = opts.now ?? (() => new Date());
  const events = createEventLog({ db, dialect, scope, now });
  const queue = createJobQueue({ db, dialect, scope, events, now });
  let closed: Promise<void> | undefined;

  return {
    dialect: dialect.name,
    db,
    transaction: (fn) => scope.run(db, fn),
    events,
    queue,
    close() {
      closed ??= (async () => {
        events.close();
        await db.destroy();
        await dialect.close();
      })();
      return closed;
    },
  };
}

/** PostgreSQL's invalid_schema_name (3F000) about a schema other than the store's own. */
function otherSchemaVanished(error: unknown, own: string | undefined): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (e?.code !== '3F000' || typeof e.message !== 'string') return false;
  const named = /schema "([^"]+)" does not exist/.exec(e.message)?.[1];
  return named !== undefined && named !== own;
}

async function migrate(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  await dialect.withMigrationLock(async () => {
    const schema = await dialect.migrationTableSchema(db as Kysely<unknown>);
    const migrator = new Migrator({
      db,
      provider: migrationProvider({ dialect: dialect.name }),
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    let { error, results } = await migrator.migrateToLatest();
    // Kysely looks for its migration table by listing the tables of every schema the role may use; a schema that
    // another installation drops at that moment makes PostgreSQL fail the listing itself (invalid_schema_name for
    // a schema that is not ours). Nothing was migrated then: ask again.
    for (let retry = 0; error && retry < 30 && otherSchemaVanished(error, schema); retry++) {
      await new Promise((r) => setTimeout(r, Math.min(20 * (retry + 1), 200)));
      ({ error, results } = await migrator.migrateToLatest());
    }
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(failed ? `migration ${failed} failed: ${message}` : `migrating failed: ${message}`, { cause: error });
    }
  });
}

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type DialectAdapter,
  type SqliteDialectConfig,
} from 'kysely';
import { UnavailableError } from '../../core/errors.js';
import { guardDialect, type StoreDialect } from './storeDialect.js';

export interface SqliteDialectOptions {
  /** Database file; its directory is created if missing. `:memory:` works for throw-away stores. */
  path: string;
}

/**
 * Opens the SQLite file with the settings the store relies on: WAL (readers never wait for the writer,
 * and the CLI and the server can share the file), `busy_timeout` so a second process waits for the write
 * lock instead of failing, `synchronous=NORMAL` (durable at checkpoints; safe with WAL), foreign keys on.
 */
export async function createSqliteDialect(opts: SqliteDialectOptions): Promise<StoreDialect> {
  const path = opts.path === ':memory:' ? opts.path : resolve(opts.path);
  let db: BetterSqlite3.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // No busy wait while switching to WAL (better-sqlite3 defaults to 5 s): switchToWal retries instead.
    db = new BetterSqlite3(path, { timeout: 0 });
    await switchToWal(db);
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db?.close();
    throw new UnavailableError(`cannot open the SQLite database at ${path}: ${(cause as Error).message}`, { cause });
  }
  const handle = db;

  return {
    name: 'sqlite',
    createKyselyDialect: (beforeAcquire) => guardDialect(new ImmediateSqliteDialect({ database: withStatementCache(handle) }), beforeAcquire),
    // Migrations run in one `BEGIN IMMEDIATE` transaction (see ImmediateSqliteDialect): that is the lock.
    withMigrationLock: (fn) => fn(),
    migrationTableSchema: async () => undefined,
    lockRows: (qb) => qb,
    placeholder: () => '?',
    // Kysely's destroy closes the handle; closing twice is harmless in better-sqlite3.
    close: async () => {
      if (handle.open) handle.close();
    },
  };
}

/** How many prepared statements a connection keeps (the platform issues a few hundred distinct SQL texts). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The connection as Kysely sees it, with prepared statements reused by SQL text: Kysely prepares every query
 * afresh, and preparing costs as much as running a small query (more for multi-row inserts). Safe because Kysely
 * runs one statement at a time on this connection and never leaves one iterating (no streamed queries), and
 * SQLite re-prepares a cached statement by itself when the schema changes. Least recently used ones are dropped.
 */
function withStatementCache(db: BetterSqlite3.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/**
 * Turns on WAL mode. Only a brand-new file needs the switch, and the switch needs a lock that SQLite does not
 * always wait for (busy_timeout does not apply while another connection is writing): when several processes
 * create the database at once, retry, asynchronously, so a lock held in this same process can be released.
 */
async function switchToWal(db: BetterSqlite3.Database): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
      await sleep(20 + Math.random() * 30);
    }
  }
}

/**
 * Kysely's SQLite dialect with two changes. Transactions start with `BEGIN IMMEDIATE`: a deferred
 * transaction that reads and then writes cannot wait for another process's write lock (SQLite answers
 * SQLITE_BUSY at once, ignoring busy_timeout), while an immediate one takes the lock up front and waits.
 * And DDL is declared transactional (it is, in SQLite), so Kysely's migrator runs each batch of
 * migrations in one such transaction: concurrent start-ups serialise, and a failed migration leaves nothing.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

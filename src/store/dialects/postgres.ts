import { createHash } from 'node:crypto';
import pg from 'pg';
import { PostgresDialect, sql, type Kysely } from 'kysely';
import { InputError, UnavailableError } from '../../core/errors.js';
import { guardDialect, type StoreDialect } from './storeDialect.js';

export interface PostgresDialectOptions {
  /** `postgres://user:password@host:port/database` (anything `pg` accepts). */
  url: string;
  /**
   * Schema holding every table. Created if missing and put first on each connection's `search_path`.
   * Lets several Gantry installations (or test runs) share one database.
   */
  schema?: string;
  /** Largest number of pooled connections (default 10). */
  maxConnections?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses bigint and numeric to JS numbers. `pg` returns them as strings (they may exceed 2^53), but the
 * store's bigints are sequence numbers and counts, far below that, and domain code must see the same type
 * on both databases (`count(*)` is an int8 on PostgreSQL and a plain number on SQLite).
 */
function parseNumber(value: string): number {
  return Number(value);
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return parseNumber;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A connection pool to PostgreSQL with the store's type parsing and (optionally) its own schema. */
export function createPostgresDialect(opts: PostgresDialectOptions): StoreDialect {
  const { schema } = opts;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new InputError(
      `pgSchema: expected a lower-case SQL identifier (letters, digits, _; at most 63), found ${JSON.stringify(schema)}`,
    );
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 10,
    types: typeParsers,
    // A startup parameter rather than a `SET` after connecting: it applies to every pooled connection,
    // including the one holding the migration lock, before any query runs.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its server connection emits on the pool; without a listener that kills the process.
  pool.on('error', (e) => console.error(`gantry store: idle PostgreSQL connection failed: ${e.message}`));

  // Kysely's migrator takes its own advisory lock, but only after creating its bookkeeping tables, and the
  // schema must exist before anything else. One session-level lock per schema covers all of it.
  const lockKey = advisoryLockKey(`gantry.migrate:${schema ?? ''}`);

  return {
    name: 'postgres',
    createKyselyDialect: (beforeAcquire) => guardDialect(new PostgresDialect({ pool }), beforeAcquire),
    async withMigrationLock(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (cause) {
        throw new UnavailableError(`cannot connect to PostgreSQL: ${(cause as Error).message}`, { cause });
      }
      let destroy = false;
      try {
        await client.query('select pg_advisory_lock($1, $2)', lockKey);
        try {
          if (schema) await client.query(`create schema if not exists "${schema}"`);
          return await fn();
        } finally {
          await client.query('select pg_advisory_unlock($1, $2)', lockKey).catch(() => {
            // A session lock dies with its session: drop the connection rather than pool a locked one.
            destroy = true;
          });
        }
      } finally {
        client.release(destroy);
      }
    },
    async migrationTableSchema(db: Kysely<unknown>) {
      // Kysely looks for its migration table in every schema unless told which; with several Gantry
      // schemas in one database it would find another installation's table.
      const r = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      const found = r.rows[0]?.schema;
      if (!found) {
        throw new UnavailableError(
          `PostgreSQL has no current schema: search_path names no existing schema (pgSchema: ${schema ?? 'unset'})`,
        );
      }
      return found;
    },
    lockRows(qb, lockOpts) {
      const locked = qb.forUpdate();
      return lockOpts?.skipLocked ? locked.skipLocked() : locked;
    },
    placeholder: (n) => `$${n}`,
    // Kysely's destroy ends the pool.
    close: async () => {},
  };
}

/** Two int4 halves of a sha256, the two-key form of `pg_advisory_lock`. */
function advisoryLockKey(name: string): [number, number] {
  const digest = createHash('sha256').update(name).digest();
  return [digest.readInt32BE(0), digest.readInt32BE(4)];
}

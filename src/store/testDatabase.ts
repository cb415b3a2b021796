import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dialect } from './dialects/storeDialect.js';
import { openStore, type Store, type StoreOptions } from './store.js';

/** The PostgreSQL server tests use (trust auth on the CI machines). */
export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** A throw-away database for one test suite: a SQLite file in a temp dir, or a fresh PostgreSQL schema. */
export interface TestDatabase {
  readonly dialect: Dialect;
  /** Options that open this database (hand them to child processes, or reopen). */
  readonly options: StoreOptions;
  /** Opens (and migrates) a store on it; `extra` adds options such as a clock. */
  open(extra?: StoreOptions): Promise<Store>;
  /** Closes every store opened through `open` and deletes the database (the temp dir, or the schema). */
  drop(): Promise<void>;
}

/** Creates an empty test database; nothing exists until the first `open`. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const stores: Store[] = [];
  let options: StoreOptions;
  let remove: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-store-'));
    options = { sqlitePath: join(dir, 'gantry.db') };
    remove = () => rm(dir, { recursive: true, force: true });
  } else {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const url = testDatabaseUrl();
    options = { databaseUrl: url, pgSchema: schema };
    remove = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    };
  }
  return {
    dialect,
    options,
    async open(extra = {}) {
      const store = await openStore({ ...options, ...extra });
      stores.push(store);
      return store;
    },
    async drop() {
      await Promise.allSettled(stores.map((s) => s.close()));
      await remove();
    },
  };
}

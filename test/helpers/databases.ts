import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** The PostgreSQL server the tests use (CI sets TEST_DATABASE_URL). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** Options for startPlatform / openStore: none for SQLite (the workspace file), a fresh schema for PostgreSQL. */
  options(): { databaseUrl?: string; pgSchema?: string };
}

/** A fresh, uniquely named PostgreSQL schema; dropped by `dropSchema`. */
export function freshSchemaName(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Both databases, for `describe.each`: every contract runs against SQLite and PostgreSQL. */
export const DATABASES: TestDatabase[] = [
  { name: 'sqlite', options: () => ({}) },
  { name: 'postgres', options: () => ({ databaseUrl: TEST_DATABASE_URL, pgSchema: freshSchemaName() }) },
];

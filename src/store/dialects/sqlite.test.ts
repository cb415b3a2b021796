import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteDialect } from './sqlite.js';

describe('SQLite dialect', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-sqlite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('switches a new file to WAL even while another connection holds a lock on it', async () => {
    // What a second process sees when it starts while the first is still creating the database.
    const path = join(dir, 'race.db');
    const other = new BetterSqlite3(path);
    other.exec('create table t (x)');
    other.exec('begin');
    other.prepare('select * from t').all();
    const opening = createSqliteDialect({ path });
    setTimeout(() => other.exec('commit'), 150);
    const dialect = await opening;
    other.close();
    await dialect.close();
    const check = new BetterSqlite3(path, { fileMustExist: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
  });

  it('creates missing parent directories', async () => {
    const dialect = await createSqliteDialect({ path: join(dir, 'a', 'b', 'gantry.db') });
    await dialect.close();
    const db = new BetterSqlite3(join(dir, 'a', 'b', 'gantry.db'), { fileMustExist: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

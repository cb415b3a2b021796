import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/testDatabase.js';
import { insertRows } from './batch.js';

// Texts that need escaping in JSON or in array literals, and ones PostgreSQL's JSON cannot take as they are
// (a control character, a lone surrogate), which insertRows routes through arrays instead.
const AWKWARD = ['plain', 'quote " and \\ backslash', '{"a":[1,"b"]}', 'tab\tnew\nline', 'ünïcödé 🚀', 'NULL', '', 'bell \u0007', 'lone \ud800 half'];

describe.each(['sqlite', 'postgres'] as const)('insertRows on %s', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  async function roundTrip(values: string[]): Promise<Array<{ ref: string; key: string; value: string }>> {
    const prefix = `t${Math.random().toString(36).slice(2)}:`;
    const rows = values.map((v, i) => [`${prefix}${i}`, `k${i}`, v]);
    await store.transaction((tx) => insertRows(tx, dialect, 'entity_fields', ['ref', 'key', 'value'], rows));
    return store.db.selectFrom('entity_fields').select(['ref', 'key', 'value']).where('ref', 'like', `${prefix}%`).orderBy('key').execute();
  }

  it('stores texts exactly as given when none needs the fallback', async () => {
    const values = AWKWARD.slice(0, 7);
    const back = await roundTrip(values);
    expect(back.map((r) => r.value)).toEqual(values);
  });

  it('stores control characters as given', async () => {
    const values = AWKWARD.slice(0, 8);
    const back = await roundTrip(values);
    expect(back.map((r) => r.value)).toEqual(values);
  });

  // pg sends text as UTF-8, which turns a lone surrogate into U+FFFD; the JSON route must not change that.
  if (dialect === 'postgres') {
    it('stores a lone surrogate as the replacement character, as pg always did', async () => {
      const back = await roundTrip(AWKWARD);
      expect(back.map((r) => r.value)).toEqual(AWKWARD.map((v) => v.replace('\ud800', '\ufffd')));
    });
  }
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, Tx } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/testDatabase.js';
import type { Entity } from '../model/index.js';
import { createEntityWriter, writeEntities, type Candidate, type WriteOptions } from './writeEntities.js';

function candidate(name: string, file: string, line: number, spec: Record<string, unknown> = {}): Candidate {
  const entity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a', ...spec },
  };
  return { entity, ref: `component:default/${name}`, file, line, warnings: [] };
}

async function indexNames(tx: Tx, dialect: 'sqlite' | 'postgres', table: string): Promise<string[]> {
  const r =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null order by name`.execute(tx)
      : await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = ${table} order by indexname`.execute(tx);
  return r.rows.map((x) => x.name);
}

describe.each(['sqlite', 'postgres'] as const)('createEntityWriter on %s', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  const options = (locationId: string): WriteOptions => ({ actor: 'user:default/test', locationId, denyReason: () => null, now: new Date().toISOString() });

  it('writes a source fed in chunks as one write: duplicates across chunks, unchanged rows and removals included', async () => {
    const loc = 'loc-chunks';
    // What an earlier refresh of the location stored.
    await store.transaction((tx) =>
      writeEntities(dialect, tx, { ...options(loc), candidates: [candidate('kept', 'a.yaml', 1), candidate('gone', 'a.yaml', 9), candidate('held', 'b.yaml', 1)], removal: null }),
    );

    const result = await store.transaction(async (tx) => {
      const writer = createEntityWriter(dialect, tx, options(loc));
      await writer.write([candidate('one', 'a.yaml', 1), candidate('kept', 'a.yaml', 20)]);
      await writer.write([candidate('two', 'c.yaml', 1), candidate('one', 'c.yaml', 7, { type: 'website' })]);
      await writer.write([]);
      await writer.write([candidate('three', 'd.yaml', 3, { system: 'shop' })]);
      const r = await writer.finish({ onMissing: 'delete', retainRefs: new Set(['component:default/held']), retainFiles: new Set(), retainPrefixes: [] });
      await expect(writer.write([candidate('late', 'e.yaml', 1)])).rejects.toThrow(/after finish/);
      return r;
    });

    expect(result).toMatchObject({ added: 3, updated: 0, unchanged: 1, removed: 1, orphaned: 0 });
    expect(result.problems.map((p) => p.message)).toEqual([
      'component:default/one is declared twice: at a.yaml:1 and at c.yaml:7; the first is kept',
    ]);
    expect(result.stored).toEqual(['component:default/kept', 'component:default/one', 'component:default/two', 'component:default/three']);
    expect(result.events.map((e) => `${e.action} ${e.subject}`)).toEqual([
      'catalog.entity.created component:default/one',
      'catalog.entity.created component:default/two',
      'catalog.entity.created component:default/three',
      'catalog.entity.deleted component:default/gone',
    ]);
    expect(result.cycleStarts).toEqual(['component:default/three']);

    const rows = await store.db.selectFrom('entities').select(['ref', 'source_file', 'source_line', 'body']).where('location_id', '=', loc).orderBy('ref').execute();
    expect(rows.map((r) => [r.ref, r.source_file, r.source_line])).toEqual([
      ['component:default/held', 'b.yaml', 1],
      ['component:default/kept', 'a.yaml', 20],
      ['component:default/one', 'a.yaml', 1],
      ['component:default/three', 'd.yaml', 3],
      ['component:default/two', 'c.yaml', 1],
    ]);
    // The first declaration of `one` won, in the entity and in its fields.
    expect((JSON.parse(rows[2]!.body) as Entity).spec?.type).toBe('service');
    const types = await store.db.selectFrom('entity_fields').select('value').where('ref', '=', 'component:default/one').where('key', '=', 'spec.type').execute();
    expect(types.map((t) => t.value)).toEqual(['service']);
    const partOf = await store.db.selectFrom('relations').select(['source_ref', 'type', 'target_ref']).where('origin_ref', '=', 'component:default/three').orderBy('type').execute();
    expect(partOf).toContainEqual({ source_ref: 'component:default/three', type: 'partOf', target_ref: 'system:default/shop' });
  });

  it('plans a big first write from its first chunk: indexes dropped before the rows, rebuilt by finish', async () => {
    const loc = 'loc-bulk';
    const before = await store.transaction((tx) => indexNames(tx, dialect, 'entities'));
    expect(before).toContain('entities_name_ref');
    const during = await store.transaction(async (tx) => {
      // Ten candidates now, announced as the first of 100,000: the write will dwarf the table.
      const writer = createEntityWriter(dialect, tx, { ...options(loc), expectedCandidates: 100_000 });
      await writer.write(Array.from({ length: 10 }, (_, i) => candidate(`bulk-${i}`, 'bulk.yaml', i * 10 + 1)));
      const mid = await indexNames(tx, dialect, 'entities');
      await writer.write(Array.from({ length: 10 }, (_, i) => candidate(`bulk-${10 + i}`, 'bulk.yaml', 101 + i * 10)));
      const r = await writer.finish(null);
      expect(r.added).toBe(20);
      expect(await indexNames(tx, dialect, 'entities')).toEqual(before);
      return mid;
    });
    expect(during).not.toContain('entities_name_ref');
    expect(await store.transaction((tx) => indexNames(tx, dialect, 'entities'))).toEqual(before);
    const page = await store.db.selectFrom('entities').select('name').where('location_id', '=', loc).orderBy('name').execute();
    expect(page).toHaveLength(20);
  });

  it('does not drop indexes for a small write', async () => {
    const before = await store.transaction((tx) => indexNames(tx, dialect, 'entities'));
    await store.transaction(async (tx) => {
      const writer = createEntityWriter(dialect, tx, options('loc-small'));
      await writer.write([candidate('small-1', 's.yaml', 1)]);
      expect(await indexNames(tx, dialect, 'entities')).toEqual(before);
      await writer.finish(null);
    });
  });
});

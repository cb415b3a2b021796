import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { spawnTsx, type TsxProcess } from './tsxProcess.js';

// Several processes starting at once on an empty database (a server and its workers after a deploy):
// exactly one migrates, the others wait for it and find the schema ready.
describe.each(['sqlite', 'postgres'] as const)('concurrent start-up on %s', (dialect) => {
  let tdb: TestDatabase | undefined;
  const processes: TsxProcess[] = [];

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    await tdb?.drop();
  });

  it('three processes open one fresh database at the same time', async () => {
    tdb = await createTestDatabase(dialect);
    const options = JSON.stringify(tdb.options);
    for (let i = 0; i < 3; i++) {
      processes.push(spawnTsx('test/store/fixtures/migrateProcess.ts', { GANTRY_TEST_STORE_OPTIONS: options }));
    }
    await Promise.all(processes.map((p) => p.waitForLine(/^loaded$/, 60_000)));
    for (const p of processes) p.send('go');
    const codes = await Promise.all(processes.map((p) => p.exited));
    expect({ codes, stderr: processes.map((p) => p.stderr()) }).toEqual({ codes: [0, 0, 0], stderr: ['', '', ''] });
    for (const p of processes) expect(JSON.parse(p.stdout().trim().split('\n').pop()!)).toEqual(migrations.map((m) => m.name));

    const store = await tdb.open();
    expect(await store.events.count({ action: 'test.process.started' })).toBe(3);
    expect(await store.events.verify()).toEqual({ ok: true, count: 3 });
  });
});

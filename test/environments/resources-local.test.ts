import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_OUTPUTS } from '../../src/environments/model/placeholders.js';
import { createProvisioners, type Provisioner } from '../../src/environments/resources/index.js';

let base: string;
let workspaceDir: string;
let outside: string;
let volume: Provisioner;
let sqlite: Provisioner;

const key = (component: string, name = 'data', environment = 'dev') => ({ environment, component, name });
const BAD_NAMES = ['..', '../../etc', 'a/b', 'a\\b', '.hidden', '', 'x\0y'];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'gantry-local-resources-'));
  workspaceDir = join(base, 'workspace');
  outside = join(base, 'outside');
  await mkdir(workspaceDir);
  await mkdir(outside);
  // No postgresUrl: postgres resources are SQLite files.
  const provisioners = createProvisioners({ workspaceDir, secretKey: randomBytes(32) });
  volume = provisioners.volume;
  sqlite = provisioners.postgres;
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('volume provisioner', () => {
  it('creates <workspace>/volumes/<env>/<component>/<name>/, keeps it across provisions, deletes it on deprovision', async () => {
    const k = key('orders-api');
    const res = await volume.provision(k, { type: 'volume' });
    const path = join(workspaceDir, 'volumes', 'dev', 'orders-api', 'data');
    expect(res).toEqual({ type: 'volume', outputs: { path }, secretOutputs: [] });
    expect(Object.keys(res.outputs)).toEqual(RESOURCE_OUTPUTS.volume);
    expect((await stat(path)).isDirectory()).toBe(true);

    await writeFile(join(path, 'upload.bin'), 'kept');
    expect(await volume.provision(k, { type: 'volume' })).toEqual(res);
    expect(await readdir(path)).toEqual(['upload.bin']);

    await volume.deprovision(k);
    expect(existsSync(path)).toBe(false);
    await expect(volume.deprovision(k)).resolves.toBeUndefined();
  });

  it.each(BAD_NAMES)('rejects %j in any key part, creating nothing', async (bad) => {
    for (const k of [key('c', bad), key(bad), key('c', 'data', bad)]) {
      await expect(volume.provision(k, { type: 'volume' })).rejects.toMatchObject({ code: 'input' });
      await expect(volume.deprovision(k)).rejects.toMatchObject({ code: 'input' });
    }
    expect(await readdir(outside)).toEqual([]);
    expect(existsSync(join(base, 'etc'))).toBe(false);
  });

  it('does not follow a symbolic link planted in the workspace', async () => {
    await mkdir(join(workspaceDir, 'volumes'), { recursive: true });
    await symlink(outside, join(workspaceDir, 'volumes', 'linked'));
    await writeFile(join(outside, 'precious'), 'x');
    await expect(volume.provision(key('c', 'data', 'linked'), { type: 'volume' })).rejects.toThrow(/symbolic link/);
    await expect(volume.deprovision(key('precious', 'x', 'linked'))).rejects.toThrow(/symbolic link/);
    expect(await readdir(outside)).toEqual(['precious']);
  });
});

describe('postgres provisioner without a PostgreSQL server (SQLite file)', () => {
  it('creates a SQLite file the workload can use, keeps its data when provisioned again, removes it on deprovision', async () => {
    const k = key('billing', 'db');
    const res = await sqlite.provision(k, { type: 'postgres' });
    const path = join(workspaceDir, 'resources', 'dev', 'billing', 'db.sqlite');
    expect(res).toEqual({ type: 'postgres', outputs: { path, url: `file:${path}`, name: 'db' }, secretOutputs: [] });
    for (const output of Object.keys(res.outputs)) expect(RESOURCE_OUTPUTS.postgres).toContain(output);

    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec("create table invoices (id integer primary key, total real); insert into invoices values (1, 9.5)");
    db.close();

    expect(await sqlite.provision(k, { type: 'postgres' })).toEqual(res);
    const again = new Database(path, { readonly: true });
    expect(again.prepare('select total from invoices').get()).toEqual({ total: 9.5 });
    again.close();

    await sqlite.deprovision(k);
    expect(await readdir(join(workspaceDir, 'resources', 'dev', 'billing'))).toEqual([]);
    await expect(sqlite.deprovision(k)).resolves.toBeUndefined();
  });

  it.each(BAD_NAMES)('rejects %j in any key part', async (bad) => {
    await expect(sqlite.provision(key(bad, 'db'), { type: 'postgres' })).rejects.toMatchObject({ code: 'input' });
    await expect(sqlite.provision(key('c', bad), { type: 'postgres' })).rejects.toMatchObject({ code: 'input' });
    expect(await readdir(outside)).not.toContain('db.sqlite');
  });
});

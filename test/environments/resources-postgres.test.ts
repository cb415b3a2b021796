import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScore } from '../../src/environments/model/score.js';
import { RESOURCE_OUTPUTS, resolvePlaceholders, resolveResourceParams } from '../../src/environments/model/placeholders.js';
import type { ResourceKey } from '../../src/environments/model/types.js';
import { createProvisioners, derivePassword, postgresName, type Provisioner } from '../../src/environments/resources/index.js';
import { scramVerifier } from '../../src/environments/resources/names.js';
import { TEST_DATABASE_URL } from '../helpers/databases.js';

// Every run uses its own environment name, so runs sharing the server never meet.
const ENV = `t${randomBytes(4).toString('hex')}`;
const secretKey = randomBytes(32);
let workspaceDir: string;
let postgres: Provisioner;
const touched: ResourceKey[] = [];

const key = (component: string, name = 'db', environment = ENV): ResourceKey => {
  const k = { environment, component, name };
  touched.push(k);
  return k;
};

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(TEST_DATABASE_URL, fn);

async function roleAndDatabase(name: string) {
  return admin(async (c) => ({
    role: (await c.query<{ rolpassword: string | null; rolcanlogin: boolean }>('select rolpassword, rolcanlogin from pg_authid where rolname = $1', [name])).rows[0],
    owner: (await c.query<{ owner: string }>('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [name])).rows[0]?.owner,
  }));
}

/** The server's stored SCRAM verifier is for `password`: recompute it with the stored salt and iteration count. */
function verifierMatches(stored: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
  if (!m) return false;
  return scramVerifier(password, Buffer.from(m[2] as string, 'base64'), Number(m[1])) === stored;
}

beforeAll(async () => {
  workspaceDir = await mkdtemp(join(tmpdir(), 'gantry-pg-resources-'));
  postgres = createProvisioners({ workspaceDir, secretKey, postgresUrl: TEST_DATABASE_URL }).postgres;
});

afterAll(async () => {
  for (const k of touched) await postgres.deprovision(k).catch(() => undefined);
  await rm(workspaceDir, { recursive: true, force: true });
});

describe('postgres provisioner (real PostgreSQL)', () => {
  it('creates a role with the derived password and a database it owns, where it can create tables', async () => {
    const k = key('orders');
    const res = await postgres.provision(k, { type: 'postgres' });
    const name = postgresName(k);
    const password = derivePassword(secretKey, k);
    const server = new URL(TEST_DATABASE_URL);
    expect(res.outputs).toMatchObject({
      host: server.hostname,
      port: server.port || '5432',
      name,
      database: name,
      username: name,
      password,
    });
    expect(res.secretOutputs.sort()).toEqual(['password', 'url']);
    for (const output of Object.keys(res.outputs)) expect(RESOURCE_OUTPUTS.postgres).toContain(output);

    const { role, owner } = await roleAndDatabase(name);
    expect(role?.rolcanlogin).toBe(true);
    expect(verifierMatches(role?.rolpassword ?? '', password)).toBe(true);
    expect(verifierMatches(role?.rolpassword ?? '', derivePassword(randomBytes(32), k))).toBe(false);
    expect(owner).toBe(name);

    const who = await withClient(res.outputs.url as string, async (c) => {
      await c.query('create table orders (id int primary key, total numeric)');
      await c.query('insert into orders values (1, 9.99)');
      return (await c.query<{ u: string; d: string }>('select current_user as u, current_database() as d')).rows[0];
    });
    expect(who).toEqual({ u: name, d: name });
  });

  it('keeps other roles out of the database', async () => {
    const k = key('private');
    const res = await postgres.provision(k, { type: 'postgres' });
    const outsider = `gx_test_outsider_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`create role ${outsider} login`));
    try {
      const url = new URL(TEST_DATABASE_URL);
      url.username = outsider;
      url.pathname = `/${res.outputs.database as string}`;
      await expect(withClient(url.toString(), (c) => c.query('select 1'))).rejects.toThrow(/permission denied/);
    } finally {
      await admin((c) => c.query(`drop role ${outsider}`));
    }
  });

  it('gives the same outputs when provisioned twice, and keeps the data', async () => {
    const k = key('twice');
    const first = await postgres.provision(k, { type: 'postgres' });
    await withClient(first.outputs.url as string, (c) => c.query('create table kept (x int); insert into kept values (42)'));
    const second = await postgres.provision(k, { type: 'postgres' });
    expect(second).toEqual(first);
    const rows = await withClient(second.outputs.url as string, (c) => c.query<{ x: number }>('select x from kept'));
    expect(rows.rows).toEqual([{ x: 42 }]);
    // Concurrent provisions of one key settle on the same role and database.
    const again = await Promise.all([postgres.provision(k, { type: 'postgres' }), postgres.provision(k, { type: 'postgres' })]);
    expect(again).toEqual([first, first]);
  });

  it('deprovision drops the database and the role, ending open sessions; twice is fine', async () => {
    const k = key('gone');
    const res = await postgres.provision(k, { type: 'postgres' });
    const session = new pg.Client({ connectionString: res.outputs.url });
    session.on('error', () => undefined);
    await session.connect();
    await session.query('select 1');

    await postgres.deprovision(k);
    const { role, owner } = await roleAndDatabase(postgresName(k));
    expect(role).toBeUndefined();
    expect(owner).toBeUndefined();
    await expect(session.query('select 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    await expect(postgres.deprovision(k)).resolves.toBeUndefined();
  });

  it('quotes names with special characters, and truncates long ones distinctly', async () => {
    const odd = key(`Orders "API"; drop role postgres; --`, 'db', `${ENV}'x`);
    const res = await postgres.provision(odd, { type: 'postgres' });
    expect(res.outputs.username).toMatch(/^gx_t[0-9a-f]+_x_orders_api_drop_role_postgres_db_[0-9a-f]{10}$/);
    await withClient(res.outputs.url as string, (c) => c.query('create table t (x int)'));

    const long = 'c'.repeat(70);
    const [a, b] = await Promise.all([postgres.provision(key(long, 'one'), { type: 'postgres' }), postgres.provision(key(long, 'two'), { type: 'postgres' })]);
    expect(a.outputs.username?.length).toBeLessThanOrEqual(63);
    expect(a.outputs.username).not.toBe(b.outputs.username);
    await withClient(b.outputs.url as string, (c) => c.query('create table t (x int)'));

    await postgres.deprovision(odd);
    expect((await roleAndDatabase(res.outputs.username as string)).role).toBeUndefined();
    expect((await admin((c) => c.query("select 1 from pg_roles where rolname = 'postgres'"))).rowCount).toBe(1);
  });

  it('resolves a Score file against what it provisioned: DATABASE_URL connects and is marked secret', async () => {
    const parsed = parseScore(
      [
        'apiVersion: score.dev/v1b1',
        'metadata: { name: billing }',
        'containers:',
        '  main:',
        '    image: .',
        '    variables:',
        '      DATABASE_URL: ${resources.db.url}',
        '      PGHOST: ${resources.db.host}',
        'resources:',
        '  db: { type: postgres }',
      ].join('\n'),
    );
    const workload = parsed.workload!;
    const k = key('billing');
    const resources = resolveResourceParams(workload);
    const provisioned = { db: await postgres.provision(k, resources.db!) };
    const { main } = resolvePlaceholders(workload, provisioned, { environment: ENV, component: 'billing' });
    expect(main?.secretEnv).toEqual(['DATABASE_URL']);
    expect(main?.env.PGHOST).toBe(new URL(TEST_DATABASE_URL).hostname);
    const db = await withClient(main?.env.DATABASE_URL as string, async (c) => (await c.query<{ d: string }>('select current_database() as d')).rows[0]?.d);
    expect(db).toBe(postgresName(k));
  });
});

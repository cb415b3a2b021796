import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { GantryError, UnavailableError } from '../../core/errors.js';
import type { ProvisionedResource, ResourceKey } from '../model/types.js';
import { derivePassword, postgresName, scramVerifier } from './names.js';
import { assertNoSymlinks, keyPath, type Provisioner } from './provisioner.js';

/**
 * postgres resources (docs/score.md). With a server: a role and a database of the same name, owned by the role,
 * that no other (non-superuser) role may connect to; the password is derived (names.ts), so nothing secret is
 * stored. Without one: a dedicated SQLite file in the workspace, so the workload still gets a database.
 */
export function postgresProvisioner(opts: { workspaceDir: string; secretKey: Buffer; postgresUrl?: string }): Provisioner {
  return opts.postgresUrl === undefined
    ? sqliteProvisioner(join(opts.workspaceDir, 'resources'))
    : serverProvisioner(opts.postgresUrl, opts.secretKey);
}

function serverProvisioner(postgresUrl: string, secretKey: Buffer): Provisioner {
  const server = serverAddress(postgresUrl);
  return {
    type: 'postgres',

    async provision(key) {
      const name = postgresName(key);
      const password = derivePassword(secretKey, key);
      await withAdmin(postgresUrl, name, async (db) => {
        const role = db.escapeIdentifier(name);
        // A fresh verifier each time: the same password, and a rotated secret key takes effect on the next deploy.
        const secret = db.escapeLiteral(scramVerifier(password));
        const roleExists = (await db.query('select 1 from pg_roles where rolname = $1', [name])).rowCount === 1;
        if (roleExists) await db.query(`alter role ${role} with login password ${secret}`);
        else await db.query(`create role ${role} login password ${secret}`);
        const dbExists = (await db.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
        if (!dbExists) await db.query(`create database ${role} owner ${role}`);
        await db.query(`alter database ${role} owner to ${role}`);
        await db.query(`revoke all on database ${role} from public`);
      });
      const user = encodeURIComponent(name);
      const url = `postgres://${user}:${encodeURIComponent(password)}@${server.authority}/${user}${server.query}`;
      return {
        type: 'postgres',
        outputs: { host: server.host, port: server.port, name, database: name, username: name, password, url },
        secretOutputs: ['password', 'url'],
      };
    },

    async deprovision(key) {
      const name = postgresName(key);
      await withAdmin(postgresUrl, name, async (db) => {
        const ident = db.escapeIdentifier(name);
        const dbExists = (await db.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
        // No new sessions, then end the open ones: DROP DATABASE refuses while anyone is connected.
        if (dbExists) await db.query(`alter database ${ident} allow_connections false`);
        await db.query('select pg_terminate_backend(pid) from pg_stat_activity where (datname = $1 or usename = $1) and pid <> pg_backend_pid()', [name]);
        const version = Number((await db.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v);
        await db.query(`drop database if exists ${ident}${version >= 130000 ? ' with (force)' : ''}`);
        await db.query(`drop role if exists ${ident}`);
      });
    },
  };
}

/** Host, port and the options worth keeping (sslmode) of the admin URL, for the workload's own URL. */
function serverAddress(postgresUrl: string): { host: string; port: string; authority: string; query: string } {
  let url: URL;
  try {
    url = new URL(postgresUrl);
  } catch {
    throw new GantryError('postgres: the configured PostgreSQL URL is not a URL (postgres://user@host:port/db)');
  }
  const port = url.port || '5432';
  const authority = `${url.hostname || 'localhost'}:${port}`;
  const sslmode = url.searchParams.get('sslmode');
  return {
    host: (url.hostname || 'localhost').replace(/^\[(.*)\]$/, '$1'),
    port,
    authority,
    query: sslmode ? `?sslmode=${encodeURIComponent(sslmode)}` : '',
  };
}

/** An advisory lock class of our own, so these locks never meet an application's. */
const LOCK_CLASS = 0x67786c6b;

/**
 * Runs `fn` on a connection to the configured server holding a session advisory lock on the resource's name:
 * concurrent provisions of one resource (two workers, two deploys) take turns instead of failing with "tuple
 * concurrently updated" or "already exists". The lock ends with the session.
 */
async function withAdmin(postgresUrl: string, name: string, fn: (db: pg.Client) => Promise<void>): Promise<void> {
  const db = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 10_000 });
  // An idle client's socket error is reported by the failing query; without a listener it would crash the process.
  db.on('error', () => undefined);
  try {
    await db.connect();
  } catch (e) {
    throw new UnavailableError('postgres: cannot connect to the configured PostgreSQL server', { cause: redact(e) });
  }
  try {
    await db.query('select pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, name]);
    await fn(db);
  } catch (e) {
    throw new GantryError(`postgres: ${(e as Error).message}`, { cause: redact(e) });
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** pg's errors never carry the statement text, but be sure no verifier or URL credential rides along in a cause. */
function redact(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(message.replace(/SCRAM-SHA-256\$[^\s']+/g, 'SCRAM-SHA-256$***').replace(/\/\/[^@/\s]*@/g, '//***@'));
}

function sqliteProvisioner(root: string): Provisioner {
  return {
    type: 'postgres',

    async provision(key): Promise<ProvisionedResource> {
      const path = keyPath(root, key, '.sqlite');
      await assertNoSymlinks(root, path);
      await mkdir(dirname(path), { recursive: true });
      // An empty file is a valid, empty SQLite database; `wx` keeps an existing one (and its data) as it is.
      await writeFile(path, '', { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      return { type: 'postgres', outputs: { path, url: `file:${path}`, name: key.name }, secretOutputs: [] };
    },

    async deprovision(key: ResourceKey) {
      const path = keyPath(root, key, '.sqlite');
      await assertNoSymlinks(root, path);
      for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${path}${suffix}`, { force: true });
    },
  };
}

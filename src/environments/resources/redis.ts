import { mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConflictError, GantryError, InputError } from '../../core/errors.js';
import type { ProvisionedResource, ResourceKey } from '../model/types.js';
import type { Provisioner } from './provisioner.js';
import { parseRedisUrl, RespClient, type RedisAddress } from './resp.js';

/**
 * redis resources (docs/score.md): one of the databases 1-15 of the configured Redis per resource (0 is left to
 * whoever else uses the server). Which key has which database is recorded in
 * `<workspace>/resources/redis-allocations.json`; the database itself holds a marker key naming its owner, claimed
 * with SET NX, so two workspaces sharing one Redis never hand out the same database, and deprovisioning flushes
 * only a database that is provably ours.
 */

export const REDIS_NOT_CONFIGURED = 'redis: no Redis configured (set GANTRY_REDIS_URL)';
const MARKER = 'gantry:owner';
const FIRST_DB = 1;
const LAST_DB = 15;

interface Allocation {
  server: string;
  environment: string;
  component: string;
  name: string;
  db: number;
}

interface AllocationsFile {
  version: 1;
  allocations: Allocation[];
}

export function redisProvisioner(opts: { workspaceDir: string; redisUrl?: string }): Provisioner {
  if (opts.redisUrl === undefined) {
    return {
      type: 'redis',
      unavailable: REDIS_NOT_CONFIGURED,
      provision: () => Promise.reject(new InputError(REDIS_NOT_CONFIGURED)),
      // Nothing can have been provisioned without a Redis.
      deprovision: () => Promise.resolve(),
    };
  }
  const address = parseRedisUrl(opts.redisUrl);
  const server = `${address.host}:${address.port}`;
  const file = join(opts.workspaceDir, 'resources', 'redis-allocations.json');
  // The marker names the workspace by its real path, so one workspace reached by two paths is still one owner.
  const ownerOf = async (key: ResourceKey) => {
    const workspace = await realpath(opts.workspaceDir).catch(() => resolve(opts.workspaceDir));
    return JSON.stringify({ workspace, environment: key.environment, component: key.component, name: key.name });
  };
  const isKey = (a: Allocation, key: ResourceKey) =>
    a.server === server && a.environment === key.environment && a.component === key.component && a.name === key.name;

  return {
    type: 'redis',

    provision: (key) =>
      withLock(file, async (): Promise<ProvisionedResource> => {
        const state = await readAllocations(file);
        const owner = await ownerOf(key);
        const client = await RespClient.open(address);
        try {
          const mine = state.allocations.find((a) => isKey(a, key));
          let db = mine && (await claim(client, mine.db, owner)) ? mine.db : undefined;
          if (db === undefined) {
            // Ours in the file but taken by someone else (the marker says so): start afresh.
            state.allocations = state.allocations.filter((a) => !isKey(a, key));
            const used = new Set(state.allocations.filter((a) => a.server === server).map((a) => a.db));
            for (let n = FIRST_DB; n <= LAST_DB && db === undefined; n++) {
              if (!used.has(n) && (await claim(client, n, owner, true))) db = n;
            }
            if (db === undefined) throw new ConflictError(`redis: all databases ${FIRST_DB}-${LAST_DB} on ${server} are in use`);
            state.allocations.push({ server, environment: key.environment, component: key.component, name: key.name, db });
            await writeAllocations(file, state);
          }
          return outputs(address, db);
        } finally {
          client.close();
        }
      }),

    deprovision: (key) =>
      withLock(file, async () => {
        const state = await readAllocations(file);
        const mine = state.allocations.find((a) => isKey(a, key));
        if (!mine) return;
        const client = await RespClient.open(address);
        try {
          await client.command('SELECT', String(mine.db));
          if ((await client.command('GET', MARKER)) === (await ownerOf(key))) await client.command('FLUSHDB');
        } finally {
          client.close();
        }
        state.allocations = state.allocations.filter((a) => a !== mine);
        await writeAllocations(file, state);
      }),
  };
}

/**
 * Makes database `db` ours: true when its marker names us, or it had no marker and we set one. A database to be
 * newly handed out must also be empty: data without a marker belongs to someone outside Gantry.
 */
async function claim(client: RespClient, db: number, owner: string, mustBeEmpty = false): Promise<boolean> {
  await client.command('SELECT', String(db));
  const current = await client.command('GET', MARKER);
  if (current === owner) return true;
  if (current !== null) return false;
  if (mustBeEmpty && (await client.command('DBSIZE')) !== 0) return false;
  if ((await client.command('SET', MARKER, owner, 'NX')) === 'OK') return true;
  return (await client.command('GET', MARKER)) === owner;
}

function outputs(address: RedisAddress, db: number): ProvisionedResource {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const password = address.password ?? '';
  const auth = address.password === undefined ? '' : `${encodeURIComponent(address.username ?? '')}:${encodeURIComponent(password)}@`;
  return {
    type: 'redis',
    outputs: {
      host: address.host,
      port: String(address.port),
      db: String(db),
      password,
      url: `redis://${auth}${host}:${address.port}/${db}`,
    },
    secretOutputs: address.password === undefined ? [] : ['password', 'url'],
  };
}

async function readAllocations(file: string): Promise<AllocationsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, allocations: [] };
    throw e;
  }
  const data = JSON.parse(text) as Partial<AllocationsFile>;
  if (data.version !== 1 || !Array.isArray(data.allocations)) {
    throw new GantryError(`redis: ${file} is not a Redis allocations file (expected version 1 and a list of allocations)`);
  }
  return data as AllocationsFile;
}

/** Written to a temporary file and renamed over the old one, so a crash leaves either the old or the new file. */
async function writeAllocations(file: string, state: AllocationsFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

/** One allocation change at a time per file in this process (the Redis markers guard against other processes). */
const locks = new Map<string, Promise<unknown>>();

async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(file) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  locks.set(file, tail);
  try {
    return await run;
  } finally {
    if (locks.get(file) === tail) locks.delete(file);
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_OUTPUTS } from '../../src/environments/model/placeholders.js';
import type { ResourceKey } from '../../src/environments/model/types.js';
import { createProvisioners, REDIS_NOT_CONFIGURED, type Provisioner } from '../../src/environments/resources/index.js';
import { parseRedisUrl, RespClient } from '../../src/environments/resources/resp.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENV = `t${randomBytes(4).toString('hex')}`;
const secretKey = randomBytes(32);
const workspaces: string[] = [];
const touched: Array<[Provisioner, ResourceKey]> = [];
let redisA: Provisioner;
let redisB: Provisioner;

const key = (component: string, name = 'cache'): ResourceKey => ({ environment: ENV, component, name });

async function provision(p: Provisioner, k: ResourceKey) {
  touched.push([p, k]);
  return p.provision(k, { type: 'redis' });
}

/** Runs commands against one database of the test Redis, as a workload would. */
async function inDb<T>(db: string, fn: (c: RespClient) => Promise<T>): Promise<T> {
  const c = await RespClient.open(parseRedisUrl(REDIS_URL));
  try {
    await c.command('SELECT', db);
    return await fn(c);
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) workspaces.push(await mkdtemp(join(tmpdir(), 'gantry-redis-resources-')));
  redisA = createProvisioners({ workspaceDir: workspaces[0]!, secretKey, redisUrl: REDIS_URL }).redis;
  redisB = createProvisioners({ workspaceDir: workspaces[1]!, secretKey, redisUrl: REDIS_URL }).redis;
});

afterAll(async () => {
  for (const [p, k] of touched) await p.deprovision(k).catch(() => undefined);
  for (const w of workspaces) await rm(w, { recursive: true, force: true });
});

describe('redis provisioner (real Redis)', () => {
  it('hands out distinct databases to concurrent provisions, records them and marks each database', async () => {
    const keys = [key('orders'), key('billing'), key('orders', 'sessions')];
    const results = await Promise.all(keys.map((k) => provision(redisA, k)));
    const dbs = results.map((r) => r.outputs.db);
    expect(new Set(dbs).size).toBe(3);
    for (const db of dbs) expect(Number(db)).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      for (const output of Object.keys(r.outputs)) expect(RESOURCE_OUTPUTS.redis).toContain(output);
      expect(r.outputs.url).toBe(`redis://127.0.0.1:6379/${r.outputs.db}`);
      expect(r.outputs.password).toBe('');
    }

    const file = JSON.parse(await readFile(join(workspaces[0]!, 'resources', 'redis-allocations.json'), 'utf8')) as {
      allocations: Array<{ component: string; name: string; db: number }>;
    };
    expect(file.allocations.map((a) => `${a.component}/${a.name}=${a.db}`).sort()).toEqual(
      keys.map((k, i) => `${k.component}/${k.name}=${dbs[i]}`).sort(),
    );
    for (const [i, k] of keys.entries()) {
      const marker = JSON.parse((await inDb(dbs[i]!, (c) => c.command('GET', 'gantry:owner'))) as string) as Record<string, string>;
      expect(marker).toMatchObject({ environment: ENV, component: k.component, name: k.name });
    }
  });

  it('gives the same database when provisioned twice, and none of another workspace sharing the Redis', async () => {
    const first = await provision(redisA, key('twice'));
    expect(await provision(redisA, key('twice'))).toEqual(first);
    // Same key, other workspace: a database of its own, never one workspace A holds.
    const other = await provision(redisB, key('twice'));
    expect(other.outputs.db).not.toBe(first.outputs.db);
  });

  it('flushes the database on deprovision and frees it; deprovisioning twice is fine', async () => {
    const k = key('flushed');
    const res = await provision(redisA, k);
    const db = res.outputs.db!;
    await inDb(db, (c) => c.command('SET', 'cart:1', 'three apples'));
    expect(await inDb(db, (c) => c.command('DBSIZE'))).toBe(2);

    await redisA.deprovision(k);
    expect(await inDb(db, (c) => c.command('DBSIZE'))).toBe(0);
    const file = JSON.parse(await readFile(join(workspaces[0]!, 'resources', 'redis-allocations.json'), 'utf8')) as {
      allocations: Array<{ component: string }>;
    };
    expect(file.allocations.some((a) => a.component === 'flushed')).toBe(false);
    await expect(redisA.deprovision(k)).resolves.toBeUndefined();
  });

  it('does not flush a database whose marker names someone else', async () => {
    const k = key('stolen');
    const res = await provision(redisA, k);
    const db = res.outputs.db!;
    await inDb(db, async (c) => {
      await c.command('SET', 'gantry:owner', 'someone else');
      await c.command('SET', 'their:data', 'x');
    });
    await redisA.deprovision(k);
    expect(await inDb(db, (c) => c.command('GET', 'their:data'))).toBe('x');
    await inDb(db, (c) => c.command('FLUSHDB'));
  });

  it('authenticates with the URL credentials and marks password and url secret', async () => {
    // A throwaway ACL user on the shared test server, removed again below.
    const user = `gantry-test-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('base64url');
    await inDb('0', (c) => c.command('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all'));
    try {
      const url = new URL(REDIS_URL);
      url.username = user;
      url.password = password;
      const redis = createProvisioners({ workspaceDir: workspaces[0]!, secretKey, redisUrl: url.toString() }).redis;
      const k = key('secured');
      const res = await provision(redis, k);
      expect(res.outputs.password).toBe(password);
      expect(res.outputs.url).toBe(`redis://${user}:${password}@127.0.0.1:6379/${res.outputs.db}`);
      expect(res.secretOutputs.sort()).toEqual(['password', 'url']);
      await redis.deprovision(k);
      const wrong = `not-it-${randomBytes(6).toString('hex')}`;
      url.password = wrong;
      const denied = createProvisioners({ workspaceDir: workspaces[0]!, secretKey, redisUrl: url.toString() }).redis;
      const error = await denied.provision(k, { type: 'redis' }).catch((e: Error) => e);
      expect(String(error)).toMatch(/WRONGPASS/);
      expect(String(error)).not.toContain(wrong);
    } finally {
      await inDb('0', (c) => c.command('ACL', 'DELUSER', user));
    }
  });

  it('says clearly when no Redis is configured', async () => {
    const redis = createProvisioners({ workspaceDir: workspaces[0]!, secretKey }).redis;
    expect(redis.unavailable).toBe('redis: no Redis configured (set GANTRY_REDIS_URL)');
    await expect(redis.provision(key('x'), { type: 'redis' })).rejects.toThrow(REDIS_NOT_CONFIGURED);
  });

  it('reports an unreachable Redis as unavailable', async () => {
    const redis = createProvisioners({ workspaceDir: workspaces[0]!, secretKey, redisUrl: 'redis://127.0.0.1:1' }).redis;
    await expect(redis.provision(key('x'), { type: 'redis' })).rejects.toMatchObject({ code: 'unavailable' });
  });
});

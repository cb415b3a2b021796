import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, NotFoundError, UnavailableError } from '../core/errors.js';
import {
  canonicalJson,
  eventHash,
  GENESIS_HASH,
  retryDelayMs,
  type Job,
  type StoredEvent,
  type Store,
} from './index.js';
import { migrations } from './migrations/index.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

const START = Date.parse('2025-01-01T00:00:00.000Z');

/** Every event of the log, in seq order, read page by page through the cursor. */
async function allEvents(store: Store): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.events.list({ after, limit: 1000 });
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    after = page.nextCursor;
  }
}

async function actionsOf(store: Store, jobId: string): Promise<string[]> {
  return (await store.events.list({ subject: `job:${jobId}` })).items.map((e) => e.action);
}

describe.each(['sqlite', 'postgres'] as const)('store contract on %s', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  // The store's clock: tests move it forward instead of sleeping through leases and backoff.
  let now = START;
  const tick = (ms: number) => {
    now += ms;
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open({ now: () => new Date(now) });
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  describe('migrations', () => {
    it('reopening a migrated database runs nothing again and keeps the data', async () => {
      await store.transaction((tx) => store.events.append(tx, { actor: 'user:default/a', action: 'test.reopen', subject: 'reopen:1' }));
      const head = await store.db.selectFrom('event_head').selectAll().execute();

      const again = await tdb.open();
      try {
        const executed = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(again.db);
        expect(executed.rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
        expect(await again.db.selectFrom('event_head').selectAll().execute()).toEqual(head);
        expect((await again.events.list({ subject: 'reopen:1' })).items).toHaveLength(1);
      } finally {
        await again.close();
      }
    });

    it('connections carry the settings the store relies on', async () => {
      if (dialect === 'sqlite') {
        const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0];
        expect(await pragma('journal_mode')).toBe('wal');
        expect(await pragma('busy_timeout')).toBe(5000);
        expect(await pragma('foreign_keys')).toBe(1);
        expect(await pragma('synchronous')).toBe(1); // NORMAL
        // The same file through a sqlite: URL.
        const viaUrl = await tdb.open({ databaseUrl: `sqlite:${tdb.options.sqlitePath}` });
        try {
          expect(await viaUrl.events.count()).toBe(await store.events.count());
        } finally {
          await viaUrl.close();
        }
      } else {
        const r = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
        expect(r.rows[0]?.schema).toBe(tdb.options.pgSchema);
        // Every pooled connection, not only the first: run several queries at once.
        const schemas = await Promise.all(
          Array.from({ length: 5 }, () => sql<{ s: string }>`select current_schema() as s, pg_sleep(0.05)`.execute(store.db)),
        );
        expect(new Set(schemas.map((x) => x.rows[0]?.s))).toEqual(new Set([tdb.options.pgSchema]));
      }
    });

    it('the store reports its dialect and refuses options it cannot use', async () => {
      expect(store.dialect).toBe(dialect);
      await expect(import('./store.js').then((m) => m.openStore({}))).rejects.toBeInstanceOf(InputError);
      await expect(
        import('./store.js').then((m) => m.openStore({ databaseUrl: 'mysql://localhost/x' })),
      ).rejects.toThrow(/databaseUrl: expected postgres/);
    });
  });

  describe('event log', () => {
    it('assigns gap-free seqs and links each event to the hash of the one before', async () => {
      const before = await store.db.selectFrom('event_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
      const first = await store.transaction((tx) =>
        store.events.append(tx, [
          { actor: 'user:default/jane', action: 'test.chain.a', subject: 'chain:1', payload: { b: 2, a: [1, { z: 1, y: 2 }] } },
          { actor: 'user:default/jane', action: 'test.chain.b', subject: 'chain:1' },
          { actor: 'system:test', action: 'test.chain.c', subject: 'chain:2', payload: 'text' },
        ]),
      );
      const second = await store.transaction((tx) =>
        store.events.append(tx, { actor: 'system:test', action: 'test.chain.d', subject: 'chain:2', payload: { n: 1 } }),
      );
      const written = [...first, ...second];
      expect(written.map((e) => e.seq)).toEqual([1, 2, 3, 4].map((i) => before.seq + i));
      let prev = before.hash;
      for (const e of written) {
        expect(e.prevHash).toBe(prev);
        const { hash, prevHash, ...content } = e;
        expect(hash).toBe(eventHash(prevHash, content));
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        prev = hash;
      }
      // What comes back from the database is what append returned, hash included.
      const read = (await store.events.list({ after: before.seq, limit: 4 })).items;
      expect(read).toEqual(written);
      expect(read[0]?.payload).toEqual({ b: 2, a: [1, { z: 1, y: 2 }] });
      expect(read[1]?.payload).toBeNull();
      const head = await store.db.selectFrom('event_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
      expect(head).toEqual({ seq: before.seq + 4, hash: prev });
      expect(await store.events.verify()).toEqual({ ok: true, count: head.seq });
    });

    it('the hash does not depend on key order but does on every field', () => {
      const e = { seq: 1, id: 'x', time: '2025-01-01T00:00:00.000Z', actor: 'a', action: 'b', subject: 'c', payload: { a: 1, b: 2 } };
      expect(eventHash(GENESIS_HASH, e)).toBe(eventHash(GENESIS_HASH, { ...e, payload: { b: 2, a: 1 } }));
      expect(eventHash(GENESIS_HASH, e)).not.toBe(eventHash(GENESIS_HASH, { ...e, payload: { a: 1, b: 3 } }));
      expect(eventHash(GENESIS_HASH, e)).not.toBe(eventHash('1'.repeat(64), e));
      expect(eventHash(GENESIS_HASH, e)).not.toBe(eventHash(GENESIS_HASH, { ...e, seq: 2 }));
      // The documented definition: sha256 hex of the canonical JSON of the event with prevHash.
      const doc = canonicalJson({ ...e, prevHash: GENESIS_HASH });
      expect(doc).toBe(
        '{"action":"b","actor":"a","id":"x","payload":{"a":1,"b":2},"prevHash":"' + GENESIS_HASH + '","seq":1,"subject":"c","time":"2025-01-01T00:00:00.000Z"}',
      );
      expect(eventHash(GENESIS_HASH, e)).toBe(createHash('sha256').update(doc).digest('hex'));
    });

    it('appends thousands of events in one call, past the bound-variable limit', async () => {
      const before = await store.events.count();
      const batch = Array.from({ length: 5000 }, (_, i) => ({
        actor: 'system:test',
        action: 'test.bulk',
        subject: `bulk:${i % 7}`,
        payload: { i },
      }));
      const stored = await store.transaction((tx) => store.events.append(tx, batch));
      expect(stored).toHaveLength(5000);
      expect(stored[4999]!.seq - stored[0]!.seq).toBe(4999);
      expect(await store.events.count()).toBe(before + 5000);
      expect(await store.events.count({ action: 'test.bulk', subject: 'bulk:3' })).toBe(714);
    });

    it('keeps the chain linear under concurrent writers', async () => {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.transaction((tx) =>
            store.events.append(tx, [
              { actor: 'system:test', action: 'test.concurrent', subject: `conc:${i}` },
              { actor: 'system:test', action: 'test.concurrent', subject: `conc:${i}` },
            ]),
          ),
        ),
      );
      const all = await allEvents(store);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      for (let i = 0; i < all.length; i++) expect(all[i]!.prevHash).toBe(i === 0 ? GENESIS_HASH : all[i - 1]!.hash);
      expect(await store.events.count({ action: 'test.concurrent' })).toBe(24);
      expect(await store.events.verify()).toEqual({ ok: true, count: all.length });
    });

    it('lists by subject, action prefix and time, and pages with a cursor both ways', async () => {
      const t = (m: number) => new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString();
      await store.transaction((tx) =>
        store.events.append(tx, [
          { actor: 'u', action: 'list.a.created', subject: 'list:x', time: t(1) },
          { actor: 'u', action: 'list.a.updated', subject: 'list:x', time: t(2) },
          { actor: 'u', action: 'list.b.created', subject: 'list:y', time: t(3) },
          { actor: 'u', action: 'list.a.deleted', subject: 'list:x', time: t(4) },
          { actor: 'u', action: 'LIST.A.upper', subject: 'list:x', time: t(5) },
          { actor: 'u', action: 'list_a', subject: 'list:x', time: t(6) },
        ]),
      );
      const actions = (r: { items: StoredEvent[] }) => r.items.map((e) => e.action);

      expect(actions(await store.events.list({ subject: 'list:y' }))).toEqual(['list.b.created']);
      // A prefix is literal and case-sensitive on both databases (no LIKE wildcards).
      expect(actions(await store.events.list({ action: 'list.a.' }))).toEqual(['list.a.created', 'list.a.updated', 'list.a.deleted']);
      expect(actions(await store.events.list({ action: 'list_' }))).toEqual(['list_a']);
      expect(actions(await store.events.list({ subject: 'list:x', since: t(2), until: t(4) }))).toEqual(['list.a.updated']);
      expect(actions(await store.events.list({ since: '2024-01-01T00:05:00Z', until: t(10) }))).toEqual(['LIST.A.upper', 'list_a']);

      const page1 = await store.events.list({ subject: 'list:x', limit: 2 });
      expect(actions(page1)).toEqual(['list.a.created', 'list.a.updated']);
      expect(page1.nextCursor).toBe(page1.items[1]!.seq);
      const page2 = await store.events.list({ subject: 'list:x', limit: 2, after: page1.nextCursor! });
      expect(actions(page2)).toEqual(['list.a.deleted', 'LIST.A.upper']);
      const page3 = await store.events.list({ subject: 'list:x', limit: 2, after: page2.nextCursor! });
      expect(actions(page3)).toEqual(['list_a']);
      expect(page3.nextCursor).toBeNull();

      const desc1 = await store.events.list({ subject: 'list:x', limit: 3, order: 'desc' });
      expect(actions(desc1)).toEqual(['list_a', 'LIST.A.upper', 'list.a.deleted']);
      const desc2 = await store.events.list({ subject: 'list:x', limit: 3, order: 'desc', after: desc1.nextCursor! });
      expect(actions(desc2)).toEqual(['list.a.updated', 'list.a.created']);
      expect(desc2.nextCursor).toBeNull();

      expect(await store.events.count({ subject: 'list:x' })).toBe(5);
      await expect(store.events.list({ since: 'yesterday' })).rejects.toThrow(/since: expected an ISO-8601 time/);
      await expect(store.events.list({ limit: 0 })).rejects.toBeInstanceOf(InputError);
    });

    it('rejects malformed events, naming the field', async () => {
      const bad = store.transaction((tx) =>
        store.events.append(tx, [
          { actor: 'u', action: 'ok', subject: 's' },
          { actor: '', action: 'x', subject: 's' } as never,
        ]),
      );
      await expect(bad).rejects.toThrow(/events\[1\]\.actor: expected a non-empty string, found an empty string/);
    });

    it('an event appended in a transaction that throws is neither stored nor delivered', async () => {
      const heard: StoredEvent[] = [];
      const stop = store.events.subscribe((e) => heard.push(e));
      try {
        const head = await store.db.selectFrom('event_head').selectAll().executeTakeFirstOrThrow();
        await expect(
          store.transaction(async (tx) => {
            await store.events.append(tx, { actor: 'u', action: 'test.rollback', subject: 'rollback:1' });
            await store.queue.enqueue(tx, { type: 'test.rollback', idempotencyKey: 'rollback-1' });
            throw new Error('command failed');
          }),
        ).rejects.toThrow('command failed');
        expect(heard).toEqual([]);
        expect((await store.events.list({ subject: 'rollback:1' })).items).toEqual([]);
        expect(await store.queue.list({ type: 'test.rollback' })).toEqual([]);
        expect(await store.db.selectFrom('event_head').selectAll().executeTakeFirstOrThrow()).toEqual(head);

        // And a committed one is delivered once, after the commit, not when appended.
        let heardInside = -1;
        const [e] = await store.transaction(async (tx) => {
          const r = await store.events.append(tx, { actor: 'u', action: 'test.commit', subject: 'commit:1' });
          heardInside = heard.length;
          return r;
        });
        expect(heardInside).toBe(0);
        expect(heard.map((h) => h.seq)).toEqual([e!.seq]);
      } finally {
        stop();
      }
    });

    it('refuses store.db and nested transactions inside a transaction instead of deadlocking', async () => {
      await expect(
        store.transaction(async () => store.db.selectFrom('event_head').selectAll().execute()),
      ).rejects.toThrow(/use the tx passed to the callback/);
      await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toThrow(/use the tx/);
      await expect(store.transaction(async () => store.queue.enqueue(null, { type: 'x' }))).rejects.toThrow(/use the tx/);
      // A transaction the store did not open cannot carry events: nobody would deliver them after commit.
      await expect(
        store.db.transaction().execute((tx) => store.events.append(tx, { actor: 'u', action: 'a', subject: 's' })),
      ).rejects.toThrow(/expected a tx from store.transaction/);
      // The store still works afterwards.
      expect(await store.transaction(async (tx) => (await tx.selectFrom('event_head').select('id').execute()).length)).toBe(1);
    });

    it('follow hands over events written after the cursor, including later ones', async () => {
      const start = (await store.db.selectFrom('event_head').select('seq').executeTakeFirstOrThrow()).seq;
      await store.transaction((tx) => store.events.append(tx, { actor: 'u', action: 'test.follow', subject: 'follow:1' }));
      const seen: StoredEvent[] = [];
      let notify: () => void = () => {};
      const stop = store.events.follow(start, (e) => {
        seen.push(e);
        if (seen.length === 2) notify();
      }, { pollMs: 20 });
      try {
        await store.transaction((tx) => store.events.append(tx, { actor: 'u', action: 'test.follow', subject: 'follow:2' }));
        await new Promise<void>((resolve) => {
          notify = resolve;
          if (seen.length >= 2) resolve();
        });
        expect(seen.map((e) => e.subject)).toEqual(['follow:1', 'follow:2']);
        expect(seen.map((e) => e.seq)).toEqual([start + 1, start + 2]);
      } finally {
        stop();
      }
    });

    it('verify() finds the first row edited, deleted or re-chained behind its back', async () => {
      const other = await createTestDatabase(dialect);
      try {
        const s = await other.open();
        await s.transaction((tx) =>
          s.events.append(
            tx,
            Array.from({ length: 5 }, (_, i) => ({ actor: 'u', action: 'test.tamper', subject: `t:${i}`, payload: { amount: i } })),
          ),
        );
        expect(await s.events.verify()).toEqual({ ok: true, count: 5 });

        await sql`update events set payload = ${'{"amount":1000}'} where seq = 3`.execute(s.db);
        const edited = await s.events.verify();
        expect(edited).toMatchObject({ ok: false, seq: 3 });
        expect(edited.ok ? '' : edited.reason).toMatch(/changed after it was written/);

        // Recomputing the edited row's own hash does not help: the next event still points at the old one.
        const [tampered] = (await s.events.list({ after: 2, limit: 1 })).items;
        const { hash: _stale, prevHash, ...content } = tampered!;
        expect(content.payload).toEqual({ amount: 1000 });
        await sql`update events set hash = ${eventHash(prevHash, content)} where seq = 3`.execute(s.db);
        expect(await s.events.verify()).toMatchObject({ ok: false, seq: 4 });

        await sql`delete from events where seq >= 3`.execute(s.db);
        const truncated = await s.events.verify();
        expect(truncated).toMatchObject({ ok: false, seq: 3 });
        expect(truncated.ok ? '' : truncated.reason).toMatch(/missing/);
      } finally {
        await other.drop();
      }
    });
  });

  describe('job queue', () => {
    it('enqueue with the same idempotency key returns the existing job and enqueues nothing', async () => {
      const a = await store.queue.enqueue(null, { type: 'test.idem', payload: { n: 1 }, idempotencyKey: 'idem-1' });
      const b = await store.queue.enqueue(null, { type: 'test.idem', payload: { n: 2 }, idempotencyKey: 'idem-1' });
      const c = await store.transaction((tx) => store.queue.enqueue(tx, { type: 'test.idem', idempotencyKey: 'idem-1' }));
      expect(b).toEqual(a);
      expect(c.id).toBe(a.id);
      expect(a).toMatchObject({
        type: 'test.idem',
        payload: { n: 1 },
        status: 'queued',
        attempts: 0,
        maxAttempts: 5,
        priority: 0,
        idempotencyKey: 'idem-1',
        runAt: new Date(now).toISOString(),
        leaseOwner: null,
        result: null,
      });
      expect(await store.queue.list({ type: 'test.idem' })).toHaveLength(1);
      expect(await actionsOf(store, a.id)).toEqual(['job.enqueued']);
      const other = await store.queue.enqueue(null, { type: 'test.idem', idempotencyKey: 'idem-2' });
      expect(other.id).not.toBe(a.id);
      await expect(store.queue.enqueue(null, { type: '' })).rejects.toThrow(/type: expected a non-empty string/);
      await expect(store.queue.enqueue(null, { type: 'x', maxAttempts: 0 })).rejects.toThrow(/maxAttempts/);
    });

    it('claim leases due jobs by priority; heartbeat and complete need the lease', async () => {
      const low = await store.queue.enqueue(null, { type: 'test.claim', payload: { p: 'low' } });
      const high = await store.queue.enqueue(null, { type: 'test.claim', payload: { p: 'high' }, priority: 5 });
      const later = await store.queue.enqueue(null, { type: 'test.claim', runAt: new Date(now + 60_000).toISOString() });

      const [first] = await store.queue.claim('w1', { types: ['test.claim'], leaseMs: 1000 });
      expect(first).toMatchObject({
        id: high.id,
        status: 'running',
        attempts: 1,
        leaseOwner: 'w1',
        leaseExpiresAt: new Date(now + 1000).toISOString(),
      });
      const rest = await store.queue.claim('w2', { types: ['test.claim'], leaseMs: 1000, limit: 10 });
      expect(rest.map((j) => j.id)).toEqual([low.id]);
      expect(await store.queue.claim('w3', { types: ['test.claim'], leaseMs: 1000 })).toEqual([]);
      expect(await store.queue.claim('w3', { types: ['other.type'], leaseMs: 1000 })).toEqual([]);
      expect(await store.queue.claim('w3', { types: [], leaseMs: 1000 })).toEqual([]);

      tick(500);
      expect(await store.queue.heartbeat(high.id, 'w1', 1000)).toBe(true);
      expect((await store.queue.get(high.id))?.leaseExpiresAt).toBe(new Date(now + 1000).toISOString());
      expect(await store.queue.heartbeat(high.id, 'w2', 1000)).toBe(false);
      expect(await store.queue.complete(high.id, 'w2', { by: 'w2' })).toBe(false);
      expect(await store.queue.complete(high.id, 'w1', { by: 'w1', files: [1, 2] })).toBe(true);
      expect(await store.queue.complete(high.id, 'w1', { again: true })).toBe(false);
      const done = await store.queue.get(high.id);
      expect(done).toMatchObject({ status: 'succeeded', result: { by: 'w1', files: [1, 2] }, finishedAt: new Date(now).toISOString() });
      expect(await store.queue.heartbeat(high.id, 'w1', 1000)).toBe(false);
      expect(await actionsOf(store, high.id)).toEqual(['job.enqueued', 'job.started', 'job.succeeded']);

      expect(await store.queue.complete(low.id, 'w2')).toBe(true);
      tick(60_000);
      const [due] = await store.queue.claim('w1', { types: ['test.claim'], leaseMs: 1000 });
      expect(due?.id).toBe(later.id);
      expect(await store.queue.complete(later.id, 'w1')).toBe(true);
      expect((await store.queue.get(later.id))?.result).toBeNull();
    });

    it('fail retries with exponential backoff, then dead-letters', async () => {
      const job = await store.queue.enqueue(null, { type: 'test.fail', maxAttempts: 3 });
      const claimOne = async () => (await store.queue.claim('w1', { types: ['test.fail'], leaseMs: 10_000 }))[0];

      expect((await claimOne())?.attempts).toBe(1);
      const f1 = await store.queue.fail(job.id, 'w1', 'boom 1');
      expect(f1).toMatchObject({ status: 'queued', lastError: 'boom 1', leaseOwner: null, attempts: 1 });
      const delay1 = Date.parse(f1!.runAt) - now;
      expect(delay1).toBeGreaterThanOrEqual(500);
      expect(delay1).toBeLessThanOrEqual(1000);
      expect(await claimOne()).toBeUndefined();

      tick(delay1);
      expect((await claimOne())?.attempts).toBe(2);
      expect(await store.queue.fail(job.id, 'w2', 'not mine')).toBeUndefined();
      const f2 = await store.queue.fail(job.id, 'w1', 'boom 2');
      const delay2 = Date.parse(f2!.runAt) - now;
      expect(delay2).toBeGreaterThanOrEqual(1000);
      expect(delay2).toBeLessThanOrEqual(2000);

      tick(delay2);
      expect((await claimOne())?.attempts).toBe(3);
      const f3 = await store.queue.fail(job.id, 'w1', 'boom 3');
      expect(f3).toMatchObject({ status: 'dead', lastError: 'boom 3', attempts: 3, finishedAt: new Date(now).toISOString() });
      tick(10 * 60_000);
      expect(await claimOne()).toBeUndefined();
      expect(await actionsOf(store, job.id)).toEqual([
        'job.enqueued',
        'job.started',
        'job.failed',
        'job.started',
        'job.failed',
        'job.started',
        'job.dead',
      ]);

      const once = await store.queue.enqueue(null, { type: 'test.fail' });
      await claimOne();
      expect(await store.queue.fail(once.id, 'w1', 'bad input', { retryable: false })).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: 'bad input',
      });
    });

    it('backoff doubles from 1 s, is capped at 5 min and jittered within the upper half', () => {
      expect(retryDelayMs(1, () => 0)).toBe(500);
      expect(retryDelayMs(1, () => 1)).toBe(1000);
      expect(retryDelayMs(4, () => 1)).toBe(8000);
      expect(retryDelayMs(30, () => 0)).toBe(150_000);
      expect(retryDelayMs(30, () => 1)).toBe(300_000);
    });

    it('a job whose lease expired is claimed again, and the stale worker cannot finish it', async () => {
      const job = await store.queue.enqueue(null, { type: 'test.lease' });
      await store.queue.claim('w1', { types: ['test.lease'], leaseMs: 1000 });
      tick(999);
      expect(await store.queue.claim('w2', { types: ['test.lease'], leaseMs: 1000 })).toEqual([]);
      tick(2);
      const [taken] = await store.queue.claim('w2', { types: ['test.lease'], leaseMs: 1000 });
      expect(taken).toMatchObject({ id: job.id, leaseOwner: 'w2', attempts: 2 });

      expect(await store.queue.heartbeat(job.id, 'w1', 1000)).toBe(false);
      expect(await store.queue.complete(job.id, 'w1', 'stale')).toBe(false);
      expect(await store.queue.fail(job.id, 'w1', 'stale')).toBeUndefined();
      expect(await store.queue.complete(job.id, 'w2', 'fresh')).toBe(true);
      expect(await store.queue.get(job.id)).toMatchObject({ status: 'succeeded', result: 'fresh', leaseOwner: 'w2' });
    });

    it('a job whose lease expired on its last attempt goes to dead instead of running again', async () => {
      const job = await store.queue.enqueue(null, { type: 'test.exhausted', maxAttempts: 1 });
      await store.queue.claim('w1', { types: ['test.exhausted'], leaseMs: 1000 });
      tick(1001);
      expect(await store.queue.claim('w2', { types: ['test.exhausted'], leaseMs: 1000 })).toEqual([]);
      expect(await store.queue.get(job.id)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(await actionsOf(store, job.id)).toEqual(['job.enqueued', 'job.started', 'job.dead']);
      expect(await store.queue.complete(job.id, 'w1')).toBe(false);
    });

    it('cancel stops queued and running jobs and leaves finished ones alone', async () => {
      const queued = await store.queue.enqueue(null, { type: 'test.cancel.q' });
      expect(await store.queue.cancel(queued.id)).toMatchObject({ status: 'cancelled' });
      expect(await store.queue.claim('w1', { types: ['test.cancel.q'], leaseMs: 1000 })).toEqual([]);

      const running = await store.queue.enqueue(null, { type: 'test.cancel.r' });
      await store.queue.claim('w1', { types: ['test.cancel.r'], leaseMs: 1000 });
      expect(await store.queue.cancel(running.id)).toMatchObject({ status: 'cancelled' });
      expect(await store.queue.heartbeat(running.id, 'w1', 1000)).toBe(false);
      expect(await store.queue.complete(running.id, 'w1')).toBe(false);
      expect(await store.queue.cancel(running.id)).toMatchObject({ status: 'cancelled' });
      expect(await actionsOf(store, running.id)).toEqual(['job.enqueued', 'job.started', 'job.cancelled']);
      expect(await store.queue.cancel('no-such-job')).toBeUndefined();
    });

    it('waitFor resolves on a final status and gives up after its timeout', async () => {
      const job = await store.queue.enqueue(null, { type: 'test.wait' });
      const waiting = store.queue.waitFor(job.id, { timeoutMs: 20_000 });
      await store.queue.claim('w1', { types: ['test.wait'], leaseMs: 1000 });
      await store.queue.complete(job.id, 'w1', 42);
      const done: Job = await waiting;
      expect(done).toMatchObject({ status: 'succeeded', result: 42 });

      const stuck = await store.queue.enqueue(null, { type: 'test.wait.never' });
      await expect(store.queue.waitFor(stuck.id, { timeoutMs: 50 })).rejects.toBeInstanceOf(UnavailableError);
      await expect(store.queue.waitFor('no-such-job')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists jobs by status and type, newest first', async () => {
      const a = await store.queue.enqueue(null, { type: 'test.list' });
      tick(1);
      const b = await store.queue.enqueue(null, { type: 'test.list' });
      expect((await store.queue.list({ type: 'test.list' })).map((j) => j.id)).toEqual([b.id, a.id]);
      expect((await store.queue.list({ type: 'test.list', limit: 1 })).map((j) => j.id)).toEqual([b.id]);
      const queued = await store.queue.list({ status: 'queued', limit: 1000 });
      expect(queued.every((j) => j.status === 'queued')).toBe(true);
      expect(queued.map((j) => j.id)).toContain(a.id);
      await expect(store.queue.list({ status: 'bogus' as never })).rejects.toThrow(/status: expected one of/);
    });
  });

  it('counts and bigints come back as numbers', async () => {
    const count = await store.db
      .selectFrom('events')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('seq').as('total'), eb.fn.max('seq').as('top')])
      .executeTakeFirstOrThrow();
    expect(typeof count.n).toBe('number');
    expect(typeof count.total).toBe('number');
    expect(typeof count.top).toBe('number');
    expect(count.total).toBe((Number(count.top) * (Number(count.top) + 1)) / 2);
    const head = await store.db.selectFrom('event_head').select('seq').executeTakeFirstOrThrow();
    expect(typeof head.seq).toBe('number');
    expect(head.seq).toBe(count.n);
    const events = await store.events.count();
    expect(events).toBe(count.n);
    const jobs = await store.db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(typeof jobs.n).toBe('number');
    expect(jobs.n).toBeGreaterThan(0);
  });
});

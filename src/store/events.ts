import { hash as digest, randomUUID } from 'node:crypto';
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { InputError, type Problem } from '../core/errors.js';
import { canonicalJson, jsonValue } from './canonicalJson.js';
import type { StoreDialect } from './dialects/storeDialect.js';
import { isoTime } from './isoTime.js';
import type { Database, EventTable } from './schema.js';
import type { Tx, TxScope } from './txScope.js';

export interface NewEvent {
  actor: string;
  action: string;
  subject: string;
  payload?: unknown;
  /** Defaults to now. */
  time?: string;
}

export interface StoredEvent {
  seq: number;
  id: string;
  time: string;
  actor: string;
  action: string;
  subject: string;
  payload: unknown;
  prevHash: string;
  hash: string;
}

export interface EventQuery {
  subject?: string;
  /** Prefix of the action, e.g. `catalog.` or `job.dead`. */
  action?: string;
  /** Inclusive lower bound on `time`. */
  since?: string;
  /** Exclusive upper bound on `time`. */
  until?: string;
  /** Seq cursor, exclusive: with `asc` the page starts after it, with `desc` before it. */
  after?: number;
  /** Default 100, at most 1000 (larger values are capped). */
  limit?: number;
  /** By seq; default `asc`. */
  order?: 'asc' | 'desc';
}

export type EventFilter = Pick<EventQuery, 'subject' | 'action' | 'since' | 'until'>;

export interface FollowOptions {
  /** Pause between polls when there is nothing new (default 500 ms). */
  pollMs?: number;
  /** Told about failed polls (the database went away); polling continues. Default: console.error. */
  onError?: (e: unknown) => void;
}

export type VerifyResult = { ok: true; count: number } | { ok: false; seq: number; reason: string };

/** The append-only, hash-chained log of domain events; also the audit log. */
export interface EventLog {
  /**
   * Appends events in tx (from `store.transaction`): they commit or roll back with it and are delivered to
   * `subscribe` listeners only after the commit. Holds the log's head row lock until tx ends, which orders
   * every writer: append last in a transaction, after taking the transaction's other row locks.
   */
  append(tx: Tx, events: NewEvent | NewEvent[]): Promise<StoredEvent[]>;
  list(q?: EventQuery): Promise<{ items: StoredEvent[]; nextCursor: number | null }>;
  /** How many events match the filter (for `totalCount`). */
  count(q?: EventFilter): Promise<number>;
  /** In-process: the listener hears every event committed through this store, in seq order. */
  subscribe(listener: (e: StoredEvent) => void): () => void;
  /**
   * Polls the table for events after `afterSeq` (exclusive) and hands them over in seq order, including
   * those written by other processes. Returns the function that stops it.
   */
  follow(afterSeq: number, listener: (e: StoredEvent) => void, opts?: FollowOptions): () => void;
  /** Walks the chain; returns the first broken link or null. */
  verify(): Promise<VerifyResult>;
}

/** The head hash before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** sha256 hex over the canonical JSON of the event and the hash of the event before it. */
export function eventHash(prevHash: string, e: Omit<StoredEvent, 'hash' | 'prevHash'>): string {
  return hashEvent(prevHash, e, canonicalJson(e.payload));
}

/**
 * eventHash with the payload's canonical JSON already made (append needs it for the row too). Spells out
 * canonicalJson of `{ action, actor, id, payload, prevHash, seq, subject, time }`: keys in sorted order.
 */
function hashEvent(prevHash: string, e: Omit<StoredEvent, 'hash' | 'prevHash' | 'payload'>, payloadText: string): string {
  const doc =
    `{"action":${JSON.stringify(e.action)},"actor":${JSON.stringify(e.actor)},"id":${JSON.stringify(e.id)},` +
    `"payload":${payloadText},"prevHash":${JSON.stringify(prevHash)},"seq":${JSON.stringify(e.seq)},` +
    `"subject":${JSON.stringify(e.subject)},"time":${JSON.stringify(e.time)}}`;
  // One-shot: no Hash object per event, which matters when a bulk load hashes 100k of them in a row.
  return digest('sha256', doc, 'hex');
}

export interface EventLogDeps {
  db: Kysely<Database>;
  dialect: StoreDialect;
  scope: TxScope;
  now: () => Date;
}

/** The event log plus what the store needs to shut it down. */
export interface OwnedEventLog extends EventLog {
  /** Stops every `follow` poller. */
  close(): void;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const EVENT_COLUMNS = ['seq', 'id', 'time', 'actor', 'action', 'subject', 'payload', 'prev_hash', 'hash'];
// 9 bound values per row: 2000 rows stay under SQLite's 32766 and PostgreSQL's 65535 parameters.
const INSERT_CHUNK = 2000;
const VERIFY_PAGE = 1000;
/** Rows per `insert ... select from unnest(...)` on PostgreSQL (one array parameter per column). */
const PG_UNNEST_ROWS = 10_000;

/** Builds the event log over one store's database. */
export function createEventLog(deps: EventLogDeps): OwnedEventLog {
  const { db, scope, dialect } = deps;
  const listeners = new Set<(e: StoredEvent) => void>();
  const followers = new Set<() => void>();

  function deliver(events: StoredEvent[]): void {
    const current = [...listeners];
    for (const e of events) {
      for (const listener of current) {
        try {
          listener(e);
        } catch (err) {
          // One broken listener must neither stop the others nor surface in the committed caller.
          console.error(`gantry store: an event listener threw on event ${e.seq} (${e.action}):`, err);
        }
      }
    }
  }

  async function append(tx: Tx, events: NewEvent | NewEvent[]): Promise<StoredEvent[]> {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) return [];
    const now = deps.now().toISOString();
    const prepared = list.map((e, i) => prepareEvent(e, list.length === 1 ? 'event' : `events[${i}]`, now));

    // Locks the head row (an UPDATE locks it on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
    // write lock): every writer process assigns seqs one after another, so they are gap-free and the
    // commit order is the seq order, which is what lets `follow` poll by seq without missing events.
    const head = await tx
      .updateTable('event_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .returning(['seq', 'hash'])
      .executeTakeFirst();
    if (!head) throw new Error('event_head row 1 is missing: the store database was not migrated');

    let seq = head.seq;
    let prevHash = head.hash;
    const params: unknown[] = [];
    const stored: StoredEvent[] = prepared.map(({ payloadText, ...p }) => {
      seq += 1;
      const base = { seq, ...p };
      const hash = hashEvent(prevHash, base, payloadText);
      params.push(seq, p.id, p.time, p.actor, p.action, p.subject, payloadText, prevHash, hash);
      const e: StoredEvent = { ...base, prevHash, hash };
      prevHash = hash;
      return e;
    });

    // Raw multi-row inserts: building Kysely nodes for thousands of rows costs as much as running them.
    // PostgreSQL gets one JSON array per column: far fewer parameters to bind, one short plan, and
    // JSON.stringify escapes in native code, faster than pg's array literals. A `\u` escape (a control
    // character or a lone surrogate, which PostgreSQL's JSON rejects or reads differently) takes unnest
    // arrays instead, so what is stored never depends on the route.
    const width = EVENT_COLUMNS.length;
    if (dialect.name === 'postgres') {
      const type = (c: number): string => (c === 0 ? 'bigint' : 'text');
      const names = EVENT_COLUMNS.map((_, c) => `c${c}`).join(', ');
      const viaJson =
        `insert into events (${EVENT_COLUMNS.join(', ')}) select ${EVENT_COLUMNS.map((_, c) => `c${c}::${type(c)}`).join(', ')} ` +
        `from rows from (${EVENT_COLUMNS.map((_, c) => `json_array_elements_text($${c + 1}::json)`).join(', ')}) as t(${names})`;
      const viaArrays = `insert into events (${EVENT_COLUMNS.join(', ')}) select * from unnest(${EVENT_COLUMNS.map((_, c) => `$${c + 1}::${type(c)}[]`).join(', ')})`;
      for (let i = 0; i < stored.length; i += PG_UNNEST_ROWS) {
        const rows = Math.min(PG_UNNEST_ROWS, stored.length - i);
        const columns: unknown[][] = EVENT_COLUMNS.map(() => new Array<unknown>(rows));
        for (let r = 0; r < rows; r++) {
          const at = (i + r) * width;
          for (let c = 0; c < width; c++) (columns[c] as unknown[])[r] = params[at + c];
        }
        const texts = columns.map((col) => JSON.stringify(col));
        if (texts.some((t) => t.includes('\\u'))) await tx.executeQuery(CompiledQuery.raw(viaArrays, columns));
        else await tx.executeQuery(CompiledQuery.raw(viaJson, texts));
      }
    } else {
      for (let i = 0; i < stored.length; i += INSERT_CHUNK) {
        const rows = Math.min(INSERT_CHUNK, stored.length - i);
        const tuples: string[] = [];
        for (let r = 0; r < rows; r++) {
          const first = r * width + 1;
          tuples.push(`(${EVENT_COLUMNS.map((_, c) => dialect.placeholder(first + c)).join(',')})`);
        }
        const text = `insert into events (${EVENT_COLUMNS.join(', ')}) values ${tuples.join(',')}`;
        await tx.executeQuery(CompiledQuery.raw(text, params.slice(i * width, (i + rows) * width)));
      }
    }
    await tx.updateTable('event_head').set({ seq, hash: prevHash }).where('id', '=', 1).execute();
    scope.afterCommit(tx, () => deliver(stored));
    return stored;
  }

  async function list(q: EventQuery = {}): Promise<{ items: StoredEvent[]; nextCursor: number | null }> {
    const limit = pageLimit(q.limit);
    const order = q.order ?? 'asc';
    if (order !== 'asc' && order !== 'desc') {
      throw new InputError(`order: expected "asc" or "desc", found ${JSON.stringify(order)}`);
    }
    let qb = filtered(q).selectAll();
    if (q.after !== undefined) {
      if (!Number.isInteger(q.after) || q.after < 0) {
        throw new InputError(`after: expected a non-negative integer seq, found ${JSON.stringify(q.after)}`);
      }
      qb = qb.where('seq', order === 'asc' ? '>' : '<', q.after);
    }
    const rows = await qb
      .orderBy('seq', order)
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toStoredEvent);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? last.seq : null };
  }

  function filtered(q: EventFilter) {
    let qb = db.selectFrom('events');
    if (q.subject !== undefined) qb = qb.where('subject', '=', q.subject);
    if (q.action !== undefined && q.action !== '') {
      // substr rather than LIKE: LIKE is case-insensitive on SQLite and treats % and _ as wildcards.
      const prefix = q.action;
      qb = qb.where((eb) => eb(eb.fn<string>('substr', ['action', eb.lit(1), eb.val([...prefix].length)]), '=', prefix));
    }
    if (q.since !== undefined) qb = qb.where('time', '>=', isoTime(q.since, 'since'));
    if (q.until !== undefined) qb = qb.where('time', '<', isoTime(q.until, 'until'));
    return qb;
  }

  async function count(q: EventFilter = {}): Promise<number> {
    const row = await filtered(q)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  function subscribe(listener: (e: StoredEvent) => void): () => void {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  function follow(afterSeq: number, listener: (e: StoredEvent) => void, opts: FollowOptions = {}): () => void {
    if (!Number.isInteger(afterSeq) || afterSeq < 0) {
      throw new InputError(`afterSeq: expected a non-negative integer seq, found ${JSON.stringify(afterSeq)}`);
    }
    const pollMs = opts.pollMs ?? 500;
    if (!(pollMs > 0)) throw new InputError(`pollMs: expected a positive number of milliseconds, found ${pollMs}`);
    const onError = opts.onError ?? ((e: unknown) => console.error('gantry store: polling the event log failed:', e));
    let cursor = afterSeq;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;

    const poll = async (): Promise<void> => {
      let more = false;
      try {
        const page = await list({ after: cursor, limit: MAX_LIMIT, order: 'asc' });
        for (const e of page.items) {
          if (stopped) return;
          cursor = e.seq;
          try {
            listener(e);
          } catch (err) {
            onError(err);
          }
        }
        more = page.nextCursor !== null;
      } catch (err) {
        if (!stopped) onError(err);
      }
      if (!stopped) timer = setTimeout(() => void poll(), more ? 0 : pollMs);
    };
    const stop = (): void => {
      stopped = true;
      if (timer) clearTimeout(timer);
      followers.delete(stop);
    };
    followers.add(stop);
    timer = setTimeout(() => void poll(), 0);
    return stop;
  }

  async function verify(): Promise<VerifyResult> {
    const head = await db.selectFrom('event_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    if (!head) return { ok: false, seq: 0, reason: 'event_head row 1 is missing' };
    let prevHash = GENESIS_HASH;
    let expected = 1;
    while (expected <= head.seq) {
      const rows = await db
        .selectFrom('events')
        .selectAll()
        .where('seq', '>=', expected)
        .where('seq', '<=', head.seq)
        .orderBy('seq')
        .limit(VERIFY_PAGE)
        .execute();
      if (rows.length === 0) {
        return { ok: false, seq: expected, reason: `event ${expected} is missing (event_head says the log has ${head.seq})` };
      }
      for (const row of rows) {
        if (row.seq !== expected) {
          return { ok: false, seq: expected, reason: `event ${expected} is missing (the next stored event is ${row.seq})` };
        }
        if (row.prev_hash !== prevHash) {
          return {
            ok: false,
            seq: row.seq,
            reason: `prev_hash ${row.prev_hash} does not match the hash of event ${row.seq - 1} (${prevHash})`,
          };
        }
        let e: StoredEvent;
        try {
          e = toStoredEvent(row);
        } catch {
          return { ok: false, seq: row.seq, reason: 'payload is not valid JSON' };
        }
        if (eventHash(prevHash, e) !== row.hash) {
          return { ok: false, seq: row.seq, reason: 'the stored event does not match its hash: it was changed after it was written' };
        }
        prevHash = row.hash;
        expected += 1;
      }
    }
    if (prevHash !== head.hash) {
      return { ok: false, seq: head.seq, reason: `event_head hash ${head.hash} does not match the hash of event ${head.seq}` };
    }
    const beyond = await db.selectFrom('events').select('seq').where('seq', '>', head.seq).orderBy('seq').limit(1).executeTakeFirst();
    if (beyond) {
      // Writers move the head in the same transaction as their inserts, so a newer head explains the row.
      const now = await db.selectFrom('event_head').select('seq').where('id', '=', 1).executeTakeFirst();
      if (!now || now.seq < beyond.seq) {
        return { ok: false, seq: beyond.seq, reason: `event ${beyond.seq} lies beyond event_head (seq ${now?.seq ?? head.seq})` };
      }
    }
    return { ok: true, count: head.seq };
  }

  return {
    append,
    list,
    count,
    subscribe,
    follow,
    verify,
    close() {
      for (const stop of [...followers]) stop();
      listeners.clear();
    },
  };
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InputError(`limit: expected a positive integer (at most ${MAX_LIMIT}), found ${JSON.stringify(limit)}`);
  }
  return Math.min(limit, MAX_LIMIT);
}

interface PreparedEvent extends Omit<StoredEvent, 'seq' | 'prevHash' | 'hash'> {
  payloadText: string;
}

function prepareEvent(e: NewEvent, path: string, now: string): PreparedEvent {
  const problems: Problem[] = [];
  for (const field of ['actor', 'action', 'subject'] as const) {
    const v: unknown = e?.[field];
    if (typeof v !== 'string' || v === '') {
      problems.push({
        code: 'invalid_event',
        path: `${path}.${field}`,
        message: `expected a non-empty string, found ${v === '' ? 'an empty string' : JSON.stringify(v) ?? 'undefined'}`,
      });
    }
  }
  if (problems.length > 0) {
    throw new InputError(`${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { problems });
  }
  const payload = jsonValue(e.payload, `${path}.payload`);
  return {
    id: randomUUID(),
    time: e.time === undefined ? now : isoTime(e.time, `${path}.time`),
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    payload,
    payloadText: canonicalJson(payload),
  };
}

function toStoredEvent(row: Selectable<EventTable>): StoredEvent {
  return {
    seq: row.seq,
    id: row.id,
    time: row.time,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    payload: JSON.parse(row.payload) as unknown,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

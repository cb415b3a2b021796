import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Problem, SourcePosition } from '../../core/errors.js';
import type { Dialect, NewEvent, Tx } from '../../store/index.js';
import type { Entity } from '../model/index.js';
import { chunked, deferIndexes, IN_LIST_SIZE, insertRows, whereIn, type DeferredIndexes } from './batch.js';
import { deriveEntity, type DerivedEntity } from './deriveEntity.js';
import { HIERARCHY_RELATIONS } from './findCycles.js';

/** A valid entity about to be stored, with where it came from. */
export interface Candidate {
  entity: Entity;
  ref: string;
  file: string | null;
  line: number | null;
  position?: SourcePosition;
  /** Warnings of its document: kept on the entity's status. */
  warnings: Problem[];
  /** Hash, fields, relations and search text, when the parser computed them already. */
  derived?: DerivedEntity;
}

/** What a source no longer holding an entity means, and what must be kept although it was not seen. */
export interface Removal {
  onMissing: 'delete' | 'orphan';
  /** Refs the source still declares, in a document rejected this time: the stored version stays. */
  retainRefs: Set<string>;
  retainFiles: Set<string>;
  retainPrefixes: string[];
}

/** What a write is for; shared by every chunk of it. */
export interface WriteOptions {
  actor: string;
  /** The location writing, or null for entities registered through the API. */
  locationId: string | null;
  /** Why this entity may not be written, or null when it may. */
  denyReason: (entity: Entity, ref: string) => string | null;
  now: string;
  /**
   * About how many candidates the whole write brings (all chunks), to plan a bulk write (see deferIndexes);
   * default: as many as the first chunk has.
   */
  expectedCandidates?: number;
}

export interface WriteInput extends WriteOptions {
  candidates: Candidate[];
  /** Given for a location refresh: entities of the location not among the candidates are removed or orphaned. */
  removal: Removal | null;
}

export interface WriteResult {
  added: number;
  updated: number;
  removed: number;
  orphaned: number;
  unchanged: number;
  problems: Problem[];
  /** Refs of the candidates that are now stored as given (written or unchanged). */
  stored: string[];
  /** Sources of the hierarchy relations (partOf, childOf) written for changed entities: cycle checks start from them. */
  cycleStarts: string[];
  /** One event per change, for the caller to append last in its transaction (the log's lock is taken last). */
  events: NewEvent[];
}

/**
 * One write of many entities inside a transaction, fed in chunks (a big location refresh streams its source
 * through it, so only a chunk of parsed documents is in memory at a time). `finish` once, after the last chunk.
 */
export interface EntityWriter {
  write(candidates: Candidate[]): Promise<void>;
  /** Rebuilds deferred indexes, then removes or orphans what `removal` says the source no longer has. */
  finish(removal: Removal | null): Promise<WriteResult>;
}

interface ExistingRow {
  ref: string;
  location_id: string | null;
  hash: string;
  orphan: number;
  uid: string;
  source_file: string | null;
  source_line: number | null;
}

/** The entity as stored: the envelope only, with our uid and etag (never the ones a descriptor claims). */
function storedBody(entity: Entity, uid: string, etag: string): Entity {
  const { uid: _u, etag: _e, ...metadata } = entity.metadata;
  const body: Entity = { apiVersion: entity.apiVersion, kind: entity.kind, metadata: { ...metadata, uid, etag } };
  if (entity.spec !== undefined) body.spec = entity.spec;
  return body;
}

function where(c: Candidate): string {
  return c.file ? `${c.file}${c.line ? `:${c.line}` : ''}` : 'the request';
}

function problemAt(c: Candidate, code: string, message: string, severity: 'error' | 'warning' = 'error'): Problem {
  const p: Problem = { code, path: '', message, severity };
  if (c.position) p.position = c.position;
  return p;
}

/** Writes one batch of entities (see {@link createEntityWriter}) and removes what `removal` says is gone. */
export async function writeEntities(dialect: Dialect, tx: Tx, input: WriteInput): Promise<WriteResult> {
  const writer = createEntityWriter(dialect, tx, input);
  await writer.write(input.candidates);
  return writer.finish(input.removal);
}

const HIERARCHY: ReadonlySet<string> = new Set(HIERARCHY_RELATIONS);

/**
 * Writes entities inside `tx`, chunk by chunk: new and changed ones are upserted (unchanged ones, by hash, are
 * not touched), their fields and relations rewritten; at the end entities the source dropped are removed or
 * orphaned. One event per change is returned for the caller to append. A ref held by another location (or
 * by an API registration) stays with its first owner; this write gets a `conflict` problem instead, as does
 * a ref declared twice. Everything goes in multi-row statements sized to the dialect's parameter limit.
 */
export function createEntityWriter(dialect: Dialect, tx: Tx, opts: WriteOptions): EntityWriter {
  const result: WriteResult = { added: 0, updated: 0, removed: 0, orphaned: 0, unchanged: 0, problems: [], stored: [], cycleStarts: [], events: [] };
  /** Refs seen in any chunk (denied and duplicate ones too): never removed as gone. */
  const seen = new Set<string>();
  /** Where each ref accepted so far was declared, for the message about a second declaration. */
  const declaredAt = new Map<string, string>();
  const cycleStarts = new Set<string>();
  const targets = new Map<string, string>();
  let deferred: DeferredIndexes | null = null;
  let finished = false;

  const owner = (e: ExistingRow): string =>
    e.location_id ? `location ${e.location_id} (${targets.get(e.location_id) ?? 'unknown target'})` : 'a direct API registration';

  async function write(candidates: Candidate[]): Promise<void> {
    if (finished) throw new Error('createEntityWriter: write after finish');
    const byRef = new Map<string, Candidate>();
    for (const c of candidates) {
      seen.add(c.ref);
      const first = declaredAt.get(c.ref);
      if (first !== undefined) {
        result.problems.push(problemAt(c, 'conflict', `${c.ref} is declared twice: at ${first} and at ${where(c)}; the first is kept`));
        continue;
      }
      const denied = opts.denyReason(c.entity, c.ref);
      if (denied) {
        result.problems.push(problemAt(c, 'not_allowed', `${c.ref} was not ingested: ${denied}`));
        continue;
      }
      byRef.set(c.ref, c);
      declaredAt.set(c.ref, where(c));
    }

    const existing = new Map<string, ExistingRow>();
    for (const r of await whereIn<ExistingRow>(tx, dialect, `select ${EXISTING_COLUMNS.join(', ')} from entities where ref`, [...byRef.keys()])) {
      existing.set(r.ref, r);
    }
    const otherLocations = new Set<string>();
    for (const e of existing.values()) {
      if (e.location_id && e.location_id !== opts.locationId && !targets.has(e.location_id)) otherLocations.add(e.location_id);
    }
    for (const part of chunked([...otherLocations], IN_LIST_SIZE)) {
      for (const l of await tx.selectFrom('locations').select(['id', 'target']).where('id', 'in', part).execute()) {
        targets.set(l.id, l.target);
      }
    }

    type Write = { c: Candidate; hash: string; uid: string; etag: string; derived: DerivedEntity; previous: boolean };
    const writes: Write[] = [];
    const moved: Array<{ ref: string; file: string | null; line: number | null }> = [];
    for (const c of byRef.values()) {
      const e = existing.get(c.ref);
      if (e && e.location_id !== opts.locationId && !e.orphan) {
        result.problems.push(problemAt(c, 'conflict', `${c.ref} is already registered by ${owner(e)}; the first registration keeps it`));
        continue;
      }
      const derived = c.derived ?? deriveEntity(c.entity, c.warnings);
      const hash = derived.hash;
      if (e && e.location_id === opts.locationId && e.hash === hash && !e.orphan) {
        result.unchanged++;
        result.stored.push(c.ref);
        if (e.source_file !== c.file || e.source_line !== c.line) moved.push({ ref: c.ref, file: c.file, line: c.line });
        continue;
      }
      writes.push({ c, hash, uid: e?.uid ?? randomUUID(), etag: hash.slice(0, 20), derived, previous: e !== undefined });
    }

    const fields: unknown[][] = [];
    const relations: unknown[][] = [];
    for (const w of writes) {
      for (const [key, value] of w.derived.fields) fields.push([w.c.ref, key, value]);
      for (const r of w.derived.relations) relations.push([r.source, r.type, r.target, w.c.ref]);
    }
    if (!deferred) {
      // Planned on the first chunk, scaled to the whole write, before any row goes in.
      const scale = Math.max(1, (opts.expectedCandidates ?? candidates.length) / Math.max(1, candidates.length));
      deferred = await deferIndexes(tx, dialect, [
        { table: 'entities', rows: Math.round(writes.length * scale) },
        { table: 'entity_fields', rows: Math.round(fields.length * scale) },
        { table: 'relations', rows: Math.round(relations.length * scale) },
      ]);
    }

    // Upsert; the WHERE keeps a row another writer claimed meanwhile (it is then not RETURNed: a conflict).
    const entityRows = writes.map((w) => {
      const body = storedBody(w.c.entity, w.uid, w.etag);
      const m = body.metadata;
      return [
        w.c.ref,
        body.kind.toLowerCase(),
        (m.namespace ?? 'default').toLowerCase(),
        m.name.toLowerCase(),
        w.uid,
        w.etag,
        JSON.stringify(body),
        opts.locationId,
        w.c.file,
        w.c.line,
        JSON.stringify({ problems: w.c.warnings }),
        0,
        w.hash,
        w.derived.searchText,
        opts.now,
        opts.now,
      ];
    });
    const returned = await insertRows<{ ref: string }>(tx, dialect, 'entities', ENTITY_COLUMNS, entityRows, UPSERT_ENTITY, ENTITY_TYPES);
    entityRows.length = 0;
    const written = new Set(returned.map((r) => r.ref));

    const done: Write[] = [];
    for (const w of writes) {
      if (written.has(w.c.ref)) {
        done.push(w);
        for (const r of w.derived.relations) if (HIERARCHY.has(r.type)) cycleStarts.add(r.source);
      } else {
        result.problems.push(problemAt(w.c, 'conflict', `${w.c.ref} was registered by another source at the same time; the first registration keeps it`));
      }
    }
    const lost = done.length === writes.length ? null : new Set(writes.filter((w) => !written.has(w.c.ref)).map((w) => w.c.ref));

    const rewrite = done.filter((w) => w.previous).map((w) => w.c.ref);
    await whereIn(tx, dialect, 'delete from entity_fields where ref', rewrite);
    await whereIn(tx, dialect, 'delete from relations where origin_ref', rewrite);
    await insertRows(tx, dialect, 'entity_fields', ['ref', 'key', 'value'], lost ? fields.filter((f) => !lost.has(f[0] as string)) : fields);
    await insertRows(
      tx,
      dialect,
      'relations',
      ['source_ref', 'type', 'target_ref', 'origin_ref'],
      lost ? relations.filter((r) => !lost.has(r[3] as string)) : relations,
    );
    await moveSources(tx, dialect, moved);

    for (const w of done) {
      if (w.previous) result.updated++;
      else result.added++;
      result.stored.push(w.c.ref);
      result.events.push({
        actor: opts.actor,
        action: w.previous ? 'catalog.entity.updated' : 'catalog.entity.created',
        subject: w.c.ref,
        payload: { locationId: opts.locationId, etag: w.etag },
        time: opts.now,
      });
    }
  }

  async function finish(removal: Removal | null): Promise<WriteResult> {
    if (finished) throw new Error('createEntityWriter: finish called twice');
    finished = true;
    await deferred?.restore();
    result.cycleStarts = [...cycleStarts];
    if (!removal || opts.locationId === null) return result;

    // Every row of the location that this write did not see. Rows it wrote are in `seen`, and no write
    // takes a row away from a location, so reading them now equals reading them before the write.
    const { retainRefs, retainFiles, retainPrefixes, onMissing } = removal;
    const ofLocation = await tx.selectFrom('entities').select(['ref', 'source_file', 'orphan']).where('location_id', '=', opts.locationId).execute();
    const gone = ofLocation.filter(
      (e) =>
        !seen.has(e.ref) &&
        !retainRefs.has(e.ref) &&
        !(e.source_file !== null && (retainFiles.has(e.source_file) || retainPrefixes.some((p) => e.source_file!.startsWith(p)))),
    );
    const events = result.events;
    if (onMissing === 'delete') {
      await deleteEntityRows(tx, dialect, gone.map((e) => e.ref));
      for (const e of gone) {
        result.removed++;
        events.push({ actor: opts.actor, action: 'catalog.entity.deleted', subject: e.ref, payload: { locationId: opts.locationId }, time: opts.now });
      }
    } else {
      const newly = gone.filter((e) => !e.orphan);
      for (const part of chunked(newly.map((e) => e.ref), IN_LIST_SIZE)) {
        await tx.updateTable('entities').set({ orphan: 1, updated_at: opts.now }).where('ref', 'in', part).execute();
      }
      for (const e of newly) {
        result.orphaned++;
        events.push({ actor: opts.actor, action: 'catalog.entity.orphaned', subject: e.ref, payload: { locationId: opts.locationId }, time: opts.now });
      }
    }
    return result;
  }

  return { write, finish };
}

/**
 * Records where unchanged entities are now declared (a line added above them moves them). PostgreSQL takes
 * them in one statement per 10k; SQLite, in process, runs one small update each.
 */
async function moveSources(tx: Tx, dialect: Dialect, moved: Array<{ ref: string; file: string | null; line: number | null }>): Promise<void> {
  if (dialect === 'postgres') {
    for (const part of chunked(moved, 10_000)) {
      await tx.executeQuery(
        CompiledQuery.raw(
          `update entities set source_file = t.file, source_line = t.line
           from unnest($1::text[], $2::text[], $3::integer[]) as t(ref, file, line) where entities.ref = t.ref`,
          [part.map((m) => m.ref), part.map((m) => m.file), part.map((m) => m.line)],
        ),
      );
    }
    return;
  }
  for (const m of moved) {
    await tx.updateTable('entities').set({ source_file: m.file, source_line: m.line }).where('ref', '=', m.ref).execute();
  }
}

/** Deletes entities with their fields and the relations they declared. */
export async function deleteEntityRows(tx: Tx, dialect: Dialect, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await whereIn(tx, dialect, 'delete from entity_fields where ref', refs);
  await whereIn(tx, dialect, 'delete from relations where origin_ref', refs);
  await whereIn(tx, dialect, 'delete from entities where ref', refs);
}

const EXISTING_COLUMNS = ['ref', 'location_id', 'hash', 'orphan', 'uid', 'source_file', 'source_line'] as const;

const ENTITY_COLUMNS = [
  'ref',
  'kind',
  'namespace',
  'name',
  'uid',
  'etag',
  'body',
  'location_id',
  'source_file',
  'source_line',
  'status',
  'orphan',
  'hash',
  'search_text',
  'created_at',
  'updated_at',
] as const;

/** PostgreSQL types of ENTITY_COLUMNS, for the unnest arrays. */
const ENTITY_TYPES = ENTITY_COLUMNS.map((c) => (c === 'source_line' || c === 'orphan' ? 'integer' : 'text'));

// uid and created_at stay: an update keeps the entity's identity. The WHERE leaves a row owned by another
// location (or registered through the API) alone unless it is an orphan nobody holds any more.
const UPSERT_ENTITY = `on conflict (ref) do update set
  etag = excluded.etag, body = excluded.body, location_id = excluded.location_id, source_file = excluded.source_file,
  source_line = excluded.source_line, status = excluded.status, orphan = 0, hash = excluded.hash,
  search_text = excluded.search_text, updated_at = excluded.updated_at
  where coalesce(entities.location_id, '') = coalesce(excluded.location_id, '') or entities.orphan = 1
  returning ref`;

import { randomUUID } from 'node:crypto';
import type { Problem, SourcePosition } from '../../core/errors.js';
import type { Dialect, NewEvent, Tx } from '../../store/index.js';
import type { Entity, EntityRelation } from '../model/index.js';
import { chunked, deferIndexes, IN_LIST_SIZE, insertRows, whereIn } from './batch.js';
import { deriveEntity, type DerivedEntity } from './deriveEntity.js';

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

export interface WriteInput {
  actor: string;
  /** The location writing, or null for entities registered through the API. */
  locationId: string | null;
  candidates: Candidate[];
  /** Why this entity may not be written, or null when it may. */
  denyReason: (entity: Entity, ref: string) => string | null;
  /** Given for a location refresh: entities of the location not among the candidates are removed or orphaned. */
  removal: Removal | null;
  now: string;
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
  /** Relations written for changed entities: cycle checks start from them. */
  changedRelations: EntityRelation[];
  /** One event per change, for the caller to append last in its transaction (the log's lock is taken last). */
  events: NewEvent[];
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

/**
 * Writes a batch of entities inside `tx`: new and changed ones are upserted (unchanged ones, by hash, are not
 * touched), their fields and relations rewritten, entities the source dropped removed or orphaned; one
 * event per change is returned for the caller to append. A ref held by another location (or by an API registration) stays with its first
 * owner; this batch gets a `conflict` problem instead. Everything goes in multi-row statements sized to the
 * dialect's parameter limit.
 */
export async function writeEntities(dialect: Dialect, tx: Tx, input: WriteInput): Promise<WriteResult> {
  const result: WriteResult = { added: 0, updated: 0, removed: 0, orphaned: 0, unchanged: 0, problems: [], stored: [], changedRelations: [], events: [] };
  const retain = new Set(input.removal?.retainRefs ?? []);

  const byRef = new Map<string, Candidate>();
  for (const c of input.candidates) {
    retain.add(c.ref);
    const first = byRef.get(c.ref);
    if (first) {
      result.problems.push(
        problemAt(c, 'conflict', `${c.ref} is declared twice: at ${where(first)} and at ${where(c)}; the first is kept`),
      );
      continue;
    }
    const denied = input.denyReason(c.entity, c.ref);
    if (denied) {
      result.problems.push(problemAt(c, 'not_allowed', `${c.ref} was not ingested: ${denied}`));
      continue;
    }
    byRef.set(c.ref, c);
  }

  const existing = new Map<string, ExistingRow>();
  const cols = ['ref', 'location_id', 'hash', 'orphan', 'uid', 'source_file', 'source_line'] as const;
  for (const r of await whereIn<ExistingRow>(tx, dialect, `select ${cols.join(', ')} from entities where ref`, [...byRef.keys()])) {
    existing.set(r.ref, r);
  }
  const ofLocation: ExistingRow[] =
    input.removal && input.locationId !== null
      ? await tx.selectFrom('entities').select(cols).where('location_id', '=', input.locationId).execute()
      : [];

  const otherLocations = new Set<string>();
  for (const e of existing.values()) if (e.location_id && e.location_id !== input.locationId) otherLocations.add(e.location_id);
  const targets = new Map<string, string>();
  for (const part of chunked([...otherLocations], IN_LIST_SIZE)) {
    for (const l of await tx.selectFrom('locations').select(['id', 'target']).where('id', 'in', part).execute()) {
      targets.set(l.id, l.target);
    }
  }
  const owner = (e: ExistingRow): string =>
    e.location_id ? `location ${e.location_id} (${targets.get(e.location_id) ?? 'unknown target'})` : 'a direct API registration';

  type Write = { c: Candidate; body: Entity; hash: string; uid: string; etag: string; derived: DerivedEntity; previous?: ExistingRow };
  const writes: Write[] = [];
  const moved: Array<{ ref: string; file: string | null; line: number | null }> = [];
  for (const c of byRef.values()) {
    const e = existing.get(c.ref);
    if (e && e.location_id !== input.locationId && !e.orphan) {
      result.problems.push(problemAt(c, 'conflict', `${c.ref} is already registered by ${owner(e)}; the first registration keeps it`));
      continue;
    }
    const derived = c.derived ?? deriveEntity(c.entity, c.warnings);
    const hash = derived.hash;
    if (e && e.location_id === input.locationId && e.hash === hash && !e.orphan) {
      result.unchanged++;
      result.stored.push(c.ref);
      if (e.source_file !== c.file || e.source_line !== c.line) moved.push({ ref: c.ref, file: c.file, line: c.line });
      continue;
    }
    const uid = e?.uid ?? randomUUID();
    const etag = hash.slice(0, 20);
    writes.push({ c, body: storedBody(c.entity, uid, etag), hash, uid, etag, derived, ...(e ? { previous: e } : {}) });
  }

  // Fields and relations of everything about to be written, so a bulk write can be planned as a whole.
  const fields: unknown[][] = [];
  const relations: unknown[][] = [];
  const relationsOfWrite: EntityRelation[][] = [];
  for (const w of writes) {
    for (const [key, value] of w.derived.fields) fields.push([w.c.ref, key, value]);
    relationsOfWrite.push(w.derived.relations);
    for (const r of w.derived.relations) relations.push([r.source, r.type, r.target, w.c.ref]);
  }
  const deferred = await deferIndexes(tx, dialect, [
    { table: 'entities', rows: writes.length },
    { table: 'entity_fields', rows: fields.length },
    { table: 'relations', rows: relations.length },
  ]);

  // Upsert; the WHERE keeps a row another writer claimed meanwhile (it is then not RETURNed: a conflict).
  const entityRows = writes.map((w) => {
    const m = w.body.metadata;
    return [
      w.c.ref,
      w.body.kind.toLowerCase(),
      (m.namespace ?? 'default').toLowerCase(),
      m.name.toLowerCase(),
      w.uid,
      w.etag,
      JSON.stringify(w.body),
      input.locationId,
      w.c.file,
      w.c.line,
      JSON.stringify({ problems: w.c.warnings }),
      0,
      w.hash,
      w.derived.searchText,
      input.now,
      input.now,
    ];
  });
  const returned = await insertRows<{ ref: string }>(tx, dialect, 'entities', ENTITY_COLUMNS, entityRows, UPSERT_ENTITY, ENTITY_TYPES);
  const written = new Set(returned.map((r) => r.ref));

  const done: Write[] = [];
  writes.forEach((w, i) => {
    if (written.has(w.c.ref)) {
      done.push(w);
      result.changedRelations.push(...(relationsOfWrite[i] ?? []));
    } else {
      result.problems.push(problemAt(w.c, 'conflict', `${w.c.ref} was registered by another source at the same time; the first registration keeps it`));
    }
  });
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
  await deferred.restore();

  for (const m of moved) {
    await tx.updateTable('entities').set({ source_file: m.file, source_line: m.line }).where('ref', '=', m.ref).execute();
  }

  const events = result.events;
  for (const w of done) {
    if (w.previous) result.updated++;
    else result.added++;
    result.stored.push(w.c.ref);
    events.push({
      actor: input.actor,
      action: w.previous ? 'catalog.entity.updated' : 'catalog.entity.created',
      subject: w.c.ref,
      payload: { locationId: input.locationId, etag: w.etag },
      time: input.now,
    });
  }

  if (input.removal && input.locationId !== null) {
    const { retainFiles, retainPrefixes, onMissing } = input.removal;
    const gone = ofLocation.filter(
      (e) =>
        !retain.has(e.ref) &&
        !(e.source_file !== null && (retainFiles.has(e.source_file) || retainPrefixes.some((p) => e.source_file!.startsWith(p)))),
    );
    if (onMissing === 'delete') {
      await deleteEntityRows(tx, dialect, gone.map((e) => e.ref));
      for (const e of gone) {
        result.removed++;
        events.push({ actor: input.actor, action: 'catalog.entity.deleted', subject: e.ref, payload: { locationId: input.locationId }, time: input.now });
      }
    } else {
      const newly = gone.filter((e) => !e.orphan);
      for (const part of chunked(newly.map((e) => e.ref), IN_LIST_SIZE)) {
        await tx.updateTable('entities').set({ orphan: 1, updated_at: input.now }).where('ref', 'in', part).execute();
      }
      for (const e of newly) {
        result.orphaned++;
        events.push({ actor: input.actor, action: 'catalog.entity.orphaned', subject: e.ref, payload: { locationId: input.locationId }, time: input.now });
      }
    }
  }

  return result;
}

/** Deletes entities with their fields and the relations they declared. */
export async function deleteEntityRows(tx: Tx, dialect: Dialect, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await whereIn(tx, dialect, 'delete from entity_fields where ref', refs);
  await whereIn(tx, dialect, 'delete from relations where origin_ref', refs);
  await whereIn(tx, dialect, 'delete from entities where ref', refs);
}

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

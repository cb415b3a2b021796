import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { SYSTEM, authorize, decide, type Principal } from '../../auth/authorize.js';
import { ConflictError, InputError, NotFoundError, isGantryError, type Problem } from '../../core/errors.js';
import type { LocationTable, NewEvent, Store, Tx } from '../../store/index.js';
import {
  parseDescriptors,
  stringifyEntityRef,
  tryParseEntityRef,
  validateEntity,
  type Entity,
  type RelationType,
} from '../model/index.js';
import { entityFacts, refusalProblem, type CatalogAdmission, type EntityFacts } from './admission.js';
import { describeCycle, findCycles } from './findCycles.js';
import { createGitCheckouts } from './gitCheckouts.js';
import { facetCounts, listEntities } from './listEntities.js';
import { loadEntityViews, resolveEntityRef } from './loadEntityViews.js';
import { isRemoteUrl, normalizeRepoUrl, parseLocationTarget, parseStoredTarget, type ParsedTarget } from './locationTarget.js';
import { openSource, type SourceStream } from './readSource.js';
import { entityGraph, relatedEntities, withSubgroups } from './relatedEntities.js';
import type { EntityPage, EntityQuery, EntityView, Filter, GraphEdge, GraphNode, LocationType, LocationView, RefreshResult } from './views.js';
import { whereIn } from './batch.js';
import { createEntityWriter, deleteEntityRows, writeEntities, type Candidate, type EntityWriter, type WriteResult } from './writeEntities.js';

export interface CatalogOptions {
  store: Store;
  /** Git working copies go in `<workspaceDir>/cache/git`. */
  workspaceDir: string;
  /** Longest a git fetch may take; default 60000. */
  gitTimeoutMs?: number;
  /** Largest descriptor file read from a source; default 1 MiB. */
  maxFileBytes?: number;
  /** The policy admission point `catalog.entity` (docs/policy.md); without it every valid entity is ingested. */
  admission?: CatalogAdmission;
}

export interface AddLocationInput {
  target: string;
  type?: LocationType;
  owner?: string | null;
  onMissing?: 'delete' | 'orphan';
  refreshIntervalS?: number | null;
}

export type RegisterInput = { yaml: string; file?: string } | { entities: unknown[] };

/** The catalog service: locations and their refreshes, direct registrations, and the read side. */
export interface Catalog {
  addLocation(p: Principal, input: AddLocationInput): Promise<{ location: LocationView; refresh: RefreshResult }>;
  refreshLocation(p: Principal, id: string): Promise<{ location: LocationView; refresh: RefreshResult }>;
  removeLocation(p: Principal, id: string): Promise<void>;
  listLocations(): Promise<LocationView[]>;
  /** NotFoundError when there is no such location. */
  getLocation(id: string): Promise<LocationView>;
  /** Git locations reading the repository at `urlOrPath` (any spelling of its address), for refresh on push. */
  findLocationsForRepo(urlOrPath: string): Promise<LocationView[]>;
  /** Entities registered directly (no location); bad or refused documents are listed in `problems`. */
  registerEntities(p: Principal, input: RegisterInput): Promise<{ items: EntityView[]; problems: Problem[] }>;
  deleteEntity(p: Principal, ref: string): Promise<void>;
  /** NotFoundError when absent; `ref` may be partial (`name`, `namespace/name`, `kind:name`). */
  getEntity(ref: string): Promise<EntityView>;
  listEntities(q: EntityQuery): Promise<EntityPage>;
  facets(q: { facets: string[]; filter?: Filter[]; q?: string }): Promise<Record<string, Array<{ value: string; count: number }>>>;
  related(q: { ref: string; relation: RelationType; transitive?: boolean; includeSubgroups?: boolean }): Promise<EntityView[]>;
  graph(q: { ref: string; depth?: number }): Promise<{ nodes: GraphNode[]; edges: GraphEdge[] }>;
  /** Offline check of descriptor text: every problem in one pass, and how many entities are valid. */
  validate(text: string, file: string): { problems: Problem[]; entities: number };
  /** Locations whose refresh interval has elapsed; the worker's scheduler calls this. */
  refreshDue(now?: Date): Promise<number>;
  /** What policies see about stored entities (owner, relations, related resources), as at ingestion. */
  entityFacts(refs: string[]): Promise<EntityFacts[]>;
}

export const REFRESH_LOCATION_JOB = 'catalog.refresh-location';
const DEFAULT_GIT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** API registrations may carry a whole multi-document file (the HTTP layer caps bodies at 10 MiB). */
const MAX_REGISTER_BYTES = 10 * 1024 * 1024;
/** A location keeps this many problems; the rest are summarised, so one broken source cannot bloat its row. */
const MAX_LOCATION_PROBLEMS = 1000;
/** Entities changed by one write above which planner statistics are refreshed. */
const ANALYZE_AFTER_CHANGES = 1000;
/** Facet answers and list totals kept, each valid until the next event. */
const CACHE_SIZE = 200;

type LocationRow = Omit<LocationTable, 'refresh_interval_s'> & { refresh_interval_s: number | null };

function invalid(path: string, message: string): InputError {
  return new InputError(`${path}: ${message}`, { problems: [{ code: 'invalid_input', path, message, severity: 'error' }] });
}

function toLocationView(row: LocationRow, entityCount: number): LocationView {
  return {
    id: row.id,
    type: row.type,
    target: row.target,
    owner: row.owner,
    onMissing: row.on_missing,
    refreshIntervalS: row.refresh_interval_s === null ? null : Number(row.refresh_interval_s),
    status: row.status,
    problems: JSON.parse(row.problems) as Problem[],
    lastRefreshedAt: row.last_refreshed_at,
    nextRefreshAt: row.next_refresh_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
    entityCount,
  };
}

/** The owning group of an entity (`spec.owner`, defaulted as Backstage does), lower-cased, or null. */
function ownerOf(entity: Entity): string | null {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string') return null;
  const parsed = tryParseEntityRef(owner, { defaultKind: 'group', defaultNamespace: entity.metadata.namespace || 'default' });
  return 'error' in parsed ? owner.toLowerCase() : stringifyEntityRef(parsed);
}

function capProblems(problems: Problem[]): Problem[] {
  if (problems.length <= MAX_LOCATION_PROBLEMS) return problems;
  const rest = problems.length - MAX_LOCATION_PROBLEMS;
  return [
    ...problems.slice(0, MAX_LOCATION_PROBLEMS),
    { code: 'too_many_problems', path: '', message: `and ${rest} more problems not shown`, severity: 'warning' },
  ];
}

/** The source opened before a refresh transaction (its documents stream in during it), or why it could not be read. */
type SourceRead = { ok: true; source: SourceStream } | { ok: false; error: string };

/**
 * Creates the catalog service over a store. Options are checked here, not on first use. Every mutation is
 * authorised, reads its source before opening a transaction, and writes the whole outcome (entities, fields,
 * relations, location status, events) in one transaction, so the caller reads its writes on return.
 */
export function createCatalog(opts: CatalogOptions): Catalog {
  const { store } = opts;
  if (!store || !store.db) throw invalid('store', 'expected an open store, found none');
  if (typeof opts.workspaceDir !== 'string' || opts.workspaceDir.trim() === '') {
    throw invalid('workspaceDir', `expected a directory path, found ${JSON.stringify(opts.workspaceDir)}`);
  }
  const gitTimeoutMs = opts.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isInteger(gitTimeoutMs) || gitTimeoutMs <= 0) throw invalid('gitTimeoutMs', `expected a positive integer, found ${gitTimeoutMs}`);
  if (!Number.isInteger(maxFileBytes) || maxFileBytes <= 0) throw invalid('maxFileBytes', `expected a positive integer, found ${maxFileBytes}`);
  const git = createGitCheckouts(join(resolve(opts.workspaceDir), 'cache', 'git'), gitTimeoutMs);
  const db = store.db;
  const facetCache = new Map<string, { seq: number; value: Record<string, Array<{ value: string; count: number }>> }>();
  const countCache = new Map<string, { seq: number; value: number }>();

  /** The seq of the newest event: every catalog write appends one in its transaction, so it versions the data. */
  async function headSeq(): Promise<number> {
    return (await store.events.list({ order: 'desc', limit: 1 })).items[0]?.seq ?? 0;
  }

  /**
   * After a bulk write, refreshes the planner statistics of the catalog tables, so the first queries after
   * a big import drive from their selective filters. SQLite samples (fast, awaited); PostgreSQL also
   * vacuums, which sets the visibility map that index-only scans (facet counts) need; that runs in the
   * background, as it is maintenance, not part of the write. A failure only costs speed, so it is ignored.
   */
  async function refreshStatistics(changed: number): Promise<void> {
    if (changed < ANALYZE_AFTER_CHANGES) return;
    if (store.dialect === 'sqlite') {
      try {
        await sql`pragma analysis_limit = 1000`.execute(db);
        await sql`analyze`.execute(db);
        // Fold the bulk write's WAL back into the database now, while the writer waits anyway. Otherwise the
        // next small write (a token's last-used time) pays for it, blocking every request for seconds.
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      } catch {
        // A busy database refreshes its statistics after the next bulk write.
      }
      return;
    }
    sql`vacuum analyze entities, entity_fields, relations`.execute(db).catch(() => undefined);
  }

  async function readLocation(parsed: ParsedTarget): Promise<SourceRead> {
    try {
      return { ok: true, source: await openSource(parsed, { git, maxFileBytes }) };
    } catch (e) {
      // Unreadable sources (and file-system errors such as EACCES) become the location's status; bugs propagate.
      if (isGantryError(e)) return { ok: false, error: e.message };
      if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') return { ok: false, error: e.message };
      throw e;
    }
  }

  async function locationRow(id: string, tx: Tx | null = null): Promise<LocationRow> {
    const row = await (tx ?? db).selectFrom('locations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no location with id ${JSON.stringify(id)}`);
    return row as LocationRow;
  }

  async function locationView(id: string): Promise<LocationView> {
    const row = await locationRow(id);
    const count = await db
      .selectFrom('entities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('location_id', '=', id)
      .executeTakeFirst();
    return toLocationView(row, Number(count?.n ?? 0));
  }

  /** Cycle problems for the hierarchy relations just written (each cycle once). */
  async function cycleProblems(tx: Tx, written: WriteResult): Promise<Problem[]> {
    if (written.cycleStarts.length === 0) return [];
    return (await findCycles(tx, written.cycleStarts, store.dialect)).map((c) => ({
      code: 'cycle',
      path: 'relations',
      message: `relations: expected ${c.type} relations to form a hierarchy, found a cycle: ${describeCycle(c)}`,
      severity: 'error' as const,
    }));
  }

  /**
   * The policy admission point `catalog.entity` for a batch: returns the candidates to write (with policy warnings
   * added to their status) and those refused. Refused candidates are returned separately so a caller streaming
   * chunks can decide them again at the end, when entities declared later in the same import are stored.
   */
  async function admitCandidates(tx: Tx, candidates: Candidate[], ctx: { actor: string; location: string | null; final?: boolean }): Promise<{ allowed: Candidate[]; refused: Array<{ candidate: Candidate; refused: string[] }> }> {
    const admission = opts.admission;
    if (!admission || candidates.length === 0) return { allowed: candidates, refused: [] };
    const facts = await entityFacts(tx, store.dialect, candidates.map((c) => ({ ref: c.ref, entity: c.entity })));
    const verdicts = await admission.admitEntities(tx, facts, ctx);
    const allowed: Candidate[] = [];
    const refused: Array<{ candidate: Candidate; refused: string[] }> = [];
    for (const c of candidates) {
      const v = verdicts.get(c.ref);
      if (v?.refused.length) {
        refused.push({ candidate: c, refused: v.refused });
        continue;
      }
      if (v?.warnings.length) {
        const warnings = v.warnings.map((m) => ({ code: 'policy_warning', path: '', message: m, severity: 'warning' as const }));
        // Derived again: the warnings are part of the entity's hash, so a new warning is written, not skipped.
        const { derived: _derived, ...rest } = c;
        allowed.push({ ...rest, warnings: [...c.warnings, ...warnings] });
      } else allowed.push(c);
    }
    return { allowed, refused };
  }

  /** The whole refresh of one location, inside tx; `before` are events to append ahead of the refresh's own. */
  async function applyRefresh(tx: Tx, loc: LocationRow, read: SourceRead, actor: string, before: NewEvent[] = []): Promise<RefreshResult> {
    const now = new Date();
    const nowIso = now.toISOString();
    const result: RefreshResult = { added: 0, updated: 0, removed: 0, orphaned: 0, unchanged: 0, problems: [] };
    let events: NewEvent[] = [...before];
    let status: 'ok' | 'error' = 'ok';

    if (!read.ok) {
      status = 'error';
      result.problems.push({ code: 'source_unreachable', path: '', message: `${read.error}; entities ingested before are kept`, severity: 'error' });
      const kept = await tx
        .selectFrom('entities')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('location_id', '=', loc.id)
        .executeTakeFirst();
      result.unchanged = Number(kept?.n ?? 0);
    } else {
      const { source } = read;
      const retainRefs = new Set<string>();
      const documentProblems: Problem[] = [];

      let denyReason: (entity: Entity, ref: string) => string | null = () => null;
      if (loc.owner) {
        const owner = loc.owner;
        const principal: Principal = { userRef: `location:${loc.id}`, role: 'member', teams: await withSubgroups(tx, owner) };
        denyReason = (entity) => {
          const d = decide(principal, 'catalog.entity.write', { owner: ownerOf(entity), kind: entity.kind.toLowerCase() });
          if (d.allowed) return null;
          const why = d.reason.replace(/^.*?catalog\.entity\.write: /, '');
          return `a location owned by ${owner} may only ingest entities owned by ${owner} or its subgroups (${why})`;
        };
      }
      // The source's documents arrive a chunk at a time and are written as they come: parsing the next
      // chunk (on worker threads) overlaps writing this one, and only a few chunks are in memory at once.
      let writer: EntityWriter | null = null;
      const admissionCtx = { actor, location: loc.id };
      let deferred: Candidate[] = [];
      for await (const chunk of source.chunks()) {
        const candidates: Candidate[] = [];
        for (const { file, doc, derived } of chunk.documents) {
          if (doc.entity) {
            candidates.push({
              entity: doc.entity,
              ref: stringifyEntityRef(doc.entity),
              file,
              line: doc.position.line,
              position: doc.position,
              warnings: doc.problems,
              ...(derived ? { derived } : {}),
            });
          } else {
            if (doc.ref) retainRefs.add(doc.ref);
            documentProblems.push(...doc.problems);
          }
        }
        writer ??= createEntityWriter(store.dialect, tx, {
          actor,
          locationId: loc.id,
          denyReason,
          now: nowIso,
          // The first chunk's share of the source's text says about how many entities the whole source has.
          expectedCandidates: Math.round((candidates.length * source.size) / Math.max(1, chunk.size)),
        });
        const admitted = await admitCandidates(tx, candidates, { ...admissionCtx, final: false });
        deferred = deferred.concat(admitted.refused.map((r) => r.candidate));
        await writer.write(admitted.allowed);
      }
      writer ??= createEntityWriter(store.dialect, tx, { actor, locationId: loc.id, denyReason, now: nowIso });
      if (deferred.length > 0) {
        // Decided again with the whole import stored: an owner declared in a later file now exists.
        const again = await admitCandidates(tx, deferred, admissionCtx);
        await writer.write(again.allowed);
        for (const r of again.refused) {
          retainRefs.add(r.candidate.ref);
          documentProblems.push(refusalProblem(r.candidate.ref, r.refused, r.candidate.position));
        }
      }
      const written = await writer.finish({
        onMissing: loc.on_missing,
        retainRefs,
        retainFiles: source.retainFiles,
        retainPrefixes: source.retainPrefixes,
      });
      result.added = written.added;
      result.updated = written.updated;
      result.removed = written.removed;
      result.orphaned = written.orphaned;
      result.unchanged = written.unchanged;
      // concat, not push(...): a big source has more of these than a call may take arguments.
      result.problems = result.problems.concat(documentProblems, source.problems(), written.problems, await cycleProblems(tx, written));
      events = events.concat(written.events);
    }

    result.problems = capProblems(result.problems);
    const interval = loc.refresh_interval_s === null ? null : Number(loc.refresh_interval_s);
    const next = interval ? new Date(now.getTime() + interval * 1000).toISOString() : null;
    await tx
      .updateTable('locations')
      .set({ status, problems: JSON.stringify(result.problems), last_refreshed_at: nowIso, next_refresh_at: next })
      .where('id', '=', loc.id)
      .execute();
    events.push({
      actor,
      action: 'catalog.location.refreshed',
      subject: `location:${loc.id}`,
      payload: {
        status,
        added: result.added,
        updated: result.updated,
        removed: result.removed,
        orphaned: result.orphaned,
        unchanged: result.unchanged,
        problems: result.problems.length,
      },
      time: nowIso,
    });
    await store.events.append(tx, events);
    return result;
  }

  /** Locks the location row until the transaction ends, so two refreshes of one location run one after the other. */
  async function lockLocation(tx: Tx, id: string): Promise<LocationRow> {
    if (store.dialect === 'postgres') {
      const r = await sql<LocationRow>`select * from locations where id = ${id} for update`.execute(tx);
      if (!r.rows[0]) throw new NotFoundError(`no location with id ${JSON.stringify(id)}`);
      return r.rows[0];
    }
    return locationRow(id, tx);
  }

  function normalizeOwner(owner: string | null | undefined): string | null {
    if (owner === null || owner === undefined || owner.trim() === '') return null;
    const parsed = tryParseEntityRef(owner.trim(), { defaultKind: 'group' });
    if ('error' in parsed) throw invalid('owner', parsed.error);
    if (parsed.kind !== 'group') throw invalid('owner', `expected a group ref such as group:default/payments, found ${JSON.stringify(owner)}`);
    return stringifyEntityRef(parsed);
  }

  const catalog: Catalog = {
    async addLocation(p, input) {
      if (!input || typeof input.target !== 'string') throw invalid('target', `expected a string, found ${JSON.stringify(input?.target)}`);
      if (input.type !== undefined && !['file', 'dir', 'git'].includes(input.type)) {
        throw invalid('type', `expected file, dir or git, found ${JSON.stringify(input.type)}`);
      }
      const onMissing = input.onMissing ?? 'delete';
      if (onMissing !== 'delete' && onMissing !== 'orphan') throw invalid('onMissing', `expected delete or orphan, found ${JSON.stringify(onMissing)}`);
      const interval = input.refreshIntervalS ?? null;
      if (interval !== null && (!Number.isInteger(interval) || interval < 10)) {
        throw invalid('refreshIntervalS', `expected null or a whole number of seconds of at least 10, found ${JSON.stringify(interval)}`);
      }
      const owner = normalizeOwner(input.owner);
      authorize(p, 'catalog.location.create', { owner });
      const { parsed, canonical } = parseLocationTarget(input.target, input.type);
      // A file, a directory or a local repository makes the server read its own disk: admins only.
      const localSource = parsed.type !== 'git' || parsed.url.startsWith('file:') || !isRemoteUrl(parsed.url);
      authorize(p, 'catalog.location.create', { owner, localSource });

      const taken = await db.selectFrom('locations').select('id').where('target', '=', canonical).executeTakeFirst();
      if (taken) throw new ConflictError(`target: a location for ${canonical} already exists (id ${taken.id})`, { details: { id: taken.id } });

      const read = await readLocation(parsed);
      const id = randomUUID();
      const now = new Date().toISOString();
      let refresh: RefreshResult;
      try {
        refresh = await store.transaction(async (tx) => {
          await tx
            .insertInto('locations')
            .values({
              id,
              type: parsed.type,
              target: canonical,
              owner,
              on_missing: onMissing,
              refresh_interval_s: interval,
              status: 'pending',
              problems: '[]',
              last_refreshed_at: null,
              next_refresh_at: null,
              created_at: now,
              created_by: p.userRef,
            })
            .execute();
          // Appended with the refresh's events, at the end: the event log's lock is taken last (see events.append).
          const created: NewEvent = {
            actor: p.userRef,
            action: 'catalog.location.created',
            subject: `location:${id}`,
            payload: { type: parsed.type, target: canonical, owner, onMissing, refreshIntervalS: interval },
            time: now,
          };
          return applyRefresh(tx, await locationRow(id, tx), read, p.userRef, [created]);
        });
        await refreshStatistics(refresh.added + refresh.updated + refresh.removed);
      } catch (e) {
        const again = await db.selectFrom('locations').select('id').where('target', '=', canonical).executeTakeFirst();
        if (again && again.id !== id) {
          throw new ConflictError(`target: a location for ${canonical} already exists (id ${again.id})`, { cause: e, details: { id: again.id } });
        }
        throw e;
      } finally {
        if (read.ok) await read.source.close();
      }
      return { location: await locationView(id), refresh };
    },

    async refreshLocation(p, id) {
      const loc = await locationRow(id);
      authorize(p, 'catalog.location.refresh', { owner: loc.owner });
      const read = await readLocation(parseStoredTarget(loc.type, loc.target));
      let refresh: RefreshResult;
      try {
        refresh = await store.transaction(async (tx) => applyRefresh(tx, await lockLocation(tx, id), read, p.userRef));
      } finally {
        if (read.ok) await read.source.close();
      }
      await refreshStatistics(refresh.added + refresh.updated + refresh.removed);
      return { location: await locationView(id), refresh };
    },

    async removeLocation(p, id) {
      const loc = await locationRow(id);
      authorize(p, 'catalog.location.delete', { owner: loc.owner });
      await store.transaction(async (tx) => {
        await lockLocation(tx, id);
        const refs = (await tx.selectFrom('entities').select('ref').where('location_id', '=', id).execute()).map((r) => r.ref);
        await deleteEntityRows(tx, store.dialect, refs);
        await tx.deleteFrom('locations').where('id', '=', id).execute();
        const now = new Date().toISOString();
        const events: NewEvent[] = refs.map((ref) => ({
          actor: p.userRef,
          action: 'catalog.entity.deleted',
          subject: ref,
          payload: { locationId: id },
          time: now,
        }));
        events.push({ actor: p.userRef, action: 'catalog.location.deleted', subject: `location:${id}`, payload: { target: loc.target, entities: refs.length }, time: now });
        await store.events.append(tx, events);
      });
    },

    async listLocations() {
      const rows = (await db.selectFrom('locations').selectAll().orderBy('created_at').orderBy('id').execute()) as LocationRow[];
      const counts = await db
        .selectFrom('entities')
        .select(['location_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('location_id', 'is not', null)
        .groupBy('location_id')
        .execute();
      const byId = new Map(counts.map((c) => [c.location_id, Number(c.n)]));
      return rows.map((r) => toLocationView(r, byId.get(r.id) ?? 0));
    },

    getLocation: locationView,

    async findLocationsForRepo(urlOrPath) {
      const wanted = normalizeRepoUrl(urlOrPath);
      const rows = (await db.selectFrom('locations').selectAll().where('type', '=', 'git').execute()) as LocationRow[];
      const ids = rows
        .filter((r) => {
          try {
            const t = parseStoredTarget('git', r.target);
            return t.type === 'git' && normalizeRepoUrl(t.url) === wanted;
          } catch {
            return false;
          }
        })
        .map((r) => r.id);
      return Promise.all(ids.map((id) => locationView(id)));
    },

    async registerEntities(p, input) {
      const problems: Problem[] = [];
      const candidates: Candidate[] = [];
      if (input && 'yaml' in input && typeof input.yaml === 'string') {
        const parsed = parseDescriptors(input.yaml, input.file ?? 'request.yaml', { maxBytes: MAX_REGISTER_BYTES });
        problems.push(...parsed.problems);
        for (const doc of parsed.documents) {
          if (doc.entity) {
            candidates.push({ entity: doc.entity, ref: stringifyEntityRef(doc.entity), file: null, line: null, position: doc.position, warnings: doc.problems });
          } else {
            problems.push(...doc.problems);
          }
        }
      } else if (input && 'entities' in input && Array.isArray(input.entities)) {
        input.entities.forEach((raw, i) => {
          const checked = validateEntity(raw);
          const located = checked.problems.map((pr) => ({ ...pr, path: pr.path ? `entities[${i}].${pr.path}` : `entities[${i}]`, message: `entities[${i}]: ${pr.message}` }));
          if (checked.entity) {
            candidates.push({ entity: checked.entity, ref: stringifyEntityRef(checked.entity), file: null, line: null, warnings: checked.problems });
          } else {
            problems.push(...located);
          }
        });
      } else {
        throw invalid('', 'expected { yaml, file? } or { entities: [...] }');
      }

      const denyReason = (entity: Entity): string | null => {
        const d = decide(p, 'catalog.entity.write', { owner: ownerOf(entity), kind: entity.kind.toLowerCase() });
        return d.allowed ? null : d.reason;
      };
      const stored = await store.transaction(async (tx) => {
        const admitted = await admitCandidates(tx, candidates, { actor: p.userRef, location: null });
        for (const r of admitted.refused) problems.push(refusalProblem(r.candidate.ref, r.refused, r.candidate.position));
        const written = await writeEntities(store.dialect, tx, {
          actor: p.userRef,
          locationId: null,
          candidates: admitted.allowed,
          denyReason,
          removal: null,
          now: new Date().toISOString(),
        });
        problems.push(...written.problems, ...(await cycleProblems(tx, written)));
        if (written.events.length > 0) await store.events.append(tx, written.events);
        return written;
      });
      await refreshStatistics(stored.added + stored.updated);
      const storedSet = new Set(stored.stored);
      const order = [...new Set(candidates.map((c) => c.ref))].filter((r) => storedSet.has(r));
      return { items: await loadEntityViews(db, order), problems };
    },

    async deleteEntity(p, ref) {
      const full = await resolveEntityRef(db, ref);
      const row = await db.selectFrom('entities').select(['body', 'location_id']).where('ref', '=', full).executeTakeFirst();
      if (!row) throw new NotFoundError(`no entity ${full} in the catalog`);
      const entity = JSON.parse(row.body) as Entity;
      authorize(p, 'catalog.entity.delete', { owner: ownerOf(entity), kind: entity.kind.toLowerCase() });
      await store.transaction(async (tx) => {
        await deleteEntityRows(tx, store.dialect, [full]);
        await store.events.append(tx, {
          actor: p.userRef,
          action: 'catalog.entity.deleted',
          subject: full,
          payload: { locationId: row.location_id },
        });
      });
    },

    async getEntity(ref) {
      const full = await resolveEntityRef(db, ref);
      const [view] = await loadEntityViews(db, [full]);
      if (!view) throw new NotFoundError(`no entity ${full} in the catalog`);
      return view;
    },

    async listEntities(q) {
      // Paging through a list asks the same total on every page; it holds until the data changes.
      const seq = await headSeq();
      const countKey = JSON.stringify([q?.filter ?? [], q?.q ?? '']);
      const hit = countCache.get(countKey);
      const page = await listEntities(db, store.dialect, q ?? {}, hit && hit.seq === seq ? hit.value : undefined);
      countCache.delete(countKey);
      countCache.set(countKey, { seq, value: page.totalCount });
      if (countCache.size > CACHE_SIZE) countCache.delete(countCache.keys().next().value as string);
      return page;
    },
    async facets(q) {
      // Portals ask the same facets on every page view; the answer holds until the data changes.
      const seq = await headSeq();
      const key = JSON.stringify([q.facets, q.filter ?? [], q.q ?? '']);
      const hit = facetCache.get(key);
      if (hit && hit.seq === seq) return structuredClone(hit.value);
      const value = await facetCounts(db, store.dialect, q);
      facetCache.delete(key);
      facetCache.set(key, { seq, value: structuredClone(value) });
      if (facetCache.size > CACHE_SIZE) facetCache.delete(facetCache.keys().next().value as string);
      return value;
    },
    related: (q) => relatedEntities(db, q),
    graph: (q) => entityGraph(db, q),

    async entityFacts(refs) {
      const rows = refs.length ? await whereIn<{ ref: string; body: string }>(db, store.dialect, 'select ref, body from entities where ref', refs) : [];
      return entityFacts(db, store.dialect, rows.map((r) => ({ ref: r.ref, entity: JSON.parse(r.body) as Entity })));
    },

    validate(text, file) {
      const parsed = parseDescriptors(text, file, { maxBytes: MAX_REGISTER_BYTES });
      const problems = [...parsed.problems, ...parsed.documents.flatMap((d) => d.problems)];
      return { problems, entities: parsed.documents.filter((d) => d.entity).length };
    },

    async refreshDue(now = new Date()) {
      const due = await db
        .selectFrom('locations')
        .select(['id', 'next_refresh_at'])
        .where('refresh_interval_s', 'is not', null)
        .where('next_refresh_at', 'is not', null)
        .where('next_refresh_at', '<=', now.toISOString())
        .execute();
      for (const loc of due) {
        await store.queue.enqueue(null, {
          type: REFRESH_LOCATION_JOB,
          payload: { locationId: loc.id },
          idempotencyKey: `refresh:${loc.id}:${loc.next_refresh_at}`,
          actor: SYSTEM.userRef,
        });
      }
      return due.length;
    },
  };
  return catalog;
}

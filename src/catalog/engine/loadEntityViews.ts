import { sql, type Kysely } from 'kysely';
import { InputError, NotFoundError, type Problem } from '../../core/errors.js';
import type { Database } from '../../store/index.js';
import { tryParseEntityRef, type Entity } from '../model/index.js';
import { chunked, IN_LIST_SIZE } from './batch.js';
import { describeCycle, findCycles } from './findCycles.js';
import type { EntityView } from './views.js';

/** The entity columns a view needs, plus its location's target. */
export interface EntityRow {
  ref: string;
  uid: string;
  etag: string;
  body: string;
  location_id: string | null;
  location_target: string | null;
  source_file: string | null;
  source_line: number | null;
  status: string;
  orphan: number;
  created_at: string;
  updated_at: string;
}

/** Select list for EntityRow over `entities e left join locations l`. */
export const ENTITY_ROW_COLUMNS = sql`e.ref, e.uid, e.etag, e.body, e.location_id, l.target as location_target,
  e.source_file, e.source_line, e.status, e.orphan, e.created_at, e.updated_at`;

/**
 * Turns rows into views with three more queries for the whole page, not per entity: the outgoing relations,
 * which of their targets exist (a missing one is a `missing_target` warning), and hierarchy cycles the
 * entities are in (an `cycle` error). Both are computed now, so they are current whatever order entities
 * arrived in.
 */
/** The distinct outgoing relations of `refs` (at most IN_LIST_SIZE of them), in a stable order. */
export function outgoingRelations(db: Kysely<Database>, refs: string[]) {
  return db
    .selectFrom('relations')
    .select(['source_ref', 'type', 'target_ref'])
    .distinct()
    .where('source_ref', 'in', refs)
    .orderBy('source_ref')
    .orderBy('type')
    .orderBy('target_ref')
    .execute();
}

export async function toEntityViews(db: Kysely<Database>, rows: EntityRow[]): Promise<EntityView[]> {
  if (rows.length === 0) return [];
  const refs = rows.map((r) => r.ref);
  const relations = new Map<string, Array<{ type: string; targetRef: string }>>();
  const targets = new Set<string>();
  for (const part of chunked(refs, IN_LIST_SIZE)) {
    for (const r of await outgoingRelations(db, part)) {
      const list = relations.get(r.source_ref) ?? [];
      list.push({ type: r.type, targetRef: r.target_ref });
      relations.set(r.source_ref, list);
      targets.add(r.target_ref);
    }
  }
  const existing = new Set<string>();
  for (const part of chunked([...targets], IN_LIST_SIZE)) {
    for (const r of await db.selectFrom('entities').select('ref').where('ref', 'in', part).execute()) existing.add(r.ref);
  }
  const cycleProblems = new Map<string, Problem[]>();
  for (const cycle of await findCycles(db, refs)) {
    const problem: Problem = {
      code: 'cycle',
      path: 'relations',
      message: `relations: expected ${cycle.type} relations to form a hierarchy, found a cycle: ${describeCycle(cycle)}`,
      severity: 'error',
    };
    for (const ref of cycle.refs) cycleProblems.set(ref, [...(cycleProblems.get(ref) ?? []), problem]);
  }

  return rows.map((row) => {
    const entity = JSON.parse(row.body) as Entity & Record<string, unknown>;
    entity.metadata.uid = row.uid;
    entity.metadata.etag = row.etag;
    const rels = relations.get(row.ref) ?? [];
    const stored = (JSON.parse(row.status) as { problems?: Problem[] }).problems ?? [];
    const problems: Problem[] = [...stored, ...(cycleProblems.get(row.ref) ?? [])];
    for (const r of rels) {
      if (!existing.has(r.targetRef)) {
        problems.push({
          code: 'missing_target',
          path: 'relations',
          message: `relations: ${r.type} ${r.targetRef}: expected an entity ${r.targetRef} in the catalog, found none`,
          severity: 'warning',
        });
      }
    }
    return {
      ref: row.ref,
      kind: entity.kind,
      namespace: entity.metadata.namespace ?? 'default',
      name: entity.metadata.name,
      entity,
      relations: rels,
      status: { problems },
      source:
        row.location_id === null
          ? null
          : { locationId: row.location_id, locationTarget: row.location_target ?? '', file: row.source_file, line: row.source_line },
      orphan: Number(row.orphan) === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  });
}

/** Views of the given refs, in the order given; refs with no entity are left out. */
export async function loadEntityViews(db: Kysely<Database>, refs: string[]): Promise<EntityView[]> {
  const rows = new Map<string, EntityRow>();
  for (const part of chunked([...new Set(refs)], IN_LIST_SIZE)) {
    const r = await sql<EntityRow>`select ${ENTITY_ROW_COLUMNS} from entities e left join locations l on l.id = e.location_id
      where e.ref in (${sql.join(part)})`.execute(db);
    for (const row of r.rows) rows.set(row.ref, row);
  }
  return toEntityViews(db, refs.map((r) => rows.get(r)).filter((r): r is EntityRow => r !== undefined));
}

/**
 * Finds the stored ref a possibly partial ref means, as Backstage defaults them: `kind:namespace/name`,
 * `kind:name` (namespace `default`), or `[namespace/]name` when exactly one kind has that name.
 * NotFoundError when there is none; InputError when the ref is malformed or ambiguous.
 */
export async function resolveEntityRef(db: Kysely<Database>, ref: string): Promise<string> {
  const text = ref.trim();
  const colon = text.indexOf(':');
  const slash = text.indexOf('/');
  const hasKind = colon !== -1 && (slash === -1 || colon < slash);
  if (hasKind) {
    const parsed = tryParseEntityRef(text);
    if ('error' in parsed) throw new InputError(`ref: ${parsed.error}`, { problems: [{ code: 'invalid_ref', path: 'ref', message: parsed.error, severity: 'error' }] });
    const full = `${parsed.kind}:${parsed.namespace}/${parsed.name}`;
    const row = await db.selectFrom('entities').select('ref').where('ref', '=', full).executeTakeFirst();
    if (!row) throw new NotFoundError(`no entity ${full} in the catalog`);
    return row.ref;
  }
  const namespace = (slash === -1 ? 'default' : text.slice(0, slash)).toLowerCase();
  const name = (slash === -1 ? text : text.slice(slash + 1)).toLowerCase();
  if (!name || name.includes('/') || name.includes(':')) {
    const message = `expected an entity ref [<kind>:][<namespace>/]<name>, found ${JSON.stringify(ref)}`;
    throw new InputError(`ref: ${message}`, { problems: [{ code: 'invalid_ref', path: 'ref', message, severity: 'error' }] });
  }
  const rows = await db.selectFrom('entities').select('ref').where('name', '=', name).where('namespace', '=', namespace).limit(10).execute();
  if (rows.length === 0) throw new NotFoundError(`no entity named ${namespace}/${name} in the catalog`);
  if (rows.length > 1) {
    const message = `expected a ref naming one entity, found ${rows.length} entities named ${namespace}/${name}: ${rows.map((r) => r.ref).join(', ')}; add the kind`;
    throw new InputError(`ref: ${message}`, { problems: [{ code: 'ambiguous_ref', path: 'ref', message, severity: 'error' }] });
  }
  return (rows[0] as { ref: string }).ref;
}

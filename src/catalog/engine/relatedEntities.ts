import { sql, type Kysely } from 'kysely';
import { InputError, NotFoundError } from '../../core/errors.js';
import type { Database } from '../../store/index.js';
import type { Entity, RelationType } from '../model/index.js';
import { chunked, IN_LIST_SIZE } from './batch.js';
import { parseRelationType } from './listEntities.js';
import { loadEntityViews, outgoingRelations, resolveEntityRef } from './loadEntityViews.js';
import type { EntityView, GraphEdge, GraphNode } from './views.js';

/** `related` answers at most this many entities (ordered by name); a bigger answer is cut. */
export const MAX_RELATED = 10_000;
/** The graph stops adding nodes past this many, so a hub entity cannot blow up the answer. */
export const MAX_GRAPH_NODES = 500;
export const MAX_GRAPH_DEPTH = 4;

/** A ref that is either full (kept as written, lower-cased) or resolved against the stored entities. */
async function refFor(db: Kysely<Database>, ref: string): Promise<string> {
  const text = ref.trim().toLowerCase();
  const colon = text.indexOf(':');
  const slash = text.indexOf('/');
  if (colon !== -1 && slash > colon) return text;
  try {
    return await resolveEntityRef(db, text);
  } catch (e) {
    // A kind-qualified ref with no entity may still be the target of relations (a group nobody described).
    if (e instanceof NotFoundError && colon !== -1) return `${text.slice(0, colon)}:default/${text.slice(colon + 1)}`;
    throw e;
  }
}

/** The group and all its descendant groups (parentOf, transitively). */
export async function withSubgroups(db: Kysely<Database>, group: string): Promise<string[]> {
  const rows = await sql<{ ref: string }>`
    with recursive team(ref) as (
      select ${group}
      union
      select r.target_ref from relations r join team t on r.source_ref = t.ref where r.type = 'parentOf'
    )
    select ref from team`.execute(db);
  return rows.rows.map((r) => r.ref);
}

/**
 * Entities related to `ref` by `relation`: directly, or transitively (following the same relation from each
 * target, with WITH RECURSIVE; cycles end because UNION drops repeats). `includeSubgroups` starts from the
 * group and its descendant groups, so `ownerOf` answers everything the group's subtree owns.
 */
export async function relatedEntities(
  db: Kysely<Database>,
  q: { ref: string; relation: RelationType | string; transitive?: boolean; includeSubgroups?: boolean },
): Promise<EntityView[]> {
  const relation = parseRelationType(q.relation);
  const start = await refFor(db, q.ref);
  const starts = q.includeSubgroups ? await withSubgroups(db, start) : [start];
  const found = new Set<string>();
  for (const part of chunked(starts, IN_LIST_SIZE)) {
    const rows = q.transitive
      ? await sql<{ ref: string }>`
          with recursive reach(ref) as (
            select r.target_ref from relations r where r.type = ${relation} and r.source_ref in (${sql.join(part)})
            union
            select r.target_ref from relations r join reach on r.source_ref = reach.ref where r.type = ${relation}
          )
          select ref from reach`.execute(db)
      : await sql<{ ref: string }>`select distinct r.target_ref as ref from relations r
          where r.type = ${relation} and r.source_ref in (${sql.join(part)})`.execute(db);
    for (const r of rows.rows) if (r.ref !== start) found.add(r.ref);
  }
  const ordered: string[] = [];
  for (const part of chunked([...found], IN_LIST_SIZE)) {
    const rows = await db.selectFrom('entities').select(['ref', 'name']).where('ref', 'in', part).execute();
    for (const r of rows) ordered.push(`${r.name}\u0000${r.ref}`);
  }
  ordered.sort();
  return loadEntityViews(db, ordered.slice(0, MAX_RELATED).map((k) => k.slice(k.indexOf('\u0000') + 1)));
}

/**
 * The relation graph around an entity, breadth first to `depth` (1–4): nodes (with kind, name, title; a
 * missing target shows what its ref says) and the edges between them.
 */
export async function entityGraph(
  db: Kysely<Database>,
  q: { ref: string; depth?: number },
): Promise<{ nodes: GraphNode[]; edges: GraphEdge[] }> {
  const depth = q.depth ?? 1;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_GRAPH_DEPTH) {
    const message = `expected an integer from 1 to ${MAX_GRAPH_DEPTH}, found ${String(q.depth)}`;
    throw new InputError(`depth: ${message}`, { problems: [{ code: 'invalid_query', path: 'depth', message, severity: 'error' }] });
  }
  const root = await resolveEntityRef(db, q.ref);
  const nodes = new Set<string>([root]);
  const edges = new Map<string, GraphEdge>();
  let frontier = [root];
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const part of chunked(frontier, IN_LIST_SIZE)) {
      for (const r of await outgoingRelations(db, part)) {
        if (!nodes.has(r.target_ref)) {
          if (nodes.size >= MAX_GRAPH_NODES) continue;
          nodes.add(r.target_ref);
          next.push(r.target_ref);
        }
        edges.set(`${r.source_ref}\u0000${r.type}\u0000${r.target_ref}`, { source: r.source_ref, type: r.type, target: r.target_ref });
      }
    }
    frontier = next;
  }

  const info = new Map<string, GraphNode>();
  for (const part of chunked([...nodes], IN_LIST_SIZE)) {
    for (const r of await db.selectFrom('entities').select(['ref', 'body']).where('ref', 'in', part).execute()) {
      const e = JSON.parse(r.body) as Entity;
      const node: GraphNode = { ref: r.ref, kind: e.kind, name: e.metadata.name };
      if (typeof e.metadata.title === 'string') node.title = e.metadata.title;
      info.set(r.ref, node);
    }
  }
  const graphNodes = [...nodes].map((ref) => {
    const known = info.get(ref);
    if (known) return known;
    const colon = ref.indexOf(':');
    return { ref, kind: ref.slice(0, colon), name: ref.slice(ref.indexOf('/') + 1) };
  });
  return { nodes: graphNodes, edges: [...edges.values()] };
}

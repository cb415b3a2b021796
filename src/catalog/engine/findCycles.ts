import { sql, type Kysely } from 'kysely';
import type { Database, Dialect } from '../../store/index.js';
import { chunked, IN_LIST_SIZE } from './batch.js';

/** Relations that must form a tree (or a forest): a cycle in them makes "which system is this part of" unanswerable. */
export const HIERARCHY_RELATIONS = ['partOf', 'childOf'] as const;

/** One cycle: the relation type and its members, in the order the edges go. */
export interface Cycle {
  type: string;
  refs: string[];
}

// Hierarchies are shallow (component → system → domain); this bounds the walk on hostile data.
const MAX_ROUNDS = 64;

/**
 * Finds the `partOf` / `childOf` cycles that contain any of `starts`. Loads the hierarchy edges reachable
 * from them a level at a time (one query per level and chunk, the same on both databases), then runs
 * Tarjan's strongly connected components over what it loaded: a component of two or more refs, or a ref
 * that is its own parent, is a cycle. `dialect` 'postgres' sends each level as one array parameter; the
 * default, chunked IN lists, works on both databases.
 */
export async function findCycles(db: Kysely<Database>, starts: Iterable<string>, dialect: Dialect = 'sqlite'): Promise<Cycle[]> {
  const edges = new Map<string, Map<string, string[]>>();
  for (const t of HIERARCHY_RELATIONS) edges.set(t, new Map());
  const startSet = new Set(starts);
  let frontier = [...startSet];
  const loaded = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0; round++) {
    for (const ref of frontier) loaded.add(ref);
    const next = new Set<string>();
    // PostgreSQL takes the whole level as one array parameter, joined as a table: no IN list to build, bind
    // and plan per chunk, and `= any(array)` would make the planner estimate every element (seconds at 80k).
    const parts = dialect === 'postgres' ? [frontier] : chunked(frontier, IN_LIST_SIZE);
    for (const part of parts) {
      const rows =
        dialect === 'postgres'
          ? (
              await sql<{ source_ref: string; type: string; target_ref: string }>`
                select distinct r.source_ref, r.type, r.target_ref from relations r
                join unnest(${part}::text[]) as s(ref) on r.source_ref = s.ref
                where r.type in (${sql.join([...HIERARCHY_RELATIONS])})`.execute(db)
            ).rows
          : await db
              .selectFrom('relations')
              .select(['source_ref', 'type', 'target_ref'])
              .distinct()
              .where('type', 'in', [...HIERARCHY_RELATIONS])
              .where('source_ref', 'in', part)
              .execute();
      for (const r of rows) {
        const byType = edges.get(r.type);
        if (!byType) continue;
        const list = byType.get(r.source_ref) ?? [];
        list.push(r.target_ref);
        byType.set(r.source_ref, list);
        if (!loaded.has(r.target_ref)) next.add(r.target_ref);
      }
    }
    frontier = [...next];
  }

  const cycles: Cycle[] = [];
  for (const [type, graph] of edges) {
    for (const scc of stronglyConnected(graph)) {
      const selfLoop = scc.length === 1 && (graph.get(scc[0] as string) ?? []).includes(scc[0] as string);
      if ((scc.length > 1 || selfLoop) && scc.some((r) => startSet.has(r))) cycles.push({ type, refs: orderCycle(scc, graph) });
    }
  }
  return cycles;
}

/** Iterative Tarjan: the strongly connected components of a directed graph given as adjacency lists. */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const succ = graph.get(frame.node) ?? [];
      if (frame.next < succ.length) {
        const w = succ[frame.next++] as string;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          scc.push(w);
        } while (w !== frame.node);
        out.push(scc);
      }
    }
  }
  return out;
}

/** The members of a component in edge order, starting from the smallest ref, so messages are stable. */
function orderCycle(scc: string[], graph: Map<string, string[]>): string[] {
  const members = new Set(scc);
  const first = [...scc].sort()[0] as string;
  const ordered = [first];
  let cur = first;
  while (ordered.length < scc.length) {
    const next = (graph.get(cur) ?? []).filter((t) => members.has(t) && !ordered.includes(t)).sort()[0];
    if (!next) break;
    ordered.push(next);
    cur = next;
  }
  for (const r of [...scc].sort()) if (!ordered.includes(r)) ordered.push(r);
  return ordered;
}

/** "a → b → c → a". */
export function describeCycle(c: Cycle): string {
  return [...c.refs, c.refs[0]].join(' → ');
}

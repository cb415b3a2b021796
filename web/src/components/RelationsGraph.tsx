import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { EntityGraph, GraphEdge, GraphNode } from '../api.js';
import { kindLabel } from '../kindLabel.js';

const NODE_W = 200;
const NODE_H = 46;
/** Characters of a name that fit in a node box at the node font size. */
const NAME_CHARS = 24;
/**
 * A relation type with this many targets from one node is drawn as one labelled box of small nodes. The
 * second ring clusters sooner: it is where neighbourhoods explode (a team's members, an API's consumers).
 */
const CLUSTER_MIN = { 1: 5, 2: 2 } as const;
const MEMBER_W = 210;
const MEMBER_H = 28;
const MEMBER_GAP = 6;
const MEMBER_NAME_CHARS = 21;
const CLUSTER_PAD = 10;
const CLUSTER_HEADER = 26;
/** Clear space kept between two boxes. */
const GAP_X = 18;
const GAP_Y = 16;
/** Smallest ring radii; rings are ellipses (wider than tall) because the boxes are. */
const RING1 = { rx: 260, ry: 140 };
const RING_STEP = { rx: 250, ry: 130 };
const PAD = 24;
/** Beyond this many second-ring entities a diagram stops being readable; the rest are counted, not drawn. */
const MAX_OUTER = 90;

const KIND_SHORT: Record<string, string> = {
  component: 'COMP',
  resource: 'RES',
  system: 'SYS',
  environment: 'ENV',
  template: 'TMPL',
  location: 'LOC',
};

/** A box on a ring: one entity, or a cluster of the many targets of one relation type. */
interface Item {
  key: string;
  depth: number;
  w: number;
  h: number;
  x: number;
  y: number;
  node?: GraphNode;
  cluster?: { type: string; parent: string; members: GraphNode[]; cols: number };
}

/** Where an entity ended up: its own box, or a small box inside a cluster. */
interface Spot {
  ref: string;
  x: number;
  y: number;
  w: number;
  h: number;
  depth: number;
  cluster?: Item;
}

interface DrawnEdge {
  key: string;
  from: Spot;
  to: Spot;
  label: string;
  /** Both ends away from the centre: drawn lighter. */
  outer: boolean;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function labelOf(n: GraphNode): string {
  return n.title || n.name;
}

/** Breadth-first distance of every node from the centre, over edges in either direction. */
function distances(edges: GraphEdge[], center: string): Map<string, number> {
  const adj = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!adj.has(e.source)) adj.set(e.source, new Set());
    if (!adj.has(e.target)) adj.set(e.target, new Set());
    adj.get(e.source)?.add(e.target);
    adj.get(e.target)?.add(e.source);
  }
  const dist = new Map<string, number>([[center, 0]]);
  const queue = [center];
  while (queue.length) {
    const cur = queue.shift() as string;
    for (const next of adj.get(cur) ?? []) {
      if (!dist.has(next)) {
        dist.set(next, (dist.get(cur) ?? 0) + 1);
        queue.push(next);
      }
    }
  }
  return dist;
}

/**
 * The relation between two nodes as read from `from` ("payments-api ownedBy payments"). Relations are
 * stored in both directions; when only the reverse one came back, it is named as stored.
 */
function relationLabel(edges: GraphEdge[], from: string, to: string): string {
  const forward = edges.filter((e) => e.source === from && e.target === to).map((e) => e.type);
  if (forward.length) return [...new Set(forward)].join(', ');
  return [...new Set(edges.filter((e) => e.source === to && e.target === from).map((e) => e.type))].join(', ');
}

function boxesOverlap(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean {
  return Math.abs(a.x - b.x) < (a.w + b.w) / 2 + GAP_X && Math.abs(a.y - b.y) < (a.h + b.h) / 2 + GAP_Y;
}

/**
 * Spreads items evenly on an ellipse, growing it until no two boxes (of this ring, or already placed
 * ones) overlap. One or two items sit left and right of the centre rather than above it.
 */
function placeRing(items: Item[], min: { rx: number; ry: number }, fixed: Item[], offset = 0): { rx: number; ry: number } {
  let { rx, ry } = min;
  const start = items.length <= 2 ? 0 : -Math.PI / 2;
  for (let attempt = 0; ; attempt++) {
    items.forEach((item, i) => {
      const angle = start + (2 * Math.PI * (i + offset)) / Math.max(items.length, 1);
      item.x = rx * Math.cos(angle);
      item.y = ry * Math.sin(angle);
    });
    const clash = items.some((a, i) => fixed.some((f) => boxesOverlap(a, f)) || items.some((b, j) => j > i && boxesOverlap(a, b)));
    if (!clash || attempt >= 100) return { rx, ry };
    rx *= 1.06;
    ry *= 1.06;
  }
}

/** Groups nodes by (parent, relation from the parent); large groups become cluster items. */
function ringItems(nodes: GraphNode[], depth: 1 | 2, parentOf: (ref: string) => string, edges: GraphEdge[]): Item[] {
  const groups = new Map<string, { parent: string; type: string; members: GraphNode[] }>();
  for (const n of nodes) {
    const parent = parentOf(n.ref);
    const type = relationLabel(edges, parent, n.ref);
    const key = `${parent}|${type}`;
    const g = groups.get(key) ?? { parent, type, members: [] };
    g.members.push(n);
    groups.set(key, g);
  }
  const items: Item[] = [];
  for (const [key, g] of groups) {
    if (g.members.length < CLUSTER_MIN[depth]) {
      for (const n of g.members) items.push({ key: n.ref, depth, w: NODE_W, h: NODE_H, x: 0, y: 0, node: n });
      continue;
    }
    const members = [...g.members].sort((a, b) => a.kind.localeCompare(b.kind) || labelOf(a).localeCompare(labelOf(b)));
    const cols = members.length <= 6 ? 1 : members.length <= 16 ? 2 : 3;
    const rows = Math.ceil(members.length / cols);
    items.push({
      key: `cluster:${key}`,
      depth,
      w: cols * MEMBER_W + (cols - 1) * MEMBER_GAP + 2 * CLUSTER_PAD,
      h: CLUSTER_HEADER + rows * MEMBER_H + (rows - 1) * MEMBER_GAP + CLUSTER_PAD,
      x: 0,
      y: 0,
      cluster: { type: g.type, parent: g.parent, members, cols },
    });
  }
  return items;
}

function memberSpot(item: Item, index: number): Spot {
  const c = item.cluster as NonNullable<Item['cluster']>;
  const col = index % c.cols;
  const row = Math.floor(index / c.cols);
  return {
    ref: (c.members[index] as GraphNode).ref,
    x: item.x - item.w / 2 + CLUSTER_PAD + col * (MEMBER_W + MEMBER_GAP) + MEMBER_W / 2,
    y: item.y - item.h / 2 + CLUSTER_HEADER + row * (MEMBER_H + MEMBER_GAP) + MEMBER_H / 2,
    w: MEMBER_W,
    h: MEMBER_H,
    depth: item.depth,
    cluster: item,
  };
}

/**
 * Radial layout: the entity in the centre, its direct neighbours on a first ring (a relation type with
 * many targets, such as a team's members, as one cluster box), their neighbours on a second ring ordered
 * by the angle of the node that links them, so edges stay short and rarely cross.
 */
function layout(graph: EntityGraph, center: string) {
  const { edges } = graph;
  const dist = distances(edges, center);
  const byRef = new Map(graph.nodes.map((n) => [n.ref, n]));
  if (!byRef.has(center)) byRef.set(center, { ref: center, kind: center.split(':')[0] ?? '', name: center.split('/').pop() ?? center });
  const centerItem: Item = { key: center, depth: 0, w: NODE_W, h: NODE_H, x: 0, y: 0, node: byRef.get(center) as GraphNode };

  const ring1Nodes = [...byRef.values()].filter((n) => dist.get(n.ref) === 1);
  const ring1 = ringItems(ring1Nodes, 1, () => center, edges).sort((a, b) => {
    const ta = a.cluster?.type ?? relationLabel(edges, center, a.key);
    const tb = b.cluster?.type ?? relationLabel(edges, center, b.key);
    return ta.localeCompare(tb) || a.key.localeCompare(b.key);
  });
  const ring1Size = placeRing(ring1, RING1, [centerItem]);

  const spots = new Map<string, Spot>();
  spots.set(center, { ref: center, x: 0, y: 0, w: NODE_W, h: NODE_H, depth: 0 });
  const addSpots = (items: Item[]) => {
    for (const item of items) {
      if (item.node) spots.set(item.node.ref, { ref: item.node.ref, x: item.x, y: item.y, w: item.w, h: item.h, depth: item.depth });
      else item.cluster?.members.forEach((_, i) => spots.set(item.cluster?.members[i]?.ref as string, memberSpot(item, i)));
    }
  };
  addSpots(ring1);

  const angleOf = (ref: string) => {
    const s = spots.get(ref);
    return s ? (Math.atan2(s.y, s.x) + 2.5 * Math.PI) % (2 * Math.PI) : 2 * Math.PI;
  };
  const neighbours = (ref: string) =>
    edges.filter((e) => e.source === ref || e.target === ref).map((e) => (e.source === ref ? e.target : e.source));
  const parentOf = (ref: string): string =>
    neighbours(ref)
      .filter((o) => dist.get(o) === 1)
      .sort((a, b) => angleOf(a) - angleOf(b) || a.localeCompare(b))[0] ?? center;

  const far = [...byRef.values()]
    .filter((n) => n.ref !== center && dist.get(n.ref) !== 1)
    .sort((a, b) => angleOf(parentOf(a.ref)) - angleOf(parentOf(b.ref)) || a.name.localeCompare(b.name));
  const hidden = Math.max(0, far.length - MAX_OUTER);
  const ring2 = ringItems(far.slice(0, MAX_OUTER), 2, parentOf, edges).sort(
    (a, b) => angleOf(a.cluster?.parent ?? parentOf(a.key)) - angleOf(b.cluster?.parent ?? parentOf(b.key)),
  );
  placeRing(ring2, { rx: ring1Size.rx + RING_STEP.rx, ry: ring1Size.ry + RING_STEP.ry }, [centerItem, ...ring1], 0.5);
  addSpots(ring2);

  const drawn: DrawnEdge[] = [];
  const seen = new Set<string>();
  for (const item of [...ring1, ...ring2]) {
    const c = item.cluster;
    const parent = c ? spots.get(c.parent) : undefined;
    if (!c || !parent) continue;
    const box: Spot = { ref: item.key, x: item.x, y: item.y, w: item.w, h: item.h, depth: item.depth };
    drawn.push({ key: item.key, from: parent, to: box, label: `${c.type} (${c.members.length})`, outer: parent.depth > 0 });
    for (const m of c.members) seen.add([c.parent, m.ref].sort().join('|'));
  }
  for (const e of edges) {
    const pair = [e.source, e.target].sort().join('|');
    if (seen.has(pair)) continue;
    seen.add(pair);
    const s = spots.get(e.source);
    const t = spots.get(e.target);
    if (!s || !t || s === t) continue;
    // Lines between two members of one cluster would only scribble over it.
    if (s.cluster && s.cluster === t.cluster) continue;
    const [from, to] = s.depth <= t.depth ? [s, t] : [t, s];
    drawn.push({ key: pair, from, to, label: relationLabel(edges, from.ref, to.ref), outer: from.depth > 0 });
  }

  const all = [centerItem, ...ring1, ...ring2];
  const minX = Math.min(...all.map((p) => p.x - p.w / 2)) - PAD;
  const maxX = Math.max(...all.map((p) => p.x + p.w / 2)) + PAD;
  const minY = Math.min(...all.map((p) => p.y - p.h / 2)) - PAD;
  const maxY = Math.max(...all.map((p) => p.y + p.h / 2)) + PAD;
  return { items: all, edges: drawn, hidden, box: { x: minX, y: minY, w: maxX - minX, h: maxY - minY } };
}

/** Where the segment from the centre of `from` to the centre of `to` meets the border of `to`'s box. */
function borderPoint(from: Spot, to: Spot): { x: number; y: number } {
  const dx = from.x - to.x;
  const dy = from.y - to.y;
  if (dx === 0 && dy === 0) return { x: to.x, y: to.y };
  const scale = Math.min((to.w / 2 + 4) / Math.abs(dx || 1e-9), (to.h / 2 + 4) / Math.abs(dy || 1e-9));
  return { x: to.x + dx * Math.min(scale, 1), y: to.y + dy * Math.min(scale, 1) };
}

export interface RelationsGraphProps {
  graph: EntityGraph;
  /** Ref of the entity the page is about; drawn in the centre. */
  centerRef: string;
  /** Opens a node's page. */
  onOpen: (ref: string) => void;
}

/** The entity's neighbourhood as an SVG diagram; every entity in it is a link (click, Enter or Space). */
export function RelationsGraph({ graph, centerRef, onOpen }: RelationsGraphProps) {
  const center = centerRef.toLowerCase();
  const scroller = useRef<HTMLDivElement>(null);
  const [zoom, setZoom] = useState<'fit' | 'actual'>('fit');
  const { items, edges, hidden, box } = layout(
    {
      nodes: graph.nodes.map((n) => ({ ...n, ref: n.ref.toLowerCase() })),
      edges: graph.edges.map((e) => ({ ...e, source: e.source.toLowerCase(), target: e.target.toLowerCase() })),
    },
    center,
  );
  // A large neighbourhood is drawn at a readable size and scrolls; start with the entity in view.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    el.scrollLeft = (el.scrollWidth - el.clientWidth) / 2;
    el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
  }, [box.w, box.h, zoom]);

  const linkProps = (node: GraphNode, isCenter: boolean) => ({
    role: 'link',
    tabIndex: 0,
    'aria-label': `${kindLabel(node.kind)} ${labelOf(node)}${isCenter ? ' (this entity)' : ''}`,
    onClick: () => onOpen(node.ref),
    onKeyDown: (e: KeyboardEvent<SVGGElement>) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onOpen(node.ref);
      }
    },
    'data-testid': 'graph-node',
    'data-ref': node.ref,
  });
  const entityCount = items.reduce((n, i) => n + (i.cluster ? i.cluster.members.length : 1), 0) - 1;

  return (
    <>
      <div className="graph-toolbar">
        <span className="muted small">
          {entityCount} related {entityCount === 1 ? 'entity' : 'entities'}; select one to open it.
        </span>
        <div className="segmented" role="radiogroup" aria-label="Graph zoom">
          {(['fit', 'actual'] as const).map((z) => (
            <button
              key={z}
              type="button"
              role="radio"
              aria-checked={zoom === z}
              className={zoom === z ? 'segment active' : 'segment'}
              onClick={() => setZoom(z)}
            >
              {z === 'fit' ? 'Fit' : 'Actual size'}
            </button>
          ))}
        </div>
      </div>
      <div className="graph-scroll" ref={scroller}>
        <svg
          className="graph"
          viewBox={`${box.x} ${box.y} ${box.w} ${box.h}`}
          style={zoom === 'actual' ? { width: `${Math.round(box.w)}px`, maxWidth: 'none' } : undefined}
          role="group"
          aria-label={`Relations graph: ${entityCount} related ${entityCount === 1 ? 'entity' : 'entities'}`}
          data-testid="relations-graph"
        >
          <defs>
            <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" className="graph-arrow" />
            </marker>
          </defs>
          <g>
            {edges.map((e) => {
              const start = borderPoint(e.to, e.from);
              const end = borderPoint(e.from, e.to);
              // The label sits in the middle of the visible part of the line, so no box at either end hides it.
              const mx = (start.x + end.x) / 2;
              const my = (start.y + end.y) / 2;
              const labelW = e.label.length * 6.3 + 12;
              return (
                <g key={e.key} className={e.outer ? 'graph-edge outer' : 'graph-edge'} data-testid="graph-edge">
                  <line x1={start.x} y1={start.y} x2={end.x} y2={end.y} markerEnd="url(#graph-arrow)" />
                  <rect x={mx - labelW / 2} y={my - 9} width={labelW} height={18} rx={4} className="graph-edge-label-bg" />
                  <text x={mx} y={my + 4} textAnchor="middle" className="graph-edge-label">
                    {e.label}
                  </text>
                </g>
              );
            })}
          </g>
          <g>
            {items.map((item) => {
              if (item.node) {
                const isCenter = item.depth === 0;
                return (
                  <g
                    key={item.key}
                    transform={`translate(${item.x - item.w / 2}, ${item.y - item.h / 2})`}
                    className={`graph-node kind-${item.node.kind.toLowerCase()}${isCenter ? ' center' : ''}`}
                    {...linkProps(item.node, isCenter)}
                  >
                    <title>{item.node.ref}</title>
                    <rect width={item.w} height={item.h} rx={8} />
                    <text x={12} y={17} className="graph-node-kind">
                      {kindLabel(item.node.kind).toUpperCase()}
                    </text>
                    <text x={12} y={35} className="graph-node-name">
                      {truncate(labelOf(item.node), NAME_CHARS)}
                    </text>
                  </g>
                );
              }
              const c = item.cluster as NonNullable<Item['cluster']>;
              return (
                <g key={item.key} className="graph-cluster" data-testid="graph-cluster">
                  <rect x={item.x - item.w / 2} y={item.y - item.h / 2} width={item.w} height={item.h} rx={10} />
                  <text x={item.x - item.w / 2 + CLUSTER_PAD} y={item.y - item.h / 2 + 17} className="graph-cluster-title">
                    {c.type} · {c.members.length}
                  </text>
                  {c.members.map((m, i) => {
                    const s = memberSpot(item, i);
                    return (
                      <g
                        key={m.ref}
                        transform={`translate(${s.x - s.w / 2}, ${s.y - s.h / 2})`}
                        className={`graph-node member kind-${m.kind.toLowerCase()}`}
                        {...linkProps(m, false)}
                      >
                        <title>{m.ref}</title>
                        <rect width={s.w} height={s.h} rx={6} />
                        <text x={10} y={18} className="graph-member-name">
                          {truncate(labelOf(m), MEMBER_NAME_CHARS)}
                        </text>
                        <text x={s.w - 8} y={18} textAnchor="end" className="graph-node-kind">
                          {KIND_SHORT[m.kind.toLowerCase()] ?? kindLabel(m.kind).toUpperCase()}
                        </text>
                      </g>
                    );
                  })}
                </g>
              );
            })}
          </g>
        </svg>
      </div>
      {hidden > 0 && (
        <p className="muted small">
          {hidden} more {hidden === 1 ? 'entity' : 'entities'} at this depth are not drawn; the relations list has every direct one.
        </p>
      )}
    </>
  );
}

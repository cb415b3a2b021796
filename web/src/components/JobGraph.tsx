import type { KeyboardEvent } from 'react';
import type { JobView } from '../api.js';
import { elapsed, STATUS_GLYPH, STATUS_LABEL } from '../pipelineFormat.js';

const NODE_W = 210;
const NODE_H = 58;
const GAP_X = 64;
const GAP_Y = 30;
const PAD = 16;
/** Characters of a job name that fit in a box at the node font size. */
const NAME_CHARS = 22;

export interface PlacedJob {
  job: JobView;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface JobGraphLayout {
  nodes: PlacedJob[];
  /** `path`: SVG path data from the right side of `from` to the left side of `to`. */
  edges: { from: PlacedJob; to: PlacedJob; path: string }[];
  width: number;
  height: number;
}

/** A horizontal cubic from one point to another (tangents level at both ends). */
function curve(xa: number, ya: number, xb: number, yb: number): string {
  const mid = (xa + xb) / 2;
  return ` C${mid},${ya} ${mid},${yb} ${xb},${yb}`;
}

/**
 * An edge's path. An edge that skips columns passes each column in between at the height it would have there
 * if that is clear of the boxes, else through the nearest gap between two boxes, so it never runs behind one.
 */
function edgePath(from: PlacedJob, to: PlacedJob, columns: PlacedJob[][]): string {
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x - 3;
  const y2 = to.y + NODE_H / 2;
  let d = `M${x1},${y1}`;
  let x = x1;
  let y = y1;
  for (let c = from.column + 1; c < to.column; c++) {
    const column = columns[c] ?? [];
    const want = y1 + ((y2 - y1) * (c - from.column)) / (to.column - from.column);
    const blocked = column.some((n) => want > n.y - 6 && want < n.y + NODE_H + 6);
    const gaps = column.length ? [(column[0] as PlacedJob).y - GAP_Y / 2, ...column.map((n) => n.y + NODE_H + GAP_Y / 2)] : [want];
    const pass = blocked ? gaps.reduce((best, g) => (Math.abs(g - want) < Math.abs(best - want) ? g : best)) : want;
    const left = PAD + c * (NODE_W + GAP_X);
    d += `${curve(x, y, left - 8, pass)} L${left + NODE_W + 8},${pass}`;
    x = left + NODE_W + 8;
    y = pass;
  }
  return d + curve(x, y, x2, y2);
}

/**
 * Columns by dependency depth (a job sits one column right of the deepest job it needs); within a column,
 * jobs are ordered by the mean row of what they need, so edges run mostly straight, then by pipeline order.
 * Columns are centred vertically on the tallest one.
 */
export function layoutJobs(jobs: JobView[]): JobGraphLayout {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, path: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const job = byId.get(id);
    // The API only hands out acyclic pipelines; should a cycle or an unknown need slip through, it ends the recursion.
    if (!job || path.has(id)) return 0;
    path.add(id);
    const needs = job.needs.filter((n) => byId.has(n));
    const d = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => depthOf(n, path)));
    path.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const j of jobs) depthOf(j.id, new Set());

  const order = new Map(jobs.map((j, i) => [j.id, i]));
  const columns: JobView[][] = [];
  for (const j of jobs) (columns[depth.get(j.id) ?? 0] ??= []).push(j);
  const rowOf = new Map<string, number>();
  columns.forEach((column, c) => {
    if (c > 0) {
      const mean = (j: JobView) => {
        const rows = j.needs.map((n) => rowOf.get(n)).filter((r): r is number => r !== undefined);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
      };
      column.sort((a, b) => mean(a) - mean(b) || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    }
    column.forEach((j, r) => rowOf.set(j.id, r));
  });

  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const nodes: PlacedJob[] = [];
  const placedColumns: PlacedJob[][] = [];
  const placed = new Map<string, PlacedJob>();
  columns.forEach((column = [], c) => {
    const offset = ((tallest - column.length) * (NODE_H + GAP_Y)) / 2;
    placedColumns[c] = column.map((job, r) => {
      const p = { job, column: c, row: r, x: PAD + c * (NODE_W + GAP_X), y: PAD + offset + r * (NODE_H + GAP_Y) };
      nodes.push(p);
      placed.set(job.id, p);
      return p;
    });
  });
  const edges = nodes.flatMap((to) =>
    to.job.needs.flatMap((n) => {
      const from = placed.get(n);
      // A need drawn left of its job (only in a cycle) would be a backwards scribble; it is left out.
      return from && from.column < to.column ? [{ from, to, path: edgePath(from, to, placedColumns) }] : [];
    }),
  );
  return {
    nodes,
    edges,
    width: 2 * PAD + columns.length * NODE_W + Math.max(0, columns.length - 1) * GAP_X,
    height: 2 * PAD + tallest * NODE_H + (tallest - 1) * GAP_Y,
  };
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export interface JobGraphProps {
  jobs: JobView[];
  /** Id of the selected job, drawn highlighted. */
  selected: string | null;
  onSelect: (jobId: string) => void;
  /** For running jobs' elapsed time. */
  now: number;
}

/**
 * A run's jobs as a left-to-right dependency graph: a box per job coloured (and labelled) by its status,
 * an arrow for every `needs`, jobs the standard pipeline requires marked. Selecting a box selects the job.
 */
export function JobGraph({ jobs, selected, onSelect, now }: JobGraphProps) {
  const { nodes, edges, width, height } = layoutJobs(jobs);
  const keyDown = (jobId: string) => (e: KeyboardEvent<SVGGElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(jobId);
    }
  };
  return (
    <div className="job-graph-scroll">
      <svg
        className="job-graph"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="group"
        aria-label={`Jobs of this run: ${jobs.length}, with their dependencies`}
        data-testid="job-graph"
      >
        <defs>
          <marker id="job-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="job-arrow" />
          </marker>
        </defs>
        <g>
          {edges.map(({ from, to, path }) => {
            return (
              <path
                key={`${from.job.id}->${to.job.id}`}
                d={path}
                className={`job-edge from-${from.job.status}`}
                markerEnd="url(#job-arrow)"
                data-testid="job-edge"
                data-from={from.job.id}
                data-to={to.job.id}
              />
            );
          })}
        </g>
        <g>
          {nodes.map(({ job, x, y }) => {
            const isSelected = job.id === selected;
            const time = job.status === 'skipped' || job.status === 'pending' ? '' : elapsed(job, now);
            const status = `${STATUS_LABEL[job.status]}${time ? ` · ${time}` : ''}`;
            return (
              <g
                key={job.id}
                transform={`translate(${x}, ${y})`}
                className={`job-node job-${job.status}${isSelected ? ' selected' : ''}${job.required ? ' required' : ''}`}
                role="button"
                tabIndex={0}
                aria-pressed={isSelected}
                aria-label={`Job ${job.name}: ${status}${job.required ? ', required by the standard pipeline' : ''}`}
                onClick={() => onSelect(job.id)}
                onKeyDown={keyDown(job.id)}
                data-testid="job-node"
                data-job={job.id}
                data-status={job.status}
                data-required={job.required ? 'true' : undefined}
              >
                <title>{`${job.name}${job.required ? ` (required by ${job.origin})` : ''}${job.reason ? `: ${job.reason}` : ''}`}</title>
                <rect width={NODE_W} height={NODE_H} rx={8} className="job-box" />
                <circle cx={20} cy={NODE_H / 2} r={10} className="job-icon-bg" />
                <text x={20} y={NODE_H / 2 + 4} textAnchor="middle" className="job-icon">
                  {STATUS_GLYPH[job.status]}
                </text>
                <text x={38} y={24} className="job-name">
                  {truncate(job.name, NAME_CHARS)}
                </text>
                <text x={38} y={42} className="job-status">
                  {status}
                </text>
                {job.required && (
                  // A tab on the box's top edge, clear of the name.
                  <g className="job-required" transform={`translate(${NODE_W - 72}, -7)`}>
                    <rect width={62} height={14} rx={7} />
                    <text x={31} y={10} textAnchor="middle">
                      REQUIRED
                    </text>
                  </g>
                )}
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}

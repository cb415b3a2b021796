import type { DurationBucket } from '../../../../src/metrics/index.js';

export interface HistogramProps {
  /** The chart's accessible name, e.g. "Lead time for changes". */
  label: string;
  /** The buckets in order: a duration histogram's (DurationBucket), or any labelled counts (templates, scores). */
  buckets: ReadonlyArray<Pick<DurationBucket, 'label' | 'count'>>;
  /** What is counted, for the tooltips: "changes", "tasks". */
  unit: string;
  testId?: string;
}

const WIDTH = 600;
const ROW = 26;
const LABEL_W = 150;
const COUNT_W = 44;

/**
 * Counts per bucket as horizontal bars: the bucket's label on the left, the bar, and its count at its end. Every
 * bar has a tooltip; the accessible name lists every count.
 */
export function Histogram({ label, buckets, unit, testId }: HistogramProps) {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const barMax = WIDTH - LABEL_W - COUNT_W;
  const height = Math.max(1, buckets.length) * ROW + 4;
  const total = buckets.reduce((s, b) => s + b.count, 0);
  return (
    <figure className="histogram" data-testid={testId}>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-label={`${label}: ${buckets.map((b) => `${b.label}: ${b.count}`).join(', ')} (${total} ${unit} in all).`}
        className="chart-svg"
      >
        {buckets.map((b, i) => {
          const top = i * ROW + 2;
          const w = b.count === 0 ? 0 : Math.max(3, (b.count / max) * barMax);
          return (
            <g key={b.label} className="histogram-row" data-label={b.label} data-count={b.count}>
              <text x={LABEL_W - 10} y={top + ROW / 2 + 4} textAnchor="end" className="chart-axis-label histogram-label">
                {b.label}
              </text>
              <rect x={LABEL_W} y={top + 4} width={barMax} height={ROW - 8} rx={3} className="histogram-track" />
              {w > 0 && (
                <rect x={LABEL_W} y={top + 4} width={w} height={ROW - 8} rx={3} className="histogram-bar">
                  <title>{`${b.label}: ${b.count} ${unit}`}</title>
                </rect>
              )}
              <text x={LABEL_W + Math.max(w, 0) + 6} y={top + ROW / 2 + 4} className="histogram-count">
                {b.count}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

import { formatNumber, formatPercent, formatSeconds } from './formatSeconds.js';

/** What a series measures: it picks the axis' round numbers and how values are written. */
export type TrendUnit = 'count' | 'duration' | 'ratio' | 'score';

export interface TrendSeries {
  name: string;
  /** One value per week; null is a week without data, drawn as a gap. */
  values: ReadonlyArray<number | null>;
  unit: TrendUnit;
  /** A line with points (default) or bars. */
  kind?: 'line' | 'bars';
  /** The right-hand axis, for a second unit beside the first (a count beside a rate). */
  axis?: 'left' | 'right';
}

export interface TrendChartProps {
  /** The chart's accessible name, e.g. "Change failure rate per week". */
  label: string;
  /** The Mondays the weeks start on, `YYYY-MM-DD`. */
  weeks: readonly string[];
  /** One or two series; a bars series is drawn behind the lines. */
  series: readonly TrendSeries[];
  /** More about week `index` for its tooltip ("3 of 8 deployments failed"). */
  describe?: (index: number) => string;
  testId?: string;
}

const WIDTH = 600;
const HEIGHT = 190;
const TOP = 12;
const BOTTOM = 26;
const LEFT = 58;
const COLORS = ['#2f5bd3', '#d9730d'];
const BAR_COLOR = '#c9d4ec';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
/** Axis tops whose half is a round number too. */
const DURATION_TOPS = [MINUTE, 2 * MINUTE, 10 * MINUTE, 20 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 4 * DAY, 8 * DAY, 14 * DAY, 28 * DAY, 60 * DAY, 120 * DAY, 180 * DAY, 360 * DAY];
const RATIO_TOPS = [0.1, 0.2, 0.4, 0.6, 0.8, 1];

/** The top of an axis: the smallest round value at or above `max`. */
export function axisTop(unit: TrendUnit, max: number): number {
  if (unit === 'score') return 5;
  if (unit === 'ratio') return RATIO_TOPS.find((t) => t >= max) ?? 1;
  if (unit === 'duration') return DURATION_TOPS.find((t) => t >= max) ?? Math.ceil(max / (360 * DAY)) * 360 * DAY;
  if (max <= 2) return 2;
  // Counts: 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200… (halves stay whole).
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 4, 6, 8, 10].find((s) => s * magnitude >= max) ?? 10;
  return step * magnitude;
}

/** A value as the unit writes it. */
export function formatValue(unit: TrendUnit, value: number | null): string {
  if (unit === 'duration') return formatSeconds(value);
  if (unit === 'ratio') return formatPercent(value);
  return formatNumber(value);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-05-04` → `May 4` (the date as written: weeks are UTC Mondays). */
export function weekLabel(week: string): string {
  const [, , m, d] = /^(\d{4})-(\d{2})-(\d{2})$/.exec(week) ?? [];
  if (!m || !d) return week;
  return `${MONTHS[Number(m) - 1] ?? m} ${Number(d)}`;
}

/**
 * A weekly time series as a small SVG: a line with a point per week (gaps where a week has no value), optionally
 * a second line or bars (with their own axis on the right for a second unit), week labels under it, and a
 * tooltip (`<title>`) on every point and bar.
 */
export function TrendChart({ label, weeks, series, describe, testId }: TrendChartProps) {
  const hasRight = series.some((s) => s.axis === 'right');
  const right = hasRight ? 48 : 14;
  const plotW = WIDTH - LEFT - right;
  const plotH = HEIGHT - TOP - BOTTOM;
  const n = Math.max(weeks.length, 1);
  const band = plotW / n;
  const x = (i: number) => LEFT + band * (i + 0.5);

  const axisOf = (side: 'left' | 'right') => {
    const on = series.filter((s) => (s.axis ?? 'left') === side);
    const unit = on[0]?.unit ?? 'count';
    const max = Math.max(0, ...on.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v))));
    return { unit, top: axisTop(unit, max) };
  };
  const leftAxis = axisOf('left');
  const rightAxis = hasRight ? axisOf('right') : null;
  const y = (v: number, side: 'left' | 'right' = 'left') => {
    const top = side === 'right' && rightAxis ? rightAxis.top : leftAxis.top;
    return TOP + plotH - (Math.min(v, top) / top) * plotH;
  };
  const ticks = [0, 0.5, 1];
  const every = Math.ceil(n / 7);
  const tip = (s: TrendSeries, i: number, v: number) =>
    `Week of ${weekLabel(weeks[i] ?? '')}: ${s.name} ${formatValue(s.unit, v)}${describe ? ` · ${describe(i)}` : ''}`;

  const lastWith = (s: TrendSeries) => {
    for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) return i;
    return -1;
  };
  const first = series[0];
  const latest = first ? lastWith(first) : -1;
  const summary =
    first && latest >= 0
      ? ` Latest: ${first.name} ${formatValue(first.unit, first.values[latest] ?? null)} in the week of ${weekLabel(weeks[latest] ?? '')}.`
      : ' No data in these weeks.';
  const span = weeks.length ? ` ${weeks.length} weeks from ${weekLabel(weeks[0]!)} to ${weekLabel(weeks[weeks.length - 1]!)}.` : '';

  // A line's 0 is a value (0% failed); a bar of 0 draws nothing.
  const empty = series.every((s) => s.values.every((v) => v === null || (s.kind === 'bars' && v === 0)));
  const bars = series.filter((s) => s.kind === 'bars');
  const lines = series.filter((s) => s.kind !== 'bars');
  const colorOf = (s: TrendSeries) => (s.kind === 'bars' ? BAR_COLOR : COLORS[lines.indexOf(s)] ?? COLORS[0]);

  return (
    <figure className="trend-chart" data-testid={testId}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${label}.${span}${summary}`} className="chart-svg">
        {ticks.map((t) => {
          const ty = TOP + plotH - t * plotH;
          return (
            <g key={t} className="chart-tick">
              <line x1={LEFT} x2={WIDTH - right} y1={ty} y2={ty} className={t === 0 ? 'chart-baseline' : 'chart-grid'} />
              <text x={LEFT - 6} y={ty + 4} textAnchor="end" className="chart-axis-label">
                {formatValue(leftAxis.unit, leftAxis.top * t)}
              </text>
              {rightAxis && (
                <text x={WIDTH - right + 6} y={ty + 4} textAnchor="start" className="chart-axis-label chart-axis-right">
                  {formatValue(rightAxis.unit, rightAxis.top * t)}
                </text>
              )}
            </g>
          );
        })}
        {weeks.map((w, i) =>
          i % every === 0 ? (
            <text key={w} x={x(i)} y={HEIGHT - 8} textAnchor="middle" className="chart-axis-label">
              {weekLabel(w)}
            </text>
          ) : null,
        )}
        {empty && (
          <text x={LEFT + plotW / 2} y={TOP + plotH / 2} textAnchor="middle" className="chart-empty">
            No data in these weeks
          </text>
        )}
        {bars.map((s) => {
          const side = s.axis ?? 'left';
          const w = Math.max(2, band * (0.62 / bars.length));
          const offset = (bars.indexOf(s) - (bars.length - 1) / 2) * w;
          return (
            <g key={s.name} className="chart-bars" fill={colorOf(s)}>
              {s.values.map((v, i) =>
                v === null || v <= 0 ? null : (
                  <rect key={i} x={x(i) - w / 2 + offset} y={y(v, side)} width={w} height={TOP + plotH - y(v, side)} rx={2}>
                    <title>{tip(s, i, v)}</title>
                  </rect>
                ),
              )}
            </g>
          );
        })}
        {lines.map((s, k) => {
          const side = s.axis ?? 'left';
          const segments: string[] = [];
          let current = '';
          s.values.forEach((v, i) => {
            if (v === null) {
              if (current) segments.push(current);
              current = '';
              return;
            }
            current += `${current ? 'L' : 'M'}${x(i).toFixed(1)},${y(v, side).toFixed(1)}`;
          });
          if (current) segments.push(current);
          return (
            <g key={s.name} className="chart-line">
              {segments.map((d) => (
                <path key={d} d={d} fill="none" stroke={colorOf(s)} strokeWidth={2} strokeDasharray={k === 1 ? '5 4' : undefined} strokeLinejoin="round" />
              ))}
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v, side)} r={3.5} fill="#fff" stroke={colorOf(s)} strokeWidth={2} className="chart-point">
                    <title>{tip(s, i, v)}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <figcaption className="chart-legend">
          {series.map((s) => (
            <span key={s.name} className="chart-legend-item">
              <span
                className={`chart-swatch${s.kind === 'bars' ? ' chart-swatch-bar' : lines.indexOf(s) === 1 ? ' chart-swatch-dashed' : ''}`}
                style={{ ['--swatch' as string]: colorOf(s) }}
                aria-hidden="true"
              />
              {s.name}
              {s.axis === 'right' ? ' (right axis)' : ''}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

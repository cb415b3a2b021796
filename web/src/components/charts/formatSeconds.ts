/**
 * Durations and rates as the metrics pages show them. `formatDuration` (web/src/formatDuration.ts) stops at hours,
 * which suits step timings; lead and recovery times run to days and weeks.
 */

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** "45 s", "12 min", "2 h 30 min", "3 d 4 h", "45 d"; "—" when there is no value. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < MINUTE) return `${Math.round(seconds)} s`;
  if (seconds < HOUR) {
    const m = Math.round(seconds / MINUTE);
    return m === 60 ? '1 h' : `${m} min`;
  }
  if (seconds < DAY) {
    let h = Math.floor(seconds / HOUR);
    let m = Math.round((seconds - h * HOUR) / MINUTE);
    if (m === 60) {
      h += 1;
      m = 0;
    }
    if (h === 24) return '1 d';
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  if (seconds < 30 * DAY) {
    let d = Math.floor(seconds / DAY);
    let h = Math.round((seconds - d * DAY) / HOUR);
    if (h === 24) {
      d += 1;
      h = 0;
    }
    return h ? `${d} d ${h} h` : `${d} d`;
  }
  return `${Math.round(seconds / DAY)} d`;
}

/** A ratio 0..1 as "27.3%" (whole numbers without a decimal: "0%", "50%"); "—" when there is none. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const tenths = Math.round(ratio * 1000) / 10;
  return `${Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1)}%`;
}

/** A count or a mean with at most one decimal: "9", "0.7", "3.5". */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const tenths = Math.round(value * 10) / 10;
  return Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1);
}

/** "2 deployments", "1 deployment". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "0.4 s", "12 s", "3 min 5 s", "1 h 4 min": how long something took, for step lists and task tables. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 100) return '< 0.1 s';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** The time between two ISO timestamps; until `now` when it has not ended; '' when it has not started. */
export function durationBetween(start: string | null | undefined, end: string | null | undefined, now: number = Date.now()): string {
  if (!start) return '';
  const a = Date.parse(start);
  const b = end ? Date.parse(end) : now;
  if (Number.isNaN(a) || Number.isNaN(b)) return '';
  return formatDuration(Math.max(0, b - a));
}

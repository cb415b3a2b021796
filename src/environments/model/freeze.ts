import type { FreezeWindow } from './types.js';

/**
 * Freeze windows (docs/environments.md, "Guardrails"). A window is either absolute, two ISO times
 * (`2026-12-24T00:00:00Z` to `2027-01-02T00:00:00Z`), or weekly, a day and a UTC time at each end
 * (`Fri 16:00` to `Mon 08:00`, wrapping over the weekend).
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEKLY = /^(sun|mon|tue|wed|thu|fri|sat)[a-z]*\s+([01]?\d|2[0-3]):([0-5]\d)$/i;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const WEEK_MS = 7 * 24 * 3_600_000;

export type WindowBound = { kind: 'absolute'; at: number } | { kind: 'weekly'; minuteOfWeek: number };

/** Reads one end of a window; a message saying what was expected when it cannot. */
export function parseWindowBound(text: string): WindowBound | string {
  const t = text.trim();
  const weekly = WEEKLY.exec(t);
  if (weekly) {
    const day = DAYS.indexOf((weekly[1] as string).toLowerCase());
    return { kind: 'weekly', minuteOfWeek: day * 1440 + Number(weekly[2]) * 60 + Number(weekly[3]) };
  }
  if (ISO.test(t)) {
    const at = Date.parse(t);
    if (!Number.isNaN(at)) return { kind: 'absolute', at };
  }
  return `expected an ISO time such as 2026-12-24T00:00:00Z, or a weekly day and UTC time such as "Fri 16:00", found ${JSON.stringify(text)}`;
}

/** Problems of one window (both ends of one kind; an absolute window that ends after it starts). */
export function checkWindow(w: FreezeWindow): Array<{ field: 'start' | 'end'; message: string }> {
  const start = parseWindowBound(w.start);
  const end = parseWindowBound(w.end);
  const out: Array<{ field: 'start' | 'end'; message: string }> = [];
  if (typeof start === 'string') out.push({ field: 'start', message: start });
  if (typeof end === 'string') out.push({ field: 'end', message: end });
  if (out.length > 0 || typeof start === 'string' || typeof end === 'string') return out;
  if (start.kind !== end.kind) out.push({ field: 'end', message: `expected the same form as start (${start.kind === 'weekly' ? 'a weekly day and time' : 'an ISO time'}), found ${JSON.stringify(w.end)}` });
  else if (start.kind === 'absolute' && end.kind === 'absolute' && end.at <= start.at) out.push({ field: 'end', message: `expected a time after start (${w.start}), found ${JSON.stringify(w.end)}` });
  return out;
}

/** The window `now` falls in, if any (windows that do not parse are skipped: the catalog reports them). */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date): FreezeWindow | undefined {
  const t = now.getTime();
  for (const w of windows) {
    const start = parseWindowBound(w.start);
    const end = parseWindowBound(w.end);
    if (typeof start === 'string' || typeof end === 'string' || start.kind !== end.kind) continue;
    if (start.kind === 'absolute' && end.kind === 'absolute') {
      if (t >= start.at && t < end.at) return w;
    } else if (start.kind === 'weekly' && end.kind === 'weekly') {
      // Minutes since Sunday 00:00 UTC; a window whose end is earlier in the week wraps round.
      const minute = Math.floor(((t - Date.UTC(1970, 0, 4)) % WEEK_MS) / 60_000);
      const inside = start.minuteOfWeek <= end.minuteOfWeek ? minute >= start.minuteOfWeek && minute < end.minuteOfWeek : minute >= start.minuteOfWeek || minute < end.minuteOfWeek;
      if (inside) return w;
    }
  }
  return undefined;
}

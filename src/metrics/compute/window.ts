/**
 * Report windows and their weekly buckets. A window is [from, to): a row is in it when from ≤ t < to. Weeks
 * start on Monday 00:00 UTC (ISO weeks).
 */
import { InputError } from '../../core/errors.js';
import type { Window } from '../model/reports.js';
import { DAY_MS, WEEK_MS, dateOf, isoOf, mondayOf, parseInstant } from './time.js';

export const MIN_WINDOW_DAYS = 1;
export const MAX_WINDOW_DAYS = 730;

function windowError(message: string): InputError {
  return new InputError(`window: ${message}`, { problems: [{ code: 'invalid_window', path: 'window', message, severity: 'error' }] });
}

/** The number of days in a window written as `90d`, `12w` or `30` (days), from 1 to 730. */
export function parseWindow(text: string): number {
  const match = typeof text === 'string' ? /^\s*(\d+)\s*([dw]?)\s*$/i.exec(text) : null;
  if (!match) throw windowError(`expected a number of days such as 90d or 12w, found ${JSON.stringify(text)}`);
  const days = Number(match[1]) * (match[2]!.toLowerCase() === 'w' ? 7 : 1);
  if (days < MIN_WINDOW_DAYS || days > MAX_WINDOW_DAYS) {
    const shown = match[2] ? ` (${days} days)` : '';
    throw windowError(`expected from ${MIN_WINDOW_DAYS} to ${MAX_WINDOW_DAYS} days, found ${JSON.stringify(text)}${shown}`);
  }
  return days;
}

/** The window of `days` days ending at `now` (exclusive): [now - days, now). */
export function windowEnding(now: string, days: number): Window {
  const to = parseInstant(now, 'now');
  if (!(Number.isFinite(days) && days > 0)) throw windowError(`expected a positive number of days, found ${String(days)}`);
  return { from: isoOf(to - days * DAY_MS), to: isoOf(to), days };
}

/** The Monday 00:00 UTC starting the week that holds `iso`, as `YYYY-MM-DD`. */
export function weekStartOf(iso: string): string {
  return dateOf(mondayOf(parseInstant(iso, 'time')));
}

/** One week of a window in milliseconds: the Monday it starts on, and its part inside the window, [from, to). */
export interface WeekRange {
  monday: number;
  from: number;
  to: number;
}

/** Every Monday-start week intersecting [fromMs, toMs), clipped to it. */
export function weekRanges(fromMs: number, toMs: number): WeekRange[] {
  const weeks: WeekRange[] = [];
  if (!(fromMs < toMs)) return weeks;
  for (let monday = mondayOf(fromMs); monday < toMs; monday += WEEK_MS) {
    weeks.push({ monday, from: Math.max(monday, fromMs), to: Math.min(monday + WEEK_MS, toMs) });
  }
  return weeks;
}

/** The window's weeks (Monday 00:00 UTC starts) clipped to it; `week` is the Monday, `YYYY-MM-DD`. */
export function weeksOf(window: Pick<Window, 'from' | 'to'>): Array<{ week: string; from: string; to: string }> {
  const from = parseInstant(window.from, 'window.from');
  const to = parseInstant(window.to, 'window.to');
  return weekRanges(from, to).map((w) => ({ week: dateOf(w.monday), from: isoOf(w.from), to: isoOf(w.to) }));
}

/** A bucket as a Window of its own: its length in days may be fractional. */
export function windowOf(from: number, to: number): Window {
  return { from: isoOf(from), to: isoOf(to), days: (to - from) / DAY_MS };
}

/**
 * The four keys (and rework rate) from stored rows: pure functions, no clock and no I/O. The definitions are in
 * docs/metrics.md; the frequency category follows Four Keys (github.com/dora-team/fourkeys, the
 * deployment frequency query) with ISO (Monday-start) weeks instead of BigQuery's Sunday-start WEEK.
 *
 * Everything is computed as of `now`: a row or an event timed after `now` has not happened yet (a deployment
 * finishing later, an incident starting later, a resolution later). Each timestamp is parsed once and every
 * window-independent fact about a deployment (failed, its recovery time, rollback, hotfix) is settled once; the
 * deployments are sorted by time, so a window (the report's, or one week of its trend) is a binary search away.
 */
import type {
  ChangeRow,
  DeploymentRow,
  DoraMetrics,
  DoraReport,
  DoraWeek,
  DurationBucket,
  FrequencyCategory,
  IncidentRow,
  MetricsScope,
  Window,
} from '../model/reports.js';
import { LEVELS_SOURCE, changeFailureLevel, frequencyLevel, leadTimeLevel, lowestLevel, recoveryLevel } from './levels.js';
import { lowerBound, median, percentile, ratio, sortedAscending, upperBound } from './stats.js';
import { DAY_MS, HOUR_MS, SECOND_MS, WEEK_MS, dateOf, mondayOf, parseInstant, parseOptionalTime, parseTime } from './time.js';
import { weekRanges, windowOf, type WeekRange } from './window.js';

/**
 * A change as lead time needs it: when it reached production, and either its commit time or its lead time in
 * seconds already worked out (the store does that for a window's changes in SQL: far fewer bytes to read).
 */
export type LeadTimeRow = Pick<ChangeRow, 'component' | 'deployedAt'> & ({ committedAt: string; leadSeconds?: undefined } | { leadSeconds: number; committedAt?: undefined });

export interface DoraInput {
  /** Production deployments finished at or after window.from (later ones show recoveries and rollbacks). */
  deployments: DeploymentRow[];
  /** Changes deployed in the window (others are left out here); only their times count. */
  changes: LeadTimeRow[];
  /** Incidents, including ones outside the window (causes and open incidents are looked up in all of them). */
  incidents: IncidentRow[];
  window: Window;
  now: string;
}

export interface DoraReportInput extends DoraInput {
  scope: MetricsScope;
}

// Per-deployment facts, as bits.
const SUCCESS = 1;
/** Finished: success, failure or rolled_back (the denominator of change failure rate and rework rate). */
const FINISHED = 2;
const FAILED = 4;
const RECOVERED = 8;
const ROLLBACK = 16;
/** A hotfix that is not a rollback (a rollback during an incident counts as a rollback only). */
const HOTFIX = 32;

/** The rows, parsed once and sorted by time, with every window-independent fact about each deployment. */
interface Prepared {
  /** finishedAt (ms) of each deployment, ascending. */
  deployedAt: Float64Array;
  flags: Uint8Array;
  /** Recovery time in seconds of each recovered failed deployment (0 elsewhere). */
  recovery: Float64Array;
  /** deployedAt (ms) of each change, in input order; NaN after now. */
  changedAt: Float64Array;
  /** Lead time in seconds of each change, in input order. */
  leadTime: Float64Array;
}

interface Computed {
  metrics: DoraMetrics;
  leadTimes: Float64Array;
  recoveries: Float64Array;
}

/** The four keys and rework rate for the window. */
export function computeDora(input: DoraInput): DoraMetrics {
  const { from, to } = windowBounds(input.window);
  const prepared = prepare(input);
  return computeWindow(prepared, from, to, input.window.days, leadTimesIn(prepared, from, to)).metrics;
}

/** The four keys for the window with the levels' source, a weekly trend and the duration distributions. */
export function doraReport(input: DoraReportInput): DoraReport {
  const { from, to } = windowBounds(input.window);
  const prepared = prepare(input);
  const total = computeWindow(prepared, from, to, input.window.days, leadTimesIn(prepared, from, to));
  const weeks = weekRanges(from, to);
  const weekLeadTimes = leadTimesByWeek(prepared, weeks);
  const trend: DoraWeek[] = weeks.map((week, w) => {
    const bucket = windowOf(week.from, week.to);
    const { level: _level, ...metrics } = computeWindow(prepared, week.from, week.to, bucket.days, weekLeadTimes[w]!).metrics;
    return { week: dateOf(week.monday), ...metrics };
  });
  return {
    scope: input.scope,
    window: input.window,
    ...total.metrics,
    levels: { ...LEVELS_SOURCE },
    trend,
    distributions: {
      leadTime: histogram(total.leadTimes, LEAD_TIME_BUCKETS),
      recoveryTime: histogram(total.recoveries, RECOVERY_BUCKETS),
    },
  };
}

const HOUR_S = HOUR_MS / SECOND_MS;
const DAY_S = DAY_MS / SECOND_MS;

/** Upper bounds (seconds, exclusive) and labels; the last bucket is unbounded. */
export const LEAD_TIME_BUCKETS: ReadonlyArray<{ le: number | null; label: string }> = [
  { le: HOUR_S, label: '< 1 hour' },
  { le: DAY_S, label: '1 hour – 1 day' },
  { le: 7 * DAY_S, label: '1 day – 1 week' },
  { le: 30 * DAY_S, label: '1 week – 1 month' },
  { le: 182 * DAY_S, label: '1 month – 6 months' },
  { le: null, label: '≥ 6 months' },
];

export const RECOVERY_BUCKETS: ReadonlyArray<{ le: number | null; label: string }> = [
  { le: HOUR_S, label: '< 1 hour' },
  { le: DAY_S, label: '1 hour – 1 day' },
  { le: 7 * DAY_S, label: '1 day – 1 week' },
  { le: null, label: '≥ 1 week' },
];

/** Counts of ascending values in [previous le, le). */
function histogram(sortedAsc: Float64Array, buckets: ReadonlyArray<{ le: number | null; label: string }>): DurationBucket[] {
  let start = 0;
  return buckets.map(({ le, label }) => {
    const end = le === null ? sortedAsc.length : lowerBound(sortedAsc, le);
    const count = Math.max(0, end - start);
    start = Math.max(start, end);
    return { le, label, count };
  });
}

function windowBounds(window: Window): { from: number; to: number } {
  return { from: parseInstant(window.from, 'window.from'), to: parseInstant(window.to, 'window.to') };
}

/** Indices 0..n-1 ordered by `times` ascending (ties in input order). */
/** The lead times of the changes deployed in [from, to), ascending. */
function leadTimesIn(p: Prepared, from: number, to: number): Float64Array {
  const leads = new Float64Array(p.changedAt.length);
  let n = 0;
  for (let i = 0; i < p.changedAt.length; i++) {
    const t = p.changedAt[i]!;
    if (t >= from && t < to) leads[n++] = p.leadTime[i]!;
  }
  return leads.subarray(0, n).sort();
}

/** The lead times of the changes deployed in each week, ascending: one pass over the changes for all weeks. */
function leadTimesByWeek(p: Prepared, weeks: WeekRange[]): Float64Array[] {
  const byWeek = weeks.map((): number[] => []);
  const from = weeks[0]?.from ?? 0;
  const to = weeks[weeks.length - 1]?.to ?? 0;
  const firstMonday = weeks[0]?.monday ?? 0;
  for (let i = 0; i < p.changedAt.length; i++) {
    const t = p.changedAt[i]!;
    if (t >= from && t < to) byWeek[Math.round((mondayOf(t) - firstMonday) / WEEK_MS)]!.push(p.leadTime[i]!);
  }
  return byWeek.map(sortedAscending);
}

function orderBy(times: Float64Array): Uint32Array {
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => times[a]! - times[b]! || a - b);
}

/** Intervals [start, end) sorted by start, with the running maximum of end: "is t inside any?" in O(log n). */
interface Intervals {
  starts: number[];
  maxEnd: number[];
}

function intervalsOf(list: Array<[number, number]>): Intervals {
  list.sort((a, b) => a[0] - b[0]);
  const starts: number[] = [];
  const maxEnd: number[] = [];
  let max = -Infinity;
  for (const [start, end] of list) {
    max = Math.max(max, end);
    starts.push(start);
    maxEnd.push(max);
  }
  return { starts, maxEnd };
}

function inAny(intervals: Intervals | undefined, t: number): boolean {
  if (!intervals) return false;
  const last = upperBound(intervals.starts, t) - 1;
  return last >= 0 && intervals.maxEnd[last]! > t;
}

function prepare(input: DoraInput): Prepared {
  const now = parseInstant(input.now, 'now');

  // Deployments finished after now have not happened: they neither count nor recover or revert anything.
  const rows: DeploymentRow[] = [];
  const inputIndex: number[] = [];
  const finished: number[] = [];
  for (let i = 0; i < input.deployments.length; i++) {
    const row = input.deployments[i]!;
    const t = parseTime(row.finishedAt, 'deployments', i, 'finishedAt');
    if (t <= now) {
      rows.push(row);
      inputIndex.push(i);
      finished.push(t);
    }
  }
  const times = Float64Array.from(finished);
  const order = orderBy(times);

  // The earliest successful rollback reverting each deployment.
  const revertedAt = new Map<string, number>();
  // Each component's successful deployments, ascending (the order is by time).
  const successes = new Map<string, number[]>();
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const row = rows[i]!;
    if (row.status !== 'success') continue;
    const t = times[i]!;
    if (row.rollback && row.reverts !== null && !revertedAt.has(row.reverts)) revertedAt.set(row.reverts, t);
    let list = successes.get(row.component);
    if (!list) successes.set(row.component, (list = []));
    list.push(t);
  }

  // Incidents: what each deployment caused (earliest start, latest resolution, any unresolved), and when each
  // component had an incident open.
  const caused = new Map<string, { start: number; end: number; unresolved: boolean }>();
  const openLists = new Map<string, Array<[number, number]>>();
  input.incidents.forEach((incident, i) => {
    const start = parseTime(incident.startedAt, 'incidents', i, 'startedAt');
    if (start > now) return;
    const resolvedAt = parseOptionalTime(incident.resolvedAt, 'incidents', i, 'resolvedAt');
    const end = resolvedAt === null || resolvedAt > now ? Infinity : resolvedAt;
    if (incident.causeDeployment !== null) {
      const c = caused.get(incident.causeDeployment);
      if (!c) caused.set(incident.causeDeployment, { start, end, unresolved: end === Infinity });
      else {
        c.start = Math.min(c.start, start);
        c.end = Math.max(c.end, end);
        c.unresolved ||= end === Infinity;
      }
    }
    for (const component of new Set(incident.components)) {
      let list = openLists.get(component);
      if (!list) openLists.set(component, (list = []));
      list.push([start, end]);
    }
  });
  const open = new Map<string, Intervals>();
  for (const [component, list] of openLists) open.set(component, intervalsOf(list));

  const n = rows.length;
  const deployedAt = new Float64Array(n);
  const flags = new Uint8Array(n);
  const recovery = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const row = rows[i]!;
    const t = times[i]!;
    deployedAt[k] = t;
    if (row.status === 'pending') continue;
    let f = FINISHED;
    if (row.status === 'success') f |= SUCCESS;
    if (row.rollback) f |= ROLLBACK;
    else if (row.hotfix || inAny(open.get(row.component), t)) f |= HOTFIX;

    const incident = caused.get(row.id);
    const reverted = revertedAt.get(row.id);
    if (incident || reverted !== undefined || row.status === 'failure' || row.status === 'rolled_back') {
      f |= FAILED;
      // The first rule that applies decides the recovery time; null: not recovered (yet).
      let seconds: number | null;
      if (incident) {
        seconds = incident.unresolved ? null : (incident.end - incident.start) / SECOND_MS;
      } else if (row.status === 'rolled_back') {
        const started = parseOptionalTime(row.startedAt, 'deployments', inputIndex[i]!, 'startedAt') ?? t;
        seconds = (t - started) / SECOND_MS;
      } else if (reverted !== undefined) {
        seconds = (reverted - t) / SECOND_MS;
      } else {
        const list = successes.get(row.component);
        const next = list ? upperBound(list, t) : 0;
        seconds = list && next < list.length ? (list[next]! - t) / SECOND_MS : null;
      }
      if (seconds !== null) {
        f |= RECOVERED;
        // A negative duration is clock skew between sources; it recovered at once.
        recovery[k] = Math.max(0, seconds);
      }
    }
    flags[k] = f;
  }

  // Changes stay in input order: each window takes its own in one pass (sorting 200k rows by time costs more).
  const changedAt = new Float64Array(input.changes.length);
  const leadTime = new Float64Array(input.changes.length);
  for (let i = 0; i < input.changes.length; i++) {
    const change = input.changes[i]!;
    const deployed = parseTime(change.deployedAt, 'changes', i, 'deployedAt');
    // A change deployed after now has not been: it falls outside every window.
    changedAt[i] = deployed > now ? NaN : deployed;
    leadTime[i] = change.leadSeconds !== undefined ? Math.max(0, change.leadSeconds) : Math.max(0, deployed - parseTime(change.committedAt, 'changes', i, 'committedAt')) / SECOND_MS;
  }

  return { deployedAt, flags, recovery, changedAt, leadTime };
}

/**
 * The metrics of the rows in [from, to); `days` is the window's length for the per-day and per-week rates, and
 * `leadTimes` the lead times of the changes deployed in the window, ascending.
 */
function computeWindow(p: Prepared, from: number, to: number, days: number, leadTimes: Float64Array): Computed {
  const lo = lowerBound(p.deployedAt, from);
  const hi = Math.max(lo, lowerBound(p.deployedAt, to));

  const weeks = weekRanges(from, to);
  const firstMonday = weeks[0]?.monday ?? 0;
  const daysDeployed = new Array<number>(weeks.length).fill(0);
  let lastDay = NaN;

  let successes = 0;
  let finished = 0;
  let failed = 0;
  let rollbacks = 0;
  let hotfixes = 0;
  const recoveries: number[] = [];
  for (let k = lo; k < hi; k++) {
    const f = p.flags[k]!;
    if (f & SUCCESS) {
      successes++;
      // Sorted by time: a new UTC date shows as a change of day number.
      const t = p.deployedAt[k]!;
      const day = Math.floor(t / DAY_MS);
      if (day !== lastDay) {
        lastDay = day;
        daysDeployed[Math.round((mondayOf(t) - firstMonday) / WEEK_MS)]! += 1;
      }
    }
    if (!(f & FINISHED)) continue;
    finished++;
    if (f & ROLLBACK) rollbacks++;
    if (f & HOTFIX) hotfixes++;
    if (f & FAILED) {
      failed++;
      if (f & RECOVERED) recoveries.push(p.recovery[k]!);
    }
  }

  const recoveryTimes = sortedAscending(recoveries);

  const category = successes === 0 ? null : frequencyCategory(weeks.map((w) => w.monday), daysDeployed);
  const leadMedian = median(leadTimes);
  const rate = ratio(failed, finished);
  const recoveryMedian = median(recoveryTimes);
  const levels = {
    frequency: frequencyLevel(category),
    leadTime: leadTimeLevel(leadMedian),
    changeFailure: changeFailureLevel(rate),
    recovery: recoveryLevel(recoveryMedian),
  };
  const unplanned = rollbacks + hotfixes;
  const metrics: DoraMetrics = {
    deploymentFrequency: {
      deployments: successes,
      perDay: days > 0 ? successes / days : 0,
      perWeek: days > 0 ? successes / (days / 7) : 0,
      category,
      level: levels.frequency,
    },
    leadTime: {
      changes: leadTimes.length,
      medianSeconds: leadMedian,
      p90Seconds: percentile(leadTimes, 0.9),
      level: levels.leadTime,
    },
    changeFailureRate: { deployments: finished, failed, rate, level: levels.changeFailure },
    recoveryTime: {
      failures: failed,
      recovered: recoveryTimes.length,
      medianSeconds: recoveryMedian,
      p90Seconds: percentile(recoveryTimes, 0.9),
      level: levels.recovery,
    },
    reworkRate: { deployments: finished, unplanned, rollbacks, hotfixes, rate: ratio(unplanned, finished) },
    level: finished === 0 ? null : lowestLevel(Object.values(levels)),
  };
  return { metrics, leadTimes, recoveries: recoveryTimes };
}

/**
 * Four Keys' category from the window's weeks: `daily` when the median week has deployments on 3 or more days,
 * `weekly` when the median week has one, `monthly` when the median week row's month (the month its Monday falls
 * in) has a week with one, else `yearly`.
 */
function frequencyCategory(mondays: number[], daysDeployed: number[]): FrequencyCategory {
  const weekDeployed = daysDeployed.map((d) => (d > 0 ? 1 : 0));
  if ((median(sortedAscending(daysDeployed)) ?? 0) >= 3) return 'daily';
  if ((median(sortedAscending(weekDeployed)) ?? 0) >= 1) return 'weekly';
  const perMonth = new Map<number, number>();
  const monthOf = mondays.map((m) => {
    const d = new Date(m);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  });
  monthOf.forEach((month, w) => perMonth.set(month, (perMonth.get(month) ?? 0) + weekDeployed[w]!));
  const monthlyDeploys = monthOf.map((month) => perMonth.get(month)!);
  if ((median(sortedAscending(monthlyDeploys)) ?? 0) >= 1) return 'monthly';
  return 'yearly';
}

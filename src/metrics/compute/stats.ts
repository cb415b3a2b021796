/**
 * Order statistics for the metrics. Percentiles interpolate linearly between the closest ranks, the way
 * PostgreSQL's PERCENTILE_CONT, BigQuery's PERCENTILE_CONT (used by Four Keys) and numpy's default 'linear'
 * method do, so numbers can be checked against a SQL query or a notebook.
 */

/**
 * The p-quantile (0 ≤ p ≤ 1) of values sorted ascending: rank r = p·(n-1), interpolated between the values at
 * floor(r) and ceil(r). null for an empty list. The median is `percentile(values, 0.5)`.
 */
export function percentile(sortedAsc: ArrayLike<number>, p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile: expected p between 0 and 1, found ${p}`);
  const n = sortedAsc.length;
  if (n === 0) return null;
  const rank = p * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sortedAsc[lo]!;
  if (hi === lo) return a;
  return a + (sortedAsc[hi]! - a) * (rank - lo);
}

/** The median of values sorted ascending; null for an empty list. */
export function median(sortedAsc: ArrayLike<number>): number | null {
  return percentile(sortedAsc, 0.5);
}

/** The arithmetic mean; null for an empty list. */
export function mean(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  return sum / n;
}

/** The values as a new array sorted ascending (a typed array: numeric order, and faster than a comparator). */
export function sortedAscending(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** A ratio, or null when there is nothing to divide by. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** The first index whose value is ≥ x in an ascending list (its length when none). */
export function lowerBound(sortedAsc: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedAsc[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose value is > x in an ascending list (its length when none). */
export function upperBound(sortedAsc: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedAsc[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

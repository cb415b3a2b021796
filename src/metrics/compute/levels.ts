/**
 * Performance levels from the clusters of the Accelerate State of DevOps Report 2024 (DORA). Per metric, the
 * level is the best cluster whose published value the metric meets, `low` otherwise. The report publishes no
 * level for rework rate.
 */
import type { FrequencyCategory, PerformanceLevel } from '../model/reports.js';
import { DAY_MS, HOUR_MS, SECOND_MS } from './time.js';

export const LEVELS_SOURCE = { report: 'Accelerate State of DevOps Report', year: 2024 } as const;

const DAY_S = DAY_MS / SECOND_MS;
const HOUR_S = HOUR_MS / SECOND_MS;

const RANK: Record<PerformanceLevel, number> = { low: 0, medium: 1, high: 2, elite: 3 };

/** Deployment frequency: daily (on demand) elite, weekly high, monthly medium, yearly low. */
export function frequencyLevel(category: FrequencyCategory | null): PerformanceLevel | null {
  switch (category) {
    case null:
      return null;
    case 'daily':
      return 'elite';
    case 'weekly':
      return 'high';
    case 'monthly':
      return 'medium';
    case 'yearly':
      return 'low';
  }
}

/** Lead time (median): less than a day elite, up to a week high, up to a month (30 days) medium. */
export function leadTimeLevel(medianSeconds: number | null): PerformanceLevel | null {
  if (medianSeconds === null) return null;
  if (medianSeconds < DAY_S) return 'elite';
  if (medianSeconds <= 7 * DAY_S) return 'high';
  if (medianSeconds <= 30 * DAY_S) return 'medium';
  return 'low';
}

/**
 * Change failure rate: up to 5% elite, up to 20% high. The medium cluster's 10% lies inside high's band, so no
 * rate reaches medium.
 */
export function changeFailureLevel(rate: number | null): PerformanceLevel | null {
  if (rate === null) return null;
  if (rate <= 0.05) return 'elite';
  if (rate <= 0.2) return 'high';
  return 'low';
}

/**
 * Failed deployment recovery time (median): less than an hour elite, less than a day high. The high and medium
 * clusters both publish "less than one day", so medium is not reachable.
 */
export function recoveryLevel(medianSeconds: number | null): PerformanceLevel | null {
  if (medianSeconds === null) return null;
  if (medianSeconds < HOUR_S) return 'elite';
  if (medianSeconds < DAY_S) return 'high';
  return 'low';
}

/** The lowest of the levels that are not null; null when all are. */
export function lowestLevel(levels: ReadonlyArray<PerformanceLevel | null>): PerformanceLevel | null {
  let lowest: PerformanceLevel | null = null;
  for (const level of levels) {
    if (level !== null && (lowest === null || RANK[level] < RANK[lowest])) lowest = level;
  }
  return lowest;
}

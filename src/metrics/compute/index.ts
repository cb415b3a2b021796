/**
 * The metrics computations: pure functions from stored rows to the reports in ../model/reports.ts. No clock, no
 * I/O; every result is as of the `now` passed in. The definitions are in docs/metrics.md.
 */
export { computeDora, doraReport, LEAD_TIME_BUCKETS, RECOVERY_BUCKETS, type DoraInput, type DoraReportInput, type LeadTimeRow } from './dora.js';
export { platformReport, type PlatformInput } from './platform.js';
export { parseWindow, windowEnding, weekStartOf, weeksOf, MIN_WINDOW_DAYS, MAX_WINDOW_DAYS } from './window.js';
export { LEVELS_SOURCE, frequencyLevel, leadTimeLevel, changeFailureLevel, recoveryLevel, lowestLevel } from './levels.js';
export { percentile, median, mean } from './stats.js';

/**
 * When a crashed process is started again. Pure, so the supervisor's timing policy is tested without waiting:
 * delays double from `initialMs` up to `maxMs`; a process that stayed ready for `resetAfterMs` before it crashed
 * starts the count again; `maxQuickCrashes` crashes in a row and the supervisor gives up (state `failed`).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
  maxQuickCrashes: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000, maxQuickCrashes: 6 };

/** Crashes in a row after one more exit, given how long the process had been ready (0 if it never was). */
export function crashesAfterExit(policy: BackoffPolicy, previous: number, readyForMs: number): number {
  return readyForMs >= policy.resetAfterMs ? 1 : previous + 1;
}

/** The wait before restart number `crashes` in a row (1-based): initial, 2x, 4x, ... capped at `maxMs`. */
export function restartDelay(policy: BackoffPolicy, crashes: number): number {
  const exp = Math.max(0, crashes - 1);
  // 2 ** 40 already dwarfs any cap; bounding the exponent keeps the arithmetic finite.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exp, 40));
}

/** Whether the supervisor stops restarting. */
export function givesUp(policy: BackoffPolicy, crashes: number): boolean {
  return crashes >= policy.maxQuickCrashes;
}

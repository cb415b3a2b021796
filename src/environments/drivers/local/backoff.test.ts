import { describe, expect, it } from 'vitest';
import { crashesAfterExit, DEFAULT_BACKOFF, givesUp, restartDelay } from './backoff.js';

describe('restart backoff', () => {
  it('doubles from 0.5 s and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelay(DEFAULT_BACKOFF, n))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(restartDelay(DEFAULT_BACKOFF, 10_000)).toBe(30_000);
  });

  it('counts crashes in a row unless the process was ready long enough', () => {
    expect(crashesAfterExit(DEFAULT_BACKOFF, 3, 59_999)).toBe(4);
    expect(crashesAfterExit(DEFAULT_BACKOFF, 3, 60_000)).toBe(1);
    expect(crashesAfterExit(DEFAULT_BACKOFF, 0, 0)).toBe(1);
  });

  it('gives up after maxQuickCrashes in a row', () => {
    const policy = { ...DEFAULT_BACKOFF, maxQuickCrashes: 3 };
    expect(givesUp(policy, 2)).toBe(false);
    expect(givesUp(policy, 3)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { lowerBound, mean, median, percentile, ratio, sortedAscending, upperBound } from './stats.js';

describe('percentile', () => {
  it('is null for no values and the value itself for one', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 0.9)).toBe(7);
  });

  it('interpolates linearly between the closest ranks (PERCENTILE_CONT, numpy linear)', () => {
    // rank = 0.5 * (4 - 1) = 1.5: 2 + 0.5 * (3 - 2) = 2.5
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    // rank = 0.9 * 3 = 2.7: 3 + 0.7 * (4 - 3) = 3.7 (numpy.percentile([1,2,3,4], 90) = 3.7)
    expect(percentile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    // rank = 0.25 * 2 = 0.5: 10 + 0.5 * (20 - 10) = 15
    expect(percentile([10, 20, 40], 0.25)).toBe(15);
    // rank = 0.9 * 2 = 1.8: 20 + 0.8 * (40 - 20) = 36
    expect(percentile([10, 20, 40], 0.9)).toBe(36);
    expect(percentile([10, 20, 40], 0)).toBe(10);
    expect(percentile([10, 20, 40], 1)).toBe(40);
  });

  it('the median of an odd count is the middle value, of an even count the mean of the two middle ones', () => {
    expect(median([1, 5, 100])).toBe(5);
    // (5 + 100) / 2
    expect(median([1, 5, 100, 1000])).toBe(52.5);
  });

  it('refuses p outside 0..1', () => {
    expect(() => percentile([1, 2], 90)).toThrow('percentile: expected p between 0 and 1, found 90');
    expect(() => percentile([1, 2], -0.1)).toThrow(RangeError);
    expect(() => percentile([1, 2], NaN)).toThrow(RangeError);
  });
});

describe('mean, ratio and sorting', () => {
  it('mean is null for no values', () => {
    expect(mean([])).toBeNull();
    // (1 + 2 + 6) / 3
    expect(mean([1, 2, 6])).toBe(3);
  });

  it('ratio is null over zero', () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
  });

  it('sorts numerically, not as text', () => {
    expect([...sortedAscending([10, 9, 100, -1])]).toEqual([-1, 9, 10, 100]);
  });

  it('finds the bounds of a value in a sorted list', () => {
    const xs = [1, 2, 2, 3];
    expect(lowerBound(xs, 2)).toBe(1);
    expect(upperBound(xs, 2)).toBe(3);
    expect(lowerBound(xs, 0)).toBe(0);
    expect(upperBound(xs, 3)).toBe(4);
    expect(lowerBound(xs, 4)).toBe(4);
    expect(lowerBound([], 1)).toBe(0);
  });
});

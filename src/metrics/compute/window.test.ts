import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { parseWindow, weekStartOf, weeksOf, windowEnding } from './window.js';

describe('parseWindow', () => {
  it('reads days, weeks and bare numbers', () => {
    expect(parseWindow('90d')).toBe(90);
    expect(parseWindow('12w')).toBe(84); // 12 * 7
    expect(parseWindow('30')).toBe(30);
    expect(parseWindow(' 7D ')).toBe(7);
    expect(parseWindow('1')).toBe(1);
    expect(parseWindow('730d')).toBe(730);
    expect(parseWindow('104w')).toBe(728); // 104 * 7
  });

  it('says what was expected and what it found', () => {
    expect(() => parseWindow('abc')).toThrow('window: expected a number of days such as 90d or 12w, found "abc"');
    for (const bad of ['', '1.5d', '-3d', '90 days', '3m', 'd']) {
      expect(() => parseWindow(bad)).toThrow(`window: expected a number of days such as 90d or 12w, found ${JSON.stringify(bad)}`);
    }
    expect(() => parseWindow('0d')).toThrow('window: expected from 1 to 730 days, found "0d"');
    expect(() => parseWindow('731')).toThrow('window: expected from 1 to 730 days, found "731"');
    // 105 * 7 = 735
    expect(() => parseWindow('105w')).toThrow('window: expected from 1 to 730 days, found "105w" (735 days)');
  });

  it('throws an InputError with the problem as data', () => {
    try {
      parseWindow('abc');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).problems).toEqual([
        { code: 'invalid_window', path: 'window', message: 'expected a number of days such as 90d or 12w, found "abc"', severity: 'error' },
      ]);
    }
  });
});

describe('windowEnding', () => {
  it('ends at now and starts days * 24 h before', () => {
    expect(windowEnding('2024-03-18T12:00:00.000Z', 7)).toEqual({ from: '2024-03-11T12:00:00.000Z', to: '2024-03-18T12:00:00.000Z', days: 7 });
    // 90 days before 2024-03-18 is 2023-12-19 (17 + 29 + 31 = 77 days back to 2024-01-01, 13 more into December)
    expect(windowEnding('2024-03-18T00:00:00Z', 90)).toEqual({ from: '2023-12-19T00:00:00.000Z', to: '2024-03-18T00:00:00.000Z', days: 90 });
  });

  it('refuses a bad now or a non-positive length', () => {
    expect(() => windowEnding('soon', 7)).toThrow('now: expected an ISO-8601 time such as 2024-03-04T10:00:00.000Z, found "soon"');
    expect(() => windowEnding('2024-03-18T00:00:00Z', 0)).toThrow('window: expected a positive number of days, found 0');
  });
});

describe('weekStartOf', () => {
  it('is the Monday 00:00 UTC of the ISO week', () => {
    expect(weekStartOf('2024-03-04T00:00:00.000Z')).toBe('2024-03-04'); // a Monday
    expect(weekStartOf('2024-03-10T23:59:59.999Z')).toBe('2024-03-04'); // the Sunday after
    expect(weekStartOf('2024-03-11T00:00:00.000Z')).toBe('2024-03-11');
    expect(weekStartOf('2021-01-01T08:00:00.000Z')).toBe('2020-12-28'); // a Friday: the week starts in the year before
    expect(weekStartOf('1969-12-31T12:00:00.000Z')).toBe('1969-12-29'); // before the epoch (1970-01-01 was a Thursday)
    expect(weekStartOf('2024-03-05T01:00:00+02:00')).toBe('2024-03-04'); // 2024-03-04T23:00Z
  });
});

describe('weeksOf', () => {
  it('lists every week intersecting the window, clipped to it', () => {
    // Wednesday 2024-03-06 12:00 to Tuesday 2024-03-19 08:00
    expect(weeksOf({ from: '2024-03-06T12:00:00.000Z', to: '2024-03-19T08:00:00.000Z' })).toEqual([
      { week: '2024-03-04', from: '2024-03-06T12:00:00.000Z', to: '2024-03-11T00:00:00.000Z' },
      { week: '2024-03-11', from: '2024-03-11T00:00:00.000Z', to: '2024-03-18T00:00:00.000Z' },
      { week: '2024-03-18', from: '2024-03-18T00:00:00.000Z', to: '2024-03-19T08:00:00.000Z' },
    ]);
  });

  it('leaves out the week starting at the window end (the end is excluded)', () => {
    expect(weeksOf({ from: '2024-03-04T00:00:00.000Z', to: '2024-03-18T00:00:00.000Z' }).map((w) => w.week)).toEqual(['2024-03-04', '2024-03-11']);
  });

  it('gives one week for a window inside a week and none for an empty window', () => {
    expect(weeksOf({ from: '2024-03-05T00:00:00.000Z', to: '2024-03-07T00:00:00.000Z' })).toEqual([
      { week: '2024-03-04', from: '2024-03-05T00:00:00.000Z', to: '2024-03-07T00:00:00.000Z' },
    ]);
    expect(weeksOf({ from: '2024-03-07T00:00:00.000Z', to: '2024-03-07T00:00:00.000Z' })).toEqual([]);
    expect(weeksOf({ from: '2024-03-07T00:00:00.000Z', to: '2024-03-05T00:00:00.000Z' })).toEqual([]);
  });

  it('names the bad field', () => {
    expect(() => weeksOf({ from: 'x', to: '2024-03-07T00:00:00.000Z' })).toThrow('window.from: expected an ISO-8601 time');
  });
});

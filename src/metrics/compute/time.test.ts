import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../catalog/sample/seededRandom.js';
import { isoMillis, mondayOf, parseTime } from './time.js';

describe('isoMillis', () => {
  it('agrees with Date.parse on toISOString() times across four centuries', () => {
    const random = new SeededRandom(11);
    const from = Date.parse('1900-01-01T00:00:00.000Z');
    const to = Date.parse('2300-01-01T00:00:00.000Z');
    for (let i = 0; i < 5000; i++) {
      const iso = new Date(from + Math.floor(random.next() * (to - from))).toISOString();
      expect(isoMillis(iso)).toBe(Date.parse(iso));
    }
  });

  it('agrees on leap days, month ends and the epoch', () => {
    for (const iso of [
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T00:00:00.000Z',
      '2023-12-31T23:59:59.999Z',
      '2024-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '0001-03-01T00:00:00.000Z',
    ]) {
      expect(isoMillis(iso)).toBe(Date.parse(iso));
    }
  });

  it('hands every other form to Date.parse, invalid ones included', () => {
    for (const text of [
      '2024-03-04T10:00:00Z',
      '2024-03-04T10:00:00.000+02:00',
      '2024-03-04',
      '2023-02-29T00:00:00.000Z', // not a leap year
      '2024-04-31T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-03-04T24:00:00.000Z',
      '2024-03-04T10:60:00.000Z',
      '2024-0a-04T10:00:00.000Z',
      '2024-03-04T10:00:00.00xZ',
      'not a time at all, 24 ch',
    ]) {
      expect(isoMillis(text)).toBe(Date.parse(text));
    }
    expect(isoMillis('2024-13-01T00:00:00.000Z')).toBeNaN();
  });
});

describe('parseTime', () => {
  it('names the row and field of a bad value', () => {
    expect(() => parseTime('2024-13-01T00:00:00.000Z', 'changes', 3, 'deployedAt')).toThrow(
      'changes[3].deployedAt: expected an ISO-8601 time such as 2024-03-04T10:00:00.000Z, found "2024-13-01T00:00:00.000Z"',
    );
  });
});

describe('mondayOf', () => {
  it('is the Monday 00:00 UTC of the week', () => {
    const monday = Date.parse('2024-03-04T00:00:00.000Z');
    expect(mondayOf(monday)).toBe(monday);
    expect(mondayOf(Date.parse('2024-03-10T23:59:59.999Z'))).toBe(monday);
    expect(mondayOf(Date.parse('2024-03-11T00:00:00.000Z'))).toBe(monday + 7 * 86_400_000);
  });
});

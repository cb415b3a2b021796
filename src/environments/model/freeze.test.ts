import { describe, expect, it } from 'vitest';
import { activeFreeze, checkWindow, parseWindowBound } from './freeze.js';

describe('freeze windows', () => {
  it('reads ISO times and weekly day/time bounds, and says what it expected otherwise', () => {
    expect(parseWindowBound('2026-12-24T00:00:00Z')).toEqual({ kind: 'absolute', at: Date.UTC(2026, 11, 24) });
    expect(parseWindowBound('Fri 16:00')).toEqual({ kind: 'weekly', minuteOfWeek: 5 * 1440 + 16 * 60 });
    expect(parseWindowBound('monday 8:30')).toEqual({ kind: 'weekly', minuteOfWeek: 1440 + 8 * 60 + 30 });
    expect(parseWindowBound('tomorrow')).toBe('expected an ISO time such as 2026-12-24T00:00:00Z, or a weekly day and UTC time such as "Fri 16:00", found "tomorrow"');
  });

  it('checks both ends have one form and an absolute window ends after it starts', () => {
    expect(checkWindow({ start: 'Fri 16:00', end: 'Mon 08:00' })).toEqual([]);
    expect(checkWindow({ start: 'Fri 16:00', end: '2026-01-01' })[0]?.message).toMatch(/^expected the same form as start/);
    expect(checkWindow({ start: '2026-01-02', end: '2026-01-01' })[0]).toEqual({ field: 'end', message: 'expected a time after start (2026-01-02), found "2026-01-01"' });
  });

  it('finds the active window, absolute or weekly (wrapping over the weekend)', () => {
    const xmas = { start: '2026-12-24T00:00:00Z', end: '2027-01-02T00:00:00Z', reason: 'holidays' };
    const weekend = { start: 'Fri 16:00', end: 'Mon 08:00', reason: 'weekend' };
    expect(activeFreeze([xmas], new Date('2026-12-25T12:00:00Z'))).toBe(xmas);
    expect(activeFreeze([xmas], new Date('2027-01-02T00:00:00Z'))).toBeUndefined();
    // 2026-11-27 is a Friday.
    expect(activeFreeze([weekend], new Date('2026-11-27T15:59:00Z'))).toBeUndefined();
    expect(activeFreeze([weekend], new Date('2026-11-27T16:00:00Z'))).toBe(weekend);
    expect(activeFreeze([weekend], new Date('2026-11-29T23:00:00Z'))).toBe(weekend);
    expect(activeFreeze([weekend], new Date('2026-11-30T07:59:00Z'))).toBe(weekend);
    expect(activeFreeze([weekend], new Date('2026-11-30T08:00:00Z'))).toBeUndefined();
    expect(activeFreeze([{ start: 'Tue 09:00', end: 'Tue 10:00' }], new Date('2026-12-01T09:30:00Z'))).toBeDefined();
  });
});

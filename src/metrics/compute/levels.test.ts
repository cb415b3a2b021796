import { describe, expect, it } from 'vitest';
import { changeFailureLevel, frequencyLevel, leadTimeLevel, lowestLevel, recoveryLevel } from './levels.js';

const HOUR = 3600;
const DAY = 86_400;

describe('levels (Accelerate State of DevOps Report 2024 clusters)', () => {
  it('maps the frequency category', () => {
    expect(frequencyLevel('daily')).toBe('elite');
    expect(frequencyLevel('weekly')).toBe('high');
    expect(frequencyLevel('monthly')).toBe('medium');
    expect(frequencyLevel('yearly')).toBe('low');
    expect(frequencyLevel(null)).toBeNull();
  });

  it('lead time: < 1 day elite, ≤ 7 days high, ≤ 30 days medium', () => {
    expect(leadTimeLevel(0)).toBe('elite');
    expect(leadTimeLevel(DAY - 1)).toBe('elite');
    expect(leadTimeLevel(DAY)).toBe('high');
    expect(leadTimeLevel(7 * DAY)).toBe('high');
    expect(leadTimeLevel(7 * DAY + 1)).toBe('medium');
    expect(leadTimeLevel(30 * DAY)).toBe('medium');
    expect(leadTimeLevel(30 * DAY + 1)).toBe('low');
    expect(leadTimeLevel(null)).toBeNull();
  });

  it('change failure rate: ≤ 5% elite, ≤ 20% high, no medium', () => {
    expect(changeFailureLevel(0)).toBe('elite');
    expect(changeFailureLevel(1 / 20)).toBe('elite'); // 5%
    expect(changeFailureLevel(0.0501)).toBe('high');
    expect(changeFailureLevel(0.1)).toBe('high'); // the medium cluster's 10% is inside high's band
    expect(changeFailureLevel(1 / 5)).toBe('high'); // 20%
    expect(changeFailureLevel(0.2001)).toBe('low');
    expect(changeFailureLevel(null)).toBeNull();
  });

  it('recovery time: < 1 hour elite, < 1 day high, no medium', () => {
    expect(recoveryLevel(HOUR - 1)).toBe('elite');
    expect(recoveryLevel(HOUR)).toBe('high');
    expect(recoveryLevel(DAY - 1)).toBe('high');
    expect(recoveryLevel(DAY)).toBe('low');
    expect(recoveryLevel(null)).toBeNull();
  });

  it('the overall level is the lowest of those with data', () => {
    expect(lowestLevel(['elite', null, 'high', 'elite'])).toBe('high');
    expect(lowestLevel(['elite', 'low', 'medium'])).toBe('low');
    expect(lowestLevel([null, null])).toBeNull();
  });
});

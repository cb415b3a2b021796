import { describe, expect, it } from 'vitest';
import { SecretMasker, StepOutput } from './output.js';

function streamed(masker: SecretMasker, chunks: string[]): string {
  const s = masker.stream();
  return chunks.map((c) => s.push(c)).join('') + s.end();
}

describe('SecretMasker', () => {
  const masker = new SecretMasker(['hunter2-secret', 'hunter2-secret-longer', 'abc', '']);

  it('masks values split at every possible point between two chunks', () => {
    const text = 'before hunter2-secret middle hunter2-secret-longer after hunter2-secre';
    const expected = 'before *** middle *** after hunter2-secre';
    expect(masker.mask(text)).toBe(expected);
    for (let i = 0; i <= text.length; i++) {
      expect(streamed(masker, [text.slice(0, i), text.slice(i)]), `split at ${i}`).toBe(expected);
    }
  });

  it('masks values that arrive one character at a time', () => {
    const text = 'x=hunter2-secret-longer;y=hunter2-secret\n';
    expect(streamed(masker, [...text])).toBe('x=***;y=***\n');
  });

  it('does not mask values shorter than 4 characters', () => {
    expect(masker.mask('abc abcd')).toBe('abc abcd');
  });

  it('masks a multi-line value whole and line by line', () => {
    const key = '-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----';
    const m = new SecretMasker([key]);
    expect(m.mask(`k=${key}`)).toBe('k=***');
    expect(m.mask('-----BEGIN KEY-----\r\nMIIEvQIBADANBgkq\r\n')).toBe('***\r\n***\r\n');
  });

  it('passes text straight through when there is nothing to mask', () => {
    const m = new SecretMasker([]);
    const s = m.stream();
    expect(s.push('abc')).toBe('abc');
    expect(s.end()).toBe('');
  });
});

describe('StepOutput', () => {
  it('caps at maxBytes on a UTF-8 character boundary with one notice, and drops the rest', () => {
    const sent: string[] = [];
    const out = new StepOutput(new SecretMasker([]), 10, (c) => sent.push(c));
    out.write(Buffer.from('12345678é€')); // é is 2 bytes (ends at 10), € 3 bytes (would end at 13)
    out.write(Buffer.from('more\n'));
    out.end();
    expect(sent.join('')).toBe('12345678é\n[gantry] output truncated after 10 bytes; the step keeps running\n');
    expect(out.truncated).toBe(true);
  });

  it('decodes characters split between chunks', () => {
    const sent: string[] = [];
    const out = new StepOutput(new SecretMasker([]), 1000, (c) => sent.push(c));
    const bytes = Buffer.from('€uro\n');
    out.write(bytes.subarray(0, 1));
    out.write(bytes.subarray(1));
    out.end();
    expect(sent.join('')).toBe('€uro\n');
  });

  it('notices "No space left on device" split between chunks', () => {
    const out = new StepOutput(new SecretMasker([]), 1000, () => undefined);
    out.write(Buffer.from('cat: write error: No space le'));
    expect(out.sawNoSpace).toBe(false);
    out.write(Buffer.from('ft on device\n'));
    expect(out.sawNoSpace).toBe(true);
  });

  it('keeps the first error of the sink and stops forwarding', () => {
    let calls = 0;
    const out = new StepOutput(new SecretMasker([]), 1000, () => {
      calls++;
      throw new Error('ENOSPC: no space left on device, write');
    });
    out.write(Buffer.from('a'));
    out.write(Buffer.from('b'));
    out.end();
    expect(calls).toBe(1);
    expect(String(out.failure)).toContain('ENOSPC');
  });
});

import { describe, expect, it } from 'vitest';
import { colorEnabled, formatAge, renderProblem, renderTable, stripAnsi, visibleLength } from './output.js';

describe('renderTable', () => {
  it('aligns columns by visible width, ignoring colour codes, with no trailing blanks', () => {
    const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
    const lines = renderTable(['ref', 'status', 'owner'], [
      ['component:default/a', red('2 errors'), 'team-a'],
      ['api:default/bb', 'ok', ''],
    ]).map(stripAnsi);
    expect(lines).toEqual([
      'REF                  STATUS    OWNER',
      'component:default/a  2 errors  team-a',
      'api:default/bb       ok',
    ]);
    expect(visibleLength(red('abc'))).toBe(3);
  });
});

describe('colorEnabled', () => {
  it('colours a terminal only, and never with NO_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});

describe('renderProblem', () => {
  it('prints file:line:col: path: message and says the path once', () => {
    const text = renderProblem({
      code: 'invalid_name',
      path: 'metadata.name',
      message: 'metadata.name: expected a valid name, found "a b"',
      position: { file: 'x.yaml', line: 4, column: 9 },
    });
    expect(stripAnsi(text)).toBe('x.yaml:4:9: metadata.name: expected a valid name, found "a b"');
  });
});

describe('formatAge', () => {
  it('says how long ago or how far ahead', () => {
    const now = Date.parse('2025-01-10T00:00:00Z');
    expect(formatAge('2025-01-09T23:55:00Z', now)).toBe('5m ago');
    expect(formatAge('2025-04-10T00:00:00Z', now)).toBe('in 90d');
    expect(formatAge(null, now, 'never')).toBe('never');
  });
});

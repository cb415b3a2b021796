import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { graphToDot, resolveTarget, splitRef } from './catalog.js';

describe('resolveTarget', () => {
  it('makes local paths absolute and keeps URLs, scp-style remotes and #suffixes', () => {
    expect(resolveTarget('catalog', '/home/a/repo')).toBe('/home/a/repo/catalog');
    expect(resolveTarget('./svc#**/*.yaml', '/w')).toBe('/w/svc#**/*.yaml');
    expect(resolveTarget('/abs/repo.git#main:catalog/*.yaml', '/w')).toBe('/abs/repo.git#main:catalog/*.yaml');
    expect(resolveTarget('https://git.example.com/org/repo.git#main', '/w')).toBe('https://git.example.com/org/repo.git#main');
    expect(resolveTarget('git@github.com:org/repo.git', '/w')).toBe('git@github.com:org/repo.git');
  });
});

describe('splitRef', () => {
  it('reads full and partial refs', () => {
    expect(splitRef('Component:default/payments-api')).toEqual({ kind: 'component', namespace: 'default', name: 'payments-api' });
    expect(splitRef('component:payments-api')).toEqual({ kind: 'component', namespace: undefined, name: 'payments-api' });
    expect(splitRef('payments-api')).toEqual({ kind: undefined, namespace: undefined, name: 'payments-api' });
  });

  it('rejects what is not a ref', () => {
    expect(() => splitRef('a:b:c')).toThrow(UsageError);
    expect(() => splitRef('')).toThrow(/expected an entity ref/);
  });
});

describe('graphToDot', () => {
  it('draws one arrow per related pair and escapes quotes', () => {
    const dot = graphToDot(
      {
        nodes: [
          { ref: 'component:default/a', kind: 'Component', name: 'a', title: 'The "A"' },
          { ref: 'group:default/t', kind: 'Group', name: 't' },
        ],
        edges: [
          { source: 'component:default/a', type: 'ownedBy', target: 'group:default/t' },
          { source: 'group:default/t', type: 'ownerOf', target: 'component:default/a' },
        ],
      },
      'component:default/a',
    );
    expect(dot).toContain('"component:default/a" -> "group:default/t" [label="ownedBy"];');
    expect(dot).not.toContain('ownerOf');
    expect(dot).toContain('label="Component\\nThe \\"A\\""');
    expect(dot.split('\n').at(-1)).toBe('}');
  });
});

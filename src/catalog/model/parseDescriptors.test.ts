import { describe, expect, it } from 'vitest';
import { parseDescriptors } from './parseDescriptors.js';

const GOOD_SYSTEM = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: audio-playback
spec:
  owner: team-c
`;

describe('parseDescriptors', () => {
  it('points at the offending nested node in the second document (1-based line and column)', () => {
    const text = [
      GOOD_SYSTEM.trimEnd(),
      '---',
      'apiVersion: backstage.io/v1alpha1', // line 8
      'kind: Component',
      'metadata:',
      '  name: player',
      '  labels:',
      '    tier: gold',
      '    "bad key!": x', // line 14, key at column 5
      'spec:',
      '  type: service',
      '  lifecycle: production',
      '  owner: team-c',
      '  dependsOn:',
      '    - resource:db',
      '    -   billing', // line 21, value at column 9
      '',
    ].join('\n');
    const { documents, problems } = parseDescriptors(text, 'catalog-info.yaml');
    expect(problems).toEqual([]);
    expect(documents.map((d) => [d.index, d.position.line, d.ref, d.entity !== undefined])).toEqual([
      [0, 1, 'system:default/audio-playback', true],
      [1, 8, 'component:default/player', false],
    ]);
    const second = documents[1]?.problems ?? [];
    expect(second.map((p) => [p.code, p.path, p.position])).toEqual([
      ['invalid_label', 'metadata.labels.bad key!', { file: 'catalog-info.yaml', line: 14, column: 5 }],
      ['invalid_ref', 'spec.dependsOn[1]', { file: 'catalog-info.yaml', line: 21, column: 9 }],
    ]);
  });

  it('points a missing field at its parent mapping', () => {
    const text = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: player
spec:
  type: service
  owner: team-c
`;
    const doc = parseDescriptors(text, 'a.yaml').documents[0];
    expect(doc?.problems.map((p) => [p.code, p.path, p.position?.line, p.position?.column])).toEqual([
      ['missing_field', 'spec.lifecycle', 6, 3],
    ]);
    expect(doc?.problems[0]?.message).toBe('spec.lifecycle: expected a value (required for kind Component), found nothing');
  });

  it('lists a document\'s problems in reading order', () => {
    const text = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
spec:
  dependsOn: [billing]
  type: service
  owner: 7
  lifecycle: production
`;
    const doc = parseDescriptors(text, 'o.yaml').documents[0];
    expect(doc?.problems.map((p) => [p.path, p.position?.line])).toEqual([
      ['spec.dependsOn[0]', 6],
      ['spec.owner', 8],
    ]);
  });

  it('one bad document between two good ones yields the two good entities', () => {
    const bad = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Bad Name!
spec: {type: service, lifecycle: production, owner: team-c}`;
    const text = `${GOOD_SYSTEM}---\n${bad}\n---\n${GOOD_SYSTEM.replace('audio-playback', 'video')}`;
    const { documents } = parseDescriptors(text, 'multi.yaml');
    expect(documents.filter((d) => d.entity).map((d) => d.ref)).toEqual(['system:default/audio-playback', 'system:default/video']);
    const rejected = documents[1];
    expect(rejected?.entity).toBeUndefined();
    expect(rejected?.ref).toBe('component:default/bad name!');
    expect(rejected?.problems.map((p) => [p.code, p.position?.line, p.position?.column])).toEqual([['invalid_name', 11, 9]]);
  });

  it('a YAML syntax error rejects only its own document', () => {
    const text = `${GOOD_SYSTEM}---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: broken
  name: twice
spec:
  owner: [team-c
---
${GOOD_SYSTEM.replace('audio-playback', 'after')}`;
    const { documents, problems } = parseDescriptors(text, 's.yaml');
    expect(problems).toEqual([]);
    expect(documents.map((d) => [d.index, d.entity?.metadata.name ?? null])).toEqual([
      [0, 'audio-playback'],
      [1, null],
      [2, 'after'],
    ]);
    const syntax = documents[1]?.problems ?? [];
    expect(syntax.length).toBeGreaterThanOrEqual(2);
    expect(syntax.every((p) => p.code === 'yaml_syntax' && p.severity === 'error')).toBe(true);
    expect(syntax.map((p) => p.position?.line)).toContain(12); // the duplicate key
    expect(syntax.find((p) => p.position?.line === 12)?.message).toContain('Map keys must be unique');
  });

  it('rejects a 10 MB file as too_large without parsing it', () => {
    const big = `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: big\nspec:\n  targets:\n${'    - ./x.yaml\n'.repeat(700_000)}`;
    expect(big.length).toBeGreaterThan(10_000_000);
    const { documents, problems } = parseDescriptors(big, 'big.yaml');
    expect(documents).toEqual([]);
    expect(problems).toEqual([
      {
        code: 'too_large',
        path: '',
        message: `expected a descriptor file of at most 1048576 bytes, found more than 1048576 bytes`,
        position: { file: 'big.yaml', line: 1, column: 1 },
        severity: 'error',
      },
    ]);
  });

  it('measures the limit in UTF-8 bytes and honours maxBytes', () => {
    const text = `${GOOD_SYSTEM}# ${'é'.repeat(100)}\n`;
    expect(parseDescriptors(text, 'a.yaml', { maxBytes: text.length + 10 }).problems[0]?.code).toBe('too_large');
    expect(parseDescriptors(text, 'a.yaml', { maxBytes: text.length + 100 }).problems).toEqual([]);
  });

  it('reports binary content as not YAML at all', () => {
    const { documents, problems } = parseDescriptors('kind: x\nab\u0000cd', 'bin.yaml');
    expect(documents).toEqual([]);
    expect(problems.map((p) => [p.code, p.position?.line, p.position?.column])).toEqual([['yaml_syntax', 2, 3]]);
  });

  it('skips empty documents but keeps counting them', () => {
    const text = `---\n---\n# just a comment\n---\n${GOOD_SYSTEM}---\n~\n`;
    const { documents } = parseDescriptors(text, 'e.yaml');
    expect(documents.map((d) => [d.index, d.ref])).toEqual([[2, 'system:default/audio-playback']]);
  });

  it('an empty file has no documents and no problems', () => {
    expect(parseDescriptors('', 'empty.yaml')).toEqual({ documents: [], problems: [] });
  });

  it('reports a scalar or a list document as not_an_object', () => {
    const { documents } = parseDescriptors(`just text\n---\n- a\n- b\n`, 'x.yaml');
    expect(documents.map((d) => [d.index, d.problems.map((p) => p.code), d.position.line])).toEqual([
      [0, ['not_an_object'], 1],
      [1, ['not_an_object'], 3],
    ]);
  });

  it('reports an unknown kind at the kind node and keeps the document ref', () => {
    const text = `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n`;
    const doc = parseDescriptors(text, 'w.yaml').documents[0];
    expect(doc?.entity).toBeUndefined();
    expect(doc?.ref).toBe('widget:default/w');
    expect(doc?.problems.map((p) => [p.code, p.position?.line, p.position?.column])).toEqual([['unknown_kind', 2, 7]]);
  });

  it('points an unknown top-level key warning at the key and still accepts the entity', () => {
    const doc = parseDescriptors(`${GOOD_SYSTEM}extra: 1\n`, 'w.yaml').documents[0];
    expect(doc?.entity).toBeDefined();
    expect(doc?.problems.map((p) => [p.code, p.severity, p.position?.line, p.position?.column])).toEqual([
      ['unknown_field', 'warning', 7, 1],
    ]);
  });

  it('resolves anchors and merge keys, and stops alias bombs', () => {
    const text = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: merged
common: &common
  type: service
  lifecycle: production
spec:
  <<: *common
  owner: team-c
`;
    const doc = parseDescriptors(text, 'm.yaml').documents[0];
    expect(doc?.entity?.spec).toEqual({ type: 'service', lifecycle: 'production', owner: 'team-c' });

    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${i === 0 ? 'a' : 'bcdefghi'[i - 1]}`).join(', ')}]`);
    const bomb = parseDescriptors(lines.join('\n'), 'bomb.yaml').documents[0];
    expect(bomb?.entity).toBeUndefined();
    expect(bomb?.problems[0]?.code).toBe('yaml_syntax');
  });

  it('reads JSON descriptors too, since JSON is YAML', () => {
    const json = JSON.stringify({ apiVersion: 'backstage.io/v1alpha1', kind: 'Domain', metadata: { name: 'artists' }, spec: { owner: 'team-a' } });
    expect(parseDescriptors(json, 'd.json').documents[0]?.ref).toBe('domain:default/artists');
  });
});

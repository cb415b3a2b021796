import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../core/errors.js';
import { parseDescriptors } from './parseDescriptors.js';
import { relationsOf } from './relationsOf.js';

// The shared corpus sits beside the checkout (see shared/corpus/README.md).
const DIR = fileURLToPath(new URL('../../../../shared/corpus/backstage-examples/', import.meta.url));

interface IndexEntry {
  file: string;
  kinds: string[];
  heuristicValidation: { expectedValid: boolean };
}

const index = JSON.parse(readFileSync(`${DIR}index.json`, 'utf8')) as IndexEntry[];

describe("Backstage's example descriptors", () => {
  it('index.json lists every file in the folder', () => {
    const files = readdirSync(DIR).filter((f) => f !== 'index.json').sort();
    expect(index.map((e) => e.file).sort()).toEqual(files);
  });

  it.each(index.filter((e) => e.heuristicValidation.expectedValid).map((e) => [e.file, e] as const))(
    '%s imports with no error problems',
    (file, entry) => {
      const { documents, problems } = parseDescriptors(readFileSync(DIR + file, 'utf8'), file);
      expect(problems).toEqual([]);
      expect(documents.length).toBeGreaterThan(0);
      for (const doc of documents) {
        expect(doc.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
        expect(doc.entity).toBeDefined();
        expect(doc.ref).toMatch(/^[a-z]+:[a-z0-9-]+\/[a-z0-9._-]+$/);
        if (doc.entity) expect(relationsOf(doc.entity).problems).toEqual([]);
      }
      expect([...new Set(documents.map((d) => d.entity?.kind))].sort()).toEqual([...entry.kinds].sort());
    },
  );

  it('invalid-component.yaml is rejected with clear, positioned errors', () => {
    const file = 'backstage__backstage__packages__catalog-model__examples__components__invalid-component.yaml';
    expect(index.find((e) => e.file === file)?.heuristicValidation.expectedValid).toBe(false);
    const { documents, problems } = parseDescriptors(readFileSync(DIR + file, 'utf8'), file);
    expect(problems).toEqual([]);
    expect(documents).toHaveLength(1);
    const doc = documents[0];
    expect(doc?.entity).toBeUndefined();
    expect(doc?.ref).toBe('component:default/invalid component');
    expect(doc?.problems.map((p) => [p.code, p.severity, p.position?.line, p.position?.column, p.message])).toEqual([
      [
        'invalid_name',
        'error',
        4,
        9,
        'metadata.name: expected a string of 1–63 characters [a-zA-Z0-9] at both ends with [-_.] between, found "invalid component"',
      ],
      [
        'invalid_tag',
        'error',
        11,
        7,
        'metadata.tags[1]: expected a lower-case string of 1–63 characters: [a-z0-9:+#] separated by single -, found "go 1.15.3"',
      ],
    ]);
  });

  it('reads the relations of the examples with Backstage defaulting', () => {
    const file = 'backstage__backstage__packages__catalog-model__examples__acme__team-a-group.yaml';
    const { documents } = parseDescriptors(readFileSync(DIR + file, 'utf8'), file);
    const guestDev = documents.find((d) => d.ref === 'user:development/guest')?.entity;
    expect(guestDev && relationsOf(guestDev).relations).toEqual([
      { source: 'user:development/guest', type: 'memberOf', target: 'group:default/team-a' },
      { source: 'group:default/team-a', type: 'hasMember', target: 'user:development/guest' },
    ]);
  });
});

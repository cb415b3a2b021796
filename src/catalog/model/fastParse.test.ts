import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastParse } from './fastParse.js';
import { parseDescriptors } from './parseDescriptors.js';

const CORPUS = join(import.meta.dirname, '../../../../shared/corpus/backstage-examples');
const SAMPLE = join(import.meta.dirname, '../../../examples/sample-org');

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

describe('the fast path of parseDescriptors', () => {
  it('gives exactly what the exact parser gives, for every real file', () => {
    const files = [...filesIn(CORPUS), ...filesIn(SAMPLE)];
    expect(files.length).toBeGreaterThan(10);
    let fastHits = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const exact = parseDescriptors(text, f, { exact: true });
      const auto = parseDescriptors(text, f);
      expect(auto, f).toEqual(exact);
      if (fastParse(text, f)) fastHits++;
    }
    // Most real files are plain descriptors; the fast path must actually be taken for them.
    expect(fastHits).toBeGreaterThan(files.length / 2);
  });

  it('hands anything with a problem to the exact parser, so positions stay exact', () => {
    const text = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ok\nspec: {type: service, lifecycle: x, owner: a}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: "Bad Name!"\nspec: {type: service, lifecycle: x, owner: a}\n';
    expect(fastParse(text, 'f.yaml')).toBeNull();
    const r = parseDescriptors(text, 'f.yaml');
    expect(r.documents[0]!.entity?.metadata.name).toBe('ok');
    expect(r.documents[1]!.problems[0]).toMatchObject({ code: 'invalid_name', position: { line: 10, column: 9 } });
  });

  it('falls back on YAML features it does not handle and on syntax errors', () => {
    expect(fastParse('a: &x 1\nb: *x\n', 'f')).toBeNull();
    expect(fastParse('--- {a: 1}\n', 'f')).toBeNull();
    expect(fastParse('a: [1,\n', 'f')).toBeNull();
    expect(fastParse('a: 1\na: 2\n', 'f')).toBeNull();
  });

  it('keeps dates as strings, like the exact parser', () => {
    const text = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ok\n  annotations: {since: 2021-01-01}\nspec: {type: service, lifecycle: x, owner: a}\n';
    const fast = fastParse(text, 'f.yaml');
    expect(fast?.[0]?.entity?.metadata.annotations).toEqual({ since: '2021-01-01' });
  });
});

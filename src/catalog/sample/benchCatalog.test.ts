// Tests for bench/catalog/. They live here because vitest's include (vitest.config.ts) covers src/ and test/
// only, and a test that never runs protects nothing.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { emitYaml } from '../../../bench/catalog/emitYaml.js';
import { catalogEntities, catalogShape, generateCatalog, writeCatalogFiles } from '../../../bench/catalog/generate.js';
import { checkEntities } from './checkEntities.js';

const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

function readBack(text: string, version: '1.1' | '1.2' = '1.2'): unknown[] {
  const docs = parseAllDocuments(text, { version }) as Array<{ errors: unknown[]; toJS(): unknown }>;
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS());
}

describe('generateCatalog', () => {
  const entities = generateCatalog(1000);
  const check = checkEntities(entities);

  it('has only resolvable refs, valid names and no duplicates', () => {
    expect(entities).toHaveLength(1000);
    expect(check.dangling).toEqual([]);
    expect(check.duplicates).toEqual([]);
    expect(check.invalidNames).toEqual([]);
    expect(check.invalidTags).toEqual([]);
    expect(check.invalidKeys).toEqual([]);
  });

  it('has the benchmark mix of kinds and about 7 relations per entity (both directions)', () => {
    const kinds = new Map<string, number>();
    for (const e of entities as Array<{ kind: string }>) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({ Group: 20, User: 150, System: 30, API: 150, Component: 650 });
    const perEntity = (2 * check.relations) / entities.length;
    expect(perEntity).toBeGreaterThan(6);
    expect(perEntity).toBeLessThan(8);
    const fields = new Set(check.edges.map(([, field]) => field));
    for (const f of ['owner', 'system', 'dependsOn', 'providesApis', 'consumesApis', 'memberOf', 'parent']) {
      expect(fields.has(f), f).toBe(true);
    }
  });

  it('gives every API exactly one provider and every team members', () => {
    const providers = new Map<string, number>();
    for (const [, field, target] of check.edges) {
      if (field === 'providesApis') providers.set(target, (providers.get(target) ?? 0) + 1);
    }
    const apis = (entities as Array<{ kind: string; metadata: { name: string } }>).filter((e) => e.kind === 'API');
    for (const a of apis) expect(providers.get(`api:default/${a.metadata.name}`), a.metadata.name).toBe(1);
    const teamsWithMembers = new Set(check.edges.filter(([, f]) => f === 'memberOf').map(([, , t]) => t));
    const teams = (entities as Array<{ kind: string; metadata: { name: string }; spec: { type: string } }>).filter(
      (e) => e.kind === 'Group' && e.spec.type === 'team',
    );
    expect(teams.length).toBeGreaterThan(0);
    for (const t of teams) expect(teamsWithMembers.has(`group:default/${t.metadata.name}`), t.metadata.name).toBe(true);
  });

  it('has an acyclic, shallow dependsOn graph, so transitive queries stay realistic', () => {
    const deps = new Map<string, string[]>();
    for (const [from, field, to] of check.edges) if (field === 'dependsOn') deps.set(from, [...(deps.get(from) ?? []), to]);
    expect(deps.size).toBeGreaterThan(400);
    const depth = new Map<string, number>();
    const visiting = new Set<string>();
    const depthOf = (node: string): number => {
      const known = depth.get(node);
      if (known !== undefined) return known;
      if (visiting.has(node)) throw new Error(`dependsOn cycle through ${node}`);
      visiting.add(node);
      const d = Math.max(0, ...(deps.get(node) ?? []).map((n) => 1 + depthOf(n)));
      visiting.delete(node);
      depth.set(node, d);
      return d;
    };
    const longest = Math.max(...[...deps.keys()].map(depthOf));
    expect(longest).toBeGreaterThanOrEqual(2);
    expect(longest).toBeLessThanOrEqual(3);
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(generateCatalog(1000)).toEqual(entities);
    expect(generateCatalog(1000, 2)).not.toEqual(entities);
    expect(checkEntities(generateCatalog(1000, 2)).dangling).toEqual([]);
  });

  it('gives full-text search real words to find', () => {
    const text = JSON.stringify(entities);
    for (const word of ['settlement', 'reconciles', 'ledger', 'compliance']) expect(text.toLowerCase()).toContain(word);
  });

  it('scales down to the smallest catalog and rejects smaller ones', () => {
    for (const n of [10, 11, 37, 99]) {
      const small = generateCatalog(n, 7);
      expect(small).toHaveLength(n);
      expect(checkEntities(small).dangling, `n=${n}`).toEqual([]);
    }
    expect(() => catalogShape(9)).toThrow(/n: expected an integer ≥ 10, found 9/);
    expect(() => generateCatalog(12.5)).toThrow(RangeError);
  });

  it('streams: the first entities of a huge catalog come without generating the rest', () => {
    const first: object[] = [];
    for (const e of catalogEntities(5_000_000)) {
      first.push(e);
      if (first.length === 3) break;
    }
    expect(first).toHaveLength(3);
    expect(first.map((e) => (e as { kind: string }).kind)).toEqual(['Group', 'Group', 'Group']);
  });
});

describe('writeCatalogFiles', () => {
  it('writes multi-document YAML files that read back as exactly the entities', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-catalog-'));
    temps.push(dir);
    const paths = await writeCatalogFiles(catalogEntities(2500, 3), dir, 1000);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['catalog-00001.yaml', 'catalog-00002.yaml', 'catalog-00003.yaml']);
    // The catalog engine rejects files over 1 MiB by default; benchmark files must stay under it.
    for (const p of paths) expect((await stat(p)).size).toBeLessThan(1024 * 1024);
    // Reading YAML back is slow; the last file (APIs and components, the partial chunk) covers the emitter.
    expect(readBack(await readFile(paths[2]!, 'utf8'))).toEqual(generateCatalog(2500, 3).slice(2000));
  });

  it('rejects a bad perFile', async () => {
    await expect(writeCatalogFiles([], '/nonexistent', 0)).rejects.toThrow(/perFile: expected a positive integer, found 0/);
  });
});

describe('emitYaml', () => {
  it('round-trips awkward values for YAML 1.2 and 1.1 readers', () => {
    const value = {
      plain: 'payments-api',
      ref: 'component:default/x',
      url: 'https://example.com/a?b=c',
      reserved: ['yes', 'No', 'on', 'OFF', 'y', 'true', 'null', '~'],
      numbery: ['1', '1.0', '0x1F', '1e3', '.inf', '2026-12-21', '2026-12-21T00:00:00Z', '-1', '+1'],
      syntax: ['a: b', 'x #y', 'trailing:', '- dash', '[x]', '{x}', '&anchor', '*alias', '!tag', '%pct', '@at', '`tick`', '|', '>', "'q'", '"q"', '', ' lead', 'trail '],
      multi: ['one\ntwo\n', 'one\ntwo', 'one\n\ntwo\n', '  indented\nfirst\n', 'many\n\n\n', 'cr\r\nlf', '\nleading'],
      unicode: 'Zoë Ş — ✓',
      numbers: [0, -3, 2.5],
      flags: [true, false],
      nothing: null,
      empty: { list: [], map: {} },
      nested: [{ a: 1, b: { c: ['d'] } }, [1, [2, 3]], []],
      'key: with colon': 1,
      'yes': 'key is reserved',
      '2026-01-01': 'key looks like a date',
    };
    for (const version of ['1.2', '1.1'] as const) {
      expect(readBack(emitYaml(value), version), `YAML ${version}`).toEqual([value]);
    }
  });

  it('round-trips every kind of generated entity, including multi-line API definitions', () => {
    const sample = generateCatalog(400, 5);
    const byKind = new Map<string, object[]>();
    for (const e of sample) byKind.set((e as { kind: string }).kind, [...(byKind.get((e as { kind: string }).kind) ?? []), e]);
    expect([...byKind.keys()].sort()).toEqual(['API', 'Component', 'Group', 'System', 'User']);
    for (const list of byKind.values()) {
      for (const e of list.slice(0, 25)) expect(readBack(emitYaml(e))).toEqual([e]);
    }
  });

  it('writes entity documents the way people write descriptors', () => {
    const text = emitYaml({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'x', tags: ['java'] },
      spec: { owner: 'team-a', definition: 'openapi: 3.0.3\ninfo: {}\n' },
    });
    expect(text).toBe(
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: x',
        '  tags:',
        '    - java',
        'spec:',
        '  owner: team-a',
        '  definition: |',
        '    openapi: 3.0.3',
        '    info: {}',
        '',
      ].join('\n'),
    );
  });
});

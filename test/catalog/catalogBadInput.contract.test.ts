import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, DIALECTS, component, docs, openCatalogFixture, type CatalogFixture } from './catalogFixture.js';

/** The list of bad input: each gets a clear error on a status, and nothing already ingested is lost. */
describe.each(DIALECTS)('catalog bad input on %s', (dialect) => {
  let f: CatalogFixture;
  beforeEach(async () => {
    f = await openCatalogFixture(dialect);
  });
  afterEach(async () => {
    await f.close();
  });

  const codes = (problems: Array<{ code: string }>) => problems.map((p) => p.code);

  it('reports a descriptor over the size limit on the location and still ingests the files beside it', async () => {
    await f.write('src/good.yaml', component('small'));
    // 10 MB of otherwise valid YAML: one big description.
    await f.write('src/huge.yaml', component('huge', {}, { description: 'x'.repeat(10 * 1024 * 1024) }));
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: `${f.dir}/src` });
    expect(refresh.added).toBe(1);
    const tooLarge = location.problems.find((p) => p.code === 'too_large');
    expect(tooLarge?.position?.file).toContain('huge.yaml');
    expect(tooLarge?.message).toMatch(/at most \d+ bytes/);
    await expect(f.catalog.getEntity('component:huge')).rejects.toThrow(/not found|no entity/i);
  });

  it('keeps what was ingested when a file turns into malformed YAML, and says where', async () => {
    await f.write('src/a.yaml', docs(component('alpha'), component('beta')));
    const { location } = await f.catalog.addLocation(ADMIN, { target: `${f.dir}/src` });
    await f.write('src/a.yaml', 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [unclosed\n');
    const r = await f.catalog.refreshLocation(ADMIN, location.id);
    const syntax = r.location.problems.find((p) => p.code === 'yaml_syntax');
    expect(syntax?.position).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(syntax?.position?.file).toContain('a.yaml');
    // The file cannot be read as descriptors any more: what it gave before stays until it is fixed.
    expect((await f.catalog.getEntity('component:alpha')).name).toBe('alpha');
  });

  it('rejects wrong types and bad names with the field path, found and expected', async () => {
    await f.write(
      'src/bad.yaml',
      docs(
        component('ok-one'),
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not Valid!\nspec: {type: service, lifecycle: production, owner: team-a}\n',
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: typed\nspec: {type: 42, lifecycle: production, owner: team-a}\n',
        'apiVersion: example.com/v9\nkind: Gizmo\nmetadata:\n  name: gizmo\n',
      ),
    );
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: `${f.dir}/src` });
    expect(refresh.added).toBe(1);
    expect(codes(location.problems)).toEqual(expect.arrayContaining(['invalid_name', 'wrong_type', 'unknown_kind']));
    const wrongType = location.problems.find((p) => p.code === 'wrong_type')!;
    expect(wrongType.path).toBe('spec.type');
    expect(wrongType.message).toContain('42');
  });

  it('keeps the first of two documents with the same ref in one source and reports the second', async () => {
    await f.write('src/a.yaml', component('twin', { lifecycle: 'production' }));
    await f.write('src/b.yaml', component('twin', { lifecycle: 'experimental' }));
    const { location } = await f.catalog.addLocation(ADMIN, { target: `${f.dir}/src` });
    const entity = await f.catalog.getEntity('component:twin');
    expect(entity.entity.spec?.lifecycle).toBe('production');
    const dup = location.problems.find((p) => p.message.includes('component:default/twin'));
    expect(dup, JSON.stringify(location.problems)).toBeDefined();
    expect(dup?.position?.file).toContain('b.yaml');
  });
});

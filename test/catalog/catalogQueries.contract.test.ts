import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import { parseFilter, type EntityView } from '../../src/catalog/index.js';
import { ADMIN, DIALECTS, component, doc, docs, openCatalogFixture, type CatalogFixture } from './catalogFixture.js';

/**
 * An organisation: acme → (platform → (platform-db), payments); a system, APIs and components with owners,
 * types, tags, titles and a dependsOn chain web → checkout → ledger → db.
 */
const ORG = docs(
  doc('Group', 'acme', { type: 'organization', children: ['platform', 'payments'] }),
  doc('Group', 'platform', { type: 'team', children: ['platform-db'] }),
  doc('Group', 'platform-db', { type: 'team', children: [] }),
  doc('Group', 'payments', { type: 'team', children: [] }),
  doc('User', 'jane', { memberOf: ['payments'] }),
  doc('System', 'shop', { owner: 'payments' }),
  doc('API', 'ledger-api', { type: 'openapi', lifecycle: 'production', owner: 'payments', system: 'shop', definition: 'openapi: 3.0.0' }),
  component('web', { type: 'website', owner: 'payments', system: 'shop', dependsOn: ['component:checkout'] }, { title: 'Web Shop', tags: ['frontend', 'typescript'] }),
  component('checkout', { owner: 'payments', system: 'shop', dependsOn: ['component:ledger'], providesApis: ['ledger-api'] }, {
    description: 'Takes payments for orders',
    tags: ['java'],
  }),
  component('ledger', { owner: 'platform', dependsOn: ['resource:db'], consumesApis: ['ledger-api'] }, { title: 'Ledger', tags: ['java'] }),
  doc('Resource', 'db', { type: 'database', owner: 'platform-db' }),
  component('search-indexer', { owner: 'platform', lifecycle: 'experimental' }, { tags: ['python'] }),
  component('payments-gateway', { owner: 'payments' }, { title: 'Gateway', description: 'Card payments gateway' }),
);

const refs = (items: EntityView[]) => items.map((e) => e.ref);

describe.each(DIALECTS)('catalog queries on %s', (dialect) => {
  let f: CatalogFixture;
  beforeAll(async () => {
    f = await openCatalogFixture(dialect);
    const r = await f.catalog.registerEntities(ADMIN, { yaml: ORG, file: 'org.yaml' });
    expect(r.problems).toEqual([]);
    expect(r.items).toHaveLength(13);
  });
  afterAll(() => f.close());

  it('filters on any field: values OR, keys AND, case-insensitive, short refs', async () => {
    const comps = await f.catalog.listEntities({ filter: [parseFilter('kind=Component')] });
    expect(comps.totalCount).toBe(5);
    const typed = await f.catalog.listEntities({ filter: [parseFilter('kind=component'), parseFilter('spec.type=website,SERVICE')] });
    expect(typed.totalCount).toBe(5);
    const owned = await f.catalog.listEntities({ filter: [parseFilter('kind=component'), parseFilter('spec.owner=platform')] });
    expect(refs(owned.items)).toEqual(['component:default/ledger', 'component:default/search-indexer']);
    const full = await f.catalog.listEntities({ filter: [parseFilter('spec.owner=group:default/platform')] });
    expect(full.totalCount).toBe(2);
    const tagged = await f.catalog.listEntities({ filter: [parseFilter('metadata.tags=java'), parseFilter('spec.lifecycle=production')] });
    expect(refs(tagged.items)).toEqual(['component:default/checkout', 'component:default/ledger']);
    const byRelation = await f.catalog.listEntities({ filter: [parseFilter('relations.ownedBy=group:default/payments')] });
    expect(byRelation.totalCount).toBe(5);
    const partOf = await f.catalog.listEntities({ filter: [parseFilter('relations.partOf=system:shop')] });
    expect(refs(partOf.items)).toEqual(['component:default/checkout', 'api:default/ledger-api', 'component:default/web']);
    const none = await f.catalog.listEntities({ filter: [parseFilter('kind=nothing')] });
    expect(none).toEqual({ items: [], totalCount: 0, nextCursor: null });
    expect(() => parseFilter('no-equals')).toThrow(InputError);
    expect(() => parseFilter('kind=')).toThrow(InputError);
    await expect(f.catalog.listEntities({ filter: [parseFilter('relations.likes=x')] })).rejects.toBeInstanceOf(InputError);
  });

  it('searches full text with prefixes, and never fails on odd input', async () => {
    expect(refs((await f.catalog.listEntities({ q: 'paym' })).items)).toEqual(
      expect.arrayContaining(['component:default/payments-gateway', 'component:default/checkout', 'group:default/payments']),
    );
    expect(refs((await f.catalog.listEntities({ q: 'card gate' })).items)).toEqual(['component:default/payments-gateway']);
    expect(refs((await f.catalog.listEntities({ q: 'web shop', filter: [parseFilter('kind=component')] })).items)).toEqual([
      'component:default/web',
    ]);
    for (const odd of ['"unbalanced', 'a AND (b OR', '*', 'NEAR(x y)', "'; drop table entities; --", ':* & !', '   ']) {
      const r = await f.catalog.listEntities({ q: odd });
      expect(r.totalCount).toBeGreaterThanOrEqual(0);
    }
    expect((await f.catalog.listEntities({ q: 'zzzznothing' })).totalCount).toBe(0);
  });

  it('pages with an opaque cursor in a stable order, forwards and backwards', async () => {
    const all = await f.catalog.listEntities({ limit: 500 });
    expect(all.totalCount).toBe(13);
    const names = all.items.map((e) => e.name);
    expect(names).toEqual([...names].sort());

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await f.catalog.listEntities({ limit: 4, ...(cursor ? { cursor } : {}) });
      expect(page.totalCount).toBe(13);
      seen.push(...refs(page.items));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(refs(all.items));

    const desc = await f.catalog.listEntities({ limit: 3, order: 'desc', filter: [parseFilter('kind=component')] });
    expect(refs(desc.items)).toEqual(['component:default/web', 'component:default/search-indexer', 'component:default/payments-gateway']);
    const desc2 = await f.catalog.listEntities({ limit: 3, order: 'desc', filter: [parseFilter('kind=component')], cursor: desc.nextCursor! });
    expect(refs(desc2.items)).toEqual(['component:default/ledger', 'component:default/checkout']);
    expect(desc2.nextCursor).toBeNull();

    const byTitle = await f.catalog.listEntities({ orderBy: 'metadata.title', filter: [parseFilter('kind=component')] });
    expect(byTitle.items.map((e) => (e.entity.metadata as { title?: string }).title ?? e.name)).toEqual([
      'checkout',
      'Gateway',
      'Ledger',
      'search-indexer',
      'Web Shop',
    ]);
    const byLifecycle = await f.catalog.listEntities({ orderBy: 'spec.lifecycle', filter: [parseFilter('kind=component')], limit: 1 });
    expect(byLifecycle.items[0]?.name).toBe('search-indexer');
    const next = await f.catalog.listEntities({ orderBy: 'spec.lifecycle', filter: [parseFilter('kind=component')], limit: 1, cursor: byLifecycle.nextCursor! });
    expect(next.items[0]?.name).toBe('checkout');
    const byKind = await f.catalog.listEntities({ orderBy: 'kind', limit: 2 });
    expect(byKind.items.map((e) => e.kind)).toEqual(['API', 'Component']);

    await expect(f.catalog.listEntities({ cursor: 'garbage' })).rejects.toBeInstanceOf(InputError);
    await expect(f.catalog.listEntities({ cursor: desc.nextCursor!, order: 'asc', filter: [parseFilter('kind=component')] })).rejects.toBeInstanceOf(InputError);
    await expect(f.catalog.listEntities({ limit: 501 })).rejects.toBeInstanceOf(InputError);
    await expect(f.catalog.listEntities({ orderBy: 'bad key!' })).rejects.toBeInstanceOf(InputError);
  });

  it('counts facets under the same filters', async () => {
    const all = await f.catalog.facets({ facets: ['kind', 'spec.type'] });
    expect(all.kind).toEqual([
      { value: 'component', count: 5 },
      { value: 'group', count: 4 },
      { value: 'api', count: 1 },
      { value: 'resource', count: 1 },
      { value: 'system', count: 1 },
      { value: 'user', count: 1 },
    ]);
    const comps = await f.catalog.facets({ facets: ['spec.type', 'metadata.tags', 'relations.ownedBy'], filter: [parseFilter('kind=component')] });
    expect(comps['spec.type']).toEqual([
      { value: 'service', count: 4 },
      { value: 'website', count: 1 },
    ]);
    expect(comps['metadata.tags']).toEqual([
      { value: 'java', count: 2 },
      { value: 'frontend', count: 1 },
      { value: 'python', count: 1 },
      { value: 'typescript', count: 1 },
    ]);
    expect(comps['relations.ownedBy']).toEqual([
      { value: 'group:default/payments', count: 3 },
      { value: 'group:default/platform', count: 2 },
    ]);
    const searched = await f.catalog.facets({ facets: ['kind'], q: 'payments' });
    expect(searched.kind?.find((v) => v.value === 'component')?.count).toBe(2);
  });

  it('answers related entities directly, transitively, and for a group with its subgroups', async () => {
    expect(refs(await f.catalog.related({ ref: 'resource:db', relation: 'dependencyOf' }))).toEqual(['component:default/ledger']);
    expect(refs(await f.catalog.related({ ref: 'resource:default/db', relation: 'dependencyOf', transitive: true }))).toEqual([
      'component:default/checkout',
      'component:default/ledger',
      'component:default/web',
    ]);
    expect(refs(await f.catalog.related({ ref: 'component:web', relation: 'dependsOn', transitive: true }))).toEqual([
      'component:default/checkout',
      'resource:default/db',
      'component:default/ledger',
    ]);
    expect(refs(await f.catalog.related({ ref: 'group:platform', relation: 'ownerOf' }))).toEqual([
      'component:default/ledger',
      'component:default/search-indexer',
    ]);
    expect(refs(await f.catalog.related({ ref: 'group:platform', relation: 'ownerOf', includeSubgroups: true }))).toEqual([
      'resource:default/db',
      'component:default/ledger',
      'component:default/search-indexer',
    ]);
    expect((await f.catalog.related({ ref: 'group:acme', relation: 'ownerOf', includeSubgroups: true })).length).toBe(8);
    expect(refs(await f.catalog.related({ ref: 'group:acme', relation: 'parentOf', transitive: true }))).toEqual([
      'group:default/payments',
      'group:default/platform',
      'group:default/platform-db',
    ]);
    await expect(f.catalog.related({ ref: 'group:acme', relation: 'likes' as never })).rejects.toBeInstanceOf(InputError);
  });

  it('returns entity views with relations in one shape, and resolves partial refs', async () => {
    const web = await f.catalog.getEntity('web');
    expect(web).toMatchObject({ ref: 'component:default/web', kind: 'Component', namespace: 'default', name: 'web', source: null, orphan: false });
    expect(web.relations).toEqual([
      { type: 'dependsOn', targetRef: 'component:default/checkout' },
      { type: 'ownedBy', targetRef: 'group:default/payments' },
      { type: 'partOf', targetRef: 'system:default/shop' },
    ]);
    expect(web.status.problems).toEqual([]);
    expect((web.entity.metadata as { uid: string }).uid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await f.catalog.getEntity('component:default/WEB')).ref).toBe('component:default/web');
    expect((await f.catalog.getEntity('default/checkout')).ref).toBe('component:default/checkout');
    await expect(f.catalog.getEntity('component:nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(f.catalog.getEntity('a/b/c')).rejects.toBeInstanceOf(InputError);
    const payments = await f.catalog.getEntity('group:payments');
    expect(payments.relations.filter((r) => r.type === 'hasMember')).toEqual([{ type: 'hasMember', targetRef: 'user:default/jane' }]);
    expect(payments.relations.filter((r) => r.type === 'childOf')).toEqual([{ type: 'childOf', targetRef: 'group:default/acme' }]);
  });

  it('draws the relation graph around an entity', async () => {
    const g1 = await f.catalog.graph({ ref: 'component:checkout' });
    expect(g1.nodes.map((n) => n.ref).sort()).toEqual([
      'api:default/ledger-api',
      'component:default/checkout',
      'component:default/ledger',
      'component:default/web',
      'group:default/payments',
      'system:default/shop',
    ]);
    expect(g1.edges).toEqual(expect.arrayContaining([{ source: 'component:default/checkout', type: 'dependsOn', target: 'component:default/ledger' }]));
    expect(g1.nodes.find((n) => n.ref === 'component:default/ledger')).toEqual({ ref: 'component:default/ledger', kind: 'Component', name: 'ledger', title: 'Ledger' });
    const g2 = await f.catalog.graph({ ref: 'component:checkout', depth: 2 });
    expect(g2.nodes.map((n) => n.ref)).toEqual(expect.arrayContaining(['resource:default/db', 'group:default/platform']));
    await expect(f.catalog.graph({ ref: 'component:checkout', depth: 9 })).rejects.toBeInstanceOf(InputError);
  });
});

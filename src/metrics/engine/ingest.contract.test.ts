import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Store, type TestDatabase } from '../../store/index.js';
import type { ChangeFact, DeliveryFact, DeploymentFact, IncidentFact } from '../model/facts.js';
import type { ComponentDirectory } from './components.js';
import { ingestFacts } from './ingest.js';
import type { MetricsTables } from './tables.js';

/**
 * How facts are stored, on both databases: idempotently, whatever order they arrive in. The directory is a plain
 * value (the catalog's role is only to map names to refs).
 */
const DIR: ComponentDirectory = {
  components: [],
  byRef: new Map(),
  component: (n) => (n.includes(':') ? n : `component:default/${n}`),
  repo: (slug) => `component:default/${slug.split('/').pop()}`,
  ownerOf: () => null,
};

const T = (h: number) => new Date(Date.UTC(2026, 9, 1) + h * 3_600_000).toISOString();
const sha = (c: string) => c.repeat(40);
const change = (c: string, h: number, component = 'shop'): ChangeFact => ({ kind: 'change', id: `github:acme/${component}:${sha(c)}`, source: 'github', component: null, repo: `acme/${component}`, sha: sha(c), committedAt: T(h) });
const deployment = (id: string, h: number, over: Partial<DeploymentFact> = {}): DeploymentFact => ({
  kind: 'deployment',
  id,
  source: 'github',
  component: null,
  repo: 'acme/shop',
  environment: 'production',
  production: null,
  sha: null,
  status: 'success',
  rollback: false,
  hotfix: false,
  startedAt: null,
  finishedAt: T(h),
  commits: null,
  reverts: null,
  url: null,
  ...over,
});

describe.each(['sqlite', 'postgres'] as const)('storing delivery facts (%s)', (dialect) => {
  let tdb: TestDatabase;
  let store: Store;
  const db = () => store.db.withTables<MetricsTables>();
  const ingest = (facts: DeliveryFact[]) => store.transaction((tx) => ingestFacts(tx, facts, DIR, { actor: 'test', now: T(1000), dialect }));
  const linked = async () =>
    (await db().selectFrom('delivery_changes').select(['sha', 'deployment_id', 'deployed_at']).orderBy('sha').execute()).map((r) => [r.sha.slice(0, 1), r.deployment_id, r.deployed_at]);
  const clear = () => Promise.all((['delivery_changes', 'delivery_deployments', 'incidents'] as const).map((t) => db().deleteFrom(t).execute()));

  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    store = await tdb.open();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it('a production deployment takes the undeployed changes committed up to its commit; the next takes the rest', async () => {
    await clear();
    await ingest([change('a', 0), change('b', 1), change('c', 2)]);
    // d1 deploys b: a and b go with it; c (committed after b) waits for d2.
    await ingest([deployment('d1', 3, { sha: sha('b') })]);
    await ingest([deployment('d2', 5, { sha: sha('c') })]);
    expect(await linked()).toEqual([
      ['a', 'd1', T(3)],
      ['b', 'd1', T(3)],
      ['c', 'd2', T(5)],
    ]);
    const leads = await db().selectFrom('delivery_deployments').select(['id', 'change_leads']).orderBy('id').execute();
    expect(leads.map((d) => [d.id, d.change_leads?.split(',').map(Number).sort((a, b) => a - b)])).toEqual([
      ['d1', [2 * 3600, 3 * 3600]],
      ['d2', [3 * 3600]],
    ]);
  });

  it('a push delivered after the deployment that carried it is linked to that deployment', async () => {
    await clear();
    await ingest([deployment('d1', 3, { sha: sha('b') })]);
    await ingest([change('a', 0), change('b', 1)]);
    expect(await linked()).toEqual([
      ['a', 'd1', T(3)],
      ['b', 'd1', T(3)],
    ]);
  });

  it('staging and pending deployments take nothing; a later success does, and a late pending report does not undo it', async () => {
    await clear();
    await ingest([change('a', 0), deployment('s1', 1, { environment: 'staging' }), deployment('d1', 2, { status: 'pending' })]);
    expect(await linked()).toEqual([['a', null, null]]);
    await ingest([deployment('d1', 3, { status: 'success', startedAt: T(2) })]);
    await ingest([deployment('d1', 4, { status: 'pending' })]);
    const d1 = await db().selectFrom('delivery_deployments').selectAll().where('id', '=', 'd1').executeTakeFirstOrThrow();
    expect(d1).toMatchObject({ status: 'success', finished_at: T(3), started_at: T(2), production: 1 });
    expect(await linked()).toEqual([['a', 'd1', T(3)]]);
    const s1 = await db().selectFrom('delivery_deployments').select('production').where('id', '=', 's1').executeTakeFirstOrThrow();
    expect(Number(s1.production)).toBe(0);
  });

  it('explicit commits: a change keeps its first production time, even when the earlier deployment arrives later', async () => {
    await clear();
    const commits = [{ sha: sha('e'), committedAt: T(0) }];
    await ingest([deployment('late', 6, { commits, component: 'shop', repo: null })]);
    await ingest([deployment('early', 2, { commits, component: 'shop', repo: null })]);
    expect(await linked()).toEqual([['e', 'early', T(2)]]);
    // Each deployment keeps the lead times of the changes it was first to bring: the later one lost its only one.
    const leads = await db().selectFrom('delivery_deployments').select(['id', 'change_leads']).orderBy('id').execute();
    expect(leads).toEqual([
      { id: 'early', change_leads: String(2 * 3600) },
      { id: 'late', change_leads: null },
    ]);
  });

  it('a rollback reverts the production deployment before it; an incident finds its cause from a short sha', async () => {
    await clear();
    await ingest([change('a', 0), deployment('d1', 1, { sha: sha('a') }), change('b', 2), deployment('d2', 3, { sha: sha('b') })]);
    await ingest([deployment('rb', 4, { rollback: true, startedAt: T(3.9), sha: sha('a') })]);
    const rb = await db().selectFrom('delivery_deployments').select('reverts').where('id', '=', 'rb').executeTakeFirstOrThrow();
    expect(rb.reverts).toBe('d2');
    const incident: IncidentFact = { kind: 'incident', id: 'github:acme/shop#9', source: 'github', title: 'Broken', severity: 'sev2', startedAt: T(3.5), detectedAt: T(3.6), acknowledgedAt: null, resolvedAt: T(4), components: [], repo: 'acme/shop', causeDeployment: null, causeSha: 'bbbbbbb', url: null };
    await ingest([incident]);
    const row = await db().selectFrom('incidents').selectAll().where('id', '=', incident.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ cause_deployment: 'd2', components: JSON.stringify(['component:default/shop']) });
  });

  it('the same facts stored twice leave the same rows', async () => {
    await clear();
    const facts: DeliveryFact[] = [change('a', 0), change('b', 1), deployment('d1', 2, { sha: sha('b') }), deployment('rb', 3, { rollback: true })];
    const first = await ingest(facts);
    const dump = async () => ({
      changes: await db().selectFrom('delivery_changes').selectAll().orderBy('id').execute(),
      deployments: await db().selectFrom('delivery_deployments').selectAll().orderBy('id').execute(),
    });
    const before = await dump();
    const second = await ingest(facts);
    expect(first.deployments).toBe(2);
    expect(second.deployments).toBe(0);
    expect(await dump()).toEqual(before);
  });
});

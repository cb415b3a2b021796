import { cp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/auth/authorize.js';
import { NotAllowedError, NotFoundError, ConflictError, InputError } from '../../src/core/errors.js';
import { CATALOG_JOB_HANDLERS, parseDescriptors } from '../../src/catalog/index.js';
import { createWorker } from '../../src/store/index.js';
import {
  ADMIN,
  DIALECTS,
  MEMBER_A,
  VIEWER,
  actionsOf,
  component,
  doc,
  docs,
  openCatalogFixture,
  type CatalogFixture,
} from './catalogFixture.js';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus/backstage-examples');

/** Makes `dir` a git repository with everything in it committed. */
async function commitAll(dir: string): Promise<void> {
  const env = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };
  await execa('git', ['-c', 'init.defaultBranch=main', 'init', '-q'], { cwd: dir, env });
  await execa('git', ['add', '-A'], { cwd: dir, env });
  await execa('git', ['commit', '-q', '-m', 'init'], { cwd: dir, env });
}

describe.each(DIALECTS)('catalog ingestion on %s', (dialect) => {
  let f: CatalogFixture;
  const savedProtocols = process.env.GIT_ALLOW_PROTOCOL;

  beforeEach(async () => {
    // Location entities in the corpus point at github.com; keep the test hermetic (and fast) without network.
    process.env.GIT_ALLOW_PROTOCOL = 'file';
    f = await openCatalogFixture(dialect);
  });
  afterEach(async () => {
    if (savedProtocols === undefined) delete process.env.GIT_ALLOW_PROTOCOL;
    else process.env.GIT_ALLOW_PROTOCOL = savedProtocols;
    await f.close();
  });

  it('ingests the Backstage example corpus: every valid document, the invalid one reported with file:line', async () => {
    const src = join(f.dir, 'corpus');
    await cp(CORPUS, src, { recursive: true });
    const index = JSON.parse(await readFile(join(CORPUS, 'index.json'), 'utf8')) as Array<{
      file: string;
      heuristicValidation: { expectedValid: boolean };
    }>;

    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: src });
    expect(location.type).toBe('dir');
    expect(location.status).toBe('ok');

    const expected = new Set<string>();
    for (const entry of index.filter((e) => e.heuristicValidation.expectedValid)) {
      const parsed = parseDescriptors(await readFile(join(CORPUS, entry.file), 'utf8'), entry.file);
      for (const d of parsed.documents) {
        expect(d.entity, `${entry.file} document ${d.index}`).toBeDefined();
        expected.add(d.ref as string);
      }
    }
    expect(expected.size).toBeGreaterThan(20);
    for (const ref of expected) expect((await f.catalog.getEntity(ref)).ref).toBe(ref);
    expect(location.entityCount).toBe(expected.size);
    expect(refresh.added).toBe(expected.size);

    const invalidFile = 'backstage__backstage__packages__catalog-model__examples__components__invalid-component.yaml';
    const invalid = location.problems.filter((p) => p.position?.file === invalidFile && p.severity === 'error');
    expect(invalid.map((p) => p.code)).toEqual(expect.arrayContaining(['invalid_name', 'invalid_tag']));
    expect(invalid.find((p) => p.code === 'invalid_name')?.position).toMatchObject({ line: 4, column: 9 });
    await expect(f.catalog.getEntity('component:default/invalid component')).rejects.toThrow();

    // Location entities are followed: their relative targets do not exist in this flat copy, which is reported.
    expect(location.problems.some((p) => p.code === 'target_not_found')).toBe(true);
    // The same user declared in two files of one location: the first is kept, the second is a conflict.
    expect(location.problems.some((p) => p.code === 'conflict' && p.message.includes('user:default/guest'))).toBe(true);

    const lookup = await f.catalog.getEntity('component:default/artist-lookup');
    expect(lookup.source).toMatchObject({ locationId: location.id, locationTarget: src, line: 1 });
    expect(lookup.source?.file).toBe('backstage__backstage__packages__catalog-model__examples__components__artist-lookup-component.yaml');
    expect(lookup.relations).toEqual(expect.arrayContaining([{ type: 'ownedBy', targetRef: 'group:default/team-a' }]));
  });

  it('keeps the good documents of a file when one between them is bad', async () => {
    const path = await f.write(
      'catalog.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: first',
        'spec: { type: service, lifecycle: production, owner: team-a }',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: second',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: "not a ref!"',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: third',
        'spec: { type: service, lifecycle: production, owner: team-a }',
        '',
      ].join('\n'),
    );
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: path });
    expect(location.type).toBe('file');
    expect(refresh.added).toBe(2);
    expect((await f.catalog.getEntity('component:first')).name).toBe('first');
    expect((await f.catalog.getEntity('component:third')).source?.line).toBe(16);
    await expect(f.catalog.getEntity('component:second')).rejects.toBeInstanceOf(NotFoundError);
    const bad = location.problems.find((p) => p.path === 'spec.owner');
    expect(bad).toMatchObject({ severity: 'error', position: { file: 'catalog.yaml', line: 14, column: 10 } });
  });

  it('refreshes: changed entities are updated, unchanged ones skipped, removed ones deleted', async () => {
    await f.write('src/a.yaml', docs(component('alpha'), component('beta')));
    await f.write('src/b.yaml', component('gamma'));
    const { location } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src') });
    expect(location.entityCount).toBe(3);
    const before = await f.catalog.getEntity('component:default/beta');

    const again = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(again.refresh).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 3 });
    expect(await actionsOf(f.store, 'component:default/alpha')).toEqual(['catalog.entity.created']);

    await f.write('src/a.yaml', docs(component('alpha', {}, { description: 'now described' }), component('beta')));
    await rm(join(f.dir, 'src/b.yaml'));
    const edited = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(edited.refresh).toMatchObject({ added: 0, updated: 1, removed: 1, unchanged: 1 });
    expect(edited.location.entityCount).toBe(2);
    const alpha = await f.catalog.getEntity('component:default/alpha');
    expect((alpha.entity.metadata as { description?: string }).description).toBe('now described');
    expect(await actionsOf(f.store, 'component:default/alpha')).toEqual(['catalog.entity.created', 'catalog.entity.updated']);
    expect(await actionsOf(f.store, 'component:default/gamma')).toEqual(['catalog.entity.created', 'catalog.entity.deleted']);
    await expect(f.catalog.getEntity('component:default/gamma')).rejects.toBeInstanceOf(NotFoundError);
    const beta = await f.catalog.getEntity('component:default/beta');
    expect(beta.updatedAt).toBe(before.updatedAt);
    expect((beta.entity.metadata as { uid: string }).uid).toBe((before.entity.metadata as { uid: string }).uid);
    const refreshed = await actionsOf(f.store, `location:${location.id}`);
    expect(refreshed.filter((a) => a === 'catalog.location.refreshed')).toHaveLength(3);

    // A descriptor broken by an edit keeps its last good version and reports the problem.
    await f.write('src/a.yaml', docs(component('alpha', {}, { tags: ['Not A Tag'] }), component('beta')));
    const broken = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(broken.refresh).toMatchObject({ removed: 0, unchanged: 1 });
    expect(broken.location.problems.some((p) => p.code === 'invalid_tag')).toBe(true);
    expect((await f.catalog.getEntity('component:default/alpha')).ref).toBe('component:default/alpha');
  });

  it('orphans entities the source dropped when onMissing is orphan, and adopts them back', async () => {
    await f.write('src/a.yaml', docs(component('alpha'), component('beta')));
    const { location } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src'), onMissing: 'orphan' });
    await f.write('src/a.yaml', component('alpha'));
    const r = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(r.refresh).toMatchObject({ orphaned: 1, removed: 0, unchanged: 1 });
    expect((await f.catalog.getEntity('component:default/beta')).orphan).toBe(true);
    expect(await actionsOf(f.store, 'component:default/beta')).toEqual(['catalog.entity.created', 'catalog.entity.orphaned']);
    const orphans = await f.catalog.listEntities({ filter: [{ key: 'kind', values: ['component'] }] });
    expect(orphans.totalCount).toBe(2);

    await f.write('src/a.yaml', docs(component('alpha'), component('beta')));
    const back = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(back.refresh).toMatchObject({ updated: 1, unchanged: 1, orphaned: 0 });
    expect((await f.catalog.getEntity('component:default/beta')).orphan).toBe(false);
  });

  it('marks a location whose directory is gone as error and removes nothing', async () => {
    await f.write('src/a.yaml', docs(component('alpha'), component('beta')));
    const { location } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src') });
    await rm(join(f.dir, 'src'), { recursive: true });
    const r = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(r.location.status).toBe('error');
    expect(r.location.problems[0]).toMatchObject({ code: 'source_unreachable', severity: 'error' });
    expect(r.location.problems[0]?.message).toContain(join(f.dir, 'src'));
    expect(r.refresh).toMatchObject({ removed: 0, unchanged: 2 });
    expect(r.location.entityCount).toBe(2);
    expect((await f.catalog.getEntity('component:default/alpha')).ref).toBe('component:default/alpha');
  });

  it('follows Location entities recursively, relative to the file, and stops at cycles', async () => {
    await f.write('root/catalog-info.yaml', doc('Location', 'root', { targets: ['./teams/all.yaml', './services/*.yaml'] }));
    await f.write('root/teams/all.yaml', docs(doc('Location', 'teams', { targets: ['./a.yaml', '../catalog-info.yaml'] })));
    await f.write('root/teams/a.yaml', doc('Group', 'team-a', { type: 'team', children: [] }));
    await f.write('root/services/one.yaml', component('one'));
    await f.write('root/services/two.yaml', component('two'));
    await f.write('outside.yaml', component('outside'));
    await f.write('root/escape.yaml', doc('Location', 'escape', { target: '../outside.yaml' }));
    const { location } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'root/catalog-info.yaml') });
    expect(location.status).toBe('ok');
    const refs = (await f.catalog.listEntities({ limit: 100 })).items.map((e) => e.ref).sort();
    expect(refs).toEqual([
      'component:default/one',
      'component:default/two',
      'group:default/team-a',
      'location:default/root',
      'location:default/teams',
    ]);
    expect((await f.catalog.getEntity('group:default/team-a')).source?.file).toBe('teams/a.yaml');

    // A nested target may not leave the source's directory.
    const escaping = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'root'), type: 'dir' });
    expect(escaping.location.problems.some((p) => p.code === 'target_outside_source')).toBe(true);
    await expect(f.catalog.getEntity('component:default/outside')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('gives a ref to the first location that claims it; the second gets a conflict naming both', async () => {
    await f.write('one/c.yaml', component('shared'));
    await f.write('two/c.yaml', docs(component('shared'), component('own')));
    const first = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'one') });
    const second = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'two') });
    const conflict = second.location.problems.find((p) => p.code === 'conflict');
    expect(conflict?.message).toContain('component:default/shared');
    expect(conflict?.message).toContain(first.location.id);
    expect(second.refresh.added).toBe(1);
    expect((await f.catalog.getEntity('component:default/shared')).source?.locationId).toBe(first.location.id);

    // Removing the first location frees the ref; the second takes it on its next refresh.
    await f.catalog.removeLocation(ADMIN, first.location.id);
    await expect(f.catalog.getEntity('component:default/shared')).rejects.toBeInstanceOf(NotFoundError);
    const again = await f.catalog.refreshLocation(ADMIN, second.location.id);
    expect(again.location.problems).toEqual([]);
    expect((await f.catalog.getEntity('component:default/shared')).source?.locationId).toBe(second.location.id);

    // An API registration of a ref a location holds is refused the same way.
    const api = await f.catalog.registerEntities(ADMIN, { yaml: component('own') });
    expect(api.items).toEqual([]);
    expect(api.problems[0]).toMatchObject({ code: 'conflict' });
  });

  it('rejects a second location for the same target and validates its input', async () => {
    await f.write('src/a.yaml', component('alpha'));
    await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src') });
    await expect(f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src') })).rejects.toBeInstanceOf(ConflictError);
    await expect(f.catalog.addLocation(ADMIN, { target: join(f.dir, 'nothing-here') })).rejects.toBeInstanceOf(InputError);
    await expect(f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src'), owner: 'user:jane' })).rejects.toBeInstanceOf(InputError);
    await expect(f.catalog.getLocation('no-such-id')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reports partOf cycles on the location and on the entities in them', async () => {
    await f.write(
      'src/c.yaml',
      docs(
        component('wheel', { subcomponentOf: 'axle' }),
        component('axle', { subcomponentOf: 'hub' }),
        component('hub', { subcomponentOf: 'wheel' }),
        component('car', { subcomponentOf: 'wheel' }),
      ),
    );
    const { location } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src') });
    const cycles = location.problems.filter((p) => p.code === 'cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.message).toContain('component:default/axle → component:default/hub → component:default/wheel → component:default/axle');
    for (const name of ['wheel', 'axle', 'hub']) {
      const e = await f.catalog.getEntity(`component:${name}`);
      expect(e.status.problems.some((p) => p.code === 'cycle' && p.severity === 'error')).toBe(true);
    }
    expect((await f.catalog.getEntity('component:car')).status.problems.some((p) => p.code === 'cycle')).toBe(false);

    // Breaking the cycle clears the entities' status at once (it is computed when read).
    await f.write('src/c.yaml', docs(component('wheel', { subcomponentOf: 'axle' }), component('axle'), component('hub', { subcomponentOf: 'wheel' })));
    const fixed = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(fixed.location.problems.filter((p) => p.code === 'cycle')).toEqual([]);
    expect((await f.catalog.getEntity('component:wheel')).status.problems.some((p) => p.code === 'cycle')).toBe(false);
  });

  it('flags relation targets that do not exist, and stops once they arrive', async () => {
    await f.catalog.registerEntities(ADMIN, { yaml: component('lonely', { owner: 'ghosts', dependsOn: ['resource:db'] }) });
    const e = await f.catalog.getEntity('component:lonely');
    const missing = e.status.problems.filter((p) => p.code === 'missing_target');
    expect(missing.map((p) => p.severity)).toEqual(['warning', 'warning']);
    expect(missing.map((p) => p.message).join('\n')).toMatch(/ownedBy group:default\/ghosts/);
    expect(missing.map((p) => p.message).join('\n')).toMatch(/dependsOn resource:default\/db/);

    await f.catalog.registerEntities(ADMIN, { yaml: doc('Group', 'ghosts', { type: 'team', children: [] }) });
    const after = await f.catalog.getEntity('component:lonely');
    expect(after.status.problems.filter((p) => p.code === 'missing_target').map((p) => p.message)).toEqual([
      expect.stringContaining('resource:default/db'),
    ]);
    const group = await f.catalog.getEntity('group:ghosts');
    expect(group.relations).toEqual([{ type: 'ownerOf', targetRef: 'component:default/lonely' }]);
  });

  it('registers entities through the API, updates them, and deletes them', async () => {
    const r = await f.catalog.registerEntities(ADMIN, {
      entities: [
        { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'api-one' }, spec: { type: 'service', lifecycle: 'production', owner: 'team-a' } },
        { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'Bad Name!' }, spec: {} },
      ],
    });
    expect(r.items.map((e) => e.ref)).toEqual(['component:default/api-one']);
    expect(r.items[0]?.source).toBeNull();
    expect(r.problems.some((p) => p.path.startsWith('entities[1]'))).toBe(true);

    const again = await f.catalog.registerEntities(ADMIN, { yaml: component('api-one', { lifecycle: 'deprecated' }) });
    expect((again.items[0]?.entity.spec as { lifecycle: string }).lifecycle).toBe('deprecated');
    expect(await actionsOf(f.store, 'component:default/api-one')).toEqual(['catalog.entity.created', 'catalog.entity.updated']);

    await f.catalog.deleteEntity(ADMIN, 'component:api-one');
    await expect(f.catalog.getEntity('component:default/api-one')).rejects.toBeInstanceOf(NotFoundError);
    await expect(f.catalog.deleteEntity(ADMIN, 'component:api-one')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('authorises: members add git locations for their teams only; owned locations ingest only what those teams own', async () => {
    await f.catalog.registerEntities(ADMIN, {
      yaml: docs(
        doc('Group', 'team-a', { type: 'team', children: ['team-a1'] }),
        doc('Group', 'team-a1', { type: 'team', children: [] }),
        doc('Group', 'team-b', { type: 'team', children: [] }),
      ),
    });
    await f.write('mine/catalog-info.yaml', docs(component('ours'), component('sub-ours', { owner: 'team-a1' }), component('theirs', { owner: 'team-b' }), doc('Group', 'rogue', { type: 'team', children: [] })));
    const src = join(f.dir, 'mine');
    await commitAll(src);

    // Someone else's team, no team, a viewer: refused before anything is read.
    await expect(f.catalog.addLocation(MEMBER_A, { target: 'http://127.0.0.1:9/b.git', owner: 'team-b' })).rejects.toBeInstanceOf(NotAllowedError);
    await expect(f.catalog.addLocation(MEMBER_A, { target: 'http://127.0.0.1:9/b.git' })).rejects.toBeInstanceOf(NotAllowedError);
    await expect(f.catalog.addLocation(VIEWER, { target: 'http://127.0.0.1:9/a.git', owner: 'team-a' })).rejects.toBeInstanceOf(NotAllowedError);
    // The server's own file system is the platform's: a member may not point a location at it, even for their team.
    for (const target of [src, `${pathToFileURL(src).href}`, join(src, 'catalog-info.yaml')]) {
      await expect(f.catalog.addLocation(MEMBER_A, { target, type: target === src ? 'git' : undefined, owner: 'team-a' })).rejects.toBeInstanceOf(NotAllowedError);
    }
    const remote = await f.catalog.addLocation(MEMBER_A, { target: 'http://127.0.0.1:9/a.git', owner: 'team-a' });
    expect(remote.location).toMatchObject({ owner: 'group:default/team-a', createdBy: MEMBER_A.userRef, status: 'error' });

    // An owned location (registered by an admin here) admits only entities its team and sub-teams own.
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: src, type: 'git', owner: 'team-a' });
    expect(location.owner).toBe('group:default/team-a');
    expect(refresh.added).toBe(2);
    const denied = location.problems.filter((p) => p.code === 'not_allowed');
    expect(denied.map((p) => p.message).join('\n')).toContain('component:default/theirs');
    expect(denied.map((p) => p.message).join('\n')).toContain('group:default/rogue');
    await expect(f.catalog.getEntity('component:theirs')).rejects.toBeInstanceOf(NotFoundError);
    expect((await f.catalog.getEntity('component:sub-ours')).source?.locationId).toBe(location.id);
    expect((await f.catalog.refreshLocation(MEMBER_A, location.id)).refresh.unchanged).toBe(2);

    // Deleting: only what one's teams own.
    await f.catalog.registerEntities(ADMIN, { yaml: component('b-service', { owner: 'team-b' }) });
    await expect(f.catalog.deleteEntity(MEMBER_A, 'component:b-service')).rejects.toBeInstanceOf(NotAllowedError);
    await expect(f.catalog.deleteEntity(MEMBER_A, 'group:team-b')).rejects.toBeInstanceOf(NotAllowedError);
    await f.catalog.deleteEntity(MEMBER_A, 'component:ours');
    await expect(f.catalog.getEntity('component:ours')).rejects.toBeInstanceOf(NotFoundError);

    // Registering through the API: refused documents are problems, not errors.
    const reg = await f.catalog.registerEntities(MEMBER_A, { yaml: docs(component('a-api', { owner: 'team-a' }), component('b-api', { owner: 'team-b' })) });
    expect(reg.items.map((e) => e.ref)).toEqual(['component:default/a-api']);
    expect(reg.problems).toEqual([expect.objectContaining({ code: 'not_allowed' })]);

    // Someone else's location may not be refreshed or removed by a member of another team.
    const other = await f.write('other/c.yaml', component('b-thing', { owner: 'team-b' }));
    const b = await f.catalog.addLocation(ADMIN, { target: other, owner: 'team-b' });
    await expect(f.catalog.refreshLocation(MEMBER_A, b.location.id)).rejects.toBeInstanceOf(NotAllowedError);
    await expect(f.catalog.removeLocation(MEMBER_A, b.location.id)).rejects.toBeInstanceOf(NotAllowedError);
    await f.catalog.removeLocation(MEMBER_A, location.id);
    await expect(f.catalog.getEntity('component:sub-ours')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('schedules interval refreshes as idempotent jobs that a worker runs', async () => {
    await f.write('src/a.yaml', component('alpha'));
    const { location } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'src'), refreshIntervalS: 60 });
    expect(location.nextRefreshAt).not.toBeNull();
    const next = new Date(location.nextRefreshAt as string);
    expect(next.getTime() - new Date(location.lastRefreshedAt as string).getTime()).toBe(60_000);
    expect(await f.catalog.refreshDue(new Date(next.getTime() - 1000))).toBe(0);
    expect(await f.catalog.refreshDue(new Date(next.getTime() + 1000))).toBe(1);
    expect(await f.catalog.refreshDue(new Date(next.getTime() + 2000))).toBe(1);
    const jobs = await f.store.queue.list({ type: 'catalog.refresh-location' });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.idempotencyKey).toBe(`refresh:${location.id}:${location.nextRefreshAt}`);

    await f.write('src/a.yaml', docs(component('alpha'), component('beta')));
    const worker = createWorker(f.store, { handlers: CATALOG_JOB_HANDLERS(f.catalog), pollMs: 50, onError: () => undefined });
    worker.start();
    try {
      const done = await f.store.queue.waitFor(jobs[0]!.id, { timeoutMs: 30_000 });
      expect(done.status).toBe('succeeded');
      expect(done.result).toMatchObject({ locationId: location.id, status: 'ok', added: 1, unchanged: 1 });
    } finally {
      await worker.stop();
    }
    const after = await f.catalog.getLocation(location.id);
    expect(after.entityCount).toBe(2);
    expect(after.nextRefreshAt! > location.nextRefreshAt!).toBe(true);
    expect(await actionsOf(f.store, 'component:default/beta')).toEqual(['catalog.entity.created']);
    const [created] = (await f.store.events.list({ subject: 'component:default/beta' })).items;
    expect(created?.actor).toBe(SYSTEM.userRef);
  });

  it('ingests a bulk import (indexes rebuilt once, not row by row) and queries it', async () => {
    const indexes = async () =>
      (dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' order by name`.execute(f.store.db)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() order by indexname`.execute(f.store.db)
      ).rows.map((r) => r.name);
    const before = await indexes();
    for (let file = 0; file < 6; file++) {
      const parts: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const n = file * 1000 + i;
        parts.push(component(`bulk-${n}`, { owner: `team-${n % 7}`, system: `sys-${n % 13}`, dependsOn: [`component:bulk-${(n + 1) % 6000}`] }, { tags: ['a', 'b', `t${n % 5}`], annotations: { 'example.com/n': String(n) } }));
      }
      await f.write(`bulk/${file}.yaml`, docs(...parts));
    }
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'bulk') });
    expect(refresh.added).toBe(6000);
    expect(location.entityCount).toBe(6000);
    expect(await indexes()).toEqual(before);
    const page = await f.catalog.listEntities({ filter: [{ key: 'spec.owner', values: ['team-3'] }, { key: 'metadata.tags', values: ['t2'] }], limit: 5 });
    expect(page.totalCount).toBe(171);
    expect(page.items.every((e) => (e.entity.spec as { owner: string }).owner === 'team-3')).toBe(true);
    const dependents = await f.catalog.related({ ref: 'component:bulk-0', relation: 'dependencyOf', transitive: true });
    expect(dependents).toHaveLength(5999);
    const again = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(again.refresh).toMatchObject({ unchanged: 6000, added: 0, updated: 0 });
  });

  it('validates descriptor text offline', () => {
    const r = f.catalog.validate(docs(component('ok-one'), component('Bad Name!')), 'x.yaml');
    expect(r.entities).toBe(1);
    expect(r.problems.some((p) => p.code === 'invalid_name' && p.position?.file === 'x.yaml')).toBe(true);
  });

  it('lists locations with entity counts and removes one with its entities', async () => {
    await f.write('a/a.yaml', docs(component('alpha'), component('beta')));
    await f.write('b/b.yaml', component('gamma'));
    const a = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'a') });
    const b = await f.catalog.addLocation(ADMIN, { target: join(f.dir, 'b') });
    const all = await f.catalog.listLocations();
    expect(all.map((l) => [l.id, l.entityCount])).toEqual([
      [a.location.id, 2],
      [b.location.id, 1],
    ]);
    await f.catalog.removeLocation(ADMIN, a.location.id);
    expect((await f.catalog.listLocations()).map((l) => l.id)).toEqual([b.location.id]);
    expect(await actionsOf(f.store, 'component:default/alpha')).toEqual(['catalog.entity.created', 'catalog.entity.deleted']);
    expect(await actionsOf(f.store, `location:${a.location.id}`)).toEqual([
      'catalog.location.created',
      'catalog.location.refreshed',
      'catalog.location.deleted',
    ]);
    expect((await f.catalog.listEntities({})).totalCount).toBe(1);
    expect(await readdir(f.dir)).toContain('a');
  });
});

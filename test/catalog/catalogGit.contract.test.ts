import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, DIALECTS, component, docs, openCatalogFixture, type CatalogFixture } from './catalogFixture.js';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', args, { cwd, env: GIT_ENV });
}

describe.each(DIALECTS)('git locations on %s', (dialect) => {
  let f: CatalogFixture;
  let repo: string;

  /** Writes files in the work repository and commits them. */
  async function commit(files: Record<string, string>, message = 'change'): Promise<void> {
    for (const [path, text] of Object.entries(files)) await f.write(join('repo', path), text);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-q', '-m', message);
  }

  beforeEach(async () => {
    f = await openCatalogFixture(dialect);
    repo = join(f.dir, 'repo');
    await f.write('repo/.keep', '');
    await git(repo, '-c', 'init.defaultBranch=main', 'init', '-q');
  });
  afterEach(() => f.close());

  it('ingests catalog-info.yaml from a local repository, and sees a new commit on refresh', async () => {
    await commit({ 'catalog-info.yaml': docs(component('from-git'), component('other')), 'docs/readme.md': '# hi\n' });
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: repo, type: 'git' });
    expect(location).toMatchObject({ type: 'git', status: 'ok', entityCount: 2 });
    expect(refresh.added).toBe(2);
    const e = await f.catalog.getEntity('component:from-git');
    expect(e.source).toMatchObject({ locationId: location.id, locationTarget: repo, file: 'catalog-info.yaml', line: 1 });
    // One shallow repository, and the tree of the commit read (each commit's files are its own, see gitCheckouts.ts).
    const cache = await readdir(join(f.dir, 'ws/cache/git'));
    expect(cache.filter((n) => !n.includes('@'))).toHaveLength(1);
    expect(cache.filter((n) => n.includes('@'))).toEqual([expect.stringMatching(/@[0-9a-f]{40}$/)]);

    // Uncommitted edits are not what the location reads; a commit is.
    await f.write('repo/catalog-info.yaml', component('from-git', { lifecycle: 'deprecated' }));
    expect((await f.catalog.refreshLocation(ADMIN, location.id)).refresh).toMatchObject({ updated: 0, unchanged: 2 });
    await commit({});
    const after = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(after.refresh).toMatchObject({ updated: 1, removed: 1, unchanged: 0 });
    expect(((await f.catalog.getEntity('component:from-git')).entity.spec as { lifecycle: string }).lifecycle).toBe('deprecated');
    await expect(f.catalog.getEntity('component:other')).rejects.toThrow();
  });

  it('reads a branch and a glob given after #, and a file:// URL is inferred to be git', async () => {
    await commit({ 'catalog-info.yaml': component('root-one') });
    await git(repo, 'checkout', '-q', '-b', 'release');
    await commit({ 'catalog/a.yaml': component('on-release-a'), 'catalog/nested/b.yml': component('on-release-b') });
    await git(repo, 'checkout', '-q', 'main');

    const url = pathToFileURL(repo).href;
    const { location } = await f.catalog.addLocation(ADMIN, { target: `${url}#release:catalog/**/*.{yaml,yml}` });
    expect(location.type).toBe('git');
    expect(location.status).toBe('ok');
    const names = (await f.catalog.listEntities({})).items.map((e) => e.name).sort();
    expect(names).toEqual(['on-release-a', 'on-release-b']);
    expect((await f.catalog.getEntity('component:on-release-b')).source?.file).toBe('catalog/nested/b.yml');

    expect(await f.catalog.findLocationsForRepo(repo)).toEqual([expect.objectContaining({ id: location.id })]);
    expect(await f.catalog.findLocationsForRepo(`${repo}.git/`)).toHaveLength(1);
    expect(await f.catalog.findLocationsForRepo(join(f.dir, 'elsewhere'))).toEqual([]);
  });

  it('keeps what a repository gave when it stops answering, and reports the error on the location', async () => {
    await commit({ 'catalog-info.yaml': docs(component('kept-one'), component('kept-two')) });
    const { location } = await f.catalog.addLocation(ADMIN, { target: repo, type: 'git' });
    await rm(repo, { recursive: true, force: true });
    await rm(join(f.dir, 'ws/cache'), { recursive: true, force: true });
    const r = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(r.location.status).toBe('error');
    expect(r.location.problems).toEqual([expect.objectContaining({ code: 'source_unreachable', severity: 'error' })]);
    expect(r.location.problems[0]?.message).toContain(repo);
    expect(r.refresh).toMatchObject({ removed: 0, unchanged: 2 });
    expect((await f.catalog.getEntity('component:kept-one')).ref).toBe('component:default/kept-one');
    expect(r.location.entityCount).toBe(2);
  });

  it('records an unreachable git URL as an error location without failing the call', async () => {
    const { location, refresh } = await f.catalog.addLocation(ADMIN, { target: 'http://127.0.0.1:9/nope.git' });
    expect(location).toMatchObject({ type: 'git', status: 'error', entityCount: 0 });
    expect(location.problems[0]?.code).toBe('source_unreachable');
    expect(location.problems[0]?.message).toContain('http://127.0.0.1:9/nope.git');
    expect(refresh.added).toBe(0);
    expect(existsSync(join(f.dir, 'ws/cache/git'))).toBe(true);
  });

  it('follows a Location entity to another repository and keeps its entities when it goes away', async () => {
    const other = join(f.dir, 'other');
    await f.write('other/.keep', '');
    await git(other, '-c', 'init.defaultBranch=main', 'init', '-q');
    await f.write('other/catalog-info.yaml', component('far-away'));
    await git(other, 'add', '-A');
    await git(other, 'commit', '-q', '-m', 'init');
    const target = `${pathToFileURL(other).href}#main:catalog-info.yaml`;
    await commit({
      'catalog-info.yaml': docs(
        component('near'),
        `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: others\nspec:\n  targets: [${JSON.stringify(target)}]\n`,
      ),
    });
    const { location } = await f.catalog.addLocation(ADMIN, { target: repo, type: 'git' });
    expect(location.problems).toEqual([]);
    expect(location.entityCount).toBe(3);
    const far = await f.catalog.getEntity('component:far-away');
    expect(far.source?.file).toBe(`${pathToFileURL(other).href}#main:catalog-info.yaml`);

    await rm(other, { recursive: true, force: true });
    const r = await f.catalog.refreshLocation(ADMIN, location.id);
    expect(r.location.status).toBe('ok');
    expect(r.location.problems).toEqual([expect.objectContaining({ code: 'source_unreachable', severity: 'error' })]);
    expect(r.refresh).toMatchObject({ removed: 0, unchanged: 2 });
    expect((await f.catalog.getEntity('component:far-away')).ref).toBe('component:default/far-away');
  });
});

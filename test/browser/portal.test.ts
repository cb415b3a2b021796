import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { SHOTS, launchChromium } from '../helpers/browser.js';

/**
 * The portal in real Chromium against a real platform (SQLite workspace, sample organisation, HTTP server
 * serving web/dist). Every step asserts on what a person would see, and saves a screenshot to
 * test-results/screenshots/ for review.
 */


interface EntityViewLike {
  ref: string;
  kind: string;
  name: string;
  entity: { metadata: { name: string; title?: string }; spec?: { profile?: { displayName?: string; email?: string } } };
}

let platform: Platform;
let browser: Browser;
let page: Page;
let workspace: string;
let locationDir: string;
const pageErrors: string[] = [];

async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const res = await fetch(`${platform.url}/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? platform.adminToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

async function total(query: string): Promise<number> {
  return (await api<{ totalCount: number }>(`/catalog/entities?limit=1&${query}`)).totalCount;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The text of the "Showing a–b of n entities" line. */
function countText(): Promise<string> {
  return page.getByTestId('total-count').innerText();
}

function pathAndQuery(): string {
  const u = new URL(page.url());
  return decodeURIComponent(u.pathname + u.search);
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'gantry-portal-'));
  locationDir = mkdtempSync(join(tmpdir(), 'gantry-portal-location-'));
  platform = await startPlatform({ workspaceDir: workspace, port: 0, quiet: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  for (const dir of [workspace, locationDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('portal', () => {
  it('rejects a bad token with a clear message and signs in with the admin token', async () => {
    await page.goto(`${platform.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('.signin-help').innerText()).toContain('.gantry/admin-token');
    await shot('signin');

    await page.fill('#token', 'gty_this-is-not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.locator('#token-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/not accepted: it is mistyped, expired or revoked/);
    expect(await page.evaluate(() => localStorage.getItem('gantry.token'))).toBeNull();
    await shot('signin-bad-token');

    const me = await api<{ displayName: string; role: string }>('/whoami');
    await page.fill('#token', platform.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const user = page.getByTestId('current-user');
    await user.waitFor();
    expect(await user.innerText()).toContain(me.displayName);
    expect((await user.innerText()).toLowerCase()).toContain(me.role);
    expect(await page.evaluate(() => localStorage.getItem('gantry.token'))).toBe(platform.adminToken);
  });

  it('lists the sample catalog, filters by facets, sorts, pages and searches descriptions', async () => {
    await page.goto(`${platform.url}/catalog`);
    const rows = page.locator('[data-testid=catalog-table] tbody tr');
    const all = await total('');
    expect(all).toBeGreaterThan(100);
    await expect.poll(countText).toBe(`Showing 1–25 of ${all} entities`);
    expect(await rows.count()).toBe(25);
    await shot('catalog');

    // One facet, then a second one: the URL carries both and the count matches the API.
    await page.locator('fieldset[data-facet="kind"] label', { hasText: 'Component' }).click();
    const components = await total('filter=kind=component');
    await expect.poll(countText).toBe(`Showing 1–25 of ${components} entities`);
    expect(pathAndQuery()).toBe('/catalog?kind=component');
    const kinds = await rows.locator('td:nth-child(2)').allInnerTexts();
    expect(new Set(kinds)).toEqual(new Set(['Component']));

    await page.locator('fieldset[data-facet="spec.lifecycle"] label', { hasText: 'experimental' }).click();
    const experimental = await total('filter=kind=component&filter=spec.lifecycle=experimental');
    expect(experimental).toBeGreaterThan(0);
    await expect.poll(countText).toBe(`Showing 1–${Math.min(experimental, 25)} of ${experimental} ${experimental === 1 ? 'entity' : 'entities'}`);
    expect(pathAndQuery()).toBe('/catalog?kind=component&spec.lifecycle=experimental');
    expect(await page.locator('.active-filters .chip').count()).toBe(2);
    await shot('catalog-filtered');

    // A shared link restores the same view.
    await page.reload();
    await expect.poll(countText).toContain(`of ${experimental}`);
    expect(await page.locator('fieldset[data-facet="kind"] input:checked').count()).toBe(1);

    // Sorting by name, descending, and paging forward and back.
    await page.getByRole('button', { name: 'Clear all' }).click();
    await expect.poll(countText).toBe(`Showing 1–25 of ${all} entities`);
    const firstAsc = await rows.first().locator('td').first().innerText();
    await page.locator('th button', { hasText: 'Name' }).click();
    await expect.poll(pathAndQuery).toBe('/catalog?order=desc');
    await expect.poll(() => rows.first().locator('td').first().innerText()).not.toBe(firstAsc);
    expect(await page.locator('th[aria-sort="descending"]').innerText()).toContain('NAME');
    await page.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(countText).toBe(`Showing 26–50 of ${all} entities`);
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(countText).toBe(`Showing 1–25 of ${all} entities`);

    // Full-text search over descriptions ("…publishes it after a fairness review").
    const expected = await api<{ items: EntityViewLike[] }>('/catalog/entities?q=fairness');
    expect(expected.items.map((e) => e.name)).toEqual(['affordability-model-training']);
    await page.fill('#catalog-search', 'fairness');
    await expect.poll(countText).toBe('Showing 1–1 of 1 entity');
    expect(await rows.first().innerText()).toContain('affordability-model-training');
    expect(pathAndQuery()).toBe('/catalog?q=fairness&order=desc');
    await shot('catalog-search');
  });

  it('shows an entity page with its relations graph, owner link and raw document', async () => {
    await page.goto(`${platform.url}/catalog/component/default/payment-orchestrator`);
    await page.getByTestId('entity-title').waitFor();
    expect(await page.getByTestId('entity-title').innerText()).toBe('payment-orchestrator');

    const owner = page.getByTestId('entity-owner').getByRole('link');
    expect(await owner.innerText()).toBe('payments-core');
    expect(await owner.getAttribute('href')).toBe('/teams/default/payments-core');

    const graph = await api<{ nodes: { ref: string }[] }>(
      '/catalog/graph?ref=component:default/payment-orchestrator&depth=1',
    );
    const nodes = page.locator('[data-testid=relations-graph] [data-testid=graph-node]');
    await expect.poll(() => nodes.count()).toBe(graph.nodes.length);
    const centre = page.locator('[data-testid=graph-node].center');
    expect(await centre.getAttribute('data-ref')).toBe('component:default/payment-orchestrator');
    const labels = await page.locator('.graph-edge-label').allTextContents();
    expect(labels).toContain('ownedBy');
    expect(labels).toContain('partOf');
    const view = await api<{ relations: { type: string }[] }>('/catalog/entities/by-ref/component/default/payment-orchestrator');
    const dependsOn = view.relations.filter((r) => r.type === 'dependsOn').length;
    expect(dependsOn).toBeGreaterThan(1);
    expect(labels.filter((l) => l === 'dependsOn').length).toBeGreaterThanOrEqual(dependsOn);

    expect(await page.locator('.relation-group[data-relation="ownedBy"]').innerText()).toContain('group:payments-core');
    expect(await page.getByTestId('entity-source').innerText()).toMatch(/^payments\.yaml:\d+$/);
    await shot('entity');

    await page.getByText('Raw YAML/JSON').click();
    expect(await page.getByTestId('raw-document').innerText()).toContain('name: payment-orchestrator');
    await page.getByRole('radio', { name: 'JSON' }).click();
    expect(await page.getByTestId('raw-document').innerText()).toContain('"kind": "Component"');

    // Depth 2 draws more of the neighbourhood; a node is a link to its entity.
    await page.getByRole('radio', { name: 'Depth 2' }).click();
    await expect.poll(() => page.locator('[data-testid=graph-cluster]').count()).toBeGreaterThan(0);
    await shot('entity-graph-depth2');
    await page.getByRole('radio', { name: 'Depth 1' }).click();
    await page.locator('[data-testid=graph-node][data-ref="system:default/payment-processing"]').click();
    await expect.poll(pathAndQuery).toBe('/catalog/system/default/payment-processing');
    await expect.poll(() => page.getByTestId('entity-title').innerText()).toBe('Payment Processing');
  });

  it('shows a team page with members and everything the team and its sub-teams own', async () => {
    await page.goto(`${platform.url}/catalog/component/default/payment-orchestrator`);
    await page.getByTestId('entity-owner').getByRole('link').click();
    await expect.poll(pathAndQuery).toBe('/teams/default/payments-core');
    await expect.poll(() => page.getByTestId('team-title').innerText()).toBe('Payments Core');

    const ref = 'group:default/payments-core';
    const members = (await api<{ items: EntityViewLike[] }>(`/catalog/related?ref=${ref}&relation=hasMember`)).items;
    expect(members.length).toBeGreaterThan(1);
    const memberItems = page.locator('[data-testid=team-members] li');
    await expect.poll(() => memberItems.count()).toBe(members.length);
    const someone = members[0] as EntityViewLike;
    const text = await page.getByTestId('team-members').innerText();
    expect(text).toContain(someone.entity.spec?.profile?.displayName ?? someone.name);
    expect(text).toContain(someone.entity.spec?.profile?.email ?? '');

    const owned = (await api<{ items: EntityViewLike[] }>(`/catalog/related?ref=${ref}&relation=ownerOf&includeSubgroups=true`)).items;
    expect(await page.locator('.owned-group tbody tr').count()).toBe(owned.length);
    const ownedKinds = new Set(owned.map((e) => e.kind.toLowerCase()));
    expect(await page.locator('.owned-group').count()).toBe(ownedKinds.size);
    expect(await page.getByTestId('owned-component').innerText()).toContain('payment-orchestrator');
    expect(await page.getByTestId('team-parent').innerText()).toBe('Retail Banking Engineering');
    await shot('team');

    // A department owns what its sub-teams own.
    await page.getByTestId('team-parent').getByRole('link').click();
    await expect.poll(() => page.getByTestId('team-title').innerText()).toBe('Retail Banking Engineering');
    const dept = 'group:default/retail-banking-engineering';
    const deptOwned = (await api<{ items: EntityViewLike[] }>(`/catalog/related?ref=${dept}&relation=ownerOf&includeSubgroups=true`)).items;
    expect(deptOwned.length).toBeGreaterThan(owned.length);
    await expect.poll(() => page.locator('.owned-group tbody tr').count()).toBe(deptOwned.length);
    expect(await page.getByTestId('team-children').innerText()).toContain('Payments Core');
    await shot('team-department');
  });

  it('registers a location and shows the good entity and the bad descriptor file:line', async () => {
    writeFileSync(
      join(locationDir, 'good.yaml'),
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: portal-test-widget',
        '  description: Registered by the portal browser test through the locations page.',
        'spec:',
        '  type: service',
        '  lifecycle: experimental',
        '  owner: payments-core',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(locationDir, 'bad.yaml'),
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: Not A Valid Name!',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: payments-core',
        '',
      ].join('\n'),
    );

    await page.goto(`${platform.url}/locations`);
    await page.getByTestId('locations-table').waitFor();
    await page.fill('#loc-target', locationDir);
    await page.selectOption('#loc-type', 'dir');
    await page.getByRole('button', { name: 'Register' }).click();
    const outcome = page.getByTestId('location-outcome');
    await outcome.waitFor();
    expect(await outcome.innerText()).toContain('1 added');

    const row = page.locator(`[data-testid=location-row][data-target="${locationDir}"]`);
    await row.waitFor();
    expect(await row.getByTestId('location-entity-count').innerText()).toBe('1');
    // Problems of a fresh registration are expanded: the bad file, its line and column, and the field.
    const problem = page.locator('[data-testid=problem]', { hasText: 'bad.yaml' });
    await problem.waitFor();
    expect(await problem.locator('.problem-where').innerText()).toBe('bad.yaml:4:9');
    expect(await problem.innerText()).toContain('metadata.name');
    await shot('locations');

    // Registering it twice shows the API's problem detail inline, not raw JSON.
    await page.fill('#loc-target', locationDir);
    await page.getByRole('button', { name: 'Register' }).click();
    const error = page.locator('.register-form + .error-panel');
    await error.waitFor();
    expect(await error.innerText()).toContain('already exists');
    expect(await error.innerText()).not.toContain('"status"');
    await shot('locations-error');

    await page.goto(`${platform.url}/catalog?q=portal-test-widget`);
    await expect.poll(countText).toBe('Showing 1–1 of 1 entity');
    expect(await page.locator('[data-testid=catalog-table] tbody tr').innerText()).toContain('portal-test-widget');

    // Refresh reports what changed; Remove asks first, then takes the location and its entity away.
    await page.goto(`${platform.url}/locations`);
    await row.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => outcome.innerText()).toContain(`Refreshed ${locationDir}: 0 added, 0 updated, 1 unchanged`);
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => total('q=portal-test-widget')).toBe(0);
  });

  it('refreshes the visible catalog when a catalog event arrives', async () => {
    await page.goto(`${platform.url}/catalog?q=live-update-widget`);
    await expect.poll(countText).toBe('No entities');
    await expect.poll(() => page.getByTestId('live-status').innerText()).toBe('Live');

    await api('/catalog/entities', {
      method: 'POST',
      body: {
        yaml: [
          'apiVersion: backstage.io/v1alpha1',
          'kind: Component',
          'metadata:',
          '  name: live-update-widget',
          'spec:',
          '  type: service',
          '  lifecycle: experimental',
          '  owner: payments-core',
        ].join('\n'),
      },
    });
    await page.getByTestId('live-toast').waitFor();
    expect(await page.getByTestId('live-toast').innerText()).toMatch(/Catalog updated/);
    await expect.poll(countText).toBe('Showing 1–1 of 1 entity');
    await shot('live-update');
  });

  it('signs out, and explains a revoked token on the next visit', async () => {
    const created = await api<{ token: { id: string }; secret: string }>('/tokens', {
      method: 'POST',
      body: { name: 'portal-test' },
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('gantry.token'))).toBeNull();

    await page.evaluate((t) => localStorage.setItem('gantry.token', t), created.secret);
    await api(`/tokens/${created.token.id}`, { method: 'DELETE' });
    await page.goto(`${platform.url}/locations`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('.notice').innerText()).toContain('no longer accepted');
    await shot('signin-revoked');
    expect(pageErrors).toEqual([]);
  });
});

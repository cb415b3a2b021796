import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoraReport, IncidentView, PlatformReport, TeamDora } from '../../src/metrics/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { SHOTS, eventuallyWithin, launchChromium } from '../helpers/browser.js';

/**
 * Delivery metrics, the survey and incidents in the portal, in real Chromium against a real platform (SQLite).
 * The admin imports a small delivery history (JSON lines) for three components of two teams: team-a's shop-api
 * and shop-web, team-b's billing. Every number below is worked out by hand from HISTORY:
 *
 * - 11 finished production deployments, 9 successful (api-2 failed, web-2 was rolled back): 9 deployments, 0.7 a
 *   week over 90 days.
 * - Failed: api-2 (failed), api-4 (reverted by the rollback api-5, and the cause of inc-1), web-2 (rolled back):
 *   3 of 11 = 27.3%, low.
 * - Recovery: api-2 by api-3 30 min later, api-4 by inc-1's resolution 2 h after it started, web-2 in its own
 *   20 min: median 30 min, elite.
 * - Lead times: 30 min, 1 h, 1 h 30 min, 2 h, 3 h, 5 h 30 min, 1 d, 2 d, 3 d: median 3 h, elite; buckets
 *   < 1 hour 1, 1 hour – 1 day 5, 1 day – 1 week 3.
 * - Rework: the rollback api-5 and the hotfix bill-3: 2 of 11 = 18.2%.
 * - The overall level is the lowest: low (change failure rate). Team-a: 37.5% (3 of 8), lead time 2 h 30 min (the
 *   mean of 2 h and 3 h, the middle two of six), 12.5% rework; team-b: no failures (0%), lead time 1 d (high), 33.3%
 *   rework. Deployment frequency's level depends on how the weeks fall in the calendar: it is read from the API.
 *
 * Through the UI: the organisation dashboard, the team comparison, the change failure tile's drill-down (exactly
 * the three failed deployments) and lead time's (slowest first), the team view and the strips on the team and
 * component pages, the survey widget (bob's answer of 2 was given through the API; alice answers 5 anonymously:
 * 3.5 on average), and an incident opened, acknowledged and resolved by alice (team-a) while bob (team-b) is told
 * inline that he may not resolve it. Screenshots go to test-results/screenshots/metrics-*.png and incident*.png.
 */

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a, title: Team A }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b, title: Team B }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [team-b] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop-api }
spec: { type: service, lifecycle: production, owner: group:default/team-a }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop-web }
spec: { type: website, lifecycle: production, owner: group:default/team-a }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: billing }
spec: { type: service, lifecycle: production, owner: group:default/team-b }
`;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The delivery history, as JSON lines, with every time `ago` milliseconds before `now`. */
function history(now: number): string {
  const at = (ago: number) => new Date(now - ago).toISOString();
  const sha = (s: string) => s.padEnd(12, '0');
  const deployment = (id: string, component: string, finishedAgo: number, extra: Record<string, unknown>, commits: Array<[string, number]> = []) => ({
    type: 'deployment',
    id,
    component,
    environment: 'production',
    status: 'success',
    finishedAt: at(finishedAgo),
    ...extra,
    ...(commits.length ? { commits: commits.map(([s, ago]) => ({ sha: sha(s), committedAt: at(ago) })) } : {}),
  });
  const records = [
    deployment('api-1', 'shop-api', 40 * DAY, { sha: sha('a1') }, [['a1', 40 * DAY + 2 * HOUR]]),
    deployment('api-2', 'shop-api', 30 * DAY, { status: 'failure', sha: sha('a2'), startedAt: at(30 * DAY + 10 * MIN) }, [['a2', 30 * DAY + 5 * HOUR]]),
    // Carries a2 too (api-2 failed before it reached production): 5 h 30 min and 1 h 30 min.
    deployment('api-3', 'shop-api', 30 * DAY - 30 * MIN, { sha: sha('a3') }, [['a2', 30 * DAY + 5 * HOUR], ['a3', 30 * DAY + HOUR]]),
    deployment('api-4', 'shop-api', 20 * DAY, { sha: sha('a4') }, [['a4', 22 * DAY]]),
    deployment('api-5', 'shop-api', 20 * DAY - HOUR, { rollback: true, reverts: 'api-4', sha: sha('a3') }),
    deployment('api-6', 'shop-api', 10 * DAY, { sha: sha('a6') }, [['a6', 10 * DAY + 3 * HOUR]]),
    deployment('web-1', 'shop-web', 15 * DAY, { sha: sha('b1') }, [['b1', 15 * DAY + 30 * MIN]]),
    deployment('web-2', 'shop-web', 5 * DAY, { status: 'rolled_back', sha: sha('b2'), startedAt: at(5 * DAY + 20 * MIN) }),
    deployment('bill-1', 'billing', 25 * DAY, { sha: sha('c1') }, [['c1', 28 * DAY]]),
    deployment('bill-2', 'billing', 12 * DAY, { sha: sha('c2') }, [['c2', 13 * DAY]]),
    deployment('bill-3', 'billing', 3 * DAY, { hotfix: true, sha: sha('c3') }, [['c3', 3 * DAY + HOUR]]),
    {
      type: 'incident',
      id: 'inc-1',
      title: 'Checkout errors after api-4',
      severity: 'sev2',
      components: ['shop-api'],
      startedAt: at(20 * DAY - 10 * MIN),
      detectedAt: at(20 * DAY - 20 * MIN),
      acknowledgedAt: at(20 * DAY - 25 * MIN),
      resolvedAt: at(20 * DAY - 130 * MIN),
      causeDeployment: 'api-4',
    },
    { type: 'incident', id: 'inc-2', title: 'Invoices delayed', severity: 'sev3', components: ['billing'], startedAt: at(2 * DAY), detectedAt: at(2 * DAY - HOUR) },
  ];
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

let platform: Platform;
let browser: Browser;
let page: Page;
let bobPage: Page;
let workspace: string;
let aliceToken: string;
let bobToken: string;
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

async function shot(p: Page, name: string): Promise<void> {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const eventually = eventuallyWithin(30_000);

async function newPage(token: string): Promise<Page> {
  const p = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  p.setDefaultTimeout(20_000);
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await p.goto(`${platform.url}/`);
  await p.evaluate((t) => localStorage.setItem('gantry.token', t), token);
  return p;
}

/** A tile's value, its detail line and its level (`data-level` of its badge; 'none' without one). */
async function tile(p: Page, drill: string): Promise<{ value: string; text: string; level: string | null }> {
  const t = p.getByTestId(`metrics-tile-${drill}`);
  const badge = t.locator('.level-badge');
  return {
    value: await t.getByTestId('metrics-tile-value').innerText(),
    text: await t.innerText(),
    level: (await badge.count()) ? await badge.getAttribute('data-level') : 'none',
  };
}

function attr(l: Locator, name: string): Promise<Array<string | null>> {
  return l.evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'gantry-portal-metrics-'));
  platform = await startPlatform({ workspaceDir: join(workspace, 'ws'), port: 0, quiet: true, seedSample: false, builtInTemplates: false });
  await api('/catalog/entities', { method: 'POST', body: { yaml: ORG, file: 'org.yaml' } });
  const imported = await api<{ records: number; deployments: number; changes: number; incidents: number }>('/metrics/import', {
    method: 'POST',
    body: { file: 'history.jsonl', text: history(Date.now()) },
  });
  expect(imported).toMatchObject({ records: 13, deployments: 11, changes: 9, incidents: 2 });
  aliceToken = (await api<{ secret: string }>('/tokens', { method: 'POST', body: { name: 'alice', userRef: 'user:default/alice' } })).secret;
  bobToken = (await api<{ secret: string }>('/tokens', { method: 'POST', body: { name: 'bob', userRef: 'user:default/bob' } })).secret;
  await api('/survey', { method: 'POST', token: bobToken, body: { score: 2, comment: 'Deploys wait too long for approvals.' } });

  browser = await launchChromium();
  page = await newPage(aliceToken);
  bobPage = await newPage(bobToken);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('delivery metrics in the portal', () => {
  it("shows the organisation's four keys, rework, levels, trends and distributions", async () => {
    await page.goto(`${platform.url}/catalog`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Metrics' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/metrics/delivery');
    await eventually(() => page.getByTestId('metrics-tiles').count()).toBe(1);
    expect(await page.getByTestId('metrics-scope').innerText()).toContain('Organisation · last 90 days');

    const overall = page.getByTestId('metrics-overall');
    expect(await overall.locator('.level-badge').getAttribute('data-level')).toBe('low');
    expect(await overall.innerText()).toContain('Accelerate State of DevOps Report 2024');

    const report = await api<DoraReport>('/metrics/dora');
    const frequency = await tile(page, 'frequency');
    expect(frequency.value).toBe('0.7 / week');
    expect(frequency.text).toContain('9 deployments');
    expect(frequency.level).toBe(report.deploymentFrequency.level);
    const lead = await tile(page, 'lead-time');
    expect(lead).toMatchObject({ value: '3 h', level: 'elite' });
    expect(lead.text).toContain('median of 9 changes');
    const cfr = await tile(page, 'change-failure');
    expect(cfr).toMatchObject({ value: '27.3%', level: 'low' });
    expect(cfr.text).toContain('3 of 11 deployments failed');
    const recovery = await tile(page, 'recovery');
    expect(recovery).toMatchObject({ value: '30 min', level: 'elite' });
    expect(recovery.text).toContain('3 of 3 recovered');
    const rework = await tile(page, 'rework');
    expect(rework).toMatchObject({ value: '18.2%', level: 'none' });
    expect(rework.text).toMatch(/2 of 11 deployments[\s\S]*1 rollback[\s\S]*1 hotfix/);

    // Weekly trends, one chart per metric, and the two distributions.
    for (const id of ['trend-frequency', 'trend-lead-time', 'trend-change-failure', 'trend-recovery', 'trend-rework']) {
      expect(await page.getByTestId(id).getByRole('img').count()).toBe(1);
    }
    expect(await page.getByTestId('trend-frequency').getByRole('img').getAttribute('aria-label')).toMatch(/^Successful production deployments per week\. 1[34] weeks from/);
    expect(await attr(page.getByTestId('histogram-lead-time').locator('.histogram-row'), 'data-count')).toEqual(['1', '5', '3', '0', '0', '0']);
    expect(await attr(page.getByTestId('histogram-recovery').locator('.histogram-row'), 'data-count')).toEqual(['2', '1', '0', '0']);
    await shot(page, 'metrics-org');
  });

  it('compares the teams side by side', async () => {
    const rows = page.getByTestId('metrics-team-row');
    await eventually(() => attr(rows, 'data-team')).toEqual(['group:default/team-a', 'group:default/team-b']);
    const teams = (await api<{ items: TeamDora[] }>('/metrics/dora/teams')).items;
    const a = page.locator('[data-testid=metrics-team-row][data-team="group:default/team-a"]');
    expect(await a.innerText()).toMatch(/team-a[\s\S]*2[\s\S]*0\.5 \/ week[\s\S]*2 h 30 min[\s\S]*Elite[\s\S]*37\.5%[\s\S]*Low[\s\S]*30 min[\s\S]*Elite[\s\S]*12\.5%/);
    expect(await a.getAttribute('data-level')).toBe('low');
    const b = page.locator('[data-testid=metrics-team-row][data-team="group:default/team-b"]');
    expect(await b.innerText()).toMatch(/team-b[\s\S]*1[\s\S]*0\.2 \/ week[\s\S]*1 d[\s\S]*High[\s\S]*0%[\s\S]*Elite[\s\S]*—[\s\S]*No data[\s\S]*33\.3%/);
    expect(await b.getAttribute('data-level')).toBe(teams.find((t) => t.team === 'group:default/team-b')?.level);
  });

  it('lists exactly the failed deployments behind the change failure rate, and the changes behind lead time', async () => {
    await page.getByTestId('metrics-tile-change-failure').click();
    await eventually(() => new URL(page.url()).searchParams.get('drill')).toBe('change-failure');
    const drill = page.getByTestId('metrics-drill');
    const rows = drill.getByTestId('metrics-deployment-row');
    await eventually(() => attr(rows, 'data-id')).toEqual(['import:web-2', 'import:api-4', 'import:api-2']);
    expect(await drill.getByRole('heading').first().innerText()).toMatch(/Failed deployments\s*3/);
    const web2 = drill.locator('[data-id="import:web-2"]');
    expect(await web2.innerText()).toMatch(/shop-web[\s\S]*rolled back[\s\S]*it was rolled back automatically/);
    const api4 = drill.locator('[data-id="import:api-4"]');
    expect(await api4.innerText()).toMatch(/shop-api[\s\S]*success[\s\S]*rolled back by import:api-5[\s\S]*import:inc-1/);
    expect(await api4.getByRole('link', { name: 'shop-api' }).getAttribute('href')).toBe('/catalog/component/default/shop-api');
    expect(await api4.getByRole('link', { name: 'import:inc-1' }).getAttribute('href')).toBe('/incidents/import%3Ainc-1');
    expect(await drill.locator('[data-id="import:api-2"]').innerText()).toMatch(/failed[\s\S]*the deployment failed/);
    await shot(page, 'metrics-drill');

    // The incident link opens the incident: its cause is api-4.
    await api4.getByRole('link', { name: 'import:inc-1' }).click();
    await eventually(() => page.getByTestId('incident-title').innerText()).toBe('Checkout errors after api-4');
    expect(await page.getByTestId('incident-cause-deployment').innerText()).toBe('import:api-4');
    await page.goBack();

    await page.getByTestId('metrics-tile-lead-time').click();
    const changes = page.getByTestId('metrics-change-row');
    await eventually(() => changes.count()).toBe(9);
    const leads = (await attr(changes, 'data-lead-time')).map(Number);
    expect(leads).toEqual([3 * 86_400, 2 * 86_400, 86_400, 5.5 * 3600, 3 * 3600, 2 * 3600, 1.5 * 3600, 3600, 1800]);
    expect(await changes.first().innerText()).toMatch(/billing[\s\S]*c100000000[\s\S]*3 d[\s\S]*import:bill-1/);
  });

  it("shows a team's view, and the strips on the team and component pages link to it", async () => {
    await page.getByTestId('metrics-tile-lead-time').click();
    await eventually(() => page.getByTestId('metrics-drill').count()).toBe(0);
    await page.locator('[data-testid=metrics-team-row][data-team="group:default/team-b"]').getByRole('link').click();
    await eventually(() => new URL(page.url()).searchParams.get('team')).toBe('group:default/team-b');
    await eventually(() => page.getByTestId('metrics-scope').innerText()).toContain('Team B (team-b)');
    await eventually(async () => (await tile(page, 'change-failure')).value).toBe('0%');
    expect(await tile(page, 'frequency')).toMatchObject({ value: '0.2 / week' });
    expect(await tile(page, 'lead-time')).toMatchObject({ value: '1 d', level: 'high' });
    expect(await tile(page, 'recovery')).toMatchObject({ value: '—', level: 'none' });
    expect(await tile(page, 'rework')).toMatchObject({ value: '33.3%' });
    expect(await page.getByTestId('metrics-teams').count()).toBe(0);

    await page.getByTestId('metrics-team').selectOption('group:default/team-a');
    await eventually(() => new URL(page.url()).searchParams.get('team')).toBe('group:default/team-a');
    await eventually(async () => (await tile(page, 'change-failure')).value).toBe('37.5%');
    expect(await tile(page, 'lead-time')).toMatchObject({ value: '2 h 30 min', level: 'elite' });
    expect((await tile(page, 'frequency')).text).toContain('6 deployments');
    await page.getByTestId('metrics-tile-change-failure').click();
    await eventually(() => attr(page.getByTestId('metrics-deployment-row'), 'data-id')).toEqual(['import:web-2', 'import:api-4', 'import:api-2']);
    await shot(page, 'metrics-team');

    await page.goto(`${platform.url}/teams/default/team-a`);
    const strip = page.getByTestId('delivery-strip');
    await eventually(() => strip.getByTestId('delivery-strip-change-failure').innerText()).toContain('37.5%');
    expect(await strip.getByTestId('delivery-strip-lead-time').innerText()).toContain('2 h 30 min');
    expect(await strip.getByRole('heading').innerText()).toBe('Delivery (last 90 days)');
    await strip.getByTestId('delivery-strip-link').click();
    await eventually(() => new URL(page.url()).searchParams.get('team')).toBe('group:default/team-a');

    await page.goto(`${platform.url}/catalog/component/default/billing`);
    const componentStrip = page.getByTestId('delivery-strip');
    await eventually(() => componentStrip.getByTestId('delivery-strip-frequency').innerText()).toContain('0.2 / week');
    expect(await componentStrip.getByTestId('delivery-strip-change-failure').innerText()).toContain('0%');
    await componentStrip.getByTestId('delivery-strip-link').click();
    await eventually(() => new URL(page.url()).searchParams.get('component')).toBe('component:default/billing');
    await eventually(() => page.getByTestId('metrics-scope').innerText()).toContain('Component billing');
    await eventually(async () => (await tile(page, 'rework')).value).toBe('33.3%');
  });
});

describe('the survey and the platform page', () => {
  it('records an anonymous answer through the widget, and the platform page shows the satisfaction', async () => {
    await page.goto(`${platform.url}/metrics/delivery`);
    await page.getByRole('button', { name: 'Rate Gantry' }).click();
    const panel = page.getByTestId('survey-panel');
    await panel.getByText('Great').click();
    expect(await panel.getByRole('radio', { name: '5 – Great' }).isChecked()).toBe(true);
    await panel.getByLabel('Comment').fill('The golden paths save us a day per service.');
    await panel.getByLabel('Answer anonymously').check();
    await shot(page, 'metrics-survey');
    await panel.getByTestId('survey-submit').click();
    await eventually(() => page.getByTestId('survey-thanks').innerText()).toContain('Your answer was recorded anonymously, counted for team-a.');

    const platformReport = await api<PlatformReport>('/metrics/platform');
    expect(platformReport.satisfaction).toMatchObject({ responses: 2, average: 3.5, distribution: [0, 1, 0, 0, 1] });

    await page.getByTestId('survey-thanks').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('link', { name: 'Platform' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/metrics/platform');
    const satisfaction = page.getByTestId('platform-satisfaction');
    await eventually(() => satisfaction.getByTestId('metrics-tile-value').innerText()).toBe('3.5 / 5');
    expect(await satisfaction.innerText()).toContain('average of 2 answers');
    expect(await attr(page.getByTestId('platform-satisfaction-distribution').locator('.histogram-row'), 'data-count')).toEqual(['0', '1', '0', '0', '1']);
    const teams = page.getByTestId('platform-satisfaction-team');
    expect(await attr(teams, 'data-team')).toEqual(['group:default/team-a', 'group:default/team-b']);
    expect(await teams.first().innerText()).toMatch(/team-a\s+1\s+5/);
    expect(await teams.last().innerText()).toMatch(/team-b\s+1\s+2/);

    const comments = page.getByTestId('platform-comment');
    await eventually(() => comments.count()).toBe(2);
    expect(await comments.first().innerText()).toMatch(/golden paths save us a day[\s\S]*5 · Great[\s\S]*anonymous · team-a/);
    expect(await comments.last().innerText()).toMatch(/wait too long for approvals[\s\S]*2 · Fair[\s\S]*bob · team-b/);

    // Incidents: inc-1 (sev2, detected after 10 min, restored after 2 h) and inc-2 (sev3, open, detected after 1 h).
    const incidents = page.getByTestId('platform-incidents');
    expect(await incidents.getByTestId('metrics-tile-value').innerText()).toBe('2');
    expect(await incidents.innerText()).toContain('1 open · MTTD 35 min · MTTR 2 h');
    expect(await attr(page.getByTestId('platform-severities').locator('.platform-severity'), 'data-severity')).toEqual(['sev1', 'sev2', 'sev3', 'sev4']);
    expect(await page.getByTestId('platform-severities').innerText()).toMatch(/sev1\s*0[\s\S]*sev2\s*1[\s\S]*sev3\s*1[\s\S]*sev4\s*0/);
    expect(await page.getByTestId('trend-satisfaction').getByRole('img').getAttribute('aria-label')).toContain('Latest: average score 3.5');
    await shot(page, 'metrics-platform');
  });
});

describe('incidents in the portal', () => {
  let id = '';

  it('opens an incident through the form', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/incidents');
    await eventually(() => attr(page.getByTestId('incident-row'), 'data-id')).toEqual(['import:inc-2', 'import:inc-1']);
    await page.getByTestId('incident-open-button').click();
    const form = page.getByTestId('incident-form');
    await form.getByLabel('Title').fill('Search shows stale prices');
    await form.getByLabel('Severity').selectOption('sev2');
    await form.getByLabel('Components').fill('shop-web');
    await form.getByLabel('Cause').fill('import:web-1');
    await page.getByTestId('incident-submit').click();

    await eventually(() => new URL(page.url()).pathname).toMatch(/^\/incidents\/inc-[0-9a-f]{8}$/);
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const header = page.getByTestId('incident-header');
    await eventually(() => header.getAttribute('data-status')).toBe('open');
    expect(await page.getByTestId('incident-title').innerText()).toBe('Search shows stale prices');
    expect(await header.innerText()).toMatch(/sev2[\s\S]*open[\s\S]*shop-web[\s\S]*alice/);
    expect(await page.getByTestId('incident-cause-deployment').innerText()).toBe('import:web-1');
    const stored = await api<IncidentView>(`/incidents/${id}`);
    expect(stored).toMatchObject({ title: 'Search shows stale prices', severity: 'sev2', status: 'open', components: ['component:default/shop-web'], causeDeployment: 'import:web-1', createdBy: 'user:default/alice' });
  });

  it('acknowledges it as a member of the owning team', async () => {
    await page.getByTestId('incident-acknowledge').click();
    await eventually(() => page.getByTestId('incident-header').getAttribute('data-status')).toBe('acknowledged');
    expect(await page.locator('[data-testid=incident-timeline] [data-step=acknowledged]').getAttribute('data-at')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await page.locator('[data-testid=incident-timeline] [data-step=resolved]').innerText()).toContain('not yet');
    expect(await page.getByTestId('incident-acknowledge').count()).toBe(0);
  });

  it("tells a member of another team inline that they may not resolve it", async () => {
    await bobPage.goto(`${platform.url}/incidents/${encodeURIComponent(id)}`);
    await eventually(() => bobPage.getByTestId('incident-header').getAttribute('data-status')).toBe('acknowledged');
    await bobPage.getByTestId('incident-resolve').click();
    await bobPage.getByTestId('incident-resolve-submit').click();
    const error = bobPage.getByTestId('incident-action-error');
    await eventually(() => error.innerText()).toContain('Not allowed');
    expect(await error.innerText()).toContain('user:default/bob may not perform incident.update: it is owned by group:default/team-a, which is not one of your teams');
    await shot(bobPage, 'incident-not-allowed');
    expect((await api<IncidentView>(`/incidents/${id}`)).status).toBe('acknowledged');
  });

  it('resolves it with a summary; the list shows the time to restore', async () => {
    await page.getByTestId('incident-resolve').click();
    const form = page.getByTestId('incident-resolve-form');
    await form.getByLabel('Summary').fill('A stale cache after web-1; flushed and given a TTL.');
    await page.getByTestId('incident-resolve-submit').click();
    await eventually(() => page.getByTestId('incident-header').getAttribute('data-status')).toBe('resolved');
    expect(await page.getByTestId('incident-header').innerText()).toContain('A stale cache after web-1; flushed and given a TTL.');
    expect(await page.getByTestId('incident-actions').count()).toBe(0);
    expect(await page.locator('[data-testid=incident-timeline] [data-step=resolved]').getAttribute('data-at')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const stored = await api<IncidentView>(`/incidents/${id}`);
    expect(stored).toMatchObject({ status: 'resolved', summary: 'A stale cache after web-1; flushed and given a TTL.', causeDeployment: 'import:web-1' });
    expect(stored.acknowledgedAt).not.toBeNull();
    await shot(page, 'incident-detail');

    await page.getByRole('link', { name: 'Incidents' }).first().click();
    await page.getByTestId('incident-filter-resolved').click();
    await eventually(() => new URL(page.url()).searchParams.get('status')).toBe('resolved');
    const rows = page.getByTestId('incident-row');
    await eventually(() => attr(rows, 'data-id')).toEqual([id, 'import:inc-1']);
    expect(await page.locator(`[data-testid=incident-row][data-id="${id}"]`).innerText()).toMatch(/resolved[\s\S]*sev2[\s\S]*Search shows stale prices[\s\S]*shop-web/);
    expect(await page.locator('[data-testid=incident-row][data-id="import:inc-1"]').getByTestId('incident-restore').innerText()).toBe('2 h');
    await page.getByTestId('incident-filter-all').click();
    await eventually(() => rows.count()).toBe(3);
    await shot(page, 'incidents');
    expect(pageErrors).toEqual([]);
  });
});

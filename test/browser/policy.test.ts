import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseView } from '../../src/environments/index.js';
import type { ComplianceReport, ExemptionView, RecordedDecision } from '../../src/policy/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { SHOTS, eventuallyWithin, launchChromium } from '../helpers/browser.js';

/**
 * Policies, exemptions and compliance in the portal, in real Chromium against a real platform. 21 Components name
 * an owner that is not in the catalog (the built-in owner-exists policy records a decision for each); a member of
 * team-a is refused a production deploy of the team's shop-api by the delivery pack (the error names the policy
 * and its messages). Through the UI: the member lists the built-in policies and filters them, opens owner-exists
 * and sees its YAML source and the recorded decisions (paging to the 21st), asks for an exemption (first with a
 * reason the API refuses, shown inline), an admin approves it and it is active; the compliance report for team-a
 * shows shop-api's controls with their status and evidence, and downloads as CSV. Screenshots go to
 * test-results/screenshots/policy-*.png.
 */


const git = promisify(execFile);

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a, title: Team A }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { memberOf: [team-a] }
`;

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop-api, description: Sells things }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

const SCORE = `apiVersion: score.dev/v1b1
metadata:
  name: shop-api
containers:
  main:
    image: .
    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]
service:
  ports:
    http: { port: 80, targetPort: 8080 }
`;

/** 21 Components whose owner is not in the catalog: one more than the policy page's first page of decisions. */
const ORPHANS = Array.from(
  { length: 21 },
  (_, i) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: orphan-${String(i).padStart(2, '0')} }
spec: { type: service, lifecycle: experimental, owner: group:default/nobody }
`,
).join('---\n');

const EXPIRY = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);

let platform: Platform;
let browser: Browser;
let page: Page;
let adminPage: Page;
let workspace: string;
let aliceToken: string;
let release: ReleaseView;
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

/** Writes files in a fresh clone of the hosted repo and pushes them to main over HTTP. */
async function push(files: Record<string, string>, message: string): Promise<void> {
  const work = join(workspace, 'work');
  const auth = `Authorization: Basic ${Buffer.from(`x:${platform.adminToken}`).toString('base64')}`;
  await rm(work, { recursive: true, force: true });
  await git('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform.url}/git/shop`, work]);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), text);
  }
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Tess Ter', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  await git('git', ['add', '-A'], { cwd: work, env });
  await git('git', ['commit', '-q', '-m', message], { cwd: work, env });
  await git('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', 'HEAD:main'], { cwd: work, env });
}

async function shot(p: Page, name: string): Promise<void> {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const eventually = eventuallyWithin(30_000);

async function newPage(token: string): Promise<Page> {
  const p = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })).newPage();
  p.setDefaultTimeout(20_000);
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await p.goto(`${platform.url}/`);
  await p.evaluate((t) => localStorage.setItem('gantry.token', t), token);
  return p;
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'gantry-portal-policy-'));
  platform = await startPlatform({ workspaceDir: join(workspace, 'ws'), port: 0, quiet: true, seedSample: false, builtInTemplates: false });
  await api('/catalog/entities', { method: 'POST', body: { yaml: ORG, file: 'org.yaml' } });
  aliceToken = (await api<{ secret: string }>('/tokens', { method: 'POST', body: { name: 'alice', userRef: 'user:default/alice' } })).secret;

  // owner-exists records a decision for each orphan (a warning or a denial, as its mode says; allows at ingestion are not stored).
  await api('/catalog/entities', { method: 'POST', body: { yaml: ORPHANS, file: 'orphans.yaml' } });
  expect((await api<{ items: RecordedDecision[] }>('/policy-decisions?policy=owner-exists&limit=100')).items).toHaveLength(21);

  await api('/repos', { method: 'POST', body: { name: 'shop', owner: 'team-a' } });
  await push({ 'catalog-info.yaml': CATALOG_INFO, 'score.yaml': SCORE }, 'shop-api: first release');
  await api('/catalog/locations', { method: 'POST', body: { target: `${platform.repos.pathOf('shop')}#main:catalog-info.yaml`, type: 'git' } });
  release = await api<ReleaseView>('/releases', { method: 'POST', body: { component: 'shop-api' }, token: aliceToken });
  await api('/environments', { method: 'POST', body: { name: 'production', type: 'production', owner: 'team-a', order: 10, requiredApprovals: 1 } });

  browser = await launchChromium();
  page = await newPage(aliceToken);
  adminPage = await newPage(platform.adminToken);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('policies in the portal', () => {
  it('lists the built-in policies with their mode, pack and actions, and filters them', async () => {
    await page.goto(`${platform.url}/catalog`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/policies');
    const rows = page.getByTestId('policy-row');
    const policies = (await api<{ items: Array<{ name: string; mode: string }> }>('/policies')).items;
    const listed = policies.map((p) => p.name);
    await eventually(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(listed);
    expect(listed).toEqual(expect.arrayContaining(['lifecycle-set', 'owner-exists', 'production-needs-green-pipeline', 'tier-set', 'no-latest-images']));
    const owner = page.locator('[data-testid=policy-row][data-name="owner-exists"]');
    expect(await owner.innerText()).toMatch(/The owner exists[\s\S]*(enforce|warn|audit)[\s\S]*ownership[\s\S]*catalog\.entity[\s\S]*built-in/);
    for (const p of policies) expect(await page.locator(`[data-testid=policy-row][data-name="${p.name}"]`).innerText()).toContain(p.mode);
    await shot(page, 'policy-list');

    await page.getByTestId('policy-filter').fill('ownership');
    await eventually(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['lifecycle-set', 'owner-exists', 'tier-set']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('ownership');
  });

  it('opens a policy: its description, match, YAML source and the decisions it recorded, paging to older ones', async () => {
    await page.locator('[data-testid=policy-row][data-name="owner-exists"]').getByRole('link').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/policies/owner-exists');
    await eventually(() => page.getByTestId('policy-title').innerText()).toBe('The owner exists');
    expect(await page.getByTestId('policy-description').innerText()).toContain('names a Group or User that is in the catalog');
    expect(await page.getByTestId('policy-match').innerText()).toMatch(/catalog\.entity[\s\S]*component, api, resource, system, domain, template/);
    const source = await page.getByTestId('raw-document').innerText();
    expect(source).toContain('apiVersion: gantry.dev/v1alpha1');
    expect(source).toContain('kind: Policy');
    expect(source).toContain('name: owner-exists');
    expect(source).toContain('expression: has(object.owner) && object.owner.exists');
    expect(await page.getByTestId('policy-check').innerText()).toMatch(/Invalid[\s\S]*has\(object\.owner\) && object\.owner\.exists/);
    const stored = (await api<{ items: RecordedDecision[] }>('/policy-decisions?policy=owner-exists&limit=100')).items;

    const rows = page.getByTestId('decision-row');
    await eventually(() => rows.count()).toBe(20);
    const first = rows.first();
    expect(await first.getAttribute('data-result')).toBe(stored[0]?.result);
    expect(['deny', 'warn']).toContain(stored[0]?.result);
    expect(await first.innerText()).toMatch(/component:orphan-\d\d[\s\S]*catalog\.entity[\s\S]*owner group:default\/nobody is not in the catalog[\s\S]*admin/);
    await shot(page, 'policy-detail');

    await page.getByTestId('decisions-more').click();
    await eventually(() => rows.count()).toBe(21);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(stored.map((d) => d.id));
    expect(new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-subject'))))).toEqual(
      new Set(Array.from({ length: 21 }, (_, i) => `component:default/orphan-${String(i).padStart(2, '0')}`)),
    );
    // Every page was shown: no more to load.
    expect(await page.getByTestId('decisions-more').count()).toBe(0);
  });

  it('names the refusing policy and its messages when a production deploy is refused', async () => {
    await page.goto(`${platform.url}/environments`);
    const prod = page.locator('[data-testid=env-cell][data-component="shop-api"][data-environment="production"]');
    await prod.getByTestId('env-deploy').click();
    await eventually(() => prod.getByTestId('env-release-select').inputValue()).toBe(release.id);
    await prod.getByTestId('env-deploy-submit').click();
    const error = prod.getByTestId('env-action-error');
    await eventually(() => error.innerText()).toContain('Refused by policy');
    const text = await error.innerText();
    expect(text).toContain(`production-needs-green-pipeline: release ${release.id}`);
    await shot(page, 'policy-deploy-refused');

    const denied = (await api<{ items: RecordedDecision[] }>('/policy-decisions?policy=production-needs-green-pipeline&subject=component:default/shop-api')).items;
    expect(denied[0]).toMatchObject({ result: 'deny', action: 'deployment.create', environment: 'production', actor: 'user:default/alice' });
    // The policy's page lists the decision with its environment.
    await page.goto(`${platform.url}/policies/production-needs-green-pipeline`);
    const row = page.locator(`[data-testid=decision-row][data-id="${denied[0]?.id}"]`);
    await eventually(() => row.getAttribute('data-result')).toBe('deny');
    expect(await row.innerText()).toMatch(/component:shop-api[\s\S]*deployment\.create[\s\S]*production[\s\S]*alice/);
  });

  it('asks for an exemption as a member; a reason the API refuses is shown inline', async () => {
    await page.goto(`${platform.url}/policies`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exemptions' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/exemptions');
    const form = page.getByTestId('exemption-form');
    await form.getByLabel('Entity').fill('component:default/shop-api');
    const policy = form.getByLabel('Policy');
    await eventually(() => policy.locator('option').count()).toBeGreaterThan(10);
    await policy.selectOption('production-needs-green-pipeline');
    await form.getByLabel('Expires').fill(EXPIRY);
    await form.getByLabel('Reason').fill('too short');
    await page.getByTestId('exemption-submit').click();
    await eventually(() => page.getByTestId('exemption-form-error').innerText()).toContain('at least 10 characters');
    await shot(page, 'policy-exemption-refused');

    await form.getByLabel('Reason').fill('The pipeline is being migrated to the new runners; green again by next sprint (INC-42).');
    await page.getByTestId('exemption-submit').click();
    await eventually(() => page.getByTestId('exemption-requested').innerText()).toContain('production-needs-green-pipeline');
    expect(await page.getByTestId('exemption-form-error').count()).toBe(0);
    const row = page.getByTestId('exemption-row');
    await eventually(() => row.count()).toBe(1);
    expect(await row.getAttribute('data-status')).toBe('requested');
    expect(await row.innerText()).toMatch(/requested[\s\S]*component:shop-api[\s\S]*production-needs-green-pipeline[\s\S]*INC-42[\s\S]*alice/);
    expect(await row.getByTestId('exemption-expires').innerText()).toContain(`${EXPIRY} 00:00 UTC`);
    // A member cannot decide it; its requester may withdraw it.
    expect(await row.getByTestId('exemption-approve').count()).toBe(0);
    expect(await row.getByTestId('exemption-revoke').count()).toBe(1);
    await shot(page, 'policy-exemption-requested');
  });

  it('approves it as an admin, and it is active for the member too', async () => {
    await adminPage.goto(`${platform.url}/exemptions?status=requested`);
    const row = adminPage.getByTestId('exemption-row');
    await eventually(() => row.count()).toBe(1);
    await row.getByTestId('exemption-approve').click();
    // Filtered to requested, the approved one leaves the list; without the filter it is active.
    await eventually(() => row.count()).toBe(0);
    await adminPage.getByTestId('exemption-status-filter').selectOption('');
    await eventually(() => row.getAttribute('data-status')).toBe('active');
    expect(await row.innerText()).toContain('admin');
    await shot(adminPage, 'policy-exemption-approved');

    const [x] = (await api<{ items: ExemptionView[] }>('/exemptions?subject=component:default/shop-api')).items;
    expect(x).toMatchObject({ status: 'active', policy: 'production-needs-green-pipeline', requestedBy: 'user:default/alice' });
    await page.reload();
    await eventually(() => page.getByTestId('exemption-row').getAttribute('data-status')).toBe('active');
  });

  it("shows team-a's compliance: summary, the team, shop-api's controls with their evidence", async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compliance' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/compliance');
    const team = page.getByTestId('compliance-team');
    await eventually(() => team.locator('option[value="group:default/team-a"]').count()).toBe(1);
    await team.selectOption('group:default/team-a');
    await eventually(() => new URL(page.url()).searchParams.get('team')).toBe('group:default/team-a');
    const report = await api<ComplianceReport>('/compliance?team=group:default/team-a');
    const rows = page.getByTestId('compliance-row');
    await eventually(() => rows.count()).toBe(report.rows.length);
    expect(report.rows.length).toBeGreaterThan(3);
    expect(await page.getByTestId('compliance-component-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-component')))).toEqual(['component:default/shop-api']);
    for (const [key, status] of [['pass', 'pass'], ['fail', 'fail'], ['exempt', 'exempt'], ['notEvaluated', 'not-evaluated']] as const) {
      expect(await page.getByTestId(`compliance-count-${status}`).innerText()).toContain(String(report.summary[key]));
    }
    expect(await page.getByTestId('compliance-team-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-team')))).toEqual(['group:default/team-a']);

    // The catalog controls pass; the refused production deploy is exempt now, with the decision and the exemption as evidence.
    const ownerRow = page.locator('[data-testid=compliance-row][data-policy="owner-exists"]');
    expect(await ownerRow.getAttribute('data-status')).toBe('pass');
    expect(await ownerRow.innerText()).toContain('evaluated now against the catalog entity');
    const green = page.locator('[data-testid=compliance-row][data-policy="production-needs-green-pipeline"]');
    expect(await green.getAttribute('data-status')).toBe('exempt');
    expect(await green.getAttribute('data-environment')).toBe('production');
    const evidence = await green.getByTestId('compliance-evidence').innerText();
    const decision = report.rows.find((r) => r.policy === 'production-needs-green-pipeline')?.evidence.decision;
    expect(await green.getByTestId('evidence-decision').getAttribute('data-id')).toBe(decision);
    expect(evidence).toContain(`decision ${String(decision).slice(0, 11)}`);
    expect(evidence).toContain('no approvals');
    expect(evidence).toMatch(/release [0-9a-z-]+/);
    const [x] = (await api<{ items: ExemptionView[] }>('/exemptions?subject=component:default/shop-api')).items;
    expect(await green.getByTestId('evidence-exemption').innerText()).toContain(`exemption ${x?.id}`);
    expect(await green.innerText()).toContain(`release ${release.id} has no pipeline run`);
    await shot(page, 'policy-compliance');

    // The status filter keeps the exempt control only.
    await page.getByTestId('compliance-count-exempt').click();
    await eventually(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(report.rows.filter((r) => r.status === 'exempt').map(() => 'exempt'));
    await page.getByTestId('compliance-count-exempt').click();
    await eventually(() => rows.count()).toBe(report.rows.length);
  });

  it('downloads the report as CSV with the bearer token', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compliance-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^compliance-team-a-\d{4}-\d{2}-\d{2}\.csv$/);
    const path = await download.path();
    const csv = readFileSync(path, 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('component,owner,policy,pack,mode,action,environment,status,messages,decided_at,evidence');
    const report = await api<ComplianceReport>('/compliance?team=group:default/team-a');
    expect(lines).toHaveLength(report.rows.length + 1);
    expect(lines.find((l) => l.includes(',production-needs-green-pipeline,'))).toMatch(/^component:default\/shop-api,group:default\/team-a,production-needs-green-pipeline,delivery,enforce,deployment\.create,production,exempt,/);
    expect(pageErrors).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView, MatrixView, ReleaseView } from '../../src/environments/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { APP_DIR, httpRequest } from '../environments/localHelpers.js';
import { SHOTS, eventuallyWithin, launchChromium } from '../helpers/browser.js';

/**
 * Environments in the portal, in real Chromium against a real platform: a hosted repository with a Score file and
 * the environments tests' tiny Node server, two releases of it, and three environments (dev; production, which
 * needs one approval; perf, frozen). Through the UI, as a member of the owning team: deploy to dev and see the cell
 * turn succeeded and ready, deploy a newer release, promote it to production and find the approval waiting (and
 * not approvable by its requester), approve it as a second member, roll dev back, be refused an override of the
 * freeze with the API's reason; then the history with the diffs between releases, the workload's live logs, and
 * the component's row on its entity page. Screenshots go to test-results/screenshots/.
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
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [team-a] }
`;

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop-api, description: Sells things }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

/** The workload: the environments tests' fixture server, which says which release it is. */
function score(release: string, extra: Record<string, string> = {}): string {
  return `apiVersion: score.dev/v1b1
metadata:
  name: shop-api
containers:
  main:
    image: .
    command: [${JSON.stringify(process.execPath)}, server.mjs]
    variables:
      RELEASE: ${release}
${Object.entries(extra)
  .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`)
  .join('')}    readinessProbe:
      httpGet: { path: /readyz, port: 8080 }
    resources:
      limits: { cpu: 250m, memory: 128Mi }
service:
  ports:
    http: { port: 80, targetPort: 8080 }
`;
}

let platform: Platform;
let browser: Browser;
let page: Page;
let bobPage: Page;
let workspace: string;
let aliceToken: string;
let bobToken: string;
let first: ReleaseView;
let second: ReleaseView;
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

/** Writes files in a fresh clone of the hosted repo (its main) and pushes to `branch` over HTTP; answers the commit. */
async function push(files: Record<string, string>, message: string, branch = 'main'): Promise<string> {
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
  await git('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', `HEAD:${branch}`], { cwd: work, env });
  return (await git('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
}

async function shot(p: Page, name: string): Promise<void> {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Polls until the expectation holds; deployments start processes and wait for readiness on a busy machine. */
const eventually = eventuallyWithin(60_000);

function cell(p: Page, environment: string) {
  return p.locator(`[data-testid=env-matrix] [data-testid=env-cell][data-component="shop-api"][data-environment="${environment}"]`);
}

async function matrixCell(environment: string) {
  const m = await api<MatrixView>('/environments/matrix');
  return m.components.find((c) => c.component === 'shop-api')?.cells[environment];
}

/** What the router serves for shop-api in `environment` (the workload answers `release <RELEASE>`). */
async function served(environment: string): Promise<string> {
  const c = await matrixCell(environment);
  if (!c?.url) return '';
  const url = new URL(c.url);
  const answer = await httpRequest(Number(url.port), url.host, '/');
  return answer.body.trim();
}

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

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'gantry-portal-envs-'));
  platform = await startPlatform({ workspaceDir: join(workspace, 'ws'), port: 0, quiet: true, seedSample: false, builtInTemplates: false });
  await api('/catalog/entities', { method: 'POST', body: { yaml: ORG, file: 'org.yaml' } });
  aliceToken = (await api<{ secret: string }>('/tokens', { method: 'POST', body: { name: 'alice', userRef: 'user:default/alice' } })).secret;
  bobToken = (await api<{ secret: string }>('/tokens', { method: 'POST', body: { name: 'bob', userRef: 'user:default/bob' } })).secret;
  await api('/repos', { method: 'POST', body: { name: 'shop', owner: 'team-a' } });
  await push(
    { 'catalog-info.yaml': CATALOG_INFO, 'score.yaml': score('one'), 'server.mjs': readFileSync(join(APP_DIR, 'server.mjs'), 'utf8') },
    'shop-api: first release',
  );
  await api('/catalog/locations', { method: 'POST', body: { target: `${platform.repos.pathOf('shop')}#main:catalog-info.yaml`, type: 'git' } });
  first = await api<ReleaseView>('/releases', { method: 'POST', body: { component: 'shop-api' }, token: aliceToken });
  await push({ 'score.yaml': score('two') }, 'shop-api: say release two');
  second = await api<ReleaseView>('/releases', { method: 'POST', body: { component: 'shop-api' }, token: aliceToken });

  // Staging and production are the platform's: the admin creates them. perf is frozen for a week from now.
  const week = { start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date(Date.now() + 7 * 86_400_000).toISOString(), reason: 'Load test week' };
  await api('/environments', { method: 'POST', body: { name: 'dev', type: 'development', owner: 'team-a', order: 10 } });
  await api('/environments', { method: 'POST', body: { name: 'production', type: 'production', owner: 'team-a', order: 20, requiredApprovals: 1 } });
  await api('/environments', { method: 'POST', body: { name: 'perf', type: 'staging', owner: 'team-a', order: 30, freezeWindows: [week] } });
  // These releases come from `release create`, not a Gantry pipeline: the delivery pack would refuse production.
  // The team asked for an exemption and an admin approved it (test/browser/policy.test.ts shows that in the portal).
  const exemption = await api<{ id: string }>('/exemptions', { method: 'POST', token: aliceToken, body: { subject: 'component:default/shop-api', policy: 'production-needs-green-pipeline', reason: 'releases are built outside Gantry in this test', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
  await api(`/exemptions/${exemption.id}/approve`, { method: 'POST', body: {} });

  browser = await launchChromium();
  page = await newPage(aliceToken);
  bobPage = await newPage(bobToken);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('environments in the portal', () => {
  it('shows the matrix: environments in promotion order, the frozen one with its reason, nothing deployed yet', async () => {
    await page.goto(`${platform.url}/catalog`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/environments');
    const columns = page.getByTestId('env-column');
    await eventually(() => columns.evaluateAll((els) => els.map((e) => e.getAttribute('data-environment')))).toEqual(['dev', 'production', 'perf']);
    expect(await page.locator('[data-testid=env-column][data-environment=production]').innerText()).toContain('1 approval');
    const frozen = page.locator('[data-testid=env-column][data-environment=perf] [data-testid=env-frozen]');
    expect(await frozen.innerText()).toContain('Load test week');
    expect(await page.locator('[data-testid=env-column][data-environment=dev] [data-testid=env-frozen]').count()).toBe(0);
    for (const env of ['dev', 'production', 'perf']) {
      expect(await cell(page, env).getByTestId('env-cell-release').innerText()).toBe('not deployed');
      expect(await cell(page, env).getAttribute('data-status')).toBe('');
    }
    // Nothing runs anywhere: nothing to promote or roll back.
    expect(await cell(page, 'dev').getByTestId('env-promote').count()).toBe(0);
    expect(await cell(page, 'dev').getByTestId('env-rollback').count()).toBe(0);
    await shot(page, 'environments-empty');
  });

  it('deploys the first release to dev through the UI and sees the cell turn succeeded and ready', async () => {
    const dev = cell(page, 'dev');
    await dev.getByTestId('env-deploy').click();
    const select = dev.getByTestId('env-release-select');
    await eventually(() => select.locator('option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual([second.id, first.id]);
    expect(await select.locator('option').first().innerText()).toContain(second.sha.slice(0, 12));
    await select.selectOption(first.id);
    await dev.getByTestId('env-deploy-submit').click();
    await eventually(() => dev.getAttribute('data-status')).toBe('succeeded');
    await eventually(() => dev.getAttribute('data-runtime')).toBe('ready');
    expect(await dev.getAttribute('data-release')).toBe(first.id);
    expect(await dev.getByTestId('env-cell-release').innerText()).toBe(first.sha.slice(0, 12));
    expect(await dev.getByTestId('env-cell-meta').innerText()).toMatch(/^(just now|\d+ seconds? ago) by alice$/);
    expect(await dev.getByTestId('env-cell-url').getAttribute('href')).toBe((await matrixCell('dev'))?.url);
    expect(await served('dev')).toBe('release one');
    // dev runs something now: it can be promoted to the next environment.
    expect(await dev.getByTestId('env-promote').innerText()).toBe('Promote to production');
  });

  it('deploys the newer release (the default choice) and the router serves it', async () => {
    const dev = cell(page, 'dev');
    await dev.getByTestId('env-deploy').click();
    const select = dev.getByTestId('env-release-select');
    await eventually(() => select.inputValue()).toBe(second.id);
    expect(await select.locator(`option[value="${first.id}"]`).innerText()).toContain('(here now)');
    await dev.getByTestId('env-deploy-submit').click();
    await eventually(() => dev.getAttribute('data-release')).toBe(second.id);
    await eventually(() => dev.getAttribute('data-status')).toBe('succeeded');
    await eventually(() => dev.getAttribute('data-runtime')).toBe('ready');
    expect(await served('dev')).toBe('release two');
    await shot(page, 'environments-dev-deployed');
  });

  it('promotes to production, where the deployment waits for an approval its requester cannot give', async () => {
    const prod = cell(page, 'production');
    await cell(page, 'dev').getByTestId('env-promote').click();
    await eventually(() => prod.getAttribute('data-status')).toBe('awaiting_approval');
    expect(await prod.getByTestId('env-cell-approvals').innerText()).toBe('0 of 1 approval');
    expect(await prod.getByTestId('env-cell-pending').innerText()).toContain('by alice');
    const approve = prod.getByTestId('env-approve');
    expect(await approve.isDisabled()).toBe(true);
    expect(await prod.getByTestId('approve-wrap').getAttribute('title')).toBe('You asked for this deployment; someone else must approve it.');
    const waiting = (await api<{ items: DeploymentView[] }>('/deployments?component=shop-api&environment=production')).items[0];
    expect(waiting).toMatchObject({ status: 'awaiting_approval', action: 'promote', releaseId: second.id, requestedBy: 'user:default/alice' });
    await shot(page, 'environments-awaiting-approval');
  });

  it('approves it as another member of the team, and production runs the release', async () => {
    await bobPage.goto(`${platform.url}/environments`);
    const prod = cell(bobPage, 'production');
    await eventually(() => prod.getAttribute('data-status')).toBe('awaiting_approval');
    const approve = prod.getByTestId('env-approve');
    expect(await approve.isDisabled()).toBe(false);
    await approve.click();
    await eventually(() => prod.getAttribute('data-status')).toBe('succeeded');
    await eventually(() => prod.getAttribute('data-runtime')).toBe('ready');
    expect(await prod.getAttribute('data-release')).toBe(second.id);
    expect(await prod.getByTestId('env-cell-meta').innerText()).toMatch(/ by alice · approved by bob$/);
    expect(await served('production')).toBe('release two');
    const done = (await api<{ items: DeploymentView[] }>('/deployments?component=shop-api&environment=production')).items[0];
    expect(done?.approvals.map((a) => a.by)).toEqual(['user:default/bob']);
    // Alice's page follows without a reload.
    await eventually(() => cell(page, 'production').getAttribute('data-status')).toBe('succeeded');
    await shot(bobPage, 'environments-approved');
  });

  it('rolls dev back to the previous release after a confirmation naming it', async () => {
    const dev = cell(page, 'dev');
    await dev.getByTestId('env-rollback').click();
    await eventually(() => dev.getByTestId('env-rollback-target').innerText()).toBe(first.sha.slice(0, 12));
    await shot(page, 'environments-rollback-confirm');
    await dev.getByTestId('env-rollback-confirm-yes').click();
    await eventually(() => dev.getAttribute('data-release')).toBe(first.id);
    await eventually(() => dev.getAttribute('data-status')).toBe('succeeded');
    await eventually(() => dev.getAttribute('data-runtime')).toBe('ready');
    expect(await served('dev')).toBe('release one');
    const newest = (await api<{ items: DeploymentView[] }>('/deployments?component=shop-api&environment=dev')).items[0];
    expect(newest).toMatchObject({ action: 'rollback', releaseId: first.id, fromReleaseId: second.id, status: 'succeeded' });
  });

  it("asks for an override reason in a frozen environment and shows the API's refusal inline", async () => {
    const perf = cell(page, 'perf');
    await perf.getByTestId('env-deploy').click();
    const reason = perf.getByTestId('env-override-reason');
    await reason.waitFor();
    expect(await perf.getByTestId('env-deploy-form').innerText()).toContain('perf is frozen: Load test week');
    await reason.fill('Hotfix for INC-7');
    await perf.getByTestId('env-deploy-submit').click();
    const error = perf.getByRole('alert');
    await eventually(() => error.innerText()).toContain('only an admin may deploy during a freeze window');
    await shot(page, 'environments-freeze-refused');

    // Promoting into it asks for the reason too, and is refused the same way.
    const prod = cell(page, 'production');
    await prod.getByTestId('env-promote').click();
    const form = prod.getByTestId('env-promote-form');
    await form.getByTestId('env-override-reason').fill('Hotfix for INC-7');
    await form.getByRole('button', { name: 'Promote to perf' }).click();
    await eventually(() => prod.getByRole('alert').innerText()).toContain('only an admin may deploy during a freeze window');
    expect((await api<{ items: DeploymentView[] }>('/deployments?environment=perf')).items).toEqual([]);
  });

  it('shows the history of dev: every deployment, and what each changed compared with the release before it', async () => {
    await cell(page, 'dev').getByTestId('env-cell-release').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/environments/dev/shop-api');
    expect(await page.getByTestId('deploy-title').innerText()).toBe('shop-api in dev');
    await eventually(() => page.getByTestId('deploy-current').innerText()).toBe(first.sha.slice(0, 12));
    const rows = page.getByTestId('deploy-row');
    const history = (await api<{ items: DeploymentView[] }>('/deployments?component=shop-api&environment=dev')).items;
    await eventually(() => rows.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-action')}:${e.getAttribute('data-status')}`))).toEqual([
      'rollback:succeeded',
      'deploy:succeeded',
      'deploy:succeeded',
    ]);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(history.map((d) => d.id));
    expect(await rows.getByTestId('deploy-row-sha').allInnerTexts()).toEqual([first.sha, second.sha, first.sha].map((s) => s.slice(0, 12)));
    expect(await rows.first().innerText()).toContain('alice');

    // The newest (the rollback) is open: from release two back to one, no new commits, RELEASE two -> one.
    const rollbackDetail = page.locator(`[data-testid=deploy-detail][data-id="${history[0]?.id}"]`);
    const field = rollbackDetail.locator('[data-testid=deploy-diff-field][data-path="containers.main.variables.RELEASE"]');
    await eventually(() => field.innerText()).toMatch(/two\s+one/);
    expect(await rollbackDetail.getByTestId('deploy-diff-commit').count()).toBe(0);

    // The second deployment brought the commit that says release two.
    await rows.nth(1).getByTestId('deploy-row-toggle').click();
    const secondDetail = page.locator(`[data-testid=deploy-detail][data-id="${history[1]?.id}"]`);
    const commit = secondDetail.getByTestId('deploy-diff-commit');
    await eventually(() => commit.count()).toBe(1);
    expect(await commit.innerText()).toContain('shop-api: say release two');
    expect(await commit.innerText()).toContain('Tess Ter');
    expect(await secondDetail.locator('[data-testid=deploy-diff-field][data-path="containers.main.variables.RELEASE"]').innerText()).toMatch(/one\s+two/);

    // The first one lists its release's commits.
    await rows.nth(2).getByTestId('deploy-row-toggle').click();
    const firstDetail = page.locator(`[data-testid=deploy-detail][data-id="${history[2]?.id}"]`);
    await eventually(() => firstDetail.innerText()).toContain('The first deployment here');
    expect(await firstDetail.getByTestId('deploy-diff-commit').innerText()).toContain(first.sha.slice(0, 12));
    await shot(page, 'environments-history');
  });

  it("follows the workload's logs live, and stops following when asked", async () => {
    const log = page.getByTestId('workload-log');
    await eventually(() => page.getByTestId('workload-log-stream').innerText()).toBe('Following live');
    await eventually(() => log.innerText()).toContain('release one listening on');

    // The workload prints what /log is given: the line arrives on the open page.
    const c = await matrixCell('dev');
    const url = new URL(c?.url ?? '');
    expect((await httpRequest(Number(url.port), url.host, '/log?line=hello-from-the-test')).status).toBe(200);
    await eventually(() => log.innerText()).toContain('hello-from-the-test');
    await shot(page, 'environments-logs');

    await page.getByTestId('workload-log-follow').uncheck();
    await eventually(() => page.getByTestId('workload-log-stream').innerText()).toBe('Not following');
    await httpRequest(Number(url.port), url.host, '/log?line=after-unfollow');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await eventually(() => log.innerText()).toContain('after-unfollow');
  });

  it('shows a release that cannot start as rolled back, with the reason, while the old one keeps running', async () => {
    await push({ 'score.yaml': score('three', { CRASH_AT_START: '1' }) }, 'shop-api: break the start');
    const broken = await api<ReleaseView>('/releases', { method: 'POST', body: { component: 'shop-api' }, token: aliceToken });
    await page.goto(`${platform.url}/environments`);
    const dev = cell(page, 'dev');
    await dev.getByTestId('env-deploy').click();
    await eventually(() => dev.getByTestId('env-release-select').inputValue()).toBe(broken.id);
    await dev.getByTestId('env-deploy-submit').click();
    await eventually(() => dev.getAttribute('data-status')).toBe('rolled_back');
    expect(await dev.getAttribute('data-release')).toBe(first.id);
    await eventually(() => dev.getAttribute('data-runtime')).toBe('ready');
    const failed = (await api<{ items: DeploymentView[] }>('/deployments?component=shop-api&environment=dev')).items[0];
    expect(failed).toMatchObject({ releaseId: broken.id, status: 'rolled_back' });
    // The cell says why in the reason's first line; the history keeps the workload's last lines behind Details.
    const why = (failed?.reason ?? '').split('\n')[0] ?? '';
    expect(why).toContain('exited with code 1 before it was ready');
    expect(await dev.getByTestId('env-cell-reason').innerText()).toBe(why);
    expect(await dev.innerText()).toContain(`→ ${broken.sha.slice(0, 12)}`);
    expect(await served('dev')).toBe('release one');
    await shot(page, 'environments-rolled-back');

    await dev.getByTestId('env-cell-release').click();
    const row = page.locator(`[data-testid=deploy-row][data-id="${failed?.id}"]`);
    await eventually(() => row.getAttribute('data-status')).toBe('rolled_back');
    await row.getByText('Details').click();
    expect(await row.locator('pre').innerText()).toContain('release three: cannot start: CRASH_AT_START is set');
    await shot(page, 'environments-rolled-back-history');
  });

  it('lists a preview environment with its branch and expiry, deployed from the branch', async () => {
    const sha = await push({ 'score.yaml': score('preview') }, 'shop-api: try a preview', 'feature-x');
    await api('/environments', { method: 'POST', body: { name: 'pr-1', type: 'preview', owner: 'team-a', ttl: '24h', branch: 'feature-x', component: 'shop-api' }, token: aliceToken });
    await page.goto(`${platform.url}/environments`);
    const row = page.locator('[data-testid=preview-row][data-environment="pr-1"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('feature-x');
    expect(await row.getByTestId('preview-expires').innerText()).toMatch(/^in 2[34] hours\s*TTL 24h$/);
    const preview = row.getByTestId('env-cell');
    await eventually(() => preview.getAttribute('data-status')).toBe('succeeded');
    await eventually(() => preview.getAttribute('data-runtime')).toBe('ready');
    expect(await preview.getByTestId('env-cell-release').innerText()).toBe(sha.slice(0, 12));
    // Previews are outside the promotion order: no column of their own, nothing to promote to.
    expect(await page.locator('[data-testid=env-column][data-environment="pr-1"]').count()).toBe(0);
    expect(await preview.getByTestId('env-promote').count()).toBe(0);
    expect(await served('pr-1')).toBe('release preview');
    await shot(page, 'environments-preview');
  });

  it("shows the component's row of the matrix on its entity page", async () => {
    await page.goto(`${platform.url}/catalog/component/default/shop-api`);
    const section = page.getByTestId('component-environments');
    const envs = section.getByTestId('env-cell');
    await eventually(() => envs.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-environment')}:${e.getAttribute('data-release')}`))).toEqual([
      `dev:${first.id}`,
      `production:${second.id}`,
      'perf:',
      `pr-1:${(await matrixCell('pr-1'))?.desired?.releaseId}`,
    ]);
    // Read-only here: the actions are on the Environments page.
    expect(await section.getByTestId('env-actions').count()).toBe(0);
    await shot(page, 'environments-entity-row');
    await section.locator('[data-environment=production]').getByTestId('env-cell-release').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/environments/production/shop-api');
    await eventually(() => page.getByTestId('deploy-row').count()).toBe(1);
    expect(await page.getByTestId('deploy-row-approvals').innerText()).toContain('bob');
  });

  it('shows a viewer the matrix without any action', async () => {
    const viewerToken = (await api<{ secret: string }>('/tokens', { method: 'POST', body: { name: 'alice-ro', userRef: 'user:default/alice', role: 'viewer' } })).secret;
    const viewer = await newPage(viewerToken);
    await viewer.goto(`${platform.url}/environments`);
    await eventually(() => cell(viewer, 'dev').getAttribute('data-release')).toBe(first.id);
    expect(await viewer.getByTestId('env-actions').count()).toBe(0);
    await viewer.close();
    expect(pageErrors).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingView, RunDetail, RunView } from '../../src/pipelines/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { SHOTS, eventuallyWithin, launchChromium } from '../helpers/browser.js';

/**
 * Pipelines in the portal, in real Chromium against a real platform with a hosted repository pushed to over
 * HTTP: the runs list, a run's job graph, a job's steps and output, the secret scan's findings, a run started
 * by hand followed live and cancelled, a re-run, a broken pipeline file's problems, and a Component's runs on
 * its entity page. Screenshots go to test-results/screenshots/.
 */


const git = promisify(execFile);

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a, title: Team A }
spec: { type: team, children: [] }
`;

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: demo-svc, description: Takes demo orders }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

// lint -> test -> build, a secret scan beside them, and a slow job only manual runs include (to cancel).
// The test step prints colour codes: the portal must show the text without them.
const PIPELINE = `name: demo-ci
on:
  push: { branches: [main] }
  manual: true
jobs:
  lint:
    steps:
      - name: Lint
        run: echo "lint passed, 0 problems"
  test:
    needs: [lint]
    steps:
      - name: Unit tests
        run: printf '\\033[32m12 tests passed\\033[0m\\n'
  build:
    needs: [test]
    steps:
      - name: Build
        run: mkdir -p dist && echo built > dist/app.js && echo "wrote dist/app.js"
    artifacts: { paths: [dist/**] }
  secret-scan:
    steps:
      - uses: gantry/secret-scan@1
  soak:
    if: { events: [manual] }
    steps:
      - name: Soak test
        run: echo "soaking for 30 s" && sleep 30
`;

// Built at run time so this file itself holds no string a secret scanner would flag.
const FAKE_AWS_SECRET = ['1tUm636uS1yOEcfP5pvfq', 'J/ml36mF7AkyHsEU0IU'].join('');

let platform: Platform;
let browser: Browser;
let page: Page;
let workspace: string;
const pageErrors: string[] = [];

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${platform.url}/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${platform.adminToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Writes (or, for null, deletes) files in a fresh clone of the hosted repo and pushes over HTTP; answers the commit. */
async function push(files: Record<string, string | null>, message: string): Promise<string> {
  const work = join(workspace, 'work');
  const auth = `Authorization: Basic ${Buffer.from(`x:${platform.adminToken}`).toString('base64')}`;
  await rm(work, { recursive: true, force: true });
  await git('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform.url}/git/demo`, work]);
  for (const [path, text] of Object.entries(files)) {
    if (text === null) {
      await rm(join(work, path), { force: true });
      continue;
    }
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), text);
  }
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  await git('git', ['add', '-A'], { cwd: work, env });
  await git('git', ['commit', '-q', '-m', message], { cwd: work, env });
  await git('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', 'HEAD:main'], { cwd: work, env });
  return (await git('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
}

/** The run a push of `sha` started, once it has finished. */
async function finishedRunOf(sha: string): Promise<RunView> {
  let found: RunView | undefined;
  await expect
    .poll(
      async () => {
        found = (await api<{ items: RunView[] }>('/pipelines/runs?repo=demo')).items.find((r) => r.sha === sha && r.event === 'push');
        return found?.status;
      },
      { timeout: 60_000, interval: 200 },
    )
    .toMatch(/^(succeeded|failed|cancelled)$/);
  return found as RunView;
}

async function shot(name: string): Promise<void> {
  // A full-page capture of a scrolled page draws the sticky bars where the viewport was.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Polls until the expectation holds; the platform's runner can take seconds on a busy 2-core machine. */
const eventually = eventuallyWithin(20_000);

function pathAndQuery(): string {
  const u = new URL(page.url());
  return decodeURIComponent(u.pathname + u.search);
}

/** `jobId:status` of every box in the job graph, in drawing order. */
function jobStates(): Promise<string[]> {
  return page.getByTestId('job-node').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-job')}:${e.getAttribute('data-status')}`));
}

function jobNode(id: string) {
  return page.locator(`[data-testid=job-node][data-job="${id}"]`);
}

function runStatus(): Promise<string | null> {
  return page.locator('header [data-testid=run-status]').getAttribute('data-status');
}

let failedRun: RunView;
let fixedRun: RunView;
let cancelledId: string;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'gantry-portal-pipelines-'));
  platform = await startPlatform({ workspaceDir: join(workspace, 'ws'), port: 0, quiet: true, seedSample: false, builtInTemplates: false });
  await api('/catalog/entities', { method: 'POST', body: { yaml: ORG, file: 'org.yaml' } });
  await api('/repos', { method: 'POST', body: { name: 'demo', owner: 'team-a' } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await page.goto(`${platform.url}/`);
  await page.evaluate((t) => localStorage.setItem('gantry.token', t), platform.adminToken);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('pipelines in the portal', () => {
  it('lists the run a push started on the Pipelines page', async () => {
    const sha = await push(
      { '.gantry/pipeline.yaml': PIPELINE, 'catalog-info.yaml': CATALOG_INFO, 'config/aws.env': `REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET}\n` },
      'add the pipeline (and leak a key)',
    );
    await api('/catalog/locations', { method: 'POST', body: { target: `${platform.repos.pathOf('demo')}#main:catalog-info.yaml`, type: 'git' } });
    failedRun = await finishedRunOf(sha);
    expect(failedRun.status).toBe('failed');

    await page.goto(`${platform.url}/catalog`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipelines' }).click();
    await eventually(pathAndQuery).toBe('/pipelines');
    const row = page.locator(`[data-testid=run-row][data-id="${failedRun.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('run-status').getAttribute('data-status')).toBe('failed');
    expect(await row.getByTestId('run-link').innerText()).toBe('demo');
    expect(await row.getByTestId('run-sha').innerText()).toBe(sha.slice(0, 12));
    expect(await row.getByTestId('run-event').innerText()).toBe('Push');
    const text = await row.innerText();
    expect(text).toContain('main');
    expect(text).toContain('admin');
    expect(await row.getByRole('link', { name: 'demo-svc' }).getAttribute('href')).toBe('/catalog/component/default/demo-svc');
  });

  it('shows the failed run: the job graph, the failed job, a chosen job\'s steps and output, findings and artifacts', async () => {
    await page.locator(`[data-testid=run-row][data-id="${failedRun.id}"]`).getByTestId('run-link').click();
    await eventually(pathAndQuery).toBe(`/pipelines/runs/${failedRun.id}`);
    await eventually(runStatus).toBe('failed');
    expect(await page.getByTestId('run-title').innerText()).toBe('demo @ main');
    expect(await page.getByTestId('run-sha').innerText()).toBe(failedRun.sha.slice(0, 12));
    expect(await page.getByTestId('run-event').innerText()).toBe('Push by admin');
    expect(await page.getByTestId('run-reason').innerText()).toContain('failed jobs: secret-scan');

    // The graph: one box per job with its status, columns by dependency depth, an edge per `needs`.
    expect((await jobStates()).sort()).toEqual(['build:succeeded', 'lint:succeeded', 'secret-scan:failed', 'soak:skipped', 'test:succeeded']);
    const columns = await page.getByTestId('job-node').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-job'), Math.round(e.getBoundingClientRect().left)])),
    );
    expect(columns.lint).toBe(columns['secret-scan']);
    expect(columns.lint).toBe(columns.soak);
    expect(columns.test).toBeGreaterThan(columns.lint as number);
    expect(columns.build).toBeGreaterThan(columns.test as number);
    const edges = await page.getByTestId('job-edge').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}->${e.getAttribute('data-to')}`));
    expect(edges.sort()).toEqual(['lint->test', 'test->build']);

    // With nothing chosen, the failed job is shown: why it failed, and its output with the secret masked.
    const detail = page.getByTestId('job-detail');
    await eventually(() => detail.getAttribute('data-job')).toBe('secret-scan');
    expect(await jobNode('secret-scan').getAttribute('aria-pressed')).toBe('true');
    const scanStep = page.getByTestId('pipeline-step');
    expect(await scanStep.getAttribute('data-status')).toBe('failed');
    expect(await scanStep.innerText()).toContain('found 1 secret');
    const log = page.getByTestId('job-log');
    await eventually(() => log.innerText()).toContain('found AWS Secret Access Key: ****');
    await eventually(() => page.getByTestId('log-stream').innerText()).toBe('Complete');

    // The secret scan's finding, grouped under its job, masked.
    const finding = page.getByTestId('finding');
    await eventually(() => finding.count()).toBe(1);
    const findings = (await api<{ items: FindingView[] }>(`/pipelines/runs/${failedRun.id}/findings`)).items;
    expect(findings).toHaveLength(1);
    expect(await page.getByTestId('finding-group').getAttribute('data-job')).toBe('secret-scan');
    expect(await finding.getAttribute('data-severity')).toBe('error');
    expect(await finding.getByTestId('finding-where').innerText()).toBe('config/aws.env:2');
    expect(await finding.innerText()).toContain(findings[0]?.rule ?? 'no rule');
    expect(await finding.innerText()).toContain(findings[0]?.message ?? 'no message');
    expect(findings[0]?.message).toContain('****');
    expect(await page.locator('body').innerText()).not.toContain(FAKE_AWS_SECRET);

    // The artifact the build job kept (the run failed, but build itself succeeded).
    const artifact = page.getByTestId('artifact');
    await eventually(() => artifact.count()).toBe(1);
    expect(await artifact.innerText()).toContain('dist/app.js');
    await shot('pipelines-run-failed');

    // Choosing a job shows its steps and its output, colour codes removed.
    await jobNode('test').click();
    await eventually(pathAndQuery).toBe(`/pipelines/runs/${failedRun.id}?job=test`);
    await eventually(() => detail.getAttribute('data-job')).toBe('test');
    expect(await jobNode('test').getAttribute('aria-pressed')).toBe('true');
    expect(await jobNode('secret-scan').getAttribute('aria-pressed')).toBe('false');
    const step = page.getByTestId('pipeline-step');
    expect(await step.count()).toBe(1);
    expect(await step.getAttribute('data-status')).toBe('succeeded');
    expect(await step.innerText()).toContain('Unit tests');
    expect(await step.innerText()).toContain('exit 0');
    const testLog = await log.innerText();
    expect(testLog).toContain('▸ Unit tests');
    expect(testLog).toContain('12 tests passed');
    expect(testLog).not.toContain('[32m');
    expect(testLog).not.toContain('\u001b');
    expect(testLog).not.toContain('lint passed');

    // Keyboard: Enter on a box selects it too.
    await jobNode('lint').focus();
    await page.keyboard.press('Enter');
    await eventually(() => detail.getAttribute('data-job')).toBe('lint');
    await eventually(() => log.innerText()).toContain('lint passed, 0 problems');

    // A skipped job says why it did not run.
    await jobNode('soak').click();
    await eventually(() => page.getByTestId('job-reason').innerText()).toContain('manual');

    // What the checkout printed (before any job) has its own button.
    await page.getByTestId('checkout-log').click();
    await eventually(() => detail.getAttribute('data-job')).toBe('checkout');
    await eventually(() => log.innerText()).toContain(`checking out ${failedRun.sha}`);
  });

  it('shows the run of the fix succeeding', async () => {
    const sha = await push({ 'config/aws.env': null }, 'remove the leaked key');
    fixedRun = await finishedRunOf(sha);
    expect(fixedRun.status).toBe('succeeded');
    await page.goto(`${platform.url}/pipelines/runs/${fixedRun.id}?job=build`);
    await eventually(runStatus).toBe('succeeded');
    expect((await jobStates()).sort()).toEqual(['build:succeeded', 'lint:succeeded', 'secret-scan:succeeded', 'soak:skipped', 'test:succeeded']);
    expect(await page.getByTestId('run-reason').count()).toBe(0);
    await eventually(() => page.getByTestId('job-log').innerText()).toContain('wrote dist/app.js');
    await eventually(() => page.getByTestId('log-stream').innerText()).toBe('Complete');
    await eventually(() => page.getByTestId('findings').innerText()).toContain('found nothing');
    await eventually(() => page.getByTestId('artifact').count()).toBe(1);
    await shot('pipelines-run-succeeded');
  });

  it('runs the pipeline by hand from the list, follows it live and cancels it', async () => {
    await page.goto(`${platform.url}/pipelines`);
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const form = page.getByTestId('run-form');
    await form.waitFor();
    expect(await form.locator('#run-repo option').allInnerTexts()).toEqual(['demo (team-a)']);
    expect(await form.locator('#run-branch').getAttribute('placeholder')).toBe('main');
    await shot('pipelines-run-form');
    await form.getByRole('button', { name: 'Run', exact: true }).click();
    await eventually(pathAndQuery).toMatch(/^\/pipelines\/runs\/[^/?]+$/);
    cancelledId = pathAndQuery().split('/')[3] as string;
    expect(cancelledId).not.toBe(fixedRun.id);

    // The page follows the run without a reload: the slow manual-only job starts and prints.
    await eventually(() => jobNode('soak').getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    expect(await runStatus()).toBe('running');
    expect(await page.getByTestId('run-event').innerText()).toBe('Manual by admin');
    await eventually(() => page.getByTestId('log-stream').innerText()).toBe('Following live');
    await jobNode('soak').click();
    await eventually(() => page.getByTestId('job-log').innerText()).toContain('soaking for 30 s');
    expect(await page.getByRole('button', { name: 'Re-run' }).count()).toBe(0);
    await shot('pipelines-run-live');

    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('button', { name: 'Yes, cancel' }).click();
    await eventually(runStatus).toBe('cancelled');
    await eventually(() => jobNode('soak').getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('run-reason').innerText()).toContain('This run was cancelled');
    await eventually(() => page.getByTestId('log-stream').innerText()).toBe('Complete');
    expect((await api<RunDetail>(`/pipelines/runs/${cancelledId}`)).status).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await shot('pipelines-run-cancelled');
  });

  it('re-runs a finished run as a new run of the same commit', async () => {
    const cancelled = await api<RunDetail>(`/pipelines/runs/${cancelledId}`);
    await page.getByRole('button', { name: 'Re-run' }).click();
    await eventually(pathAndQuery).toMatch(/^\/pipelines\/runs\/[^/?]+$/);
    await eventually(() => pathAndQuery().split('/')[3]).not.toBe(cancelledId);
    const rerunId = pathAndQuery().split('/')[3] as string;
    const rerun = await api<RunDetail>(`/pipelines/runs/${rerunId}`);
    expect(rerun).toMatchObject({ sha: cancelled.sha, branch: 'main', event: 'manual' });
    await eventually(() => page.getByTestId('run-sha').innerText()).toBe(cancelled.sha.slice(0, 12));
    await eventually(runStatus, { timeout: 60_000 }).toBe('running');

    // Cancelled elsewhere (the API): the open page follows.
    await eventually(() => jobNode('soak').getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await api(`/pipelines/runs/${rerunId}/cancel`, { method: 'POST' });
    await eventually(runStatus).toBe('cancelled');
  });

  it("lists a broken pipeline file's problems with file:line:column", async () => {
    const broken = 'jobs:\n  lint:\n    steps:\n      - run: echo hi\n    timeout: 10 minutes\n';
    const sha = await push({ '.gantry/pipeline.yaml': broken }, 'break the pipeline');
    const run = await finishedRunOf(sha);
    expect(run.status).toBe('failed');
    expect(run.problems.length).toBeGreaterThan(0);
    await page.goto(`${platform.url}/pipelines/runs/${run.id}`);
    const problems = page.getByTestId('run-problems');
    await problems.waitFor();
    const where = await problems.locator('.problem-where').allInnerTexts();
    expect(where).toEqual(run.problems.map((p) => `${p.position?.file}:${p.position?.line}:${p.position?.column}`));
    expect(where[0]).toMatch(/^\.gantry\/pipeline\.yaml:5:\d+$/);
    expect(await problems.innerText()).toContain('jobs.lint.timeout');
    expect(await page.getByTestId('job-graph').count()).toBe(0);
    await shot('pipelines-run-problems');
  });

  it('filters the runs list by status and repository', async () => {
    const all = (await api<{ items: RunView[] }>('/pipelines/runs')).items;
    await page.goto(`${platform.url}/pipelines`);
    const rows = page.getByTestId('run-row');
    await eventually(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(all.map((r) => r.id));
    await shot('pipelines-runs');

    await page.selectOption('#run-status-filter', 'cancelled');
    await eventually(pathAndQuery).toBe('/pipelines?status=cancelled');
    const cancelled = all.filter((r) => r.status === 'cancelled').map((r) => r.id);
    expect(cancelled).toHaveLength(2);
    await eventually(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(cancelled);

    await page.selectOption('#run-repo-filter', 'demo');
    await eventually(pathAndQuery).toBe('/pipelines?status=cancelled&repo=demo');
    await eventually(() => rows.count()).toBe(2);
    await page.selectOption('#run-status-filter', 'queued');
    await eventually(() => page.locator('.card.empty').innerText()).toBe('No run matches these filters.');
  });

  it("lists the Component's runs on its entity page, linking to each run", async () => {
    const runs = (await api<{ items: RunView[] }>(`/pipelines/runs?component=${encodeURIComponent('component:default/demo-svc')}&limit=10`)).items;
    expect(runs.length).toBeGreaterThanOrEqual(5);
    await page.goto(`${platform.url}/catalog/component/default/demo-svc`);
    await eventually(() => page.getByTestId('entity-title').innerText()).toBe('demo-svc');
    const rows = page.getByTestId('component-run');
    await eventually(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(runs.map((r) => r.id));
    const failedRow = page.locator(`[data-testid=component-run][data-id="${failedRun.id}"]`);
    expect(await failedRow.getByTestId('run-status').getAttribute('data-status')).toBe('failed');
    expect(await failedRow.innerText()).toContain('main');
    await shot('pipelines-entity-runs');

    await failedRow.getByTestId('component-run-link').click();
    await eventually(pathAndQuery).toBe(`/pipelines/runs/${failedRun.id}`);
    await eventually(runStatus).toBe('failed');

    // "All runs" opens the list filtered to the component.
    await page.goBack();
    await page.getByTestId('component-runs').getByRole('link', { name: 'All runs' }).click();
    await eventually(pathAndQuery).toBe('/pipelines?component=component:default/demo-svc');
    await eventually(() => page.getByTestId('run-row').count()).toBe(runs.length);
    expect(pageErrors).toEqual([]);
  });
});

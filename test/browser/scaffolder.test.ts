import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { ROOT, SHOTS, eventuallyWithin, launchChromium } from '../helpers/browser.js';

/**
 * Golden paths in the portal, in real Chromium against a real platform: the gallery, the form generated from
 * a template's parameter schema (with the browser's and the server's validation), review with a dry run,
 * Create, and the task page following the live log to the result links. Screenshots go to
 * test-results/screenshots/.
 */

const FIXTURES = join(ROOT, 'test', 'golden-paths', 'fixtures', 'templates');

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a, title: Team A }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-gone }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { memberOf: [team-a] }
`;

const NAME_PATTERN = '^[a-z][a-z0-9-]{1,30}[a-z0-9]$';

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

async function shot(name: string): Promise<void> {
  // A full-page capture of a scrolled page draws the sticky bars where the viewport was.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Polls until the expectation holds. Waits on the platform (a task being picked up by the worker) can take
 * seconds on a busy 2-core machine; vitest's default of one second would make them flaky.
 */
const eventually = eventuallyWithin(15_000);

function pathAndQuery(): string {
  const u = new URL(page.url());
  return decodeURIComponent(u.pathname + u.search);
}

function fieldError(name: string): Promise<string> {
  return page.locator(`#param-${name}-error`).innerText();
}

/** Fills the hello template's two pages and arrives at Review. */
async function fillHello(name: string, owner: string): Promise<void> {
  await page.goto(`${platform.url}/create/default/hello`);
  await page.locator('#param-name').fill(name);
  await page.locator('#param-description').fill(`The ${name} service`);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.locator('#param-owner option[value="group:default/team-a"]').waitFor({ state: 'attached' });
  await page.selectOption('#param-owner', owner);
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByTestId('review').waitFor();
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'gantry-portal-scaffolder-'));
  // The built-in templates fill the gallery; the small fixture template is the one that runs (it is quick).
  platform = await startPlatform({ workspaceDir: workspace, port: 0, quiet: true, seedSample: false, builtInTemplates: true });
  await api('/catalog/entities', { method: 'POST', body: { yaml: ORG, file: 'org.yaml' } });
  await api('/catalog/locations', { method: 'POST', body: { target: `${FIXTURES}#hello/template.yaml`, type: 'dir' } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Render errors are caught by the portal's error boundary and logged, not thrown; 4xx answers the tests
  // provoke are logged by the browser as failed loads and are expected.
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

describe('golden paths in the portal', () => {
  it('shows the template gallery and narrows it by tag and owner', async () => {
    const all = (await api<{ items: { name: string; owner: string | null }[] }>('/templates')).items;
    expect(all.map((t) => t.name).sort()).toEqual(['hello', 'node-service', 'python-service', 'static-site']);

    await page.goto(`${platform.url}/catalog`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Create' }).click();
    await eventually(pathAndQuery).toBe('/create');
    const cards = page.getByTestId('template-card');
    await eventually(() => cards.count()).toBe(all.length);
    const hello = page.locator('[data-testid=template-card][data-ref="template:default/hello"]');
    expect(await hello.innerText()).toContain('Hello service');
    expect(await hello.innerText()).toContain('v1.2.0');
    expect(await hello.innerText()).toContain('team-a');
    expect(await hello.locator('.tag').allInnerTexts()).toEqual(['test', 'small']);
    await shot('scaffolder-gallery');

    await page.locator('.tag-filter [data-tag="test"]').click();
    await eventually(() => cards.count()).toBe(1);
    expect(pathAndQuery()).toBe('/create?tag=test');
    expect(await cards.first().getAttribute('data-ref')).toBe('template:default/hello');
    await page.locator('.tag-filter').getByRole('button', { name: 'All', exact: true }).click();
    await eventually(() => cards.count()).toBe(all.length);

    // The owner select offers the owners present; choosing one asks the API for that owner's templates.
    const owners = await page.locator('#template-owner option').allInnerTexts();
    expect(owners).toEqual(['All owners', 'platform', 'team-a']);
    await page.selectOption('#template-owner', 'group:default/platform');
    await eventually(() => cards.count()).toBe(all.filter((t) => t.owner === 'group:default/platform').length);
    await page.selectOption('#template-owner', '');

    await page.fill('#template-search', 'nothing-matches-this');
    await eventually(() => page.getByTestId('template-count').innerText()).toBe('No templates of 4');
    await page.fill('#template-search', '');
    await eventually(() => cards.count()).toBe(all.length);

    await hello.getByRole('link', { name: 'Choose Hello service' }).click();
    await eventually(pathAndQuery).toBe('/create/default/hello');
    await eventually(() => page.getByTestId('template-title').innerText()).toBe('Hello service');
  });

  it('checks values in the browser with the server\'s words, reviews them and dry-runs the template', async () => {
    expect(await page.locator('.stepper-title').allInnerTexts()).toEqual(['Service', 'Ownership', 'Review']);
    expect(await page.locator('label[for=param-name]').innerText()).toContain('Name *');

    // Leaving a field checks it; the message is the one the API gives for the same value.
    await page.locator('#param-name').fill('Bad Name');
    await page.locator('#param-description').focus();
    await eventually(() => fieldError('name')).toBe(`expected text matching ${NAME_PATTERN}, found "Bad Name"`);
    expect(await page.locator('#param-name').getAttribute('aria-invalid')).toBe('true');
    const server = await fetch(`${platform.url}/api/templates/default/hello/dry-run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { name: 'Bad Name', description: 'x', owner: 'group:default/team-a' } }),
    });
    expect(server.status).toBe(422);
    const problem = ((await server.json()) as { problems: { path: string; message: string }[] }).problems.find((p) => p.path === 'parameters.name');
    expect(problem?.message).toContain(await fieldError('name'));

    // Next checks the whole page and stays on it.
    await page.getByRole('button', { name: 'Next' }).click();
    await eventually(() => fieldError('description')).toBe('expected a value (required), found nothing');
    expect(await page.locator('#wizard-page-title').innerText()).toBe('Service');
    await shot('scaffolder-form-validation');

    await page.locator('#param-name').fill('hello-portal');
    await eventually(() => page.locator('#param-name-error').count()).toBe(0);
    await page.locator('#param-description').fill('Says hello from the portal test');
    await page.getByRole('button', { name: 'Next' }).click();

    await eventually(() => page.locator('#wizard-page-title').innerText()).toBe('Ownership');
    const owner = page.locator('#param-owner');
    await page.locator('#param-owner option[value="group:default/team-a"]').waitFor({ state: 'attached' });
    const choices = await owner.locator('option').allInnerTexts();
    expect(choices).toContain('Team A (team-a)');
    expect(choices).toContain('team-b');
    expect(await page.locator('#param-tier').inputValue()).not.toBe('');
    expect(await page.locator('#param-tier option:checked').innerText()).toBe('tier-2');
    await page.getByRole('button', { name: 'Review' }).click();
    await eventually(() => fieldError('owner')).toBe('expected a value (required), found nothing');
    await page.selectOption('#param-owner', 'group:default/team-a');
    await page.selectOption('#param-tier', { label: 'tier-1' });
    await page.getByRole('button', { name: 'Review' }).click();

    const review = page.getByTestId('review');
    await review.waitFor();
    expect(await review.locator('[data-field=name] dd').innerText()).toBe('hello-portal');
    expect(await review.locator('[data-field=description] dd').innerText()).toBe('Says hello from the portal test');
    expect(await review.locator('[data-field=owner] dd').innerText()).toBe('group:team-a');
    expect(await review.locator('[data-field=tier] dd').innerText()).toBe('tier-1');
    expect(await review.locator('[data-field=extraDocs] dd').innerText()).toBe('No');

    await page.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.getByTestId('dry-run');
    await dry.waitFor();
    expect(await dry.locator('.badge').first().innerText()).toContain('Would succeed');
    expect(await page.getByTestId('dry-run-plan').innerText()).toContain('component:default/hello-portal');
    const files = await page.getByTestId('dry-run-file').locator('.file-path').allInnerTexts();
    expect(files.sort()).toEqual(['README.md', 'catalog-info.yaml', 'docs/notes.md', 'raw/verbatim.txt', 'run.sh']);
    await page.getByTestId('dry-run-file').filter({ hasText: 'catalog-info.yaml' }).click();
    await eventually(() => page.getByTestId('dry-run-content').innerText()).toContain('name: hello-portal');
    await page.getByTestId('dry-run-file').filter({ hasText: 'README.md' }).click();
    const readme = await page.getByTestId('dry-run-content').innerText();
    expect(readme).toContain('# hello-portal');
    expect(readme).toContain('Tier 1: paged around the clock.');
    const steps = dry.getByTestId('step');
    expect(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-status')}`))).toEqual([
      'fetch:succeeded',
      'rename:succeeded',
      'log:succeeded',
      'publish:succeeded',
      'register:succeeded',
      'boom:skipped',
    ]);
    await shot('scaffolder-review-dry-run');
    // A dry run creates nothing.
    expect((await api<{ items: unknown[] }>('/tasks')).items).toEqual([]);
  });

  it('creates the service and follows the task to its result links', async () => {
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await eventually(pathAndQuery).toMatch(/^\/tasks\/[^/]+$/);
    const id = pathAndQuery().split('/')[2] as string;

    const lines = page.getByTestId('log-line');
    await eventually(() => lines.count()).toBeGreaterThan(0);
    await eventually(() => page.getByTestId('task-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    await eventually(() => page.getByTestId('log-stream').innerText()).toBe('Complete');
    const logText = await page.getByTestId('task-log').innerText();
    expect(logText).toContain('rendered 5 files for hello-portal');
    const apiLines = (await api<{ items: unknown[] }>(`/tasks/${id}/logs`)).items;
    expect(await lines.count()).toBe(apiLines.length);

    const stepStates = await page.locator('[data-testid=step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(stepStates).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'skipped']);
    expect(await page.getByTestId('task-title').innerText()).toBe('Hello service');
    expect(await page.getByRole('button', { name: 'Cancel task' }).count()).toBe(0);

    const links = page.getByTestId('output-link');
    await eventually(() => links.count()).toBe(2);
    const repo = links.filter({ hasText: 'Repository' });
    expect(await repo.getAttribute('href')).toBe(`${platform.url}/git/hello-portal`);
    const catalogLink = links.filter({ hasText: 'Open in catalog' });
    expect(await catalogLink.getAttribute('href')).toBe('/catalog/component/default/hello-portal');
    expect(await page.getByTestId('task-output').innerText()).toContain(`Clone ${platform.url}/git/hello-portal`);
    await shot('scaffolder-task-succeeded');

    await catalogLink.click();
    await eventually(pathAndQuery).toBe('/catalog/component/default/hello-portal');
    await eventually(() => page.getByTestId('entity-title').innerText()).toBe('hello-portal');
    expect(await page.getByTestId('entity-owner').innerText()).toBe('team-a');

    // The task list shows it, linking to the task page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
    const row = page.locator(`[data-testid=task-row][data-id="${id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Hello service');
    expect(await row.innerText()).toContain('hello-portal');
    expect(await row.getByTestId('task-status').getAttribute('data-status')).toBe('succeeded');
    await shot('scaffolder-tasks');
    await row.getByRole('link', { name: 'Hello service' }).click();
    await eventually(pathAndQuery).toBe(`/tasks/${id}`);
    await eventually(() => page.getByTestId('task-status').getAttribute('data-status')).toBe('succeeded');
  });

  it('shows a conflict on the review page when the service exists, and creates nothing', async () => {
    const before = (await api<{ items: unknown[] }>('/tasks')).items.length;
    await fillHello('hello-portal', 'group:default/team-a');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const error = page.getByTestId('review').locator('xpath=..').locator('.error-panel');
    await error.waitFor();
    const text = await error.innerText();
    expect(text).toContain('Nothing was created');
    expect(text).toContain('a hosted repository named "hello-portal" already exists');
    expect(text).toContain('component:default/hello-portal already exists in the catalog');
    expect(text).toContain('HTTP 409');
    expect(pathAndQuery()).toBe('/create/default/hello');
    expect((await api<{ items: unknown[] }>('/tasks')).items.length).toBe(before);
    await shot('scaffolder-conflict');
  });

  it("renders a built-in template's richer schema: help, number defaults and bounds, enum labels, pickers", async () => {
    await page.goto(`${platform.url}/create/default/node-service`);
    await page.locator('#param-name').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('param-name');
    expect(await page.locator('#param-name-help').innerText()).toContain('3 to 40 characters');
    expect(await page.locator('#param-port').inputValue()).toBe('8080');
    await page.locator('#param-port').fill('80');
    await page.locator('#param-name').focus();
    await eventually(() => fieldError('port')).toBe('expected a number >= 1024, found 80');
    await page.locator('#param-port').fill('8081');
    await eventually(() => page.locator('#param-port-error').count()).toBe(0);
    await page.locator('#param-name').fill('rich-form');
    await page.locator('#param-description').fill('A service with every kind of field');
    await page.getByRole('button', { name: 'Next' }).click();

    await eventually(() => page.locator('#wizard-page-title').innerText()).toBe('Ownership');
    expect(await page.locator('#param-tier option').allInnerTexts()).toEqual([
      'Tier 1 (business critical, 99.9%)',
      'Tier 2 (important, 99.5%)',
      'Tier 3 (internal or best effort, 99.0%)',
    ]);
    expect(await page.locator('#param-tier option:checked').innerText()).toBe('Tier 2 (important, 99.5%)');
    // The System picker lists systems; this catalog has none, and says so.
    await eventually(() => page.locator('[data-field=system] .field-help').allInnerTexts()).toContain('The catalog has no matching entities to choose from.');
    await page.selectOption('#param-owner', 'group:default/team-b');
    await page.getByRole('button', { name: 'Review' }).click();
    const review = page.getByTestId('review');
    expect(await review.locator('[data-field=port] dd').innerText()).toBe('8081');
    expect(await review.locator('[data-field=tier] dd').innerText()).toBe('Tier 2 (important, 99.5%)');
    expect(await review.locator('[data-field=system] dd').innerText()).toBe('not set');
    await shot('scaffolder-review-node-service');
  });

  it('shows a failed task with the failed step highlighted and why', async () => {
    const task = await api<{ id: string }>('/tasks', {
      method: 'POST',
      body: {
        templateRef: 'template:default/hello',
        parameters: { name: 'hello-fails', description: 'Fails after publishing', owner: 'group:default/team-a', failAfterPublish: true },
      },
    });
    await page.goto(`${platform.url}/tasks/${task.id}`);
    await eventually(() => page.getByTestId('task-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
    const view = await api<{ error: { stepId: string; message: string } }>(`/tasks/${task.id}`);
    expect(view.error.stepId).toBe('boom');
    const failure = page.getByTestId('task-failure');
    expect(await failure.innerText()).toContain('Failed at step “Register a second descriptor from a git server that does not answer”');
    expect(await failure.innerText()).toContain(view.error.message);
    const boom = page.locator('[data-testid=step][data-step=boom]');
    expect(await boom.getAttribute('data-status')).toBe('failed');
    expect(await boom.locator('.step-error').count()).toBe(1);
    await eventually(() => page.getByTestId('log-stream').innerText()).toBe('Complete');
    expect(await page.locator('.log-error').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('task-output').count()).toBe(0);
    await shot('scaffolder-task-failed');
  });

  it("puts the server's 422 problems under their fields and goes back to their page", async () => {
    // The owner list was loaded while team-gone still existed; it is removed before Create.
    await page.goto(`${platform.url}/create/default/hello`);
    await page.locator('#param-name').fill('hello-gone');
    await page.locator('#param-description').fill('Owned by a team that no longer exists');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#param-owner option[value="group:default/team-gone"]').waitFor({ state: 'attached' });
    await api('/catalog/entities/by-ref/group/default/team-gone', { method: 'DELETE' });
    await page.selectOption('#param-owner', 'group:default/team-gone');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByTestId('review').waitFor();
    await page.getByRole('button', { name: 'Create', exact: true }).click();

    await eventually(() => page.locator('#wizard-page-title').innerText()).toBe('Ownership');
    await eventually(() => fieldError('owner')).toBe('expected an entity in the catalog, found "group:default/team-gone", which is not there');
    expect(await page.getByTestId('server-problems').innerText()).toContain('The server did not accept one value');
    expect(await page.locator('.stepper-step.has-error').innerText()).toContain('Ownership');
    await shot('scaffolder-server-problems');
    expect(pageErrors).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, symlink, mkdir, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { DATABASES, dropSchema } from '../helpers/databases.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'fixtures', 'templates');

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: carol }
spec: { memberOf: [] }
`;

interface Res {
  status: number;
  type: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe.each(DATABASES)('scaffolder on $name', (database) => {
  let platform: Platform;
  let dir: string;
  let templates: string;
  let dbOptions: { databaseUrl?: string; pgSchema?: string };
  const tokens: Record<string, string> = {};

  async function call(method: string, path: string, token: string | null | undefined, body?: unknown): Promise<Res> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(platform.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  }

  async function waitForTask(id: string, token = tokens.admin!): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const until = Date.now() + 30_000;
    for (;;) {
      const r = await call('GET', `/api/tasks/${id}`, token);
      expect(r.status).toBe(200);
      if (['succeeded', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
      if (Date.now() > until) throw new Error(`task ${id} still ${r.body.status}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  const params = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: `The ${name} service`,
    owner: 'group:default/team-a',
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-scaffolder-'));
    // A copy, so tests can add a symlink to a skeleton without touching the repository.
    templates = join(dir, 'templates');
    await cp(FIXTURES, templates, { recursive: true });
    dbOptions = database.options();
    platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, ...dbOptions });
    tokens.admin = platform.adminToken;
    const reg = await call('POST', '/api/catalog/entities', tokens.admin, { yaml: ORG, file: 'org.yaml' });
    expect(reg.status).toBe(200);
    for (const user of ['alice', 'carol']) {
      const t = await call('POST', '/api/tokens', tokens.admin, { name: `${user}-test`, userRef: `user:default/${user}` });
      tokens[user] = t.body.secret;
    }
    const loc = await call('POST', '/api/catalog/locations', tokens.admin, { target: `${templates}#*/template.yaml`, type: 'dir' });
    expect(loc.status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
    if (dbOptions?.pgSchema) await dropSchema(dbOptions.pgSchema);
  });

  it('refuses a broken template when it is loaded, naming the action and the line', async () => {
    const locs = await call('GET', '/api/catalog/locations', tokens.admin);
    const loc = locs.body.items.find((l: { target: string }) => l.target.startsWith(templates));
    const messages = loc.problems.map((p: { message: string; position?: { file: string; line: number } }) => `${p.position?.file}:${p.position?.line} ${p.message}`);
    expect(messages.join('\n')).toMatch(/broken\/template\.yaml:15 .*"publish:bitbucket"/);
    expect(messages.join('\n')).toMatch(/broken\/template\.yaml:13 .*template syntax/);
    expect(messages.join('\n')).toMatch(/steps\.later, which is a later step/);
    expect((await call('GET', '/api/templates/default/broken', tokens.admin)).status).toBe(404);
  });

  it('lists templates with their version and filters by tag and owner', async () => {
    const all = await call('GET', '/api/templates', tokens.alice!);
    expect(all.status).toBe(200);
    expect(all.body.items.map((t: { name: string }) => t.name).sort()).toEqual(['hello', 'to-github', 'to-gitlab']);
    expect(all.body.items.find((t: { name: string }) => t.name === 'hello')).toMatchObject({ title: 'Hello service', version: '1.2.0', owner: 'group:default/team-a', tags: ['test', 'small'] });
    expect((await call('GET', '/api/templates?tag=nope', tokens.alice!)).body.items).toEqual([]);
    expect((await call('GET', '/api/templates?owner=team-a', tokens.alice!)).body.items.map((t: { name: string }) => t.name)).toEqual(['hello']);
    expect((await call('GET', '/api/templates?tag=small', tokens.alice!)).body.items.map((t: { name: string }) => t.name)).toEqual(['hello']);
    const detail = await call('GET', '/api/templates/default/hello', tokens.alice!);
    expect(detail.body.parameters).toHaveLength(2);
    expect(detail.body.steps.map((s: { action: string }) => s.action)).toContain('publish:git');
  });

  it('dry run shows every file with its content and every action, and creates nothing', async () => {
    const r = await call('POST', '/api/templates/default/hello/dry-run', tokens.alice!, { parameters: params('dry-one', { tier: 'tier-1' }) });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    const files = Object.fromEntries(r.body.files.map((f: { path: string; content: string }) => [f.path, f.content]));
    expect(Object.keys(files).sort()).toEqual(['README.md', 'catalog-info.yaml', 'docs/notes.md', 'raw/verbatim.txt', 'run.sh']);
    expect(files['README.md']).toContain('# dry-one');
    expect(files['README.md']).toContain('Owned by team-a.');
    expect(files['README.md']).toContain('Tier 1: paged around the clock.');
    expect(files['README.md']).toContain('{{ github.sha }}');
    expect(files['raw/verbatim.txt']).toBe('kept as is: ${{ values.name }}\n');
    expect(r.body.files.find((f: { path: string }) => f.path === 'run.sh').executable).toBe(true);
    // Provenance is stamped into the descriptor before it is published.
    expect(files['catalog-info.yaml']).toContain('gantry.dev/template: hello@1.2.0');
    expect(r.body.plan).toEqual({ repos: ['dry-one'], entities: ['component:default/dry-one'] });
    expect(r.body.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      'fetch:succeeded', 'rename:succeeded', 'log:succeeded', 'publish:succeeded', 'register:succeeded', 'boom:skipped',
    ]);
    expect(r.body.log.map((l: { message: string }) => l.message).join('\n')).toContain('rendered 5 files for dry-one');
    expect((await call('GET', '/api/repos/dry-one', tokens.admin)).status).toBe(404);
    expect((await call('GET', '/api/catalog/entities/by-ref/component/default/dry-one', tokens.admin)).status).toBe(404);
    // Optional files appear when their condition holds.
    const extra = await call('POST', '/api/templates/default/hello/dry-run', tokens.alice!, { parameters: params('dry-two', { extraDocs: true }) });
    expect(extra.body.files.map((f: { path: string }) => f.path)).toContain('extra/guide.md');
  });

  it('rejects parameters that break the schema with one problem per field, before anything exists', async () => {
    const r = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'template:default/hello', parameters: { name: 'Bad Name', tier: 'tier-9', owner: 'group:default/nobody' } });
    expect(r.status).toBe(422);
    expect(r.type).toContain('application/problem+json');
    const paths = r.body.problems.map((p: { path: string }) => p.path).sort();
    expect(paths).toEqual(['parameters.description', 'parameters.name', 'parameters.owner', 'parameters.tier']);
    expect(r.body.problems.find((p: { path: string }) => p.path === 'parameters.name').message).toContain('expected text matching');
    const unknownOwner = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'template:default/hello', parameters: params('ok-name', { owner: 'group:default/nobody' }) });
    expect(unknownOwner.status).toBe(422);
    expect(unknownOwner.body.problems[0].path).toBe('parameters.owner');
    expect((await call('GET', '/api/tasks', tokens.admin)).body.items).toEqual([]);
  });

  it('a viewer may not run a template; a member may not publish for another team', async () => {
    const viewer = await call('POST', '/api/tasks', tokens.carol!, { templateRef: 'hello', parameters: params('viewer-svc') });
    expect(viewer.status).toBe(403);
    const other = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'hello', parameters: params('other-svc', { owner: 'group:default/team-b' }) });
    expect(other.status).toBe(403);
    expect(other.body.detail).toContain('team-b');
    expect((await call('GET', '/api/repos/other-svc', tokens.admin)).status).toBe(404);
  });

  it('creates the repository and the entity; the repo clones over HTTP with a token and records where it came from', async () => {
    const created = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'template:default/hello', parameters: params('orders-api', { tier: 'tier-1' }) });
    expect(created.status).toBe(201);
    const task = await waitForTask(created.body.id);
    expect(task.status).toBe('succeeded');
    expect(task.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'skipped']);
    expect(task.output.links[0].url).toBe(`${platform.url}/git/orders-api`);
    expect(task.output.links[1].entityRef).toBe('component:default/orders-api');
    expect(task.output.text[0].content).toBe(`Clone ${platform.url}/git/orders-api`);

    const entity = await call('GET', '/api/catalog/entities/by-ref/component/default/orders-api', tokens.alice!);
    expect(entity.status).toBe(200);
    const ann = entity.body.entity.metadata.annotations;
    expect(ann['gantry.dev/template']).toBe('hello@1.2.0');
    expect(ann['backstage.io/source-template']).toBe('template:default/hello');
    expect(ann['gantry.dev/scaffolder-task']).toBe(task.id);
    expect(JSON.parse(ann['gantry.dev/template-parameters'])).toMatchObject({ name: 'orders-api', tier: 'tier-1', owner: 'group:default/team-a' });
    expect(entity.body.relations).toContainEqual({ type: 'ownedBy', targetRef: 'group:default/team-a' });

    const clone = join(dir, 'clone-orders');
    const auth = `Authorization: Basic ${Buffer.from(`x:${tokens.alice}`).toString('base64')}`;
    await run('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform.url}/git/orders-api`, clone]);
    expect(await readFile(join(clone, 'docs', 'notes.md'), 'utf8')).toBe('notes for orders-api\n');
    expect((await stat(join(clone, 'run.sh'))).mode & 0o111).not.toBe(0);
    const logMsg = (await run('git', ['log', '--format=%an|%s'], { cwd: clone })).stdout.trim();
    expect(logMsg).toBe('alice|Initial commit from template hello@1.2.0');

    const logs = await call('GET', `/api/tasks/${task.id}/logs`, tokens.alice!);
    const text = logs.body.items.map((l: { message: string }) => l.message).join('\n');
    expect(text).toContain('rendered 5 files for orders-api');
    expect(text).toContain('pushed');
    expect(text).toContain('queryable in the catalog');
    const events = await call('GET', `/api/events?subject=scaffolder-task:${task.id}`, tokens.admin);
    expect(events.body.items.map((e: { action: string }) => e.action)).toEqual(['scaffolder.task.created', 'scaffolder.task.started', 'scaffolder.task.succeeded']);
    expect(events.body.items[2].payload.entityRefs).toEqual(['component:default/orders-api']);
  });

  it('streams a task log as server-sent events until the task ends', async () => {
    const created = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'hello', parameters: params('stream-api') });
    const res = await fetch(`${platform.url}/api/tasks/${created.body.id}/stream?access_token=${tokens.alice}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const body = await res.text(); // the stream ends with the task
    expect(body).toContain('event: log');
    expect(body).toContain('rendered 5 files for stream-api');
    expect(body).toMatch(/event: end\ndata: \{"status":"succeeded"\}/);
  });

  it('a name that exists is a conflict before anything is created', async () => {
    const again = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'hello', parameters: params('orders-api') });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('orders-api');
    const tasks = await call('GET', '/api/tasks', tokens.admin);
    expect(tasks.body.items.filter((t: { parameters: { name: string } }) => t.parameters.name === 'orders-api')).toHaveLength(1);
  });

  it('a failing step stops the task, names the step and removes the repository and entity it created', async () => {
    const created = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'hello', parameters: params('doomed-api', { failAfterPublish: true }) });
    expect(created.status).toBe(201);
    const task = await waitForTask(created.body.id);
    expect(task.status).toBe('failed');
    expect(task.error.stepId).toBe('boom');
    expect(task.error.message).toContain('steps[5] (boom)');
    expect(task.error.message).toContain('127.0.0.1:9');
    expect((await call('GET', '/api/repos/doomed-api', tokens.admin)).status).toBe(404);
    expect((await call('GET', '/api/catalog/entities/by-ref/component/default/doomed-api', tokens.admin)).status).toBe(404);
    expect(existsSync(join(dir, 'ws', 'repos', 'doomed-api.git'))).toBe(false);
    const logs = await call('GET', `/api/tasks/${task.id}/logs`, tokens.alice!);
    expect(logs.body.items.map((l: { message: string }) => l.message).join('\n')).toContain('removed the hosted repository doomed-api');
  });

  it('a step may keep what it created when the task fails (keepOnFailure), and the task says so', async () => {
    const created = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'hello', parameters: params('kept-api', { failAfterPublish: true, keep: true }) });
    const task = await waitForTask(created.body.id);
    expect(task.status).toBe('failed');
    expect(task.resources).toContainEqual({ type: 'repo', name: 'kept-api', kept: true, stepId: 'publish' });
    expect((await call('GET', '/api/repos/kept-api', tokens.admin)).status).toBe(200);
  });

  it('refuses paths that leave the task workspace, and symbolic links in a skeleton', async () => {
    const tpl = (name: string, steps: string) => `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: ${name} }
spec:
  type: service
  steps:
${steps}`;
    await mkdir(join(templates, 'escapes'), { recursive: true });
    await writeFile(join(templates, 'escapes', 'template.yaml'), tpl('escape-delete', `    - id: del
      action: fs:delete
      input: { files: ['../../../etc/passwd'] }
`) + '---\n' + tpl('escape-target', `    - id: fetch
      action: fetch:template
      input: { url: ./skel, targetPath: /tmp/owned }
`) + '---\n' + tpl('escape-link', `    - id: fetch
      action: fetch:template
      input: { url: ./linked }
`) + '---\n' + tpl('escape-rename', `    - id: fetch
      action: fetch:template
      input: { url: ./skel }
    - id: mv
      action: fs:rename
      input: { files: [{ from: a.txt, to: ../../a.txt }] }
`));
    await mkdir(join(templates, 'escapes', 'skel'), { recursive: true });
    await writeFile(join(templates, 'escapes', 'skel', 'a.txt'), 'a');
    await mkdir(join(templates, 'escapes', 'linked'), { recursive: true });
    await symlink('/etc/hostname', join(templates, 'escapes', 'linked', 'host.txt'));
    const locs = await call('GET', '/api/catalog/locations', tokens.admin);
    const loc = locs.body.items.find((l: { target: string }) => l.target.startsWith(templates));
    expect((await call('POST', `/api/catalog/locations/${loc.id}/refresh`, tokens.admin)).status).toBe(200);

    const expectations: Array<[string, RegExp]> = [
      ['escape-delete', /input\.files\[0\].*leaves it/],
      ['escape-target', /input\.targetPath.*absolute path/],
      ['escape-link', /symbolic links/],
      ['escape-rename', /input\.files\[0\]\.to.*leaves it/],
    ];
    for (const [name, why] of expectations) {
      const r = await call('POST', `/api/templates/default/${name}/dry-run`, tokens.admin, { parameters: {} });
      expect(r.status, name).toBe(200);
      expect(r.body.ok, name).toBe(false);
      expect(r.body.error.message, name).toMatch(why);
      const t = await call('POST', '/api/tasks', tokens.admin, { templateRef: name, parameters: {} });
      expect(t.status, name).toBe(422);
    }
    expect(existsSync('/tmp/owned')).toBe(false);
  });

  it('cancels a queued task; only its creator or an admin may', async () => {
    // Hold the worker back by filling the task in while it is not running: stop and restart is heavy, so
    // use the API's cancel right after creation and accept either outcome of the race with the worker.
    const created = await call('POST', '/api/tasks', tokens.alice!, { templateRef: 'hello', parameters: params('cancel-me') });
    const carol = await call('POST', `/api/tasks/${created.body.id}/cancel`, tokens.carol!);
    expect(carol.status).toBe(403);
    const cancel = await call('POST', `/api/tasks/${created.body.id}/cancel`, tokens.alice!);
    const task = await waitForTask(created.body.id);
    if (cancel.status === 200) {
      expect(task.status).toBe('cancelled');
      expect((await call('GET', '/api/repos/cancel-me', tokens.admin)).status).toBe(404);
      expect((await call('GET', '/api/catalog/entities/by-ref/component/default/cancel-me', tokens.admin)).status).toBe(404);
    } else {
      expect(cancel.status).toBe(409); // it had already finished
      expect(task.status).toBe('succeeded');
    }
  });
  it('platform metrics count every task per template, and the components golden paths created', async () => {
    const tasks = (await call('GET', '/api/tasks?limit=500', tokens.admin)).body.items as Array<{ templateRef: string; status: string }>;
    const hello = tasks.filter((t) => t.templateRef === 'template:default/hello');
    expect(hello.length).toBeGreaterThan(2);
    const report = (await call('GET', '/api/metrics/platform', tokens.alice!)).body;
    expect(report.templates.find((t: { template: string }) => t.template === 'template:default/hello')).toEqual({
      template: 'template:default/hello',
      tasks: hello.length,
      succeeded: hello.filter((t) => t.status === 'succeeded').length,
      failed: hello.filter((t) => t.status === 'failed' || t.status === 'cancelled').length,
    });
    // Nothing was deployed: every finished task that created a component is still waiting for its first healthy deployment.
    expect(report.timeToProvision).toMatchObject({ provisioned: 0, pending: hello.filter((t) => t.status === 'succeeded' || t.status === 'running').length });
    expect(report.adoption.fromGoldenPath).toBeGreaterThanOrEqual(1);
  });
});

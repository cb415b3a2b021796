/** The CLI against a real platform (SQLite workspace, random port) started in this test. */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { gantry, unusedPort, type RunOptions } from './runCli.js';

const GOOD = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc-a
  description: Settles ledger entries for card payments
  tags: [java]
spec:
  type: service
  lifecycle: production
  owner: team-a
  dependsOn: [component:svc-b]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc-b
spec:
  type: website
  lifecycle: experimental
  owner: team-a
`;

// The bad name is on line 13 (the second document starts on line 10).
const MIXED = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: mixed-good
spec:
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Mixed Bad
spec:
  type: service
  lifecycle: production
  owner: team-a
`;

let platform: Platform;
let root: string;
let admin: RunOptions;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-cli-online-'));
  platform = await startPlatform({ workspaceDir: join(root, '.gantry'), port: 0, seedSample: false, builtInTemplates: false, quiet: true });
  admin = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: platform.adminToken } };
  await mkdir(join(root, 'catalog'));
  await writeFile(join(root, 'catalog', 'catalog-info.yaml'), GOOD);
  await mkdir(join(root, 'mixed'));
  await writeFile(join(root, 'mixed', 'mixed.yaml'), MIXED);
});

afterAll(async () => {
  await platform?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const json = <T>(s: string): T => JSON.parse(s) as T;

describe('identity and tokens', () => {
  it('whoami prints the API answer with --json', async () => {
    const r = await gantry(['whoami', '--json'], admin);
    expect(r.exitCode).toBe(0);
    expect(json<{ userRef: string; role: string }>(r.stdout)).toMatchObject({ role: 'admin' });
  });

  it('creates, lists and revokes a token; the secret goes to stdout alone and works until revoked', async () => {
    const created = await gantry(['token', 'create', '--name', 'cli-test', '--expires-in-days', '7'], admin);
    expect(created.exitCode).toBe(0);
    const secret = created.stdout.trim();
    expect(secret.split('\n')).toHaveLength(1);
    expect(created.stderr).toContain('"cli-test"');
    expect(created.stderr).toContain('not shown again');

    const list = await gantry(['token', 'list', '--json'], admin);
    const items = json<{ items: Array<{ id: string; name: string; revokedAt: string | null }> }>(list.stdout).items;
    const mine = items.find((t) => t.name === 'cli-test');
    expect(mine).toBeDefined();
    expect(list.stdout).not.toContain(secret);

    const table = await gantry(['token', 'list'], admin);
    expect(table.stdout).toMatch(new RegExp(`^${mine!.id}\\s+cli-test\\s+user:default/admin\\s+-\\s+.*\\bactive$`, 'm'));

    const asNew = await gantry(['whoami', '--json'], { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: secret } });
    expect(asNew.exitCode).toBe(0);

    const revoked = await gantry(['token', 'revoke', mine!.id], admin);
    expect(revoked.exitCode).toBe(0);
    expect(revoked.stdout).toContain(`Revoked token ${mine!.id}`);

    const after = await gantry(['whoami'], { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: secret } });
    expect(after.exitCode).toBe(1);
    expect(after.stderr).toMatch(/^error: not authenticated: /m);
    expect(after.stderr).not.toContain(secret);
  });

  it('token create --json includes the secret once', async () => {
    const r = await gantry(['token', 'create', '--name', 'json-one', '--json'], admin);
    expect(r.exitCode).toBe(0);
    const body = json<{ token: { name: string }; secret: string }>(r.stdout);
    expect(body.token.name).toBe('json-one');
    expect(body.secret.length).toBeGreaterThan(20);
  });
});

describe('catalog', () => {
  let locationId: string;

  it('imports a directory given as a relative path, and prints the refresh result', async () => {
    const r = await gantry(['catalog', 'import', 'catalog', '--json'], { ...admin, cwd: root });
    expect(r.stderr).toMatch(/Importing .*catalog… done in \d+\.\d s/);
    expect(r.exitCode).toBe(0);
    const body = json<{ location: { id: string; target: string; entityCount: number; status: string }; refresh: { added: number } }>(r.stdout);
    expect(body.location.target).toBe(join(root, 'catalog'));
    expect(body.location.status).toBe('ok');
    expect(body.location.entityCount).toBe(3);
    expect(body.refresh.added).toBe(3);
    locationId = body.location.id;
  });

  it('lists entities with kind, filters, full text and paging', async () => {
    const comps = await gantry(['catalog', 'list', '--kind', 'component', '--json'], admin);
    expect(comps.exitCode).toBe(0);
    const page = json<{ items: Array<{ ref: string }>; totalCount: number }>(comps.stdout);
    expect(page.items.map((e) => e.ref)).toEqual(['component:default/svc-a', 'component:default/svc-b']);
    expect(page.totalCount).toBe(2);

    const filtered = await gantry(['catalog', 'list', '--filter', 'spec.type=website', '--json'], admin);
    expect(json<{ items: Array<{ ref: string }> }>(filtered.stdout).items.map((e) => e.ref)).toEqual(['component:default/svc-b']);

    const text = await gantry(['catalog', 'list', '-q', 'ledger', '--json'], admin);
    expect(json<{ items: Array<{ ref: string }> }>(text.stdout).items.map((e) => e.ref)).toEqual(['component:default/svc-a']);

    const limited = await gantry(['catalog', 'list', '--limit', '1'], admin);
    expect(limited.exitCode).toBe(0);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    expect(limited.stderr).toContain('1 of 3 entities');

    const table = await gantry(['catalog', 'list', '--all'], admin);
    expect(table.stdout).toMatch(/^REF\s+TYPE\s+OWNER\s+LIFECYCLE\s+STATUS$/m);
    // The ownership pack's tier-set policy warns (svc-a names no tier): stored, with the warning on its status.
    expect(table.stdout).toMatch(/^component:default\/svc-a\s+service\s+team-a\s+production\s+1 warning$/m);
  });

  it('gets an entity by full ref and by unique name', async () => {
    const r = await gantry(['catalog', 'get', 'component:default/svc-a', '--json'], admin);
    expect(r.exitCode).toBe(0);
    const view = json<{ ref: string; relations: Array<{ type: string; targetRef: string }>; source: { locationId: string } }>(r.stdout);
    expect(view.relations).toEqual(
      expect.arrayContaining([
        { type: 'dependsOn', targetRef: 'component:default/svc-b' },
        { type: 'ownedBy', targetRef: 'group:default/team-a' },
      ]),
    );
    expect(view.source.locationId).toBe(locationId);

    const human = await gantry(['catalog', 'get', 'svc-a'], admin);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/^component:default\/svc-a/);
    expect(human.stdout).toMatch(/^\s+dependsOn\s+component:default\/svc-b$/m);
    expect(human.stdout).toContain('catalog-info.yaml:9');

    const missing = await gantry(['catalog', 'get', 'component:default/nope'], admin);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^error: not found: /m);
  });

  it('draws the relation graph as JSON, text and DOT', async () => {
    const r = await gantry(['catalog', 'graph', 'component:svc-a', '--json'], admin);
    expect(r.exitCode).toBe(0);
    const g = json<{ nodes: Array<{ ref: string }>; edges: Array<{ source: string; type: string; target: string }> }>(r.stdout);
    expect(g.nodes.map((n) => n.ref)).toEqual(expect.arrayContaining(['component:default/svc-a', 'component:default/svc-b', 'group:default/team-a']));
    expect(g.edges).toContainEqual({ source: 'component:default/svc-a', type: 'dependsOn', target: 'component:default/svc-b' });

    const text = await gantry(['catalog', 'graph', 'component:svc-a'], admin);
    expect(text.stdout).toMatch(/^component:default\/svc-a\n(\s+\w+\s+→ \S+\n)*\s+dependsOn\s+→ component:default\/svc-b$/m);

    const dot = await gantry(['catalog', 'graph', 'component:svc-a', '--format', 'dot', '--depth', '2'], admin);
    expect(dot.stdout).toMatch(/^digraph "component:default\/svc-a" \{/);
    expect(dot.stdout).toContain('"component:default/svc-a" -> "component:default/svc-b" [label="dependsOn"];');
    expect(dot.stdout.trim().endsWith('}')).toBe(true);
  });

  it('lists locations and refreshes one after an edit', async () => {
    const list = await gantry(['catalog', 'locations', '--json'], admin);
    const items = json<{ items: Array<{ id: string; target: string }> }>(list.stdout).items;
    expect(items.map((l) => l.id)).toContain(locationId);

    await writeFile(
      join(root, 'catalog', 'extra.yaml'),
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-c\nspec:\n  type: library\n  lifecycle: production\n  owner: team-a\n',
    );
    const r = await gantry(['catalog', 'refresh', locationId], admin);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Refreshed location ${locationId}`);
    expect(r.stdout).toContain('added 1, updated 0, removed 0, orphaned 0, unchanged 3');
  });

  it('imports the good documents of a file with a bad one, lists the problem as file:line:col, and exits 1', async () => {
    const r = await gantry(['catalog', 'import', join(root, 'mixed')], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/mixed\.yaml:13:\d+: metadata\.name: .*"Mixed Bad"/);
    expect(r.stderr).toContain('the valid documents were ingested');
    const good = await gantry(['catalog', 'get', 'component:mixed-good', '--json'], admin);
    expect(good.exitCode).toBe(0);
  });

  it('denies a viewer token with a "not allowed" message', async () => {
    const created = await gantry(['token', 'create', '--name', 'viewer', '--role', 'viewer'], admin);
    expect(created.exitCode).toBe(0);
    const viewer = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: created.stdout.trim() } };
    await mkdir(join(root, 'viewer-dir'), { recursive: true });
    const r = await gantry(['catalog', 'import', join(root, 'viewer-dir')], viewer);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: not allowed: .*catalog\.location\.create/m);
    const read = await gantry(['catalog', 'list', '--json'], viewer);
    expect(read.exitCode).toBe(0);
  });

  it('shows the events of a location', async () => {
    const r = await gantry(['events', '--subject', `location:${locationId}`, '--json'], admin);
    expect(r.exitCode).toBe(0);
    const actions = json<{ items: Array<{ action: string; subject: string }> }>(r.stdout).items.map((e) => e.action);
    expect(actions.filter((a) => a === 'catalog.location.refreshed').length).toBeGreaterThanOrEqual(2);

    const table = await gantry(['events', '--subject', 'component:default/svc-a'], admin);
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+ACTOR\s+ACTION\s+SUBJECT$/m);
    expect(table.stdout).toMatch(/catalog\.entity\.created\s+component:default\/svc-a$/m);
  });

  it('deletes an entity', async () => {
    const r = await gantry(['catalog', 'delete', 'component:default/mixed-good'], admin);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Deleted component:default/mixed-good.');
    const gone = await gantry(['catalog', 'get', 'component:default/mixed-good'], admin);
    expect(gone.exitCode).toBe(1);
  });
});

describe('server and token resolution', () => {
  it('uses ./.gantry/server.json and ./.gantry/admin-token in the current directory', async () => {
    const r = await gantry(['whoami'], { cwd: root });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Role:\s+admin$/m);
    expect(r.stdout).toContain(`${platform.url} (from ./.gantry/server.json)`);
    expect(r.stdout).toContain('from ./.gantry/admin-token');
    expect(r.stdout).not.toContain(platform.adminToken);
  });

  it('does not send the workspace token to another server', async () => {
    const other = `http://127.0.0.1:${await unusedPort()}`;
    const r = await gantry(['whoami', '--server', other], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`no API token for ${other}`);
    expect(r.stderr).toContain(`Not sent, as it belongs to another server: ./.gantry/admin-token (for ${platform.url})`);
  });

  it('lets GANTRY_TOKEN win over the workspace token', async () => {
    const r = await gantry(['whoami'], { cwd: root, env: { GANTRY_TOKEN: 'gty_not-a-real-token' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: not authenticated: /m);
  });

  it('login checks the token, saves it 0600, and later commands use it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'gantry-cli-login-'));
    const env = { XDG_CONFIG_HOME: home };
    const bad = await gantry(['login', '--server', platform.url, '--token', 'gty_wrong'], { env });
    expect(bad.exitCode).toBe(1);
    await expect(stat(join(home, 'gantry', 'config.json'))).rejects.toThrow();

    const r = await gantry(['login', '--server', platform.url + '/', '--token', platform.adminToken], { env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Logged in to ${platform.url} as user:default/admin (admin).`);
    expect(r.stdout).not.toContain(platform.adminToken);
    const file = join(home, 'gantry', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(json<{ server: string; token: string }>(await readFile(file, 'utf8'))).toMatchObject({ server: platform.url, token: platform.adminToken });

    const later = await gantry(['whoami'], { env });
    expect(later.exitCode).toBe(0);
    expect(later.stdout).toContain(`from ${file}`);
    await rm(home, { recursive: true, force: true });
  });
});

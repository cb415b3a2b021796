/**
 * Environments and deployments on a real platform (docs/environments.md): a component in a hosted repository is
 * released, deployed to a local environment (real processes behind the router), promoted with an approval,
 * rolled back; a release that cannot start is rolled back automatically; freeze windows, previews and drift.
 * The desired state is checked in the environment repository with real git.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startPlatform, type Platform } from '../../src/platform.js';
import pg from 'pg';
import { DATABASES, dropSchema, TEST_DATABASE_URL } from '../helpers/databases.js';
import { startKubeApi } from './fixtures/kubeApi.js';
import { ORG, platformClient, type Json } from '../helpers/platform.js';

const run = promisify(execFile);

const SERVER = `import { createServer } from 'node:http';
const version = process.env.VERSION ?? '?';
if (version === 'broken') {
  console.error('cannot start: this release is broken on purpose');
  process.exit(1);
}
createServer((req, res) => {
  if (req.url === '/readyz') return res.end('ok');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ version, data: process.env.DATA_DIR ?? null, db: process.env.DB_HOST ?? null, dbUrl: process.env.DATABASE_URL ? 'set' : null }));
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('hello ' + version + ' listening'));
`;

const score = (version: string, extra = '') => `apiVersion: score.dev/v1b1
metadata:
  name: hello
containers:
  main:
    image: .
    command: ["node", "server.mjs"]
    variables:
      VERSION: "${version}"
      DATA_DIR: \${resources.data.path}
      DB_HOST: \${resources.db.host}
      DATABASE_URL: \${resources.db.url}
    readinessProbe:
      httpGet: { path: /readyz, port: 8080 }
    resources:
      limits: { cpu: 500m, memory: 256Mi }
service:
  ports:
    http: { port: 80, targetPort: 8080 }
resources:
  data:
    type: volume
  db:
    type: postgres
${extra}`;

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: hello }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

/** GET through the router with the workload's host name. */
function viaRouter(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `${host}:${port}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(DATABASES)('environments and deployments ($name)', (database) => {
  let platform: Platform;
  let dir: string;
  let dbOptions: { databaseUrl?: string; pgSchema?: string };
  const c = platformClient(
    () => platform,
    () => dir,
  );
  let alice: string;
  let carol: string;
  let bob: string;
  let v1: Json;

  const admin = () => platform.adminToken;
  const waitDeployment = (id: string) =>
    c.waitFor(`deployment ${id}`, async () => {
      const r = await c.call('GET', `/api/deployments/${id}`, admin());
      return ['queued', 'deploying'].includes(r.body.status) ? undefined : r.body;
    });
  const envRepoFile = async (path: string) => {
    const r = await run('git', ['--git-dir', join(dir, 'ws', 'repos', 'environments.git'), 'show', `main:${path}`]).catch(() => null);
    return r ? r.stdout : null;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-deploy-'));
    dbOptions = database.options();
    platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, schedulerIntervalMs: 60_000, resourcesPostgresUrl: TEST_DATABASE_URL, ...dbOptions });
    expect((await c.call('POST', '/api/catalog/entities', admin(), { yaml: ORG, file: 'org.yaml' })).status).toBe(200);
    [alice, carol, bob] = (await Promise.all(['alice', 'carol', 'bob'].map((u) => c.tokenFor(u)))) as [string, string, string];
    expect((await c.call('POST', '/api/repos', admin(), { name: 'hello', owner: 'team-a' })).status).toBe(201);
    await c.push('hello', { 'server.mjs': SERVER, 'score.yaml': score('v1'), 'catalog-info.yaml': CATALOG_INFO }, 'v1');
    const loc = await c.call('POST', '/api/catalog/locations', admin(), { target: `${join(dir, 'ws', 'repos', 'hello.git')}#main:catalog-info.yaml`, type: 'git' });
    expect(loc.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    // Deleting the environments removes their resources (roles and databases on the shared PostgreSQL).
    if (platform) for (const e of (await c.call('GET', '/api/environments', admin())).body.items as Json[]) await c.call('DELETE', `/api/environments/${e.name}`, admin());
    await platform?.stop();
    if (dbOptions?.pgSchema) await dropSchema(dbOptions.pgSchema);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an environment from any catalog location works before the environment repository exists', async () => {
    const legacy = `apiVersion: gantry.dev/v1alpha1
kind: Environment
metadata: { name: legacy }
spec: { type: development, owner: team-a, driver: local, order: 99 }
`;
    expect((await c.call('POST', '/api/catalog/entities', admin(), { yaml: legacy, file: 'legacy.yaml' })).status).toBe(200);
    const drift = await c.call('GET', '/api/environments/legacy/drift', alice);
    expect(drift.status).toBe(200);
    expect(drift.body.items).toEqual([]);
    expect((await c.call('GET', '/api/environments/matrix', alice)).body.environments.map((e: Json) => e.name)).toEqual(['legacy']);
    expect((await c.call('DELETE', '/api/environments/legacy', admin())).status).toBe(204);
  });

  it('creates environments through the API, committed to the environment repository; teams make only development and previews', async () => {
    const denied = await c.call('POST', '/api/environments', alice, { name: 'production', type: 'production', owner: 'team-a', order: 3, requiredApprovals: 1 });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('only an admin may create a production environment');
    const dev = await c.call('POST', '/api/environments', alice, { name: 'dev', type: 'development', owner: 'team-a', order: 1 });
    expect(dev.status).toBe(201);
    expect(dev.body.environment).toMatchObject({ name: 'dev', type: 'development', owner: 'group:default/team-a', driver: 'local', order: 1 });
    expect((await c.call('POST', '/api/environments', admin(), { name: 'staging', type: 'staging', owner: 'team-a', order: 2 })).status).toBe(201);
    expect((await c.call('POST', '/api/environments', admin(), { name: 'production', type: 'production', owner: 'team-a', order: 3, requiredApprovals: 1 })).status).toBe(201);
    const bad = await c.call('POST', '/api/environments', admin(), { name: 'Prod_1', type: 'development', owner: 'team-a' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toContain('name: expected a DNS-1123 label');
    const dup = await c.call('POST', '/api/environments', admin(), { name: 'dev', type: 'development', owner: 'team-a' });
    expect(dup.status).toBe(409);

    const list = await c.call('GET', '/api/environments', bob);
    expect(list.body.items.map((e: Json) => e.name)).toEqual(['dev', 'staging', 'production']);
    expect(parseYaml((await envRepoFile('environments/production.yaml'))!)).toMatchObject({ kind: 'Environment', metadata: { name: 'production' }, spec: { type: 'production', requiredApprovals: 1 } });
    // The catalog knows them too (read from the environment repository).
    expect((await c.call('GET', '/api/catalog/entities/by-ref/environment/default/production', bob)).status).toBe(200);
  });

  it('makes an immutable release from a commit: the workload checked, the bundle digested, the commits listed', async () => {
    const denied = await c.call('POST', '/api/releases', bob, { component: 'hello' });
    expect(denied.status).toBe(403);
    const r = await c.call('POST', '/api/releases', alice, { component: 'hello' });
    expect(r.status).toBe(201);
    v1 = r.body;
    expect(v1).toMatchObject({ component: 'hello', componentRef: 'component:default/hello', repo: 'hello', branch: 'main', artifactSource: 'source' });
    expect(v1.artifactDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v1.commits).toHaveLength(1);
    expect(v1.workload.containers.main.command).toEqual(['node', 'server.mjs']);

    // A Score file with an unknown resource type is refused before anything is stored, with file:line:column.
    await c.push('hello', { 'score.yaml': score('v2', '  cache:\n    type: memcached\n') }, 'bad resource');
    const bad = await c.call('POST', '/api/releases', alice, { component: 'hello' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/score\.yaml:\d+:\d+: .*memcached/);
    expect((await c.call('GET', '/api/releases?component=hello', alice)).body.items).toHaveLength(1);
  });

  it('deploys to dev: the release runs behind the router, the desired state is a commit, events are recorded', async () => {
    const d = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'dev', release: v1.id });
    expect(d.status).toBe(202);
    expect(d.body).toMatchObject({ status: 'queued', action: 'deploy', requestedBy: 'user:default/alice', fromReleaseId: null });
    const done = await waitDeployment(d.body.id);
    expect(done).toMatchObject({ status: 'succeeded', url: `http://hello.dev.localhost:${platform.routerPort}` });
    const res = await viaRouter(platform.routerPort!, 'hello.dev.localhost');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ version: 'v1', data: join(dir, 'ws', 'volumes', 'dev', 'hello', 'data'), db: '127.0.0.1', dbUrl: 'set' });
    // The postgres resource is a real role and database on the configured server.
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const roles = (await client.query("select rolname from pg_roles where rolname like 'gx_dev_hello_db%'")).rows;
      expect(roles).toHaveLength(1);
      expect((await client.query('select 1 from pg_database where datname = $1', [roles[0].rolname])).rowCount).toBe(1);
    } finally {
      await client.end();
    }

    const desired = parseYaml((await envRepoFile('dev/hello/release.yaml'))!);
    expect(desired).toMatchObject({ kind: 'DesiredRelease', spec: { release: v1.id, sha: v1.sha, deployment: d.body.id, artifactDigest: v1.artifactDigest } });
    const log = (await run('git', ['--git-dir', join(dir, 'ws', 'repos', 'environments.git'), 'log', '--format=%an|%s', 'main'])).stdout;
    expect(log.split('\n')[0]).toBe(`alice|Deploy hello ${v1.sha.slice(0, 7)} (${v1.id}) to dev`);

    const events = (await c.call('GET', `/api/events?subject=deployment:${d.body.id}`, admin())).body.items as Json[];
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['deployment.requested', 'deployment.succeeded']));
    const ok = events.find((e) => e.action === 'deployment.succeeded');
    expect(ok.payload).toMatchObject({ environment: 'dev', release: v1.id, sha: v1.sha, status: 'succeeded' });
    expect(ok.payload.commits).toHaveLength(1);

    const logs = await c.call('GET', '/api/environments/dev/components/hello/logs?tail=10', alice);
    expect(logs.body.lines.join('\n')).toContain('hello v1 listening');
  });

  it('a release whose process exits at once is rolled back automatically; the old one keeps serving', async () => {
    await c.push('hello', { 'score.yaml': score('broken') }, 'broken');
    const broken = (await c.call('POST', '/api/releases', alice, { component: 'hello' })).body;
    const d = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'dev', release: broken.id });
    const done = await waitDeployment(d.body.id);
    expect(done.status).toBe('rolled_back');
    expect(done.reason).toContain('cannot start: this release is broken on purpose');
    expect(done.reason).toContain(`rolled back to ${v1.id}`);
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.dev.localhost')).body).version).toBe('v1');
    expect(parseYaml((await envRepoFile('dev/hello/release.yaml'))!).spec.release).toBe(v1.id);
    const events = (await c.call('GET', `/api/events?subject=deployment:${d.body.id}`, admin())).body.items as Json[];
    expect(events.find((e) => e.action === 'deployment.failed')?.payload).toMatchObject({ rolledBack: true, status: 'rolled_back' });
  });

  it('promotes along the order; production needs an approval by someone other than the requester', async () => {
    const tooFar = await c.call('POST', '/api/deployments/promote', alice, { component: 'hello', to: 'production' });
    expect(tooFar.status).toBe(409);
    expect(tooFar.body.detail).toContain('hello is not deployed in staging');
    const toStaging = await c.call('POST', '/api/deployments/promote', alice, { component: 'hello', to: 'staging' });
    expect(toStaging.status).toBe(202);
    expect((await waitDeployment(toStaging.body.id)).status).toBe('succeeded');

    // The delivery pack: production needs a green pipeline on the release's commit, and this release has none.
    const refused = await c.call('POST', '/api/deployments/promote', alice, { component: 'hello', to: 'production' });
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('https://gantry.dev/problems/policy-denied');
    expect(refused.body.detail).toContain(`production-needs-green-pipeline: release ${v1.id} has no pipeline run on its commit`);
    expect(refused.body.decisions.map((d: Json) => d.policy)).toEqual(['production-needs-green-pipeline']);
    // An exemption for this component and policy, asked by its team and approved by an admin, lets it through.
    const asked = await c.call('POST', '/api/exemptions', alice, { subject: 'component:default/hello', policy: 'production-needs-green-pipeline', reason: 'built outside Gantry until the pipeline lands', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(asked.status).toBe(201);
    expect((await c.call('POST', `/api/exemptions/${asked.body.id}/approve`, alice)).status).toBe(403);
    expect((await c.call('POST', `/api/exemptions/${asked.body.id}/approve`, admin())).body.status).toBe('active');
    const toProd = await c.call('POST', '/api/deployments/promote', alice, { component: 'hello', to: 'production' });
    expect(toProd.body).toMatchObject({ status: 'awaiting_approval', requiredApprovals: 1, releaseId: v1.id, action: 'promote' });
    const decided = (await c.call('GET', '/api/policy-decisions?subject=component:default/hello&policy=production-needs-green-pipeline', alice)).body.items as Json[];
    expect(decided.map((d) => d.result)).toEqual(['exempt', 'deny']);
    expect(decided[0]).toMatchObject({ exemption: asked.body.id, environment: 'production', action: 'deployment.promote' });
    const self = await c.call('POST', `/api/deployments/${toProd.body.id}/approve`, alice);
    expect(self.status).toBe(403);
    expect(self.body.detail).toContain('cannot approve it');
    const outsider = await c.call('POST', `/api/deployments/${toProd.body.id}/approve`, bob);
    expect(outsider.status).toBe(403);
    const approved = await c.call('POST', `/api/deployments/${toProd.body.id}/approve`, carol);
    expect(approved.status).toBe(200);
    expect(approved.body.approvals.map((a: Json) => a.by)).toEqual(['user:default/carol']);
    expect((await waitDeployment(toProd.body.id)).status).toBe('succeeded');
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.production.localhost')).body).version).toBe('v1');
  });

  it('rolls back to the release before, in one call; the diff between releases lists commits and workload changes', async () => {
    await c.push('hello', { 'score.yaml': score('v2') }, 'v2: a better greeting');
    const v2 = (await c.call('POST', '/api/releases', alice, { component: 'hello' })).body;
    expect((await waitDeployment((await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'dev', release: v2.id })).body.id)).status).toBe('succeeded');
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.dev.localhost')).body).version).toBe('v2');

    const diff = await c.call('GET', `/api/releases/${v2.id}/diff?from=${v1.id}`, alice);
    expect(diff.body.commits.map((x: Json) => x.subject)).toEqual(['v2: a better greeting', 'broken', 'bad resource']);
    expect(diff.body.workload).toEqual([{ path: 'containers.main.variables.VERSION', from: 'v1', to: 'v2' }]);

    const back = await c.call('POST', '/api/deployments/rollback', alice, { component: 'hello', environment: 'dev' });
    expect(back.body).toMatchObject({ action: 'rollback', releaseId: v1.id, fromReleaseId: v2.id });
    expect((await waitDeployment(back.body.id)).status).toBe('succeeded');
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.dev.localhost')).body).version).toBe('v1');
    const history = await c.call('GET', '/api/deployments?component=hello&environment=dev', alice);
    expect(history.body.items.map((x: Json) => [x.action, x.status])).toEqual([
      ['rollback', 'succeeded'],
      ['deploy', 'succeeded'],
      ['deploy', 'rolled_back'],
      ['deploy', 'succeeded'],
    ]);
  });

  it('the matrix shows component x environment with release, status and who', async () => {
    const m = (await c.call('GET', '/api/environments/matrix', bob)).body;
    expect(m.environments.map((e: Json) => e.name)).toEqual(['dev', 'staging', 'production']);
    const row = m.components.find((x: Json) => x.component === 'hello');
    expect(row.cells.dev).toMatchObject({ desired: { releaseId: v1.id }, latest: { action: 'rollback', status: 'succeeded' }, runtime: { state: 'ready', releaseId: v1.id } });
    expect(row.cells.production.latest).toMatchObject({ status: 'succeeded', approvals: [{ by: 'user:default/carol' }] });
    expect(row.cells.production.runtime.memoryBytes).toBeGreaterThan(0);
  });

  it('a freeze window blocks deploys; only an admin overrides it, and the override is recorded', async () => {
    const now = Date.now();
    const frozen = await c.call('POST', '/api/environments', admin(), {
      name: 'frozen',
      type: 'staging',
      owner: 'team-a',
      order: 50,
      freezeWindows: [{ start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 3_600_000).toISOString(), reason: 'quarter close' }],
    });
    expect(frozen.status).toBe(201);
    expect(frozen.body.environment.frozen.reason).toBe('quarter close');
    const blocked = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'frozen' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.decisions.map((d: Json) => d.policy)).toEqual(['no-deploy-in-freeze']);
    expect(blocked.body.detail).toContain('frozen until');
    expect(blocked.body.detail).toContain('quarter close');
    const notAdmin = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'frozen', overrideFreeze: 'hotfix' });
    expect(notAdmin.status).toBe(403);
    const over = await c.call('POST', '/api/deployments', admin(), { component: 'hello', environment: 'frozen', release: v1.id, overrideFreeze: 'INC-42 hotfix' });
    expect(over.status).toBe(202);
    expect(over.body.freezeOverride).toBe('INC-42 hotfix (by user:default/admin)');
    expect((await waitDeployment(over.body.id)).status).toBe('succeeded');
    const del = await c.call('DELETE', '/api/environments/frozen', admin());
    expect(del.body).toBeNull();
    expect(del.status).toBe(204);
  });

  it('a workload that died comes back to the desired release: restarted by its supervisor, or reconciled as drift', async () => {
    const before = await c.call('GET', '/api/environments/staging/drift', alice);
    expect(before.body.items).toEqual([]);
    const cellOf = async () => (await c.call('GET', '/api/environments/matrix', alice)).body.components.find((x: Json) => x.component === 'hello').cells.staging;
    const pid = (await cellOf()).runtime.pid as number;
    process.kill(-pid, 'SIGKILL');
    // The supervisor restarts a crashed process after a short backoff; until then it is drift.
    const seen = await c.waitFor('the death to be noticed', async () => {
      const d = (await c.call('GET', '/api/environments/staging/drift', alice)).body;
      if (d.items.length > 0) return { drift: d };
      const cell = await cellOf();
      return cell.runtime.restarts > 0 ? { restarted: cell } : undefined;
    });
    if (seen.drift) {
      expect(seen.drift.items[0]).toMatchObject({ component: 'hello', desired: v1.id });
      await c.call('POST', '/api/environments/staging/reconcile', admin());
    }
    await c.waitFor('staging to serve again', async () => ((await viaRouter(platform.routerPort!, 'hello.staging.localhost').catch(() => ({ status: 0 }))).status === 200 ? true : undefined));
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.staging.localhost')).body).version).toBe('v1');
    await c.waitFor('no drift', async () => ((await c.call('GET', '/api/environments/staging/drift', alice)).body.items.length === 0 ? true : undefined));
    expect((await cellOf()).runtime).toMatchObject({ state: 'ready', releaseId: v1.id });
  });

  it('GitOps: an admin changing the desired state with a git push is reconciled to it', async () => {
    const releases = (await c.call('GET', '/api/releases?component=hello', alice)).body.items as Json[];
    const v2 = releases.find((r) => r.workload.containers.main.variables.VERSION === 'v2');
    const file = parseYaml((await envRepoFile('staging/hello/release.yaml'))!);
    expect(file.spec.release).toBe(v1.id);
    file.spec.release = v2.id;
    await c.push('environments', { 'staging/hello/release.yaml': (await import('yaml')).stringify(file) }, 'Move staging to v2 by hand');
    const drift = (await c.call('GET', '/api/environments/staging/drift', alice)).body;
    expect(drift.items).toEqual([expect.objectContaining({ component: 'hello', desired: v2.id, actual: v1.id })]);
    await c.call('POST', '/api/environments/staging/reconcile', admin());
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.staging.localhost')).body).version).toBe('v2');
    expect((await c.call('GET', '/api/environments/staging/drift', alice)).body.items).toEqual([]);
  });

  it('a green pipeline run on the default branch makes a release from its bundle and deploys it to the first environment', async () => {
    const entity = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: auto-svc
  annotations: { gantry.dev/repo: auto }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;
    expect((await c.call('POST', '/api/catalog/entities', admin(), { yaml: entity, file: 'auto.yaml' })).status).toBe(200);
    expect((await c.call('POST', '/api/repos', admin(), { name: 'auto', owner: 'team-a' })).status).toBe(201);
    const pipeline = `name: auto
on: { push: { branches: [main] } }
jobs:
  build:
    steps:
      - run: tar -czf release.tar.gz server.mjs
    artifacts: { paths: [release.tar.gz] }
`;
    const sha = await c.push('auto', { 'server.mjs': SERVER, 'score.yaml': score('auto').replace('name: hello', 'name: auto-svc'), '.gantry/pipeline.yaml': pipeline }, 'first');
    const deployment = await c.waitFor('the auto-deploy', async () => {
      const items = (await c.call('GET', '/api/deployments?component=auto-svc', alice)).body.items as Json[];
      return items.find((x) => ['succeeded', 'failed', 'rolled_back'].includes(x.status));
    });
    expect(deployment).toMatchObject({ environment: 'dev', action: 'auto', status: 'succeeded', release: { sha } });
    const release = (await c.call('GET', `/api/releases/${deployment.releaseId}`, alice)).body;
    expect(release.artifactSource).toMatch(/^pipeline:/);
    expect(release.pipelineRunId).toBe(release.artifactSource.slice('pipeline:'.length));
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'auto-svc.dev.localhost')).body).version).toBe('auto');
  });

  it('previews: one per branch with a TTL, torn down when the branch is deleted', async () => {
    await c.push('hello', { 'score.yaml': score('preview') }, 'try something', 'feature/try');
    const created = await c.call('POST', '/api/environments', alice, { name: 'pr-try', type: 'preview', owner: 'team-a', component: 'hello', branch: 'feature/try', ttl: '2h' });
    expect(created.status).toBe(201);
    expect(created.body.environment).toMatchObject({ type: 'preview', branch: 'feature/try', component: 'hello', ttl: '2h' });
    expect(Date.parse(created.body.environment.expiresAt) - Date.now()).toBeGreaterThan(3_500_000);
    expect((await waitDeployment(created.body.deployment.id)).status).toBe('succeeded');
    expect(JSON.parse((await viaRouter(platform.routerPort!, 'hello.pr-try.localhost')).body).version).toBe('preview');

    await c.deleteBranch('hello', 'feature/try');
    await c.waitFor('the preview to go', async () => ((await c.call('GET', '/api/environments/pr-try', alice)).status === 404 ? true : undefined));
    expect((await viaRouter(platform.routerPort!, 'hello.pr-try.localhost')).status).toBe(404);
    expect(await envRepoFile('pr-try/hello/release.yaml')).toBeNull();
    expect(await envRepoFile('environments/pr-try.yaml')).toBeNull();
  });

  it('a preview past its TTL is torn down completely', async () => {
    await c.push('hello', { 'score.yaml': score('short') }, 'short-lived', 'feature/short');
    const created = await c.call('POST', '/api/environments', alice, { name: 'pr-short', type: 'preview', owner: 'team-a', component: 'hello', branch: 'feature/short', ttl: '30m' });
    expect((await waitDeployment(created.body.deployment.id)).status).toBe('succeeded');
    expect(await platform.environments.expirePreviews(new Date(Date.now() + 10 * 60_000))).toEqual([]);
    expect(await platform.environments.expirePreviews(new Date(Date.now() + 31 * 60_000))).toEqual(['pr-short']);
    expect((await c.call('GET', '/api/environments/pr-short', alice)).status).toBe(404);
    expect((await viaRouter(platform.routerPort!, 'hello.pr-short.localhost')).status).toBe(404);
    expect(await envRepoFile('pr-short/hello/release.yaml')).toBeNull();
    const events = (await c.call('GET', '/api/events?subject=environment:pr-short', admin())).body.items as Json[];
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['environment.created', 'environment.deleted']));
  });

  it('a release whose artifact went missing is refused before anything changes', async () => {
    const r = (await c.call('POST', '/api/releases', alice, { component: 'hello', branch: 'main' })).body;
    await rm(join(dir, 'ws', 'releases', `${r.id}.tar.gz`));
    const before = (await run('git', ['--git-dir', join(dir, 'ws', 'repos', 'environments.git'), 'rev-parse', 'main'])).stdout;
    const d = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'dev', release: r.id });
    expect(d.status).toBe(409);
    expect(d.body.detail).toBe(`the artifact of release ${r.id} is missing (releases/${r.id}.tar.gz); create a new release`);
    expect((await run('git', ['--git-dir', join(dir, 'ws', 'repos', 'environments.git'), 'rev-parse', 'main'])).stdout).toBe(before);
  });

  it('a kubernetes environment gets validated manifests committed in a layout Argo CD and Flux sync', async () => {
    expect((await c.call('POST', '/api/environments', admin(), { name: 'k8s-prod', type: 'production', owner: 'team-a', driver: 'kubernetes', order: 90 })).status).toBe(201);
    const d = await c.call('POST', '/api/deployments', admin(), { component: 'hello', environment: 'k8s-prod', release: v1.id });
    // requiredApprovals is 0, but the delivery pack wants one approval by someone else for any production deploy.
    expect(d.body).toMatchObject({ status: 'awaiting_approval' });
    expect(d.body.reason).toContain('production-needs-approval: a production deploy needs 1 approval(s) by someone other than user:default/admin');
    expect((await c.call('POST', `/api/deployments/${d.body.id}/approve`, alice)).body.status).toBe('queued');
    const done = await waitDeployment(d.body.id);
    expect(done.reason).toBe('committed to the environment repository; Argo CD or Flux applies it');
    expect(done.status).toBe('succeeded');
    const kustomization = parseYaml((await envRepoFile('k8s-prod/kustomization.yaml'))!);
    expect(kustomization.resources).toEqual(expect.arrayContaining(['namespace.yaml', 'hello']));
    const deployment = parseYaml((await envRepoFile('k8s-prod/hello/deployment.yaml'))!);
    expect(deployment).toMatchObject({ kind: 'Deployment', metadata: { name: 'hello' } });
    expect(deployment.spec.template.spec.containers[0].command).toEqual(['node', 'server.mjs']);
  });

  it('kubernetes manifests are checked by policy before anything is committed', async () => {
    const policy = `apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: strict-needs-two-replicas }
spec:
  mode: enforce
  match: { actions: [kubernetes.manifests], environments: [k8s-strict] }
  validations:
    - expression: "object.objects.filter(o, o.kind == 'Deployment').all(d, has(d.spec.replicas) && int(d.spec.replicas) >= 2)"
      message: every Deployment in k8s-strict runs at least 2 replicas
`;
    expect((await c.call('POST', '/api/catalog/entities', admin(), { yaml: policy })).body.problems).toEqual([]);
    try {
      expect((await c.call('POST', '/api/environments', admin(), { name: 'k8s-strict', type: 'staging', owner: 'team-a', driver: 'kubernetes', order: 95 })).status).toBe(201);
      const refused = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'k8s-strict', release: v1.id });
      expect(refused.status).toBe(403);
      expect(refused.body.decisions).toEqual([expect.objectContaining({ policy: 'strict-needs-two-replicas', messages: ['every Deployment in k8s-strict runs at least 2 replicas'] })]);
      expect(await envRepoFile('k8s-strict/hello/deployment.yaml')).toBeNull();
      expect((await c.call('GET', '/api/deployments?environment=k8s-strict', alice)).body.items).toEqual([]);
      const decided = (await c.call('GET', '/api/policy-decisions?policy=strict-needs-two-replicas', alice)).body.items as Json[];
      expect(decided[0]).toMatchObject({ action: 'kubernetes.manifests', result: 'deny', environment: 'k8s-strict', subject: 'component:default/hello' });
    } finally {
      await c.call('DELETE', '/api/catalog/entities/by-ref/policy/default/strict-needs-two-replicas', admin());
      await c.call('DELETE', '/api/environments/k8s-strict', admin());
    }
  });

  // Against a stand-in for the Kubernetes API (test/environments/fixtures/kubeApi.ts), not a cluster: none runs here.
  it('with a kubeconfig, applies the manifests (server-side apply) and waits for the rollout', async () => {
    const api = await startKubeApi();
    try {
      await mkdir(join(dir, 'ws', 'kubeconfigs'), { recursive: true });
      await writeFile(join(dir, 'ws', 'kubeconfigs', 'stand-in.yaml'), api.kubeconfig());
      const bad = await c.call('POST', '/api/environments', admin(), { name: 'k8s-bad', type: 'staging', owner: 'team-a', driver: 'kubernetes', settings: { kubeconfig: '../../etc/passwd' } });
      expect(bad.status).toBe(422);
      const env = await c.call('POST', '/api/environments', admin(), { name: 'k8s-live', type: 'staging', owner: 'team-a', driver: 'kubernetes', order: 91, settings: { kubeconfig: 'stand-in.yaml', context: 'stand-in' } });
      expect(env.status).toBe(201);
      const d = await c.call('POST', '/api/deployments', admin(), { component: 'hello', environment: 'k8s-live', release: v1.id });
      const applied = await c.waitFor('the Deployment to be applied', async () => api.get('Deployment', 'k8s-live', 'hello'));
      expect(api.requests.find((r) => r.method === 'PATCH')).toMatchObject({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'gantry', force: 'true' }, authorized: true });
      const generation = (applied.metadata as Json).generation as number;
      api.setStatus('k8s-live', 'hello', { observedGeneration: generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });
      const done = await waitDeployment(d.body.id);
      expect(done).toMatchObject({ status: 'succeeded', reason: 'applied and rolled out' });
      expect(api.get('Namespace', undefined, 'k8s-live')).toBeDefined();
    } finally {
      await api.close();
    }
  });
  it('a production deployment rolled back automatically opens an incident, resolved as the old release serves; the delivery metrics count it', async () => {
    const before = (await c.call('GET', '/api/metrics/dora?component=hello', bob)).body;
    await c.push('hello', { 'score.yaml': score('broken') }, 'broken in production');
    const broken = (await c.call('POST', '/api/releases', alice, { component: 'hello' })).body;
    const d = await c.call('POST', '/api/deployments', alice, { component: 'hello', environment: 'production', release: broken.id });
    expect(d.body.status).toBe('awaiting_approval');
    expect((await c.call('POST', `/api/deployments/${d.body.id}/approve`, carol)).status).toBe(200);
    const done = await waitDeployment(d.body.id);
    expect(done.status).toBe('rolled_back');
    // The platform opened the incident itself: caused by this deployment, restored when the rollback finished.
    const incident = await c.waitFor('the automatic incident', async () => {
      const items = (await c.call('GET', '/api/incidents?component=hello', bob)).body.items as Json[];
      return items.find((i) => i.id === `gantry:rollback:${d.body.id}`);
    });
    expect(incident).toMatchObject({ source: 'gantry', status: 'resolved', severity: 'sev3', components: ['component:default/hello'], causeDeployment: `gantry:${d.body.id}`, resolvedAt: done.finishedAt, detectedAt: done.finishedAt });
    // One more production deployment, failed; none more that succeeded, no more changes in production.
    const dora = (await c.call('GET', '/api/metrics/dora?component=hello', bob)).body;
    expect(before.deploymentFrequency.deployments).toBeGreaterThan(0);
    expect(dora.deploymentFrequency.deployments).toBe(before.deploymentFrequency.deployments);
    expect(dora.changeFailureRate).toMatchObject({ deployments: before.changeFailureRate.deployments + 1, failed: before.changeFailureRate.failed + 1 });
    expect(dora.leadTime.changes).toBe(before.leadTime.changes);
    const failed = (await c.call('GET', '/api/metrics/deployments?component=hello&failed=true', bob)).body.items as Json[];
    expect(failed.map((x) => [x.id, x.status, x.incidents])).toEqual([[`gantry:${d.body.id}`, 'rolled_back', [`gantry:rollback:${d.body.id}`]]]);
  });
});

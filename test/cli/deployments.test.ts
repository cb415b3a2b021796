/**
 * `gantry env`, `release`, `deploy`, `promote`, `approve`, `rollback`, `deployments` and `logs` as a user runs
 * them: the real binary against a real platform, with a real workload behind the router.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startPlatform, type Platform } from '../../src/platform.js';
import { ORG, platformClient, type Json } from '../helpers/platform.js';
import { gantry, type RunOptions } from './runCli.js';

const SERVER = `import { createServer } from 'node:http';
if (process.env.VERSION === 'broken') { console.error('broken on purpose'); process.exit(1); }
createServer((req, res) => res.end(req.url === '/readyz' ? 'ok' : 'version ' + process.env.VERSION)).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('up ' + process.env.VERSION));
`;
const score = (version: string) => `apiVersion: score.dev/v1b1
metadata: { name: shop }
containers:
  main:
    image: .
    command: [node, server.mjs]
    variables: { VERSION: "${version}" }
    resources: { limits: { cpu: 250m, memory: 128Mi } }
service:
  ports: { http: { port: 80, targetPort: 8080 } }
`;
const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

const run = promisify(execFile);
let platform: Platform;
let dir: string;
let admin: RunOptions;
let carol: RunOptions;
const c = platformClient(
  () => platform,
  () => dir,
);
const json = <T = Json>(s: string): T => JSON.parse(s) as T;
const envFile = async (path: string) => (await run('git', ['--git-dir', join(dir, 'ws', 'repos', 'environments.git'), 'show', `main:${path}`])).stdout;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-deploy-'));
  platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, schedulerIntervalMs: 60_000 });
  admin = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: platform.adminToken }, cwd: dir };
  expect((await c.call('POST', '/api/catalog/entities', platform.adminToken, { yaml: ORG, file: 'org.yaml' })).status).toBe(200);
  carol = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: await c.tokenFor('carol') }, cwd: dir };
  expect((await c.call('POST', '/api/repos', platform.adminToken, { name: 'shop', owner: 'team-a' })).status).toBe(201);
  await c.push('shop', { 'server.mjs': SERVER, 'score.yaml': score('1'), 'catalog-info.yaml': CATALOG_INFO }, 'v1');
  expect((await c.call('POST', '/api/catalog/locations', platform.adminToken, { target: `${join(dir, 'ws', 'repos', 'shop.git')}#main:catalog-info.yaml`, type: 'git' })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('help and usage', () => {
  it.each(['env', 'env list', 'env create', 'env delete', 'env drift', 'deploy', 'promote', 'rollback', 'approve', 'logs', 'release list', 'release create', 'deployments'])('gantry %s --help exits 0', async (cmd) => {
    const r = await gantry([...cmd.split(' '), '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Usage: gantry');
  });

  it('a missing --env or a bad number is a usage error (exit 2)', async () => {
    expect((await gantry(['deploy', 'shop'], admin)).exitCode).toBe(2);
    const r = await gantry(['env', 'create', 'x', '--type', 'development', '--owner', 'team-a', '--order', 'first'], admin);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--order: expected a whole number');
    expect((await gantry(['env', 'delete', 'dev'], admin)).exitCode).toBe(2);
  });
});

describe('the deployment flow', () => {
  it('creates environments, a release, deploys and shows where it runs', async () => {
    expect((await gantry(['env', 'create', 'dev', '--type', 'development', '--owner', 'team-a', '--order', '1'], admin)).stdout).toContain('Created environment dev (development, local).');
    expect((await gantry(['env', 'create', 'prod', '--type', 'production', '--owner', 'team-a', '--order', '2', '--approvals', '1'], admin)).exitCode).toBe(0);

    const rel = await gantry(['release', 'create', 'shop', '--json'], admin);
    expect(rel.exitCode).toBe(0);
    const release = json(rel.stdout);
    expect(release.artifactDigest).toMatch(/^sha256:/);
    const list = await gantry(['release', 'list', '--component', 'shop'], admin);
    expect(list.stdout).toMatch(new RegExp(`^${release.id}\\s+shop\\s+${release.sha.slice(0, 12)}\\s+main\\s+sha256:`, 'm'));

    const d = await gantry(['deploy', 'shop', '--env', 'dev'], admin);
    expect(d.exitCode).toBe(0);
    expect(d.stderr).toMatch(/: queued$/m);
    expect(d.stdout).toContain(`Deployed shop ${release.sha.slice(0, 7)} (${release.id}) to dev`);
    expect(d.stdout).toContain(`http://shop.dev.localhost:${platform.routerPort}`);

    const envs = await gantry(['env', 'list'], admin);
    expect(envs.stdout).toMatch(/^NAME\s+TYPE\s+DRIVER\s+OWNER\s+APPROVALS\s+FROZEN\s+EXPIRES\s+COMPONENTS$/m);
    expect(envs.stdout).toMatch(/^dev\s+development\s+local\s+team-a\s+0\s+-\s+-\s+1$/m);
    expect(envs.stdout).toMatch(new RegExp(`^shop\\s+${release.sha.slice(0, 7)} ready\\s+-$`, 'm'));
    const m = json((await gantry(['env', 'list', '--json'], admin)).stdout);
    expect(m.components[0].cells.dev.runtime.state).toBe('ready');

    const logs = await gantry(['logs', 'shop', '--env', 'dev', '--tail', '5'], admin);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toContain('up 1');
  });

  it('promotion to an environment with approvals waits for someone else, then deploys', async () => {
    // The release was not built by a Gantry pipeline: the delivery pack refuses production, naming the policy.
    const refused = await gantry(['promote', 'shop', '--to', 'prod'], admin);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('production-needs-green-pipeline: release');
    // The team asks for an exemption; an admin (not the requester) approves it.
    const asked = await gantry(['exemption', 'request', '--subject', 'component:default/shop', '--policy', 'production-needs-green-pipeline', '--reason', 'built by the vendor pipeline until we migrate', '--expires', '7d', '--json'], carol);
    expect(asked.exitCode).toBe(0);
    const exemption = json(asked.stdout);
    expect(exemption.status).toBe('requested');
    const ownRequest = await gantry(['exemption', 'approve', exemption.id], carol);
    expect(ownRequest.exitCode).toBe(1);
    const approved = await gantry(['exemption', 'approve', exemption.id], admin);
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout).toContain(`Exemption ${exemption.id} is active.`);
    expect((await gantry(['exemption', 'list', '--status', 'active'], admin)).stdout).toMatch(new RegExp(`^${exemption.id}\\s+active\\s+production-needs-green-pipeline\\s+component:default/shop`, 'm'));
    expect((await gantry(['exemption', 'list', '--status', 'bogus'], admin)).exitCode).toBe(2);

    const p = await gantry(['promote', 'shop', '--to', 'prod', '--json'], admin);
    expect(p.exitCode).toBe(0);
    const pending = json(p.stdout);
    expect(pending.status).toBe('awaiting_approval');
    const self = await gantry(['approve', pending.id], admin);
    expect(self.exitCode).toBe(1);
    expect(self.stderr).toContain('cannot approve it');
    const ok = await gantry(['approve', pending.id], carol);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('Deployed shop');
    expect(ok.stdout).toContain('to prod');

    // What the policies said, from the CLI: the refusal, then the exemption that waived it.
    const decisions = await gantry(['policy', 'decisions', '--subject', 'component:default/shop', '--policy', 'production-needs-green-pipeline'], admin);
    expect(decisions.stdout).toMatch(/\bexempt\s+production-needs-green-pipeline\s+deployment\.promote\s+component:default\/shop\s+prod\b/);
    expect(decisions.stdout).toMatch(/\bdeny\s+production-needs-green-pipeline\s+deployment\.promote\s+component:default\/shop\s+prod\b/);
    const report = json((await gantry(['compliance', '--component', 'shop', '--json'], admin)).stdout);
    const row = report.rows.find((r: { policy: string; environment: string | null }) => r.policy === 'production-needs-green-pipeline' && r.environment === 'prod');
    expect(row).toMatchObject({ status: 'exempt', evidence: { exemption: exemption.id } });
    const csv = await gantry(['compliance', '--component', 'shop', '--format', 'csv'], admin);
    expect(csv.stdout.split('\r\n')[0]).toBe('component,owner,policy,pack,mode,action,environment,status,messages,decided_at,evidence');
    expect(csv.stdout).toContain('component:default/shop,group:default/team-a,production-needs-green-pipeline,delivery,enforce,deployment.promote,prod,exempt');
  });

  it('a release that cannot start exits 1 with the reason; rollback and history', async () => {
    await c.push('shop', { 'score.yaml': score('broken') }, 'broken');
    const broken = json((await gantry(['release', 'create', 'shop', '--json'], admin)).stdout);
    const d = await gantry(['deploy', 'shop', '--env', 'dev', '--release', broken.id], admin);
    expect(d.exitCode).toBe(1);
    expect(d.stdout).toContain('rolled back');
    expect(d.stdout).toContain('broken on purpose');

    await c.push('shop', { 'score.yaml': score('2') }, 'v2');
    expect((await gantry(['release', 'create', 'shop'], admin)).exitCode).toBe(0);
    expect((await gantry(['deploy', 'shop', '--env', 'dev'], admin)).exitCode).toBe(0);
    const back = await gantry(['rollback', 'shop', '--env', 'dev'], admin);
    expect(back.exitCode).toBe(0);
    expect(back.stdout).toContain('Deployed shop');

    const h = await gantry(['deployments', '--component', 'shop', '--env', 'dev'], admin);
    expect(h.stdout).toMatch(/^ID\s+COMPONENT\s+ENV\s+RELEASE\s+SHA\s+ACTION\s+STATUS\s+BY\s+WHEN$/m);
    const rows = h.stdout.split('\n').slice(1).filter(Boolean);
    expect(rows.map((r) => r.split(/\s{2,}/)[5])).toEqual(['rollback', 'deploy', 'deploy', 'deploy']);
    expect(rows.map((r) => r.split(/\s{2,}/)[6])).toEqual(['succeeded', 'succeeded', 'rolled back', 'succeeded']);
    expect(json((await gantry(['deployments', '--status', 'rolled_back', '--json'], admin)).stdout).items).toHaveLength(1);
  });

  it('drift: a hand-changed desired state is reported (exit 1) and reconciled', async () => {
    expect((await gantry(['env', 'drift', 'dev'], admin)).stdout).toContain('dev: no drift');
    const releases = json((await gantry(['release', 'list', '--component', 'shop', '--json'], admin)).stdout).items as Json[];
    const v2 = releases.find((r) => r.workload.containers.main.variables.VERSION === '2');
    const file = parseYaml(await envFile('dev/shop/release.yaml'));
    file.spec.release = v2.id;
    await c.push('environments', { 'dev/shop/release.yaml': stringifyYaml(file) }, 'dev runs v2');
    const drift = await gantry(['env', 'drift', 'dev'], admin);
    expect(drift.exitCode).toBe(1);
    expect(drift.stdout).toMatch(/^COMPONENT\s+DESIRED\s+RUNNING\s+STATE\s+PROBLEM$/m);
    expect(drift.stdout).toMatch(new RegExp(`^shop\\s+${v2.id}\\s+r-`, 'm'));
    const fixed = await gantry(['env', 'drift', 'dev', '--reconcile'], admin);
    expect(fixed.exitCode).toBe(0);
    expect(fixed.stdout).toContain('Reconciled 1 component(s) of dev.');
    expect((await gantry(['env', 'drift', 'dev'], admin)).exitCode).toBe(0);
  });

  it('deletes an environment; an unknown one is an error naming it', async () => {
    expect((await gantry(['env', 'delete', 'dev', '--yes'], admin)).stdout).toContain('Deleted environment dev.');
    const r = await gantry(['deploy', 'shop', '--env', 'dev'], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no environment named "dev"');
  });
});

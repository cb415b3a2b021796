/**
 * `gantry events import`, `metrics dora|teams|platform|deployments|changes|webhooks`, `incident …` and `survey`
 * as a user runs them: the real binary against a real platform.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { ORG, platformClient, type Json } from '../helpers/platform.js';
import { gantry, type RunOptions } from './runCli.js';

const HOUR = 3_600_000;
const BASE = Math.floor((Date.now() - 5 * 24 * HOUR) / HOUR) * HOUR;
const at = (ms: number) => new Date(BASE + ms).toISOString();

const COMPONENTS = `
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop }
spec: { type: service, lifecycle: production, owner: team-a }
`;

let platform: Platform;
let dir: string;
let admin: RunOptions;
let alice: RunOptions;
let bob: RunOptions;
const c = platformClient(
  () => platform,
  () => dir,
);
const json = <T = Json>(s: string): T => JSON.parse(s) as T;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-metrics-'));
  platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, deployments: false, schedulerIntervalMs: 60_000 });
  admin = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: platform.adminToken }, cwd: dir };
  expect((await c.call('POST', '/api/catalog/entities', platform.adminToken, { yaml: ORG + '---' + COMPONENTS })).body.problems).toEqual([]);
  alice = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: await c.tokenFor('alice') }, cwd: dir };
  bob = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: await c.tokenFor('bob') }, cwd: dir };
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('help and usage', () => {
  // One child process each: a sample of the new commands (every command's help is built by the same commander setup).
  it.each(['metrics dora', 'events import'])(
    'gantry %s --help exits 0',
    async (cmd) => {
      const r = await gantry([...cmd.split(' '), '--help']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('Usage: gantry');
    },
  );

  it('a bad window, severity or score is a usage error (exit 2)', async () => {
    const w = await gantry(['metrics', 'dora', '--window', 'a fortnight'], alice);
    expect(w.exitCode).toBe(2);
    expect(w.stderr).toContain('expected a number of days such as 90d or 12w');
    expect((await gantry(['incident', 'open', 'x', '--component', 'shop', '--severity', 'major'], alice)).exitCode).toBe(2);
  });
});

describe('import, metrics and incidents', () => {
  it('events import refuses a file with problems at file:line:column and imports nothing; then imports a CSV', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, `type,id,component,environment,status,finishedAt\ndeployment,p1,shop,production,success,${at(0)}\ndeployment,p2,shop,production,exploded,${at(HOUR)}\n`);
    const r = await gantry(['events', 'import', bad], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv:3:\d+/);
    expect(r.stderr).toContain('status');
    expect(r.stderr).toContain('1 problem; nothing was imported');
    const none = json((await gantry(['metrics', 'deployments', '--json'], admin)).stdout);
    expect(none.items).toEqual([]);

    const good = join(dir, 'history.csv');
    await writeFile(
      good,
      [
        'type,id,component,environment,status,sha,committedAt,finishedAt,rollback',
        `change,c1,shop,,,${'1'.repeat(40)},${at(-2 * HOUR)},,`,
        `deployment,p1,shop,production,success,${'1'.repeat(40)},,${at(0)},false`,
        `deployment,p2,shop,production,failure,${'2'.repeat(40)},,${at(HOUR)},false`,
        `deployment,p3,shop,production,success,${'3'.repeat(40)},,${at(2 * HOUR)},false`,
        '',
      ].join('\n'),
    );
    const member = await gantry(['events', 'import', good], alice);
    expect(member.exitCode).toBe(1);
    expect(member.stderr).toContain('not allowed');
    const ok = await gantry(['events', 'import', good, '--json'], admin);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(json(ok.stdout)).toMatchObject({ records: 4, deployments: 3, changes: 1 });
  });

  it('metrics dora prints the four keys; --json gives the API answer', async () => {
    const text = await gantry(['metrics', 'dora', '--team', 'team-a'], bob);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('DORA for group:default/team-a');
    // p1 and p3 succeeded; p2 failed (1 of 3); c1 reached production with p1 two hours after it was committed.
    expect(text.stdout).toMatch(/deployment frequency\s+2 \(/);
    expect(text.stdout).toMatch(/lead time for changes\s+median 2h, p90 2h \(1 changes\)/);
    expect(text.stdout).toMatch(/change failure rate\s+33\.3% \(1 of 3\)/);
    // p2 failed; p3, an hour later, was the next good deployment.
    expect(text.stdout).toMatch(/failed deployment recovery\s+median 1h, p90 1h \(1 of 1 recovered\)/);
    const r = json((await gantry(['metrics', 'dora', '--component', 'shop', '--window', '30d', '--json'], bob)).stdout);
    expect(r).toMatchObject({ scope: { kind: 'component', component: 'component:default/shop' }, window: { days: 30 }, changeFailureRate: { deployments: 3, failed: 1 } });
    const failed = await gantry(['metrics', 'deployments', '--failed'], bob);
    expect(failed.stdout).toContain('import:p2');
    expect(failed.stdout).toContain('the deployment failed');
    expect(failed.stdout).not.toContain('import:p1');
    const changes = await gantry(['metrics', 'changes'], bob);
    expect(changes.stdout).toMatch(/shop\s+1111111\s.*2h\s+import:p1/);
  });

  it('incident open, ack, resolve and list; the other team may not resolve it', async () => {
    const opened = await gantry(['incident', 'open', 'Checkout returns 500s', '--component', 'shop', '--severity', 'sev2', '--started', '30m ago', '--json'], alice);
    expect(opened.exitCode, opened.stderr).toBe(0);
    const id = json(opened.stdout).id as string;
    const denied = await gantry(['incident', 'resolve', id], bob);
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toContain('not allowed');
    expect((await gantry(['incident', 'ack', id], alice)).stdout).toContain(`Incident ${id} acknowledged`);
    const resolved = await gantry(['incident', 'resolve', id, '--cause', 'import:p3', '--summary', 'bad config'], alice);
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(/Resolved incident inc-[0-9a-f]+: restored after 3\dm\./);
    const listed = await gantry(['incident', 'list', '--status', 'resolved'], bob);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+sev2\\s+resolved`));
  });

  it('survey and metrics platform', async () => {
    const s = await gantry(['survey', '--score', '4', '--comment', 'templates are great', '--anonymous'], alice);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(s.stdout).toContain('Recorded anonymously for group:default/team-a');
    const p = await gantry(['metrics', 'platform'], bob);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stdout).toContain('4.00 / 5 from 1 answer');
    expect(p.stdout).toMatch(/incidents:\s+1 \(0 open; sev1 0, sev2 1/);
  });

  it('metrics webhooks --replay is for admins', async () => {
    const r = await gantry(['metrics', 'webhooks', '--replay'], alice);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('only an admin may replay stored webhook deliveries');
  });
});

import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { DATABASES, dropSchema } from '../helpers/databases.js';
import { ORG, platformClient, type Json } from '../helpers/platform.js';

/**
 * Delivery metrics end to end on both databases: history imported for one team, GitHub webhooks (signed) for the
 * other, incidents through the API, the survey, and the reports computed from all of it. Every expected number is
 * worked out by hand in the comments.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Ten days ago, on the hour: everything below happens within the default 90-day window.
const BASE = Math.floor((Date.now() - 10 * DAY) / HOUR) * HOUR;
const at = (ms: number) => new Date(BASE + ms).toISOString();
const sha = (c: string) => c.repeat(40);

const COMPONENTS = `
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: orders }
spec: { type: service, lifecycle: production, owner: team-a }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations: { github.com/project-slug: acme/ledger }
spec: { type: service, lifecycle: production, owner: team-b }
`;

/**
 * orders (team-a), imported: c1 and c2 reach production with d1 (lead times 2h and 1h: d1 deploys c2's commit,
 * so both changes committed up to it go with it); c3 with d2 (30m); d3 rolls d2 back 20 minutes later (d2 failed,
 * recovered in 20m). d0 is staging and counts nowhere.
 */
const HISTORY = [
  { type: 'change', id: 'c1', component: 'orders', sha: sha('a'), committedAt: at(-2 * HOUR) },
  { type: 'change', id: 'c2', component: 'orders', sha: sha('b'), committedAt: at(-1 * HOUR) },
  { type: 'deployment', id: 'd0', component: 'orders', environment: 'staging', sha: sha('b'), finishedAt: at(-30 * 60_000) },
  { type: 'deployment', id: 'd1', component: 'orders', environment: 'production', sha: sha('b'), finishedAt: at(0) },
  { type: 'change', id: 'c3', component: 'orders', sha: sha('c'), committedAt: at(DAY - 30 * 60_000) },
  { type: 'deployment', id: 'd2', component: 'orders', environment: 'production', sha: sha('c'), finishedAt: at(DAY) },
  { type: 'deployment', id: 'd3', component: 'orders', environment: 'production', sha: sha('b'), rollback: true, startedAt: at(DAY + 15 * 60_000), finishedAt: at(DAY + 20 * 60_000) },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

const git = promisify(execFile);
const REPO = { full_name: 'acme/ledger', name: 'ledger', default_branch: 'main', html_url: 'https://github.com/acme/ledger' };

/**
 * ledger (team-b), from GitHub: l1 pushed 3h before it is deployed (lead time 3h); issue #7 says it caused an
 * incident of 2h. The push's repository is a real one (a bare repo standing in for GitHub's clone URL): the same
 * webhook also starts the repository's pipeline, and this one has no pipeline file.
 */
const deliveries = (L1: string, cloneUrl: string): Array<{ id: string; event: string; payload: unknown }> => [
  {
    id: 'delivery-push',
    event: 'push',
    payload: { ref: 'refs/heads/main', before: sha('0'), after: L1, repository: { ...REPO, clone_url: cloneUrl }, pusher: { name: 'octocat' }, commits: [{ id: L1, timestamp: at(2 * DAY - 3 * HOUR), message: 'Round totals' }] },
  },
  {
    id: 'delivery-deployment-status',
    event: 'deployment_status',
    payload: {
      action: 'created',
      deployment_status: { id: 1, state: 'success', environment: 'production', created_at: at(2 * DAY), updated_at: at(2 * DAY) },
      deployment: { id: 42, sha: L1, ref: 'main', task: 'deploy', environment: 'production', description: null, created_at: at(2 * DAY - 10 * 60_000), payload: {} },
      repository: REPO,
    },
  },
  {
    id: 'delivery-issue',
    event: 'issues',
    payload: {
      action: 'closed',
      issue: {
        number: 7,
        title: 'Ledger totals are wrong',
        state: 'closed',
        body: `Totals are off by a cent.\n\nroot cause: ${L1.slice(0, 7)}`,
        labels: [{ name: 'incident' }, { name: 'sev2' }],
        created_at: at(2 * DAY + HOUR),
        closed_at: at(2 * DAY + 3 * HOUR),
        html_url: 'https://github.com/acme/ledger/issues/7',
      },
      repository: REPO,
    },
  },
];

const SECRET = 'metrics-webhook-secret';

describe.each(DATABASES)('delivery metrics ($name)', (database) => {
  let platform: Platform;
  let dir: string;
  let schema: string | undefined;
  const c = platformClient(
    () => platform,
    () => dir,
  );
  let admin: string;
  let alice: string;
  let bob: string;
  let DELIVERIES: ReturnType<typeof deliveries>;

  async function deliver(d: { id: string; event: string; payload: unknown }, secret = SECRET) {
    const body = JSON.stringify(d.payload);
    const res = await fetch(`${platform.url}/api/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': d.event, 'x-github-delivery': d.id, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
      body,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }
  /** The report without what changes from one call to the next (the window ends now). */
  const numbers = (r: Json) => ({ ...r, window: undefined, trend: (r.trend as Json[]).map((w) => ({ ...w })).filter((w) => w.deploymentFrequency.deployments > 0) });

  beforeAll(async () => {
    process.env.GANTRY_GITHUB_WEBHOOK_SECRET = SECRET;
    process.env.GANTRY_GITLAB_WEBHOOK_SECRET = SECRET;
    dir = await mkdtemp(join(tmpdir(), 'gantry-metrics-'));
    const dbOptions = database.options();
    schema = dbOptions.pgSchema;
    platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, deployments: false, ...dbOptions });
    admin = platform.adminToken;
    expect((await c.call('POST', '/api/catalog/entities', admin, { yaml: ORG + '---' + COMPONENTS })).body.problems).toEqual([]);
    alice = await c.tokenFor('alice');
    bob = await c.tokenFor('bob');
    const remote = join(dir, 'ledger.git');
    const work = join(dir, 'ledger');
    const when = at(2 * DAY - 3 * HOUR);
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when };
    await git('git', ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
    await git('git', ['clone', '--quiet', remote, work]);
    await writeFile(join(work, 'README.md'), '# ledger\n');
    await git('git', ['add', '-A'], { cwd: work, env });
    await git('git', ['commit', '-q', '-m', 'Round totals'], { cwd: work, env });
    await git('git', ['push', '-q', 'origin', 'HEAD:main'], { cwd: work, env });
    DELIVERIES = deliveries((await git('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim(), `file://${remote}`);
  }, 120_000);

  afterAll(async () => {
    delete process.env.GANTRY_GITHUB_WEBHOOK_SECRET;
    delete process.env.GANTRY_GITLAB_WEBHOOK_SECRET;
    await platform?.stop();
    if (schema) await dropSchema(schema);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports history: all of a file, or with any problem none of it; only admins', async () => {
    const bad = await c.call('POST', '/api/metrics/import', admin, {
      file: 'bad.jsonl',
      text: `${JSON.stringify({ type: 'deployment', id: 'x1', component: 'orders', environment: 'production', finishedAt: at(0) })}\n{"type":"deployment","id":"x2","component":"orders","environment":"production","finishedAt":"yesterday"}\n{"type":"meeting","id":"x3"}\n`,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBe('bad.jsonl: 2 problems; nothing was imported');
    expect(bad.body.problems.map((p: Json) => [p.path, p.position.line])).toEqual([
      ['deployment.finishedAt', 2],
      ['type', 3],
    ]);
    expect((await c.call('GET', '/api/metrics/deployments?component=orders', admin)).body.items).toEqual([]);
    expect((await c.call('POST', '/api/metrics/import', alice, { file: 'h.jsonl', text: HISTORY })).status).toBe(403);

    const ok = await c.call('POST', '/api/metrics/import', admin, { file: 'history.jsonl', text: HISTORY });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ records: 7, deployments: 4, changes: 3, incidents: 0, skipped: 0 });
  });

  it('takes GitHub webhooks only with a valid signature, keeps each delivery once, and parses what it holds', async () => {
    const forged = await deliver(DELIVERIES[0]!, 'not-the-secret');
    expect(forged.status).toBe(401);
    expect((await c.call('GET', '/api/metrics/webhook-deliveries', admin)).body.items).toEqual([]);
    for (const d of DELIVERIES) {
      const r = await deliver(d);
      expect(r.status).toBe(202);
      expect(r.body.metrics).toMatchObject({ delivery: `github:${d.id}`, status: 'parsed', duplicate: false });
    }
    const again = await deliver(DELIVERIES[1]!);
    expect(again.body.metrics).toMatchObject({ duplicate: true, status: 'parsed' });
    const ping = await deliver({ id: 'delivery-ping', event: 'ping', payload: { zen: 'Keep it logically awesome.' } });
    expect(ping.status).toBe(200);
    const items = (await c.call('GET', '/api/metrics/webhook-deliveries?source=github', admin)).body.items as Json[];
    expect(items.map((d) => d.id).sort()).toEqual(DELIVERIES.map((d) => `github:${d.id}`).sort());
  });

  it('takes GitLab webhooks with the right token; a staging deployment is stored but counts nowhere in DORA', async () => {
    const payload = {
      object_kind: 'deployment',
      status: 'success',
      status_changed_at: at(3 * DAY).replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
      deployment_id: 15,
      environment: 'staging',
      environment_tier: 'staging',
      project: { name: 'orders', path_with_namespace: 'shop/orders', default_branch: 'main', git_http_url: 'https://gitlab.example/shop/orders.git' },
      commit_url: `https://gitlab.example/shop/orders/-/commit/${sha('e')}`,
      ref: 'main',
    };
    const post = (token: string) =>
      fetch(`${platform.url}/api/webhooks/gitlab`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Deployment Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': 'gl-1' }, body: JSON.stringify(payload) });
    expect((await post('wrong')).status).toBe(401);
    const ok = await post(SECRET);
    expect(ok.status).toBe(202);
    expect(((await ok.json()) as Json).metrics).toMatchObject({ delivery: 'gitlab:gl-1', status: 'parsed', facts: 1 });
    const all = (await c.call('GET', '/api/metrics/deployments?component=orders', admin)).body.items as Json[];
    expect(all.map((d) => d.id)).not.toContain('gitlab:shop/orders:15');
  });

  it('computes the four keys for the organisation, by hand', async () => {
    const r = (await c.call('GET', '/api/metrics/dora', alice)).body;
    expect(r.scope).toEqual({ kind: 'organisation' });
    expect(r.window.days).toBe(90);
    // Successful production deployments: d1, d2, d3 (the rollback) and ledger's 42. d0 is staging.
    expect(r.deploymentFrequency).toMatchObject({ deployments: 4, category: 'yearly', level: 'low' });
    // Lead times 2h, 1h, 30m (orders) and 3h (ledger): sorted 1800, 3600, 7200, 10800 s. Median (3600+7200)/2 = 5400;
    // p90 at rank 0.9 * 3 = 2.7: 7200 + 0.7 * (10800 - 7200) = 9720.
    expect(r.leadTime).toMatchObject({ changes: 4, medianSeconds: 5400, level: 'elite' });
    expect(r.leadTime.p90Seconds).toBeCloseTo(9720, 6);
    // d2 was rolled back by d3; ledger's 42 caused issue #7 (root cause l1): 2 of 4.
    expect(r.changeFailureRate).toMatchObject({ deployments: 4, failed: 2, rate: 0.5, level: 'low' });
    // d2: rollback finished 20m after it (1200 s); 42: the incident lasted 2h (7200 s). Median 4200 s.
    expect(r.recoveryTime).toMatchObject({ failures: 2, recovered: 2, medianSeconds: 4200, level: 'high' });
    // One rollback (d3) of 4.
    expect(r.reworkRate).toMatchObject({ deployments: 4, unplanned: 1, rollbacks: 1, hotfixes: 0, rate: 0.25 });
    expect(r.level).toBe('low');
    expect(r.levels).toEqual({ report: 'Accelerate State of DevOps Report', year: 2024 });
    // Weekly trend: the deployments of the window, week by week.
    expect((r.trend as Json[]).reduce((n, w) => n + w.deploymentFrequency.deployments, 0)).toBe(4);
  });

  it('per team and per component, with the numbers behind them', async () => {
    const teams = (await c.call('GET', '/api/metrics/dora/teams', bob)).body.items as Json[];
    const a = teams.find((t) => t.team === 'group:default/team-a');
    const b = teams.find((t) => t.team === 'group:default/team-b');
    // team-a: d1, d2, d3; lead times 1800, 3600, 7200 (median 3600); d2 failed; recovered in 1200 s; d3 a rollback.
    expect(a).toMatchObject({ components: 1, deploymentFrequency: { deployments: 3 }, leadTime: { changes: 3, medianSeconds: 3600 }, changeFailureRate: { deployments: 3, failed: 1 }, recoveryTime: { medianSeconds: 1200 }, reworkRate: { unplanned: 1 } });
    // team-b: 42 only; lead time 10800; failed (the incident); recovered in 7200 s.
    expect(b).toMatchObject({ components: 1, deploymentFrequency: { deployments: 1 }, leadTime: { changes: 1, medianSeconds: 10800 }, changeFailureRate: { deployments: 1, failed: 1, rate: 1 }, recoveryTime: { medianSeconds: 7200 } });
    const teamA = (await c.call('GET', '/api/metrics/dora?team=team-a', bob)).body;
    expect(teamA.scope).toEqual({ kind: 'team', team: 'group:default/team-a' });
    expect(teamA.changeFailureRate).toEqual(a.changeFailureRate);
    const ledger = (await c.call('GET', '/api/metrics/dora?component=ledger&window=30d', bob)).body;
    expect(ledger.window.days).toBe(30);
    expect(ledger.leadTime.medianSeconds).toBe(10800);

    const failed = (await c.call('GET', '/api/metrics/deployments?failed=true', bob)).body.items as Json[];
    expect(failed.map((d) => [d.id, d.failedBecause])).toEqual([
      ['github:acme/ledger:42', 'caused github:acme/ledger#7'],
      ['import:d2', 'rolled back by import:d3'],
    ]);
    const unplanned = (await c.call('GET', '/api/metrics/deployments?unplanned=true', bob)).body.items as Json[];
    expect(unplanned.map((d) => d.id)).toEqual(['import:d3']);
    const changes = (await c.call('GET', '/api/metrics/changes?team=team-a', bob)).body.items as Json[];
    expect(changes.map((x) => [x.sha.slice(0, 1), x.leadTimeSeconds, x.deployment])).toEqual([
      ['a', 7200, 'import:d1'],
      ['b', 3600, 'import:d1'],
      ['c', 1800, 'import:d2'],
    ]);
    const incident = (await c.call('GET', '/api/incidents/github:acme%2Fledger%237', bob)).body;
    expect(incident).toMatchObject({ source: 'github', severity: 'sev2', status: 'resolved', components: ['component:default/ledger'], causeDeployment: 'github:acme/ledger:42', timeToRestoreSeconds: 7200, url: 'https://github.com/acme/ledger/issues/7' });
  });

  it('the same history imported again, the same deliveries replayed, change nothing', async () => {
    const before = numbers((await c.call('GET', '/api/metrics/dora', alice)).body);
    const again = await c.call('POST', '/api/metrics/import', admin, { file: 'history.jsonl', text: HISTORY });
    expect(again.body).toMatchObject({ records: 7, deployments: 0 });
    expect((await c.call('POST', '/api/metrics/webhook-deliveries/replay', alice, {})).status).toBe(403);
    const replay = await c.call('POST', '/api/metrics/webhook-deliveries/replay', admin, { source: 'github' });
    expect(replay.body).toEqual({ deliveries: 3, parsed: 3, ignored: 0, errors: 0, facts: 3 });
    expect(numbers((await c.call('GET', '/api/metrics/dora', alice)).body)).toEqual(before);
  });

  it("incidents: a member opens one; its component's team acknowledges and resolves it; the cause counts as a failure", async () => {
    const missing = await c.call('POST', '/api/incidents', alice, { title: 'x', components: ['nope'] });
    expect(missing.status).toBe(422);
    expect(missing.body.problems[0]).toMatchObject({ path: 'components' });
    const opened = await c.call('POST', '/api/incidents', bob, { title: 'Orders time out', severity: 'sev1', components: ['orders'], startedAt: at(5 * HOUR), detectedAt: at(5 * HOUR + 10 * 60_000) });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: 'open', severity: 'sev1', components: ['component:default/orders'], timeToDetectSeconds: 600, createdBy: 'user:default/bob' });
    const id = opened.body.id as string;
    // bob (team-b) may update the incident he opened, but not one of team-a's components opened by someone else.
    const other = await c.call('POST', '/api/incidents', alice, { title: 'Orders slow', components: ['orders'] });
    expect((await c.call('POST', `/api/incidents/${other.body.id}/resolve`, bob, {})).status).toBe(403);
    expect((await c.call('POST', `/api/incidents/${other.body.id}/resolve`, alice, {})).body.status).toBe('resolved');
    expect((await c.call('POST', `/api/incidents/${id}/acknowledge`, alice)).body.status).toBe('acknowledged');
    const badCause = await c.call('POST', `/api/incidents/${id}/resolve`, alice, { cause: 'd-nothing' });
    expect(badCause.status).toBe(422);
    expect(badCause.body.problems[0].path).toBe('cause');
    const resolved = await c.call('POST', `/api/incidents/${id}/resolve`, alice, { resolvedAt: at(6 * HOUR), cause: 'import:d1' });
    expect(resolved.body).toMatchObject({ status: 'resolved', causeDeployment: 'import:d1', timeToRestoreSeconds: 3600 });
    const open = (await c.call('GET', '/api/incidents?status=open', bob)).body.items as Json[];
    expect(open).toEqual([]);
    // d1 now failed too (its incident): team-a 2 of 3; d1 recovered when the incident was resolved (3600 s).
    const teamA = (await c.call('GET', '/api/metrics/dora?team=team-a', bob)).body;
    expect(teamA.changeFailureRate).toMatchObject({ deployments: 3, failed: 2 });
    expect(teamA.recoveryTime).toMatchObject({ failures: 2, recovered: 2, medianSeconds: (1200 + 3600) / 2 });
    const events = (await c.call('GET', `/api/events?subject=incident:${id}`, admin)).body.items as Json[];
    expect(events.map((e) => e.action).sort()).toEqual(['incident.acknowledged', 'incident.opened', 'incident.resolved']);
  });

  it('the survey: one answer per person per week, anonymous ones without the name; platform effectiveness', async () => {
    expect((await c.call('POST', '/api/survey', alice, { score: 6 })).status).toBe(422);
    expect((await c.call('POST', '/api/survey', alice, { score: 3, anonymous: true, comment: 'deploys are quick' })).status).toBe(201);
    expect((await c.call('POST', '/api/survey', bob, { score: 1 })).status).toBe(201);
    // bob changes his mind the same week: his answer is replaced, not added.
    expect((await c.call('POST', '/api/survey', bob, { score: 2, comment: 'the import needs docs' })).status).toBe(201);
    const p = (await c.call('GET', '/api/metrics/platform', alice)).body;
    expect(p.satisfaction).toMatchObject({ responses: 2, average: 2.5, distribution: [0, 1, 1, 0, 0] });
    expect(p.satisfaction.byTeam).toEqual([
      { team: 'group:default/team-a', responses: 1, average: 3 },
      { team: 'group:default/team-b', responses: 1, average: 2 },
    ]);
    // Incidents that started in the window: issue #7 (2h), bob's (1h), alice's (open then resolved at once).
    expect(p.incidents).toMatchObject({ count: 3, open: 0 });
    expect(p.adoption).toMatchObject({ components: 2, fromGoldenPath: 0, adopted: 0, rate: 0 });
    const comments = (await c.call('GET', '/api/metrics/survey/comments', alice)).body.items as Json[];
    expect(comments.map((x) => [x.comment, x.user])).toEqual([
      ['the import needs docs', 'user:default/bob'],
      ['deploys are quick', null],
    ]);
  });

  it('exposes Prometheus metrics to a token holder: platform health and the delivery gauges', async () => {
    expect((await fetch(`${platform.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${alice}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE gantry_http_requests_total counter');
    expect(text).toMatch(/gantry_http_requests_total\{method="GET",route="\/api\/metrics\/dora",status="200"\} \d+/);
    expect(text).toContain('gantry_dora_deployments{team="group:default/team-b",window="90d"} 1');
    expect(text).toContain('gantry_dora_change_failure_ratio{team="group:default/team-b",window="90d"} 1');
    expect(text).toContain('gantry_incidents_open{severity="sev1"} 0');
    expect(text).toContain('gantry_platform_satisfaction_score{window="90d"} 2.5');
    // No golden-path request in the window: no time-to-provision sample rather than a 0.
    expect(text).not.toMatch(/^gantry_platform_time_to_provision_seconds\{/m);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });
});

import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { DATABASES, dropSchema } from '../helpers/databases.js';
import { ORG, platformClient, type Json } from '../helpers/platform.js';

/**
 * The policy admission points in a real platform, on both databases: catalog ingestion (a Policy entity from the
 * catalog that enforces, owner-exists switched to enforce by configuration, owners declared in the same import),
 * template runs (parameters), pipeline gates (the gantry/policy-gate@1 step), exemptions that stop applying when
 * they expire, the decisions recorded, and the compliance report. Deployments are covered in
 * test/environments/deployments.contract.test.ts and test/cli/deployments.test.ts.
 */

const TEMPLATES = join(import.meta.dirname, '..', 'golden-paths', 'fixtures', 'templates');

/** Organisation policies, as a team would keep them in git and register in the catalog. */
const POLICIES = `apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: no-deprecated-components, title: Nothing new is deprecated }
spec:
  mode: enforce
  match: { actions: [catalog.entity], kinds: [component] }
  validations:
    - expression: "!has(subject.spec.lifecycle) || subject.spec.lifecycle != 'deprecated'"
      messageExpression: subject.ref + ' is deprecated; retire it instead of registering it'
---
apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: no-tmp-services }
spec:
  mode: enforce
  match: { actions: [template.run] }
  validations:
    - expression: "!string(object.parameters.name).startsWith('tmp-')"
      message: service names must not start with tmp- (scratch services go in a sandbox)
---
apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: no-wip-branches }
spec:
  mode: enforce
  match: { actions: [pipeline.gate] }
  validations:
    - expression: "!object.run.branch.startsWith('wip/')"
      messageExpression: "'branch ' + object.run.branch + ' is work in progress; the gate only passes other branches'"
`;

const PIPELINE = `name: gated
on:
  push: { branches: [main, wip/*] }
jobs:
  build:
    steps:
      - run: echo built
  gate:
    needs: [build]
    steps:
      - uses: gantry/policy-gate@1
`;

describe.each(DATABASES)('policy admission ($name)', (database) => {
  let platform: Platform;
  let dir: string;
  let schema: string | undefined;
  const c = platformClient(
    () => platform,
    () => dir,
  );
  let admin: string;
  let alice: string;
  let carol: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-policy-'));
    const dbOptions = database.options();
    schema = dbOptions.pgSchema;
    platform = await startPlatform({
      workspaceDir: join(dir, 'ws'),
      port: 0,
      seedSample: false,
      builtInTemplates: false,
      quiet: true,
      deployments: false,
      policyModes: { 'owner-exists': 'enforce' },
      ...dbOptions,
    });
    admin = platform.adminToken;
    expect((await c.call('POST', '/api/catalog/entities', admin, { yaml: ORG })).status).toBe(200);
    expect((await c.call('POST', '/api/catalog/entities', admin, { yaml: POLICIES, file: 'policies.yaml' })).body.problems).toEqual([]);
    alice = await c.tokenFor('alice');
    carol = await c.tokenFor('carol');
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    if (schema) await dropSchema(schema);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the catalog policies with the built-in packs, and the configured mode', async () => {
    const items = (await c.call('GET', '/api/policies', alice)).body.items as Json[];
    expect(items.find((p) => p.name === 'no-deprecated-components')).toMatchObject({ mode: 'enforce', source: 'policy:default/no-deprecated-components', pack: null });
    expect(items.find((p) => p.name === 'owner-exists')).toMatchObject({ mode: 'enforce', pack: 'ownership', source: 'built-in' });
  });

  it('catalog ingestion: an enforce-mode denial refuses the entity at its file:line:column, and the rest is stored', async () => {
    const src = join(dir, 'src');
    await mkdir(src, { recursive: true });
    // The component's owner is declared in a later file of the same import: it counts as existing.
    await writeFile(join(src, 'a-components.yaml'), [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata: { name: ledger, tags: [tier-2] }',
      'spec: { type: service, lifecycle: production, owner: team-z }',
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata: { name: old-ledger }',
      'spec: { type: service, lifecycle: deprecated, owner: team-z }',
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata: { name: stray }',
      'spec: { type: service, lifecycle: production, owner: ghosts }',
      '',
    ].join('\n'));
    await writeFile(join(src, 'z-team.yaml'), 'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team-z }\nspec: { type: team, children: [] }\n');
    const loc = await c.call('POST', '/api/catalog/locations', admin, { target: src, type: 'dir' });
    expect(loc.status).toBe(201);
    const problems = loc.body.refresh.problems as Json[];
    const denied = problems.filter((p) => p.code === 'policy_denied');
    expect(denied.map((p) => [p.position.file.endsWith('a-components.yaml'), p.position.line])).toEqual([
      [true, 6],
      [true, 11],
    ]);
    expect(denied[0].message).toBe('component:default/old-ledger was not ingested: policy no-deprecated-components: component:default/old-ledger is deprecated; retire it instead of registering it');
    expect(denied[1].message).toContain('policy owner-exists: ');
    expect(denied[1].message).toContain('group:default/ghosts');

    expect((await c.call('GET', '/api/catalog/entities/by-ref/component/default/old-ledger', alice)).status).toBe(404);
    const ledger = await c.call('GET', '/api/catalog/entities/by-ref/component/default/ledger', alice);
    expect(ledger.status).toBe(200);
    expect(ledger.body.status.problems).toEqual([]);

    // Denials and warnings of ingestion are recorded; allows are not (see docs/policy.md).
    const decisions = (await c.call('GET', '/api/policy-decisions?action=catalog.entity&result=deny', alice)).body.items as Json[];
    expect(decisions.map((d) => [d.policy, d.subject]).sort()).toEqual([
      ['no-deprecated-components', 'component:default/old-ledger'],
      ['owner-exists', 'component:default/stray'],
    ]);
    expect(decisions[0].inputDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(decisions[0].evidence).toEqual({ location: loc.body.location.id });
  });

  it('template runs: a denied parameter refuses the task before anything is created', async () => {
    const templates = join(dir, 'templates');
    await cp(TEMPLATES, templates, { recursive: true });
    expect((await c.call('POST', '/api/catalog/locations', admin, { target: `${templates}#hello/template.yaml`, type: 'dir' })).status).toBe(201);
    const refused = await c.call('POST', '/api/tasks', alice, { templateRef: 'template:default/hello', parameters: { name: 'tmp-scratch', description: 'A scratch service', owner: 'group:default/team-a' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'https://gantry.dev/problems/policy-denied', title: 'Refused by policy' });
    expect(refused.body.decisions).toEqual([expect.objectContaining({ policy: 'no-tmp-services', messages: ['service names must not start with tmp- (scratch services go in a sandbox)'] })]);
    expect(refused.body.problems[0]).toMatchObject({ code: 'policy_denied', path: 'policies.no-tmp-services' });
    expect((await c.call('GET', '/api/tasks', admin)).body.items).toEqual([]);
    expect((await c.call('GET', '/api/repos', admin)).body.items.map((r: Json) => r.name)).not.toContain('tmp-scratch');

    const accepted = await c.call('POST', '/api/tasks', alice, { templateRef: 'template:default/hello', parameters: { name: 'real-service', description: 'A real one', owner: 'group:default/team-a' } });
    expect(accepted.status).toBe(201);
    const allowed = (await c.call('GET', '/api/policy-decisions?policy=no-tmp-services', alice)).body.items as Json[];
    expect(allowed.map((d) => d.result)).toEqual(['allow', 'deny']);
    expect(allowed[0].evidence).toMatchObject({ task: accepted.body.id, template: 'template:default/hello' });
  });

  it('pipeline gates: gantry/policy-gate@1 fails the run with the policy message on a denied branch', async () => {
    expect((await c.call('POST', '/api/repos', alice, { name: 'gated', owner: 'team-a' })).status).toBe(201);
    await c.push('gated', { '.gantry/pipeline.yaml': PIPELINE }, 'pipeline');
    await c.push('gated', { 'README.md': 'wip\n' }, 'wip', 'wip/experiment');
    const runs = await c.waitFor('two finished runs', async () => {
      const items = (await c.call('GET', '/api/pipelines/runs?repo=gated', alice)).body.items as Json[];
      return items.length === 2 && items.every((r) => ['succeeded', 'failed'].includes(r.status)) ? items : undefined;
    });
    const byBranch = Object.fromEntries(runs.map((r) => [r.branch, r]));
    expect(byBranch.main.status).toBe('succeeded');
    expect(byBranch['wip/experiment'].status).toBe('failed');
    const run = (await c.call('GET', `/api/pipelines/runs/${byBranch['wip/experiment'].id}`, alice)).body;
    const gate = run.jobs.find((j: Json) => j.id === 'gate');
    expect(gate.steps[0].reason).toBe("denied by policy: no-wip-branches: branch wip/experiment is work in progress; the gate only passes other branches");
    const decisions = (await c.call('GET', '/api/policy-decisions?action=pipeline.gate', alice)).body.items as Json[];
    expect(decisions.filter((d) => d.policy === 'no-wip-branches').map((d) => d.result).sort()).toEqual(['allow', 'deny']);
    expect(decisions.find((d) => d.result === 'deny').evidence).toMatchObject({ run: run.id, job: 'gate', sha: run.sha });
  });

  it('exemptions: requested by the team, approved by an admin, and they stop applying when they expire', async () => {
    const tooShort = await c.call('POST', '/api/exemptions', alice, { subject: 'component:default/ledger', policy: 'tier-set', reason: 'no', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect(tooShort.status).toBe(422);
    const past = await c.call('POST', '/api/exemptions', alice, { subject: 'component:default/ledger', policy: 'tier-set', reason: 'ten characters at least', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect((await c.call('POST', '/api/exemptions', alice, { subject: 'component:default/ledger', policy: 'nope', reason: 'ten characters at least', expiresAt: new Date(Date.now() + 60_000).toISOString() })).status).toBe(404);

    // The deprecated component again, exempted for a few seconds: ingested while the exemption is active.
    await c.call('POST', '/api/catalog/entities', admin, { yaml: 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: legacy }\nspec: { type: service, lifecycle: production, owner: team-a }\n' });
    const expiresAt = new Date(Date.now() + 4000).toISOString();
    const asked = await c.call('POST', '/api/exemptions', alice, { subject: 'component:default/legacy', policy: 'no-deprecated-components', reason: 'marking it deprecated before it is retired', expiresAt });
    expect(asked.status).toBe(201);
    expect((await c.call('POST', `/api/exemptions/${asked.body.id}/approve`, carol)).status).toBe(403); // not an admin
    expect((await c.call('POST', `/api/exemptions/${asked.body.id}/approve`, admin)).body).toMatchObject({ status: 'active', decidedBy: 'user:default/admin' });
    const deprecated = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: legacy }\nspec: { type: service, lifecycle: deprecated, owner: team-a }\n';
    const during = await c.call('POST', '/api/catalog/entities', alice, { yaml: deprecated });
    expect(during.body.problems).toEqual([]);
    expect(during.body.items[0].entity.spec.lifecycle).toBe('deprecated');
    const exempt = (await c.call('GET', '/api/policy-decisions?subject=component:default/legacy&result=exempt', alice)).body.items as Json[];
    expect(exempt[0]).toMatchObject({ policy: 'no-deprecated-components', exemption: asked.body.id });

    await c.waitFor('the exemption to expire', async () => (Date.now() > Date.parse(expiresAt) + 100 ? true : undefined), 10_000);
    expect((await c.call('GET', `/api/exemptions?subject=component:default/legacy`, alice)).body.items[0].status).toBe('expired');
    const after = await c.call('POST', '/api/catalog/entities', alice, { yaml: deprecated.replace('owner: team-a }', 'owner: team-a, system: none }') });
    expect(after.body.problems.map((p: Json) => p.code)).toEqual(['policy_denied']);
    // Revoking is for requested or active ones only.
    expect((await c.call('POST', `/api/exemptions/${asked.body.id}/revoke`, alice)).status).toBe(409);
    const events = (await c.call('GET', `/api/events?subject=exemption:${asked.body.id}`, admin)).body.items as Json[];
    expect(events.map((e) => e.action).sort()).toEqual(['policy.exemption.approved', 'policy.exemption.requested']);
  });

  it('compliance report: catalog controls evaluated now, others from recorded decisions, as JSON and CSV', async () => {
    const r = await c.call('GET', '/api/compliance?team=team-a', alice);
    expect(r.status).toBe(200);
    expect(r.body.scope).toEqual({ team: 'group:default/team-a', component: null });
    const legacy = (r.body.rows as Json[]).filter((x) => x.component === 'component:default/legacy');
    expect(legacy.find((x) => x.policy === 'no-deprecated-components')).toMatchObject({ status: 'fail', action: 'catalog.entity' });
    expect(legacy.find((x) => x.policy === 'tier-set')).toMatchObject({ status: 'fail' });
    expect(legacy.find((x) => x.policy === 'lifecycle-set')).toMatchObject({ status: 'pass' });
    // Deploy controls apply to every component but none was ever decided for this one; pci ones do not apply to it.
    expect(legacy.find((x) => x.policy === 'production-needs-approval')).toMatchObject({ status: 'not-evaluated', decidedAt: null });
    expect(legacy.find((x) => x.policy === 'pci-needs-two-approvals')).toBeUndefined();
    expect(r.body.teams).toEqual([{ team: 'group:default/team-a', summary: r.body.summary }]);
    const csv = await c.call('GET', '/api/compliance?component=legacy&format=csv', alice);
    expect(csv.status).toBe(200);
    expect(String(csv.body).split('\r\n')[0]).toBe('component,owner,policy,pack,mode,action,environment,status,messages,decided_at,evidence');
    expect(String(csv.body)).toContain('component:default/legacy,group:default/team-a,no-deprecated-components,,enforce,catalog.entity,,fail,');
  });
});

/**
 * Policy engine throughput and latency: the built-in packs against 10k synthetic components, each admitted at
 * catalog ingestion, a production deploy and its rendered Kubernetes manifests. One core (this process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Catalog } from '../../src/catalog/index.js';
import { builtInPolicies, createPolicyEngine, createPolicyService, type AdmissionInput } from '../../src/policy/index.js';
import { openStore } from '../../src/store/index.js';
import { printTable, summarise } from '../stats.js';

function component(i: number): AdmissionInput['subject'] {
  const tier = (i % 3) + 1;
  return {
    ref: `component:default/svc-${i}`,
    kind: 'component',
    namespace: 'default',
    name: `svc-${i}`,
    labels: { 'gantry.dev/team': `team-${i % 15}` },
    annotations: { 'gantry.dev/tier': String(tier), ...(i % 4 ? { 'gantry.dev/slo': 'slo.yaml' } : {}) },
    tags: ['typescript', `tier-${tier}`, ...(i % 5 === 0 ? ['pci'] : [])],
    spec: { type: 'service', lifecycle: 'production', owner: `group:default/team-${i % 15}` },
  };
}

function inputs(i: number): Array<[string, AdmissionInput]> {
  const subject = component(i);
  const actor = { ref: `user:default/dev-${i % 200}`, role: 'member', teams: [`group:default/team-${i % 15}`] };
  const sha = i.toString(16).padStart(40, '0');
  const container = { image: i % 10 ? `registry.example.com/svc-${i}:1.${i % 7}.0` : 'nginx:latest', resources: { limits: { cpu: '500m', memory: '256Mi' } }, variables: { PORT: '8080', DB_PASSWORD: '${resources.db.password}' } };
  const deployment = {
    environment: { name: 'production', type: 'production', owner: 'group:default/platform', driver: 'kubernetes', order: 3, requiredApprovals: 1, freezeWindows: [], settings: {} },
    release: { id: `r-${i}`, sha, workload: { apiVersion: 'score.dev/v1b1', metadata: { name: subject.name }, containers: { main: container } } },
    pipeline: { status: i % 9 ? 'succeeded' : 'failed', sha, securitySteps: { secretScan: 'succeeded', dependencyAudit: 'succeeded' } },
    approvals: [{ by: `user:default/lead-${i % 15}` }, ...(i % 2 ? [{ by: `user:default/sec-${i % 3}` }] : [])],
    requiredApprovals: 1,
    frozen: false,
  };
  const podSpec = { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main', image: container.image, resources: container.resources, env: [{ name: 'PORT', value: '8080' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] };
  const manifests = {
    objects: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: subject.name } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: subject.name }, spec: { replicas: 2, template: { metadata: { labels: { app: subject.name } }, spec: podSpec } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: subject.name }, spec: { ports: [{ port: 80, targetPort: 8080 }] } },
    ],
  };
  return [
    ['catalog.entity', { subject, actor, object: { entity: { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: subject.name }, spec: subject.spec }, owner: { ref: subject.spec.owner as string, exists: true }, relations: [], resources: [] } }],
    ['deployment.create', { subject, actor, object: deployment }],
    ['kubernetes.manifests', { subject, actor, object: manifests }],
  ];
}

export async function runPolicyBench(opts: { components?: number } = {}): Promise<void> {
  const n = opts.components ?? 10_000;
  const policies = builtInPolicies();
  const engine = createPolicyEngine();
  const all = Array.from({ length: n }, (_, i) => inputs(i)).flat();

  // Warm up: compile every policy once and let the JIT settle.
  for (const [action, input] of all.slice(0, 3000)) engine.admit(policies, action, input);

  let decisions = 0;
  let denied = 0;
  const latencies: number[] = [];
  const started = performance.now();
  for (const [action, input] of all) {
    const t = performance.now();
    const a = engine.admit(policies, action, input);
    latencies.push(performance.now() - t);
    decisions += a.decisions.length;
    if (!a.allowed) denied++;
  }
  const seconds = (performance.now() - started) / 1000;
  const s = summarise(latencies);
  printTable(`Policy engine: built-in packs (${policies.length} policies), ${n.toLocaleString('en')} components, one core`, ['admissions', 'decisions', 'denied', 'decisions/s', 'admissions/s', 'p50', 'p99', 'max'], [
    [all.length, decisions, denied, Math.round(decisions / seconds).toLocaleString('en'), Math.round(all.length / seconds).toLocaleString('en'), `${(s.p50 * 1000).toFixed(0)} µs`, `${(s.p99 * 1000).toFixed(0)} µs`, `${s.max.toFixed(2)} ms`],
  ]);
  await admissionLatency(all.filter(([action]) => action === 'deployment.create').slice(0, 2000));
}

/**
 * What an admission point adds to a request in the platform: the policy service loads the active policies (the
 * packs and the catalog's Policy entities), looks up exemptions, evaluates, and writes every decision, on SQLite
 * and (with TEST_DATABASE_URL or DATABASE_URL) PostgreSQL.
 */
async function admissionLatency(inputs: Array<[string, AdmissionInput]>): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  const pg = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const targets: Array<{ name: string; databaseUrl?: string }> = [{ name: 'sqlite' }, ...(pg ? [{ name: 'postgres', databaseUrl: pg }] : [])];
  for (const target of targets) {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-policy-bench-'));
    const schema = `bench_policy_${process.pid}`;
    const store = await openStore({ sqlitePath: join(dir, 'gantry.db'), ...(target.databaseUrl ? { databaseUrl: target.databaseUrl, pgSchema: schema } : {}) });
    try {
      const policy = createPolicyService({ store, catalog: () => ({}) as Catalog });
      for (const [action, input] of inputs.slice(0, 200)) await policy.admit(action, input);
      const latencies: number[] = [];
      let stored = 0;
      for (const [action, input] of inputs) {
        const t = performance.now();
        const a = await policy.admit(action, input, { environment: 'production', evidence: { release: 'r-1' } });
        latencies.push(performance.now() - t);
        stored += a.decisions.length;
      }
      const s = summarise(latencies);
      rows.push([target.name, inputs.length, stored, `${s.p50.toFixed(2)} ms`, `${s.p99.toFixed(2)} ms`, `${s.max.toFixed(2)} ms`]);
    } finally {
      if (target.databaseUrl) await store.db.schema.dropSchema(schema).ifExists().cascade().execute().catch(() => {});
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable('Policy service: one production deploy admission (load policies, exemptions, evaluate, store decisions)', ['database', 'admissions', 'decisions stored', 'p50', 'p99', 'max'], rows);
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UnavailableError } from '../../src/core/errors.js';
import {
  KubernetesApiError,
  applyEnvironment,
  applyOrder,
  layoutObjects,
  watchRollout,
} from '../../src/environments/drivers/kubernetes/apply.js';
import { gitopsLayout } from '../../src/environments/drivers/kubernetes/gitops.js';
import { billingWorker, environment, ordersApi } from '../../src/environments/drivers/kubernetes/testFixtures.js';
import type { EnvironmentSpec, ResolvedWorkload } from '../../src/environments/model/types.js';
import { startKubeApi, type KubeApi } from './fixtures/kubeApi.js';

/**
 * applyEnvironment and watchRollout through the official client (@kubernetes/client-node) against a stand-in for
 * the Kubernetes API server (fixtures/kubeApi.ts): a real HTTP(S) server on loopback that answers discovery,
 * server-side apply and reads the way the API server does, with Status objects for errors. It is not a cluster:
 * nothing runs pods, so the tests play the deployment controller by writing Deployment status (`setStatus`) and
 * RBAC by refusing a resource (`forbid`). There is no cluster on this machine to test against.
 */

let api: KubeApi;
let dir: string;
let kubeconfigPath: string;

/** An environment's objects as the lead wires it: from the layout committed to the environment repository. */
function objectsOf(env: EnvironmentSpec, workloads: ResolvedWorkload[]): Array<Record<string, unknown>> {
  return layoutObjects(gitopsLayout(env, workloads), env.name);
}

async function writeKubeconfig(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Waits until `predicate` holds: the watch's reads are what the tests step the "controller" by. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + 30_000;
  while (!predicate()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const readsOf = (namespace: string, name: string) =>
  api.requests.filter((r) => r.method === 'GET' && r.path === `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`).length;

beforeAll(async () => {
  api = await startKubeApi();
  dir = await mkdtemp(join(tmpdir(), 'gantry-kube-apply-'));
  kubeconfigPath = await writeKubeconfig('kubeconfig', api.kubeconfig());
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('applyEnvironment', () => {
  const env = environment();

  it('applies every object with server-side apply: Namespace first, field manager gantry, force, nothing lost', async () => {
    const objects = objectsOf(env, [ordersApi(), billingWorker()]);
    const lines: string[] = [];
    const before = api.requests.length;
    const result = await applyEnvironment({ kubeconfigPath, objects, log: (l) => lines.push(l) });

    const requests = api.requests.slice(before);
    expect(requests.every((r) => r.authorized)).toBe(true);
    const patches = requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path)).toEqual([
      '/api/v1/namespaces/acme-production',
      '/apis/networking.k8s.io/v1/namespaces/acme-production/networkpolicies/billing-worker',
      '/apis/networking.k8s.io/v1/namespaces/acme-production/networkpolicies/orders-api',
      '/api/v1/namespaces/acme-production/resourcequotas/gantry-quota',
      '/api/v1/namespaces/acme-production/limitranges/gantry-limits',
      '/api/v1/namespaces/acme-production/serviceaccounts/billing-worker',
      '/api/v1/namespaces/acme-production/serviceaccounts/orders-api',
      '/api/v1/namespaces/acme-production/services/orders-api',
      '/apis/apps/v1/namespaces/acme-production/deployments/billing-worker',
      '/apis/apps/v1/namespaces/acme-production/deployments/orders-api',
    ]);
    for (const p of patches) {
      expect(p.contentType).toBe('application/apply-patch+yaml');
      expect(p.query).toEqual({ fieldManager: 'gantry', force: 'true' });
    }
    // What reached the server is each object exactly, including the fields the client's models rename
    // (a LimitRange's `default`, a NetworkPolicy's `from`).
    expect(patches.map((p) => p.body)).toEqual(applyOrder(objects));

    expect(result.context).toBe('stand-in');
    expect(result.server).toBe(api.url);
    expect(result.applied).toEqual(
      applyOrder(objects).map((o) => {
        const meta = o.metadata as { name: string; namespace?: string };
        return { kind: o.kind, ...(meta.namespace ? { namespace: meta.namespace } : {}), name: meta.name, generation: 1 };
      }),
    );
    expect(lines[0]).toBe(`applying 10 objects to ${api.url} (context stand-in) as gantry`);
    expect(lines).toContain('applied Deployment acme-production/orders-api');
    expect(lines.join('\n')).not.toContain(api.token);
    const stored = api.get('Deployment', 'acme-production', 'orders-api')!;
    expect((stored.metadata as { managedFields: unknown }).managedFields).toEqual([
      { manager: 'gantry', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' },
    ]);
  });

  it('applies a new release over the old one: only its Deployment gets a new generation, hand edits are taken back', async () => {
    // Someone scaled billing-worker by hand: another field manager owns the object now; without force this is a 409.
    const live = api.get('Deployment', 'acme-production', 'billing-worker')!;
    api.seed({ ...live, spec: { ...(live.spec as object), replicas: 5 } }, 'kubectl-edit');
    const handGeneration = (api.get('Deployment', 'acme-production', 'billing-worker')!.metadata as { generation: number }).generation;

    const release2 = ordersApi({ releaseId: 'a1b2c3d4-0000-4000-8000-000000000002', sha: 'b'.repeat(40) });
    const result = await applyEnvironment({ kubeconfigPath, objects: objectsOf(env, [release2, billingWorker()]) });

    const generation = (name: string) => result.applied.find((a) => a.kind === 'Deployment' && a.name === name)?.generation;
    expect(generation('orders-api')).toBe(2);
    expect(generation('billing-worker')).toBe(handGeneration + 1);
    const billing = api.get('Deployment', 'acme-production', 'billing-worker')!;
    expect((billing.spec as { replicas: number }).replicas).toBe(1);
    const orders = api.get('Deployment', 'acme-production', 'orders-api')!;
    expect(JSON.stringify(orders)).toContain(`registry.local/orders-api:${'b'.repeat(40)}`);
    expect(api.get('ServiceAccount', 'acme-production', 'orders-api')!.metadata).toMatchObject({ generation: 1 });
  });

  it('names the object the API server refused, with its message (403 from RBAC)', async () => {
    const staging = environment({ name: 'staging', type: 'staging' });
    api.forbid('deployments', 'acme-staging');
    const objects = objectsOf(staging, [ordersApi({ environment: 'staging' })]);
    const err = await applyEnvironment({ kubeconfigPath, objects }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect((err as KubernetesApiError).message).toBe(
      'Deployment acme-staging/orders-api: deployments.apps "orders-api" is forbidden: User "system:serviceaccount:gantry:deployer" ' +
        'cannot patch resource "deployments" in API group "apps" in the namespace "acme-staging"',
    );
    expect((err as KubernetesApiError).status).toBe(403);
    expect((err as KubernetesApiError).reason).toBe('Forbidden');
    // Everything before it was applied; the Deployment was not.
    expect(api.get('Service', 'acme-staging', 'orders-api')).toBeDefined();
    expect(api.get('Deployment', 'acme-staging', 'orders-api')).toBeUndefined();
  });

  it('names the object the API server found invalid (422: a Deployment selector is immutable)', async () => {
    const sandbox = environment({ name: 'sandbox', type: 'development' });
    api.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-sandbox' } }, 'kubectl-client-side-apply');
    api.seed(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'orders-api', namespace: 'acme-sandbox' },
        spec: { selector: { matchLabels: { app: 'orders' } }, template: { metadata: { labels: { app: 'orders' } } } },
      },
      'kubectl-client-side-apply',
    );
    const err = await applyEnvironment({ kubeconfigPath, objects: objectsOf(sandbox, [ordersApi({ environment: 'sandbox' })]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect((err as Error).message).toMatch(
      /^Deployment acme-sandbox\/orders-api: Deployment\.apps "orders-api" is invalid: spec\.selector: Invalid value: .*: field is immutable$/,
    );
    expect((err as KubernetesApiError).status).toBe(422);
  });

  it('names the object whose namespace does not exist (404)', async () => {
    const objects = [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'lonely', namespace: 'nowhere' } }];
    await expect(applyEnvironment({ kubeconfigPath, objects })).rejects.toThrow('ServiceAccount nowhere/lonely: namespaces "nowhere" not found');
  });

  it('says when the cluster does not accept the credentials, without repeating them (401)', async () => {
    const wrong = await writeKubeconfig('wrong-token', api.kubeconfig().replace(api.token, 'kube-token-wrong'));
    const err = await applyEnvironment({ kubeconfigPath: wrong, objects: objectsOf(env, [billingWorker()]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect((err as Error).message).toBe('Namespace acme-production: Unauthorized');
    expect((err as Error).message).not.toContain('kube-token');
  });

  it('says which cluster it cannot reach', async () => {
    const err = await applyEnvironment({ kubeconfigPath, context: 'elsewhere', objects: objectsOf(env, [billingWorker()]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/^Namespace acme-production: cannot reach the cluster at https:\/\/127\.0\.0\.1:1 \(context elsewhere\): .*ECONNREFUSED/);
  });
});

describe('bad kubeconfig or context: a clear error before any request', () => {
  const objects = () => objectsOf(environment(), [billingWorker()]);

  async function refused(kubeconfig: string, context: string | undefined, message: string | RegExp): Promise<void> {
    const before = api.requests.length;
    const apply = applyEnvironment({ kubeconfigPath: kubeconfig, ...(context ? { context } : {}), objects: objects() });
    await expect(apply).rejects.toThrow(message);
    await expect(apply).rejects.toBeInstanceOf(InputError);
    const watch = watchRollout({ kubeconfigPath: kubeconfig, ...(context ? { context } : {}), namespace: 'acme-production', name: 'orders-api', timeoutMs: 60_000 });
    await expect(watch).rejects.toThrow(message);
    expect(api.requests.length).toBe(before);
  }

  it('a kubeconfig path that does not exist', async () => {
    const missing = join(dir, 'no-such-kubeconfig');
    await refused(missing, undefined, `settings.kubeconfig: ${missing}: no such file`);
  });

  it('a file that is not a kubeconfig', async () => {
    const empty = await writeKubeconfig('empty', '');
    await refused(empty, undefined, `settings.kubeconfig: ${empty}: not a valid kubeconfig: expected a mapping with clusters, contexts and users`);
    const broken = await writeKubeconfig('broken', 'clusters:\n  - name: a\n    cluster: {}\n');
    await refused(broken, undefined, `settings.kubeconfig: ${broken}: not a valid kubeconfig: clusters[0].cluster.server is missing`);
  });

  it('an unknown context, or none at all', async () => {
    await refused(kubeconfigPath, 'prod-eu', `settings.context: no context "prod-eu" in ${kubeconfigPath}; it has "stand-in", "elsewhere", "dangling"`);
    const noCurrent = await writeKubeconfig('no-current', api.kubeconfig({ currentContext: null }));
    await refused(noCurrent, undefined, `settings.context: not set, and ${noCurrent} has no current-context; it has "stand-in", "elsewhere", "dangling"`);
  });

  it('a context whose cluster is not defined, and plain http without insecure-skip-tls-verify', async () => {
    await refused(kubeconfigPath, 'dangling', `settings.kubeconfig: context "dangling" in ${kubeconfigPath} names cluster "no-such-cluster", which the file does not define`);
    const http = await writeKubeconfig('http', api.kubeconfig().replace('insecure-skip-tls-verify: true', 'insecure-skip-tls-verify: false'));
    await refused(http, undefined, /cluster "stand-in" in .* is plain http \(http:\/\/127\.0\.0\.1:\d+\); the Kubernetes client refuses http unless/);
  });

  it('an object that is not one, or has a field the client would drop', async () => {
    const before = api.requests.length;
    const err = await applyEnvironment({
      kubeconfigPath,
      objects: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x', namespace: 'acme-production' }, automountServiceAccountTokn: false }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.path)).toEqual(['objects[0].automountServiceAccountTokn']);
    expect(api.requests.length).toBe(before);
  });
});

describe('watchRollout', () => {
  const env = environment({ name: 'qa', type: 'staging' });

  beforeAll(async () => {
    await applyEnvironment({ kubeconfigPath, objects: objectsOf(env, [ordersApi({ environment: 'qa' }), billingWorker({ environment: 'qa' })]) });
  });

  it('follows the rollout until every replica is updated and available', async () => {
    api.setStatus('acme-qa', 'orders-api', { observedGeneration: 0 });
    const lines: string[] = [];
    const reads = readsOf('acme-qa', 'orders-api');
    const watch = watchRollout({ kubeconfigPath, namespace: 'acme-qa', name: 'orders-api', timeoutMs: 120_000, log: (l) => lines.push(l) });

    await until(() => readsOf('acme-qa', 'orders-api') > reads, 'the first read');
    api.setStatus('acme-qa', 'orders-api', { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 });
    await until(() => lines.length >= 2, 'the watch to see the surge');
    api.setStatus('acme-qa', 'orders-api', { replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });

    expect(await watch).toEqual({ ok: true, reason: 'deployment "orders-api" successfully rolled out' });
    expect(lines).toEqual([
      'Waiting for deployment spec update to be observed...',
      'Waiting for deployment "orders-api" rollout to finish: 1 old replicas are pending termination...',
    ]);
  });

  it('fails when the Deployment exceeds its progress deadline', async () => {
    api.setStatus('acme-qa', 'billing-worker', {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 1,
      availableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "billing-worker-7f9c" has timed out progressing.' }],
    });
    expect(await watchRollout({ kubeconfigPath, namespace: 'acme-qa', name: 'billing-worker', timeoutMs: 120_000 })).toEqual({
      ok: false,
      reason: 'Deployment acme-qa/billing-worker: deployment "billing-worker" exceeded its progress deadline: ReplicaSet "billing-worker-7f9c" has timed out progressing.',
    });
  });

  it('gives up after the timeout, with the last state', async () => {
    api.setStatus('acme-qa', 'orders-api', { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [] });
    const result = await watchRollout({ kubeconfigPath, namespace: 'acme-qa', name: 'orders-api', timeoutMs: 2_500 });
    expect(result).toEqual({
      ok: false,
      reason: 'Deployment acme-qa/orders-api: not rolled out within 2500 ms: Waiting for deployment "orders-api" rollout to finish: 0 of 1 updated replicas are available...',
    });
  });

  it('abandons a read the cluster never answers, and times out', async () => {
    api.stall('acme-qa', 'stuck');
    expect(await watchRollout({ kubeconfigPath, namespace: 'acme-qa', name: 'stuck', timeoutMs: 2_000 })).toEqual({
      ok: false,
      reason: `Deployment acme-qa/stuck: not rolled out within 2 s: the cluster at ${api.url} (context stand-in) did not answer in time`,
    });
  });

  it('ends at once when the Deployment does not exist', async () => {
    expect(await watchRollout({ kubeconfigPath, namespace: 'acme-qa', name: 'nope', timeoutMs: 120_000 })).toEqual({
      ok: false,
      reason: 'Deployment acme-qa/nope: deployments.apps "nope" not found',
    });
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const reads = readsOf('acme-qa', 'orders-api');
    const watch = watchRollout({ kubeconfigPath, namespace: 'acme-qa', name: 'orders-api', timeoutMs: 120_000, signal: controller.signal });
    await until(() => readsOf('acme-qa', 'orders-api') > reads, 'the first read');
    controller.abort(new Error('the job was stopped'));
    await expect(watch).rejects.toThrow('the job was stopped');
  });
});

describe('over HTTPS', () => {
  let tlsApi: KubeApi;
  let caPem: string;

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, made by openssl the way a cluster's CA would be handed out.
    const keyFile = join(dir, 'tls.key');
    const certFile = join(dir, 'tls.crt');
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=stand-in',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
    caPem = await readFile(certFile, 'utf8');
    tlsApi = await startKubeApi({ tls: { key: await readFile(keyFile, 'utf8'), cert: caPem } });
  });

  afterAll(async () => {
    await tlsApi?.close();
  });

  it('verifies the server against the kubeconfig\'s certificate authority', async () => {
    const trusted = await writeKubeconfig('tls', tlsApi.kubeconfig({ caPem }));
    const result = await applyEnvironment({ kubeconfigPath: trusted, objects: objectsOf(environment(), [billingWorker()]) });
    expect(result.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(tlsApi.get('Deployment', 'acme-production', 'billing-worker')).toBeDefined();

    // Without that authority the same server is refused.
    const untrusted = await writeKubeconfig('tls-no-ca', tlsApi.kubeconfig());
    const err = await applyEnvironment({ kubeconfigPath: untrusted, objects: objectsOf(environment(), [billingWorker()]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/^Namespace acme-production: cannot reach the cluster at https:.*self.signed certificate/);
  });
});

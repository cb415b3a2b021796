import { describe, expect, it } from 'vitest';
import { applyOrder, checkObjects, layoutObjects, objectLabel, rolloutState, type DeploymentState } from './apply.js';
import { gitopsLayout } from './gitops.js';
import { renderEnvironment, renderWorkload } from './render.js';
import { billingWorker, environment, ordersApi } from './testFixtures.js';

const env = environment();
const rendered = [
  ...renderEnvironment(env, ['billing-worker', 'orders-api']),
  ...renderWorkload(ordersApi(), env),
  ...renderWorkload(billingWorker(), env),
].map((o) => o.object);

describe('applyOrder', () => {
  it('puts the Namespace first, then policies, quotas and accounts before the workloads, stably', () => {
    const order = applyOrder([...rendered].reverse()).map(objectLabel);
    expect(order).toEqual([
      'Namespace acme-production',
      'NetworkPolicy acme-production/billing-worker',
      'NetworkPolicy acme-production/orders-api',
      'ResourceQuota acme-production/gantry-quota',
      'LimitRange acme-production/gantry-limits',
      'ServiceAccount acme-production/billing-worker',
      'ServiceAccount acme-production/orders-api',
      'Service acme-production/orders-api',
      'Deployment acme-production/billing-worker',
      'Deployment acme-production/orders-api',
    ]);
    expect(applyOrder(rendered).map(objectLabel)).toEqual(order);
  });

  it('puts kinds it does not know after the known ones, by kind', () => {
    const o = (kind: string, name: string) => ({ apiVersion: 'example.com/v1', kind, metadata: { name, namespace: 'n' } });
    expect(applyOrder([o('Widget', 'a'), o('Deployment', 'b'), o('Gadget', 'c'), o('Namespace', 'n')]).map((x) => x.kind)).toEqual([
      'Namespace',
      'Deployment',
      'Gadget',
      'Widget',
    ]);
  });
});

describe('checkObjects', () => {
  it('accepts every object Gantry renders: nothing is lost on the way through the client', () => {
    expect(checkObjects(rendered)).toEqual([]);
  });

  it('names the object and field of what is not a Kubernetes object', () => {
    const problems = checkObjects([
      'text',
      { apiVersion: 'v1', metadata: { name: 'x' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'n' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 7 } },
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'objects[0]: expected a Kubernetes object (a mapping), found string "text"',
      'objects[1].kind: expected a non-empty string, found nothing',
      'objects[2].metadata.name: expected a non-empty string, found nothing',
      'objects[3].metadata.namespace: expected a non-empty string or no namespace, found number 7',
    ]);
  });

  it('refuses the same object twice', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' }, data: { a: '1' } };
    expect(checkObjects([cm, { ...cm, data: { a: '2' } }]).map((p) => p.message)).toEqual([
      'objects[1]: ConfigMap n/x is also objects[0]; each object may be applied once',
    ]);
  });

  it('refuses a field the client would silently drop, naming its path', () => {
    const deployment = rendered.find((o) => o.kind === 'Deployment')!;
    const typo = { ...deployment, spec: { ...(deployment.spec as object), replicass: 3 } };
    const [p] = checkObjects([typo]);
    expect(p?.path).toBe('objects[0].spec.replicass');
    expect(p?.message).toContain('Deployment acme-production/orders-api: the Kubernetes client\'s model of apps/v1 Deployment does not carry this field');
  });

  it('keeps the fields the client renames: a LimitRange default and a NetworkPolicy from', () => {
    const limitRange = rendered.find((o) => o.kind === 'LimitRange')!;
    const policy = rendered.find((o) => o.kind === 'NetworkPolicy' && (o.metadata as { name: string }).name === 'orders-api')!;
    expect(JSON.stringify(limitRange)).toContain('"default":');
    expect(JSON.stringify(policy)).toContain('"from":');
    expect(checkObjects([limitRange, policy])).toEqual([]);
  });
});

describe('rolloutState (kubectl rollout status)', () => {
  const d = (status: DeploymentState['status'], generation = 2, replicas = 2): DeploymentState => ({
    metadata: { name: 'orders-api', generation },
    spec: { replicas },
    status,
  });

  it('waits until the controller has observed the new generation', () => {
    expect(rolloutState(d({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toEqual({
      state: 'progressing',
      message: 'Waiting for deployment spec update to be observed...',
    });
  });

  it('reports updated, old and unavailable replicas, in kubectl\'s words', () => {
    expect(rolloutState(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2 })).message).toBe(
      'Waiting for deployment "orders-api" rollout to finish: 1 out of 2 new replicas have been updated...',
    );
    expect(rolloutState(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).message).toBe(
      'Waiting for deployment "orders-api" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(rolloutState(d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).message).toBe(
      'Waiting for deployment "orders-api" rollout to finish: 1 of 2 updated replicas are available...',
    );
  });

  it('is done when every replica is updated and available and no old one remains', () => {
    expect(rolloutState(d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toEqual({
      state: 'done',
      message: 'deployment "orders-api" successfully rolled out',
    });
    expect(rolloutState(d({ observedGeneration: 1 }, 1, 0)).state).toBe('done');
  });

  it('fails on ProgressDeadlineExceeded, with the condition\'s message', () => {
    const conditions = [
      { type: 'Available', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "orders-api-5d8c7" has timed out progressing.' },
    ];
    expect(rolloutState(d({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1, conditions }))).toEqual({
      state: 'failed',
      message: 'deployment "orders-api" exceeded its progress deadline: ReplicaSet "orders-api-5d8c7" has timed out progressing.',
    });
    // Not before the controller has observed the generation: the condition may be about the previous one.
    expect(rolloutState(d({ observedGeneration: 1, conditions })).state).toBe('progressing');
  });
});

describe('layoutObjects', () => {
  it('gives what the kustomizations list: every rendered object, and no DesiredRelease', () => {
    const files = gitopsLayout(env, [ordersApi(), billingWorker()]);
    files.set('production/orders-api/release.yaml', 'apiVersion: gantry.dev/v1alpha1\nkind: DesiredRelease\n');
    const objects = layoutObjects(files, 'production');
    expect(applyOrder(objects)).toEqual(applyOrder(rendered));
  });

  it('sets a kustomization\'s namespace on the objects under it', () => {
    const files = new Map([
      ['dev/kustomization.yaml', 'kind: Kustomization\nresources: [app]\n'],
      ['dev/app/kustomization.yaml', 'kind: Kustomization\nnamespace: team-dev\nresources: [sa.yaml]\n'],
      ['dev/app/sa.yaml', 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n'],
    ]);
    expect(layoutObjects(files, 'dev')).toEqual([{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'team-dev' } }]);
  });

  it('refuses what it would apply differently from kustomize, and broken references', () => {
    const base = (k: string) => new Map([['dev/kustomization.yaml', k]]);
    expect(() => layoutObjects(base('kind: Kustomization\nresources: [a.yaml]\npatches: []\n'), 'dev')).toThrow(
      'dev/kustomization.yaml: "patches" not supported by Gantry\'s apply (only resources and namespace); leave this environment to Argo CD or Flux',
    );
    expect(() => layoutObjects(base('kind: Kustomization\nresources: [missing.yaml]\n'), 'dev')).toThrow(
      'dev/kustomization.yaml: resources[0]: dev/missing.yaml is neither a file nor a folder with a kustomization.yaml',
    );
    expect(() => layoutObjects(base('kind: Kustomization\nresources: [../prod]\n'), 'dev')).toThrow('resources[0]: expected a relative path inside dev/');
    expect(() => layoutObjects(base('kind: Kustomization\nresources: [a.yaml\n'), 'dev')).toThrow(/^dev\/kustomization\.yaml:\d+:\d+: /);
    expect(() => layoutObjects(new Map(), 'dev')).toThrow('dev/kustomization.yaml: no such file; expected the kustomization of dev');
  });
});

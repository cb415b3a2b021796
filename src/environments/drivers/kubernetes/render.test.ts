import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.js';
import { instanceName, renderEnvironment, renderWorkload, secretKeys } from './render.js';
import { DB_PASSWORD, billingWorker, environment, ordersApi } from './testFixtures.js';
import type { RenderedObject } from './validate.js';

const env = environment();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function byKind(objects: RenderedObject[]): Record<string, Json> {
  return Object.fromEntries(objects.map((o) => [o.kind, o.object as Json]));
}

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('renderWorkload', () => {
  const objects = renderWorkload(ordersApi(), env);
  const { Deployment: deployment, Service: service, ServiceAccount: account, NetworkPolicy: policy } = byKind(objects);

  it('renders Deployment, Service, ServiceAccount and NetworkPolicy with their files', () => {
    expect(objects.map((o) => [o.kind, o.name, o.file, o.path])).toEqual([
      ['Deployment', 'orders-api', 'deployment.yaml', 'production/orders-api/deployment.yaml'],
      ['Service', 'orders-api', 'service.yaml', 'production/orders-api/service.yaml'],
      ['ServiceAccount', 'orders-api', 'serviceaccount.yaml', 'production/orders-api/serviceaccount.yaml'],
      ['NetworkPolicy', 'orders-api', 'networkpolicy.yaml', 'production/orders-api/networkpolicy.yaml'],
    ]);
    for (const o of objects) expect(o.object.metadata).toMatchObject({ name: 'orders-api', namespace: 'acme-production' });
  });

  it('labels every object for selection and audit, and annotates the commit', () => {
    expect(deployment?.metadata.labels).toEqual({
      'app.kubernetes.io/instance': 'orders-api-production',
      'app.kubernetes.io/name': 'orders-api',
      'app.kubernetes.io/part-of': 'gantry',
      'gantry.dev/environment': 'production',
      'gantry.dev/release': '0f8c2a3e-8d7b-4e0a-9c35-2f1d8e6b7a10',
    });
    expect(deployment?.metadata.annotations).toEqual({
      'gantry.dev/artifact-digest': ordersApi().artifactDigest,
      'gantry.dev/commit': ordersApi().sha,
      'gantry.dev/owner': 'group:default/payments-core',
      'gantry.dev/tier': 'critical',
    });
    // The selector must not change between releases: a Deployment's selector is immutable.
    expect(deployment?.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/instance': 'orders-api-production',
      'app.kubernetes.io/name': 'orders-api',
    });
    expect(deployment?.spec.template.metadata.labels['gantry.dev/release']).toBe('0f8c2a3e-8d7b-4e0a-9c35-2f1d8e6b7a10');
    expect(deployment?.spec.template.metadata.annotations).toEqual({ 'gantry.dev/commit': ordersApi().sha });
  });

  it('builds containers: image, command, env with secrets by reference, resources, probes, security', () => {
    const [main, sidecar] = deployment?.spec.template.spec.containers as Json[];
    expect(main).toMatchObject({
      name: 'main',
      image: `registry.local/orders-api:${ordersApi().sha}`,
      command: ['node'],
      args: ['dist/server.js'],
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
      ],
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' } },
    });
    expect(main?.env).toEqual([
      { name: 'DATABASE_HOST', value: 'orders-db.internal' },
      { name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders-api-resources', key: 'DATABASE_PASSWORD' } } },
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'orders-api-resources', key: 'DATABASE_URL' } } },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'PORT', value: '8080' },
    ]);
    const security = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    expect(main?.securityContext).toEqual(security);
    expect(sidecar).toEqual({
      name: 'metrics-sidecar',
      image: 'ghcr.io/acme/metrics-agent:2.4.1',
      env: [{ name: 'TARGET', value: 'http://127.0.0.1:8080/metrics' }],
      livenessProbe: { exec: { command: ['/bin/agent', 'health'] } },
      securityContext: security,
    });
    expect(deployment?.spec.template.spec).toMatchObject({
      serviceAccountName: 'orders-api',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(deployment?.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(JSON.stringify(objects)).not.toContain(DB_PASSWORD);
  });

  it('exposes the service ports, with no token mounted for the ServiceAccount', () => {
    expect(service?.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/instance': 'orders-api-production', 'app.kubernetes.io/name': 'orders-api' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    });
    expect(account?.automountServiceAccountToken).toBe(false);
  });

  it('admits ingress to the container ports from the namespace and the ingress controller only', () => {
    expect(policy?.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'orders-api-production', 'app.kubernetes.io/name': 'orders-api' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: {} },
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
            },
          ],
          ports: [
            { port: 8080, protocol: 'TCP' },
            { port: 9090, protocol: 'TCP' },
          ],
        },
      ],
    });
  });

  it('renders a workload without ports with no Service and a deny-all ingress policy', () => {
    const { Service, NetworkPolicy, Deployment } = byKind(renderWorkload(billingWorker(), env));
    expect(Service).toBeUndefined();
    expect(NetworkPolicy?.spec.ingress).toEqual([]);
    expect(Deployment?.spec.template.spec.containers[0].ports).toBeUndefined();
    expect(Deployment?.metadata.annotations).toEqual({ 'gantry.dev/commit': billingWorker().sha });
  });

  it('takes the registry, replicas, ingress controller and namespace from settings and options', () => {
    const custom = environment({
      settings: {
        registry: 'harbor.acme.internal/apps',
        replicas: 3,
        ingress: { namespace: 'traefik', podLabels: { 'app.kubernetes.io/name': 'traefik' } },
      },
    });
    const { Deployment: d, NetworkPolicy: np } = byKind(renderWorkload(ordersApi(), custom));
    expect(d?.metadata.namespace).toBe('production');
    expect(d?.spec.replicas).toBe(3);
    expect(d?.spec.template.spec.containers[0].image).toBe(`harbor.acme.internal/apps/orders-api:${ordersApi().sha}`);
    expect(np?.spec.ingress[0].from[1].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'traefik' });

    const overridden = byKind(renderWorkload(ordersApi(), env, { namespace: 'team-payments', image: 'ghcr.io/acme/orders@sha256:abc' }));
    expect(overridden.Deployment?.metadata.namespace).toBe('team-payments');
    expect(overridden.Deployment?.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/orders@sha256:abc');
    expect(overridden.Deployment?.spec.template.spec.containers[1].image).toBe('ghcr.io/acme/metrics-agent:2.4.1');
  });

  it('refuses bad input with problems that say where', () => {
    const badName = thrown(() => renderWorkload(ordersApi({ component: 'Orders_API' }), env));
    expect(badName.problems).toEqual([expect.objectContaining({ code: 'invalid_name', path: 'component' })]);

    const badContainer = thrown(() =>
      renderWorkload(ordersApi({ containers: [{ ...ordersApi().containers[0]!, name: 'Main' }] }), env),
    );
    expect(badContainer.problems.map((p) => p.path)).toEqual([
      'production/orders-api/deployment.yaml: spec.template.spec.containers[0].name',
    ]);

    const badSettings = thrown(() => renderWorkload(ordersApi(), environment({ settings: { replicas: -1, namespacePrefx: 'x' } })));
    expect(badSettings.problems.map((p) => p.path).sort()).toEqual(['settings.namespacePrefx', 'settings.replicas']);
    expect(badSettings.problems.find((p) => p.path === 'settings.namespacePrefx')?.message).toBe(
      'settings.namespacePrefx: unknown setting "namespacePrefx"',
    );

    expect(() => renderWorkload(ordersApi({ environment: 'staging' }), env)).toThrow(/resolved for environment staging, not production/);
  });

  it('refuses two containers that would need different values under one Secret key, without saying the values', () => {
    const w = ordersApi();
    const other = { name: 'migrate', image: '.', env: { DATABASE_PASSWORD: 'another-secret-value' }, secretEnv: ['DATABASE_PASSWORD'] };
    const e = thrown(() => renderWorkload({ ...w, containers: [...w.containers, other] }, env));
    expect(e.message).toMatch(/containers.migrate.variables.DATABASE_PASSWORD: a secret with a different value than in container main/);
    expect(e.message).not.toContain('another-secret-value');
    expect(e.message).not.toContain(DB_PASSWORD);
    expect(secretKeys(w)).toEqual(['DATABASE_PASSWORD', 'DATABASE_URL']);
  });

  it('keeps the instance label within 63 characters', () => {
    const long = instanceName('a'.repeat(40), 'preview-feature-branch-with-a-long-name');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^a{40}-preview-featu-[0-9a-f]{8}$/);
    expect(long).not.toBe(instanceName('a'.repeat(40), 'preview-feature-branch-with-another-name'));
    expect(instanceName('a'.repeat(40), 'preview-feature-branch-with-a-long-name')).toBe(long);
    expect(instanceName('orders-api', 'dev')).toBe('orders-api-dev');
  });
});

describe('renderEnvironment', () => {
  it('renders the Namespace under restricted Pod Security, a ResourceQuota and a LimitRange', () => {
    const objects = renderEnvironment(env, ['orders-api']);
    expect(objects.map((o) => o.path)).toEqual(['production/namespace.yaml', 'production/resourcequota.yaml', 'production/limitrange.yaml']);
    const { Namespace: ns, ResourceQuota: quota, LimitRange: limits } = byKind(objects);
    expect(ns?.metadata).toEqual({
      name: 'acme-production',
      labels: {
        'app.kubernetes.io/part-of': 'gantry',
        'gantry.dev/environment': 'production',
        'gantry.dev/environment-type': 'production',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      annotations: { 'gantry.dev/owner': 'group:default/platform' },
    });
    expect(quota?.metadata.namespace).toBe('acme-production');
    expect(quota?.spec.hard).toEqual({
      'limits.cpu': '16',
      'limits.memory': '32Gi',
      pods: '100',
      'requests.cpu': '8',
      'requests.memory': '16Gi',
      services: '11',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
    });
    expect(limits?.spec.limits).toEqual([
      {
        type: 'Container',
        default: { cpu: '500m', memory: '512Mi' },
        defaultRequest: { cpu: '100m', memory: '128Mi' },
        max: { cpu: '4', memory: '8Gi' },
      },
    ]);
  });

  it('sizes the quota by environment type and number of components', () => {
    const preview = byKind(renderEnvironment(environment({ name: 'pr-42', type: 'preview', settings: {} }), ['a']));
    expect(preview.ResourceQuota?.spec.hard).toMatchObject({ 'requests.cpu': '1', 'requests.memory': '2Gi', pods: '10' });
    const many = Array.from({ length: 60 }, (_, i) => `svc-${i}`);
    const big = byKind(renderEnvironment(environment({ settings: { replicas: 2 } }), many));
    // 60 components x (2 replicas + 1 surge pod) = 180 pods.
    expect(big.ResourceQuota?.spec.hard).toMatchObject({ 'requests.cpu': '90', 'requests.memory': '180Gi', 'limits.cpu': '180', pods: '360', services: '70' });
  });

  it('merges settings.quota and settings.limitRange over the defaults', () => {
    const custom = environment({
      settings: { quota: { 'requests.cpu': 40, 'count/jobs.batch': '10' }, limitRange: { max: { cpu: '8' }, min: { memory: '16Mi' } } },
    });
    const { ResourceQuota: quota, LimitRange: limits } = byKind(renderEnvironment(custom, ['orders-api']));
    expect(quota?.spec.hard).toMatchObject({ 'requests.cpu': '40', 'count/jobs.batch': '10', 'requests.memory': '16Gi' });
    expect(limits?.spec.limits[0]).toMatchObject({ max: { cpu: '8', memory: '8Gi' }, min: { memory: '16Mi' } });

    const bad = thrown(() => renderEnvironment(environment({ settings: { quota: { 'requests.memory': '16 GB' } } }), []));
    expect(bad.problems.map((p) => p.message)).toEqual([
      'production/resourcequota.yaml: spec.hard["requests.memory"]: must be a quantity such as "500m", "2", "512Mi" or "1Gi"; found "16 GB"',
    ]);
  });
});

import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { describe, expect, it } from 'vitest';
import { renderEnvironment, renderWorkload } from './render.js';
import { billingWorker, environment, ordersApi } from './testFixtures.js';
import { objectProblems, validateObjects, type RenderedObject } from './validate.js';

const env = environment();

function deployment(): RenderedObject {
  const d = renderWorkload(ordersApi(), env).find((o) => o.kind === 'Deployment');
  if (!d) throw new Error('no Deployment rendered');
  return structuredClone(d);
}

/** Sets a value at a dotted path with numeric list indices. */
function set(object: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let cur = object as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = value;
}

describe('validateObjects', () => {
  it('finds nothing wrong in a realistic render of an environment and its workloads', () => {
    const objects = [
      ...renderEnvironment(env, ['billing-worker', 'orders-api']),
      ...renderWorkload(ordersApi(), env),
      ...renderWorkload(billingWorker(), env),
    ];
    expect(objects.map((o) => o.path)).toContain('production/orders-api/networkpolicy.yaml');
    expect(validateObjects(objects)).toEqual([]);
  });

  it('reports a typo field that kubernetes-models validate() lets through, with the fields it expected', () => {
    const d = deployment();
    set(d.object, ['spec', 'replicass'], 3);
    // validate() alone accepts it: the shipped schemas do not forbid additional properties.
    expect(() => new Deployment(d.object as never).validate()).not.toThrow();

    const problems = validateObjects([d]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'unknown_field',
      path: 'production/orders-api/deployment.yaml: spec.replicass',
      severity: 'error',
    });
    expect(problems[0]?.message).toBe(
      'production/orders-api/deployment.yaml: spec.replicass: unknown field "replicass"; expected one of ' +
        'minReadySeconds, paused, progressDeadlineSeconds, replicas, revisionHistoryLimit, selector, strategy, template',
    );
  });

  it('reports unknown fields deep inside lists, and not inside maps where any key is allowed', () => {
    const d = deployment();
    set(d.object, ['spec', 'template', 'spec', 'containers', 1, 'imagePullPolicyy'], 'Always');
    set(d.object, ['spec', 'template', 'spec', 'containers', 0, 'readinessProbe', 'httpGet', 'paht'], '/x');
    set(d.object, ['metadata', 'labels', 'team'], 'payments');
    set(d.object, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'ephemeral-storage'], '1Gi');
    const problems = validateObjects([d]);
    expect(problems.map((p) => p.path)).toEqual([
      'production/orders-api/deployment.yaml: spec.template.spec.containers[0].readinessProbe.httpGet.paht',
      'production/orders-api/deployment.yaml: spec.template.spec.containers[1].imagePullPolicyy',
    ]);
    expect(problems[1]?.message).toMatch(/unknown field "imagePullPolicyy"; expected one of args, command, .*imagePullPolicy, /);
  });

  it('does not look inside an unknown field: one problem, at the field', () => {
    const d = deployment();
    set(d.object, ['spec', 'templat'], { spec: { containerz: [] } });
    expect(validateObjects([d]).map((p) => p.path)).toEqual(['production/orders-api/deployment.yaml: spec.templat']);
  });

  it('reports upper-case and over-long names that validate() accepts', () => {
    const d = deployment();
    set(d.object, ['metadata', 'name'], 'Orders-API');
    set(d.object, ['spec', 'template', 'spec', 'containers', 0, 'name'], 'Main');
    set(d.object, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'name'], 'http-public-port');
    expect(() => new Deployment(d.object as never).validate()).not.toThrow();

    const problems = validateObjects([d]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['invalid_name', 'production/orders-api/deployment.yaml: metadata.name'],
      ['invalid_name', 'production/orders-api/deployment.yaml: spec.template.spec.containers[0].name'],
      ['invalid_name', 'production/orders-api/deployment.yaml: spec.template.spec.containers[0].ports[0].name'],
    ]);
    expect(problems[0]?.message).toBe(
      'production/orders-api/deployment.yaml: metadata.name: must be a DNS-1123 subdomain: lower-case letters, digits, ' +
        '"-" and ".", starting and ending with a letter or digit; found "Orders-API"',
    );
    expect(problems[2]?.message).toMatch(/must be at most 15 characters \(found 16\)/);
  });

  it('uses each kind\'s name rule: Namespaces are labels, Services must start with a letter', () => {
    const [ns] = renderEnvironment(env, []);
    const svc = renderWorkload(ordersApi(), env).find((o) => o.kind === 'Service')!;
    set(ns!.object, ['metadata', 'name'], 'acme.production');
    set(svc.object, ['metadata', 'name'], '9orders');
    const problems = validateObjects([ns!, svc]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^production\/namespace.yaml: metadata.name: must be a DNS-1123 label/),
      expect.stringMatching(/^production\/orders-api\/service.yaml: metadata.name: must be a DNS-1035 label/),
    ]);
  });

  it('checks label keys and values, annotation keys, and the selector against the pod labels', () => {
    const d = deployment();
    set(d.object, ['metadata', 'labels', 'owner'], 'group:default/payments');
    set(d.object, ['metadata', 'annotations', 'bad key'], 'x');
    set(d.object, ['spec', 'template', 'metadata', 'labels', 'app.kubernetes.io/name'], 'orders');
    const problems = validateObjects([d]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['invalid_label', 'production/orders-api/deployment.yaml: metadata.labels.owner'],
      ['invalid_annotation', 'production/orders-api/deployment.yaml: metadata.annotations["bad key"]'],
      ['selector_mismatch', 'production/orders-api/deployment.yaml: spec.selector.matchLabels["app.kubernetes.io/name"]'],
    ]);
    expect(problems[0]?.message).toMatch(/value must be empty or consist of letters/);
  });

  it('turns validate() errors into problems with field paths', () => {
    const d = deployment();
    set(d.object, ['spec', 'replicas'], 'two');
    set(d.object, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'protocol'], 'tcp');
    delete (d.object.spec as Record<string, unknown>).selector;
    const byPath = Object.fromEntries(validateObjects([d]).map((p) => [p.path.replace(/^.*\.yaml: /, ''), p]));
    expect(byPath['spec.replicas']).toMatchObject({ code: 'invalid_type' });
    expect(byPath['spec.replicas']?.message).toMatch(/spec.replicas: must be integer; found "two"$/);
    expect(byPath['spec.selector']).toMatchObject({ code: 'missing_field' });
    expect(byPath['spec.template.spec.containers[0].ports[0].protocol']?.message).toMatch(
      /must be one of "SCTP", "TCP", "UDP"; found "tcp"$/,
    );
  });

  it('checks quantities (one problem each), Service port names and env var names', () => {
    const [, quota, limits] = renderEnvironment(env, ['orders-api']);
    set(quota!.object, ['spec', 'hard', 'requests.memory'], '16 GB');
    set(limits!.object, ['spec', 'limits', 0, 'max', 'cpu'], 'four');
    const svc = renderWorkload(ordersApi(), env).find((o) => o.kind === 'Service')!;
    delete (svc.object.spec as { ports: Array<Record<string, unknown>> }).ports[1]!.name;
    const d = deployment();
    set(d.object, ['spec', 'template', 'spec', 'containers', 0, 'env', 0, 'name'], '1BAD');
    const problems = validateObjects([quota!, limits!, svc, d]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['invalid_value', 'production/resourcequota.yaml: spec.hard["requests.memory"]'],
      ['invalid_value', 'production/limitrange.yaml: spec.limits[0].max.cpu'],
      ['missing_field', 'production/orders-api/service.yaml: spec.ports[1].name'],
      ['invalid_name', 'production/orders-api/deployment.yaml: spec.template.spec.containers[0].env[0].name'],
    ]);
    // validate() reports a bad quantity once per oneOf branch; that is one problem here.
    expect(problems[0]?.message).toBe(
      'production/resourcequota.yaml: spec.hard["requests.memory"]: must be a quantity such as "500m", "2", "512Mi" or "1Gi"; found "16 GB"',
    );
  });

  it('refuses kinds it does not know and non-objects', () => {
    expect(objectProblems({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).toEqual([
      expect.objectContaining({ code: 'unknown_kind', message: expect.stringMatching(/kind "Secret" is not a kind the kubernetes driver writes/) }),
    ]);
    expect(objectProblems(['x'])).toEqual([expect.objectContaining({ code: 'invalid_type' })]);
  });
});

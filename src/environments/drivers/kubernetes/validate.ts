import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { Problem } from '../../../core/errors.js';
import { describeValue } from '../../../pipelines/model/problems.js';
import {
  checkConfigKey,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkEnvVarName,
  checkLabelValue,
  checkPortName,
  checkQualifiedName,
} from './names.js';
import { formatPath, pointerSegments, valueAt, type Segment } from './paths.js';

/** One object of a rendered environment, with where it goes in the environment repository. */
export interface RenderedObject {
  kind: string;
  name: string;
  /** File name in its folder: `deployment.yaml`. */
  file: string;
  /** Path in the environment repository: `production/orders-api/deployment.yaml`. */
  path: string;
  /** The object as plain JSON (what kubernetes-models' `toJSON()` gives). */
  object: Record<string, unknown>;
}

/** A problem inside one object, before it is placed in a file. */
export interface ObjectProblem {
  code: string;
  at: Segment[];
  message: string;
  /** Point at the key rather than its value (unknown fields). */
  onKey?: boolean;
}

/** The kinds the driver renders, by `apiVersion/kind`, with the kubernetes-models class whose schema checks them. */
const MODELS: Record<string, { prototype: { validate(): void } }> = {
  'v1/Namespace': Namespace,
  'v1/ResourceQuota': ResourceQuota,
  'v1/LimitRange': LimitRange,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/**
 * Checks rendered objects offline: kubernetes-models' `validate()` (types, required fields, enums), then what it
 * misses and the API server would reject: unknown fields, DNS-1123 names, label syntax, port names, env var names,
 * a selector that does not match its pod template. Paths are `<file>: <field path>`.
 */
export function validateObjects(objects: readonly RenderedObject[]): Problem[] {
  return objects.flatMap((o) =>
    objectProblems(o.object).map((p) => {
      const path = p.at.length > 0 ? `${o.path}: ${formatPath(p.at)}` : o.path;
      return { code: p.code, path, message: `${path}: ${p.message}`, severity: 'error' as const };
    }),
  );
}

/** Every problem of one object, with paths inside it. */
export function objectProblems(object: unknown): ObjectProblem[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return [{ code: 'invalid_type', at: [], message: `must be a Kubernetes object (a mapping), found ${describeValue(object)}` }];
  }
  const o = object as Record<string, unknown>;
  const typeKey = `${String(o.apiVersion)}/${String(o.kind)}`;
  const model = MODELS[typeKey];
  if (!model) {
    return [
      {
        code: 'unknown_kind',
        at: [],
        message: `apiVersion ${describeValue(o.apiVersion)} kind ${describeValue(o.kind)} is not a kind the kubernetes driver writes (expected one of ${Object.keys(MODELS).join(', ')})`,
      },
    ];
  }
  return [...schemaProblems(model, o), ...nameProblems(o), ...kindProblems(o)];
}

// ---- Schema: kubernetes-models validate(), and the fields it does not know ------------------------------------

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** What the schema validator did with one mapping of the object. */
interface Visit {
  at: Segment[];
  keys: string[];
  /** Properties the schema looked up: the ones it declares. */
  read: Set<string>;
  /** The schema enumerated the keys: a map (labels, resources), where any key is allowed. */
  listed: boolean;
}

/**
 * Runs the model's `validate()` on a recording copy of the object. kubernetes-models ships its schemas only as
 * compiled validators (no JSON schema files), and they accept unknown fields because the Kubernetes schemas do not
 * set `additionalProperties: false`. But a compiled validator looks up every property its schema declares on each
 * mapping it checks, and enumerates the keys of maps. So a key the validator neither looked up nor enumerated is a
 * field that schema does not have: exactly what the API server's strict field validation rejects.
 */
function schemaProblems(model: { prototype: { validate(): void } }, object: Record<string, unknown>): ObjectProblem[] {
  const visits: Visit[] = [];
  const problems: ObjectProblem[] = [];
  try {
    model.prototype.validate.call(recording(object, [], visits));
  } catch (e) {
    const errors = (e as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) throw e;
    problems.push(...schemaErrors(errors as AjvError[], object));
  }
  for (const v of visits) {
    // A mapping the validator never looked into is inside an unknown field (reported there) or has a free-form
    // schema; either way there is nothing to compare its keys with.
    if (v.listed || v.read.size === 0) continue;
    const expected = [...v.read].sort();
    for (const key of v.keys) {
      if (v.read.has(key)) continue;
      problems.push({
        code: 'unknown_field',
        at: [...v.at, key],
        message: `unknown field ${JSON.stringify(key)}; expected one of ${expected.join(', ')}`,
        onKey: true,
      });
    }
  }
  return problems;
}

/** A copy of `value` whose mappings record which keys are looked up or enumerated. */
function recording(value: unknown, at: Segment[], visits: Visit[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => recording(item, [...at, i], visits));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const target = Object.fromEntries(entries.map(([k, v]) => [k, recording(v, [...at, k], visits)]));
  const visit: Visit = { at, keys: entries.map(([k]) => k), read: new Set(), listed: false };
  visits.push(visit);
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.get(t, key, receiver) as unknown;
    },
    has(t, key) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      visit.listed = true;
      return Reflect.ownKeys(t);
    },
  });
}

/**
 * Problems from validate()'s errors. A value that fits no branch of a `oneOf` (quantities, int-or-string ports) gets
 * one error per branch and one for the `oneOf`: they become one problem saying what the value may be.
 */
function schemaErrors(errors: AjvError[], object: Record<string, unknown>): ObjectProblem[] {
  const alternatives = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: ObjectProblem[] = [];
  for (const err of errors) {
    if (alternatives.has(err.instancePath) && err.keyword !== 'oneOf' && err.keyword !== 'anyOf') continue;
    const at = pointerSegments(err.instancePath, object);
    if (err.keyword === 'required') {
      out.push({ code: 'missing_field', at: [...at, String(err.params.missingProperty)], message: 'is required' });
      continue;
    }
    const found = describeValue(valueAt(object, at));
    if (alternatives.has(err.instancePath)) {
      const branches = errors.filter((e) => e.instancePath === err.instancePath && e !== err);
      out.push({ code: 'invalid_value', at, message: `${alternativesMessage(branches)}; found ${found}` });
    } else if (err.keyword === 'enum' && Array.isArray(err.params.allowedValues)) {
      const allowed = err.params.allowedValues.map((v) => JSON.stringify(v)).join(', ');
      out.push({ code: 'invalid_value', at, message: `must be one of ${allowed}; found ${found}` });
    } else {
      const code = err.keyword === 'type' ? 'invalid_type' : 'invalid_value';
      out.push({ code, at, message: `${err.message ?? `fails "${err.keyword}"`}; found ${found}` });
    }
  }
  return out;
}

function alternativesMessage(branches: AjvError[]): string {
  if (branches.some((e) => e.keyword === 'format' && e.params.format === 'quantity')) {
    return 'must be a quantity such as "500m", "2", "512Mi" or "1Gi"';
  }
  const types = [...new Set(branches.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))].sort();
  return types.length > 0 ? `must be ${types.join(' or ')}` : 'matches none of the allowed forms';
}

// ---- Names, labels and values the API server checks -----------------------------------------------------------

type Check = (value: string) => string | undefined;

/** The name syntax of each kind (k8s.io/kubernetes/pkg/apis/*\/validation). Others are DNS-1123 subdomains. */
const NAME_CHECKS: Record<string, Check> = { Namespace: checkDns1123Label, Service: checkDns1035Label };

function check(out: ObjectProblem[], code: string, at: Segment[], value: unknown, fn: Check): void {
  if (typeof value !== 'string') return; // wrong types are validate()'s to report
  const bad = fn(value);
  if (bad) out.push({ code, at, message: `${bad}; found ${describeValue(value)}` });
}

function nameProblems(o: Record<string, unknown>): ObjectProblem[] {
  const out: ObjectProblem[] = [];
  const metadata = o.metadata as Record<string, unknown> | undefined;
  if (metadata?.name === undefined) {
    out.push({ code: 'missing_field', at: ['metadata', 'name'], message: 'is required' });
  } else {
    check(out, 'invalid_name', ['metadata', 'name'], metadata.name, NAME_CHECKS[String(o.kind)] ?? checkDns1123Subdomain);
  }
  if (metadata?.namespace !== undefined) check(out, 'invalid_name', ['metadata', 'namespace'], metadata.namespace, checkDns1123Label);
  walkLabels(o, [], out);
  return out;
}

/** Label maps and annotations wherever they are: object and pod template metadata, label selectors. */
function walkLabels(value: unknown, at: Segment[], out: ObjectProblem[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walkLabels(item, [...at, i], out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const here = [...at, key];
    if (isMap(child) && (key === 'matchLabels' || (key === 'labels' && at.at(-1) === 'metadata'))) {
      labelMapProblems(child, here, out);
    } else if (isMap(child) && key === 'annotations' && at.at(-1) === 'metadata') {
      for (const k of Object.keys(child)) check(out, 'invalid_annotation', [...here, k], k, (v) => keyMessage(checkQualifiedName(v)));
    } else {
      walkLabels(child, here, out);
    }
  }
}

function labelMapProblems(labels: Record<string, unknown>, at: Segment[], out: ObjectProblem[]): void {
  for (const [k, v] of Object.entries(labels)) {
    check(out, 'invalid_label', [...at, k], k, (key) => keyMessage(checkQualifiedName(key)));
    check(out, 'invalid_label', [...at, k], v, (value) => (checkLabelValue(value) ? `value ${checkLabelValue(value)}` : undefined));
  }
}

function keyMessage(bad: string | undefined): string | undefined {
  return bad ? `key ${bad}` : undefined;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** What each kind adds: containers and ports of a Deployment, a Service's ports, NetworkPolicy port names. */
function kindProblems(o: Record<string, unknown>): ObjectProblem[] {
  const out: ObjectProblem[] = [];
  const spec = isMap(o.spec) ? o.spec : {};
  switch (o.kind) {
    case 'Deployment':
      deploymentProblems(spec, out);
      break;
    case 'Service':
      servicePortProblems(spec, out);
      break;
    case 'NetworkPolicy':
      for (const dir of ['ingress', 'egress'] as const) {
        list(spec[dir]).forEach((rule, r) => {
          list(isMap(rule) ? rule.ports : undefined).forEach((p, i) => {
            if (isMap(p)) check(out, 'invalid_name', ['spec', dir, r, 'ports', i, 'port'], p.port, checkPortName);
          });
        });
      }
      break;
  }
  return out;
}

function deploymentProblems(spec: Record<string, unknown>, out: ObjectProblem[]): void {
  const template = isMap(spec.template) ? spec.template : {};
  const podLabels = isMap(template.metadata) && isMap(template.metadata.labels) ? template.metadata.labels : {};
  const selector = isMap(spec.selector) && isMap(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  for (const [k, v] of Object.entries(selector)) {
    if (podLabels[k] !== v) {
      out.push({
        code: 'selector_mismatch',
        at: ['spec', 'selector', 'matchLabels', k],
        message: `the selector must match the pod template's labels: spec.template.metadata.labels has ${describeValue(podLabels[k])}`,
      });
    }
  }
  const pod = isMap(template.spec) ? template.spec : {};
  const podAt: Segment[] = ['spec', 'template', 'spec'];
  check(out, 'invalid_name', [...podAt, 'serviceAccountName'], pod.serviceAccountName, checkDns1123Subdomain);
  const seen = new Map<string, string>();
  for (const group of ['initContainers', 'containers'] as const) {
    list(pod[group]).forEach((c, i) => {
      if (!isMap(c)) return;
      const at: Segment[] = [...podAt, group, i];
      check(out, 'invalid_name', [...at, 'name'], c.name, checkDns1123Label);
      if (typeof c.name === 'string') {
        const first = seen.get(c.name);
        if (first) out.push({ code: 'duplicate_name', at: [...at, 'name'], message: `must be unique in the pod; ${first} has the same name` });
        else seen.set(c.name, formatPath(at));
      }
      containerProblems(c, at, out);
    });
  }
}

function containerProblems(c: Record<string, unknown>, at: Segment[], out: ObjectProblem[]): void {
  const portNames = new Set<string>();
  list(c.ports).forEach((p, j) => {
    if (!isMap(p) || p.name === undefined) return;
    check(out, 'invalid_name', [...at, 'ports', j, 'name'], p.name, checkPortName);
    if (typeof p.name === 'string' && portNames.has(p.name)) {
      out.push({ code: 'duplicate_name', at: [...at, 'ports', j, 'name'], message: 'must be unique among the container\'s ports' });
    }
    portNames.add(String(p.name));
  });
  list(c.env).forEach((e, j) => {
    if (!isMap(e)) return;
    check(out, 'invalid_name', [...at, 'env', j, 'name'], e.name, checkEnvVarName);
    const ref = isMap(e.valueFrom) && isMap(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
    if (ref) {
      const refAt: Segment[] = [...at, 'env', j, 'valueFrom', 'secretKeyRef'];
      check(out, 'invalid_name', [...refAt, 'name'], ref.name, checkDns1123Subdomain);
      check(out, 'invalid_name', [...refAt, 'key'], ref.key, checkConfigKey);
    }
  });
}

function servicePortProblems(spec: Record<string, unknown>, out: ObjectProblem[]): void {
  if (isMap(spec.selector)) labelMapProblems(spec.selector, ['spec', 'selector'], out);
  const ports = list(spec.ports);
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (!isMap(p)) return;
    const at: Segment[] = ['spec', 'ports', i, 'name'];
    if (p.name === undefined) {
      if (ports.length > 1) out.push({ code: 'missing_field', at, message: 'is required when a Service has more than one port' });
      return;
    }
    check(out, 'invalid_name', at, p.name, checkDns1123Label);
    if (typeof p.name === 'string' && names.has(p.name)) out.push({ code: 'duplicate_name', at, message: 'must be unique among the Service\'s ports' });
    names.add(String(p.name));
    if (typeof p.targetPort === 'string') check(out, 'invalid_name', ['spec', 'ports', i, 'targetPort'], p.targetPort, checkPortName);
  });
}

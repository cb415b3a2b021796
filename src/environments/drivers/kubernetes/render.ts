import { createHash } from 'node:crypto';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import type { ILimitRangeItem } from 'kubernetes-models/v1/LimitRangeItem';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { InputError } from '../../../core/errors.js';
import type { EnvironmentSpec, EnvironmentType, ResolvedContainer, ResolvedWorkload, ScoreProbe } from '../../model/types.js';
import { checkDns1123Label } from './names.js';
import { kubernetesSettings, type KubernetesSettings, type Quantities } from './settings.js';
import { validateObjects, type RenderedObject } from './validate.js';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_ENVIRONMENT = 'gantry.dev/environment';
export const LABEL_RELEASE = 'gantry.dev/release';
export const ANNOTATION_COMMIT = 'gantry.dev/commit';
export const ANNOTATION_ARTIFACT = 'gantry.dev/artifact-digest';

export interface RenderOptions {
  /** Namespace to render into; default `<settings.namespacePrefix><env.name>`. */
  namespace?: string;
  /** Image for containers whose Score image is `.`; default `<settings.registry>/<component>:<sha>`. */
  image?: string;
}

/**
 * The Secret a workload's secret env vars read (`<component>-resources`, one key per variable). Gantry never
 * renders it: its values must not reach git. The platform's provisioner or an external-secrets controller creates
 * it in the namespace (docs/environments-kubernetes.md).
 */
export function secretName(component: string): string {
  return `${component}-resources`;
}

/**
 * The keys the workload's Secret must hold: every secret env var name of every container. Two containers may share
 * a key only if its value is the same, since one Secret key holds one value.
 */
export function secretKeys(w: ResolvedWorkload): string[] {
  const values = new Map<string, { container: string; value: string | undefined }>();
  for (const c of w.containers) {
    for (const key of c.secretEnv) {
      const prev = values.get(key);
      if (prev && prev.value !== c.env[key]) {
        const path = `containers.${c.name}.variables.${key}`;
        const message =
          `${path}: a secret with a different value than in container ${prev.container}; one key of Secret ` +
          `${secretName(w.component)} holds one value, so rename one of the variables`;
        throw new InputError(message, { problems: [{ code: 'secret_conflict', path, message, severity: 'error' }] });
      }
      values.set(key, { container: c.name, value: c.env[key] });
    }
  }
  return [...values.keys()].sort();
}

/**
 * One workload's objects: Deployment, Service (when it has ports), ServiceAccount, NetworkPolicy. Built with the
 * kubernetes-models classes and checked with `validateObjects`; an invalid result (a bad name in the input, a bad
 * setting) is an InputError whose problems say which field of which file.
 */
export function renderWorkload(w: ResolvedWorkload, env: EnvironmentSpec, opts: RenderOptions = {}): RenderedObject[] {
  if (w.environment !== env.name) {
    throw new InputError(`workload ${w.component} is resolved for environment ${w.environment}, not ${env.name}`);
  }
  // The component names a folder of the environment repository and every object: a DNS-1123 label keeps both safe.
  const bad = checkDns1123Label(w.component);
  if (bad) {
    const message = `component: ${bad}; found ${JSON.stringify(w.component)}`;
    throw new InputError(message, { problems: [{ code: 'invalid_name', path: 'component', message, severity: 'error' }] });
  }
  const settings = kubernetesSettings(env);
  const namespace = opts.namespace ?? `${settings.namespacePrefix}${env.name}`;
  const selector = { [LABEL_INSTANCE]: instanceName(w.component, env.name), [LABEL_NAME]: w.component };
  const labels = sorted({
    ...selector,
    [LABEL_PART_OF]: 'gantry',
    [LABEL_ENVIRONMENT]: env.name,
    [LABEL_RELEASE]: w.releaseId,
  });
  const annotations = sorted({
    ...w.annotations,
    [ANNOTATION_COMMIT]: w.sha,
    ...(w.artifactDigest ? { [ANNOTATION_ARTIFACT]: w.artifactDigest } : {}),
  });
  const metadata = { name: w.component, namespace, labels, annotations };
  const image = opts.image ?? `${settings.registry}/${w.component}:${w.sha}`;
  secretKeys(w); // refuses conflicting secret keys before anything is written

  const deployment = new Deployment({
    metadata,
    spec: {
      replicas: settings.replicas,
      selector: { matchLabels: selector },
      // Never below the desired count during a rollout: the new pod must be ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { [ANNOTATION_COMMIT]: w.sha } },
        spec: {
          serviceAccountName: w.component,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: w.containers.map((c, i) => container(c, w, i === 0, image)),
        },
      },
    },
  });
  const objects: RenderedObject[] = [rendered(deployment, w, env)];

  if (w.ports.length > 0) {
    const service = new Service({
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: w.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
      },
    });
    objects.push(rendered(service, w, env));
  }

  const serviceAccount = new ServiceAccount({ metadata, automountServiceAccountToken: false });
  objects.push(rendered(serviceAccount, w, env));

  // Traffic reaches the pods on their container ports (after the Service's translation), so the policy admits
  // target ports. No ports: an empty rule list, which denies all ingress.
  const podPorts = uniquePorts(w);
  const networkPolicy = new NetworkPolicy({
    metadata,
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress:
        podPorts.length === 0
          ? []
          : [
              {
                from: [
                  { podSelector: {} },
                  {
                    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': settings.ingress.namespace } },
                    podSelector: { matchLabels: sorted(settings.ingress.podLabels) },
                  },
                ],
                ports: podPorts.map((p) => ({ port: p.targetPort, protocol: p.protocol })),
              },
            ],
    },
  });
  objects.push(rendered(networkPolicy, w, env));

  return checked(objects, `${w.component} in ${env.name}`);
}

/**
 * The environment's own objects: its Namespace (restricted Pod Security, which the rendered Deployments meet), a
 * ResourceQuota sized for its components and a LimitRange that fills in requests and limits the quota counts.
 */
export function renderEnvironment(env: EnvironmentSpec, components: readonly string[]): RenderedObject[] {
  const settings = kubernetesSettings(env);
  const namespace = `${settings.namespacePrefix}${env.name}`;
  const labels = sorted({ [LABEL_PART_OF]: 'gantry', [LABEL_ENVIRONMENT]: env.name });
  const namespaceLabels = sorted({
    ...labels,
    'gantry.dev/environment-type': env.type,
    'pod-security.kubernetes.io/enforce': 'restricted',
  });
  const objects = [
    new Namespace({ metadata: { name: namespace, labels: namespaceLabels, annotations: { 'gantry.dev/owner': env.owner } } }),
    new ResourceQuota({
      metadata: { name: 'gantry-quota', namespace, labels },
      spec: { hard: sorted({ ...defaultQuota(env.type, components.length, settings.replicas), ...settings.quota }) },
    }),
    new LimitRange({
      metadata: { name: 'gantry-limits', namespace, labels },
      spec: { limits: [limitRangeItem(settings.limitRange)] },
    }),
  ].map((model) => {
    const object = plain(model);
    const kind = String(object.kind);
    const file = `${kind.toLowerCase()}.yaml`;
    return { kind, name: String((object.metadata as { name: string }).name), file, path: `${env.name}/${file}`, object };
  });
  return checked(objects, `environment ${env.name}`);
}

// ---- Pieces ----------------------------------------------------------------------------------------------------

function container(c: ResolvedContainer, w: ResolvedWorkload, first: boolean, image: string): IContainer {
  const out: IContainer = { name: c.name, image: c.image === '.' ? image : c.image };
  if (c.command) out.command = c.command;
  if (c.args) out.args = c.args;
  // Score's service ports belong to the workload; they are declared on the first (main) container.
  if (first && w.ports.length > 0) {
    out.ports = uniquePorts(w).map((p) => ({ name: p.name, containerPort: p.targetPort, protocol: p.protocol }));
  }
  const env = envVars(c, w.component);
  if (env.length > 0) out.env = env;
  const resources = resourceRequirements(c.resources);
  if (resources) out.resources = resources;
  const readiness = probe(c.readinessProbe);
  if (readiness) out.readinessProbe = readiness;
  const liveness = probe(c.livenessProbe);
  if (liveness) out.livenessProbe = liveness;
  out.securityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
  return out;
}

/** Plain values inline; secret ones only as a reference to the workload's Secret, so no value reaches git. */
function envVars(c: ResolvedContainer, component: string): IEnvVar[] {
  const names = [...new Set([...Object.keys(c.env), ...c.secretEnv])].sort();
  return names.map((name) =>
    c.secretEnv.includes(name)
      ? { name, valueFrom: { secretKeyRef: { name: secretName(component), key: name } } }
      : { name, value: c.env[name] ?? '' },
  );
}

function resourceRequirements(r: ResolvedContainer['resources']): IResourceRequirements | undefined {
  if (!r) return undefined;
  const out: IResourceRequirements = {};
  const requests = definedOnly(r.requests);
  const limits = definedOnly(r.limits);
  if (limits) out.limits = limits;
  if (requests) out.requests = requests;
  return out.limits || out.requests ? out : undefined;
}

function definedOnly(q: { cpu?: string; memory?: string } | undefined): Record<string, string> | undefined {
  const entries = Object.entries(q ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length > 0 ? sorted(Object.fromEntries(entries)) : undefined;
}

/** Score probes name the container's own port, which is what Kubernetes' httpGet.port means too. */
function probe(p: ScoreProbe | undefined): IProbe | undefined {
  if (p?.httpGet) {
    const { path, port, scheme, host } = p.httpGet;
    return { httpGet: { path, port, ...(scheme ? { scheme } : {}), ...(host ? { host } : {}) } };
  }
  if (p?.exec) return { exec: { command: p.exec.command } };
  return undefined;
}

/** Two service ports may forward to one container port; the container declares it once. */
function uniquePorts(w: ResolvedWorkload): ResolvedWorkload['ports'] {
  const seen = new Set<string>();
  return w.ports.filter((p) => {
    const key = `${p.targetPort}/${p.protocol}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `app.kubernetes.io/instance`: `<component>-<env>`. Label values hold at most 63 characters, so a longer one is
 * cut and made unique again with a short hash of the whole.
 */
export function instanceName(component: string, environment: string): string {
  const full = `${component}-${environment}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/[-_.]+$/, '')}-${hash}`;
}

/** Floors by environment type: room for a few services even before any is deployed. */
const QUOTA_FLOOR: Record<EnvironmentType, { cpu: number; memoryGi: number; pods: number }> = {
  production: { cpu: 8, memoryGi: 16, pods: 100 },
  staging: { cpu: 4, memoryGi: 8, pods: 50 },
  development: { cpu: 2, memoryGi: 4, pods: 30 },
  preview: { cpu: 1, memoryGi: 2, pods: 10 },
};

/**
 * A quota that grows with the environment: each component runs `replicas` pods plus one more while a rolling
 * update surges, and each pod gets room for half a CPU and 1 GiB requested (twice that as limits). No LoadBalancer
 * or NodePort Services: traffic enters through the ingress controller.
 */
function defaultQuota(type: EnvironmentType, components: number, replicas: number): Quantities {
  const floor = QUOTA_FLOOR[type];
  const pods = components * (replicas + 1);
  const cpu = Math.max(floor.cpu, Math.ceil(pods / 2));
  const memoryGi = Math.max(floor.memoryGi, pods);
  return {
    'limits.cpu': String(cpu * 2),
    'limits.memory': `${memoryGi * 2}Gi`,
    pods: String(Math.max(floor.pods, pods * 2)),
    'requests.cpu': String(cpu),
    'requests.memory': `${memoryGi}Gi`,
    services: String(components + 10),
    'services.loadbalancers': '0',
    'services.nodeports': '0',
  };
}

function limitRangeItem(lr: KubernetesSettings['limitRange']): ILimitRangeItem {
  const item: ILimitRangeItem = { type: 'Container' };
  for (const field of ['default', 'defaultRequest', 'max', 'min'] as const) {
    if (Object.keys(lr[field]).length > 0) item[field] = sorted(lr[field]);
  }
  return item;
}

function rendered(model: Deployment | Service | ServiceAccount | NetworkPolicy, w: ResolvedWorkload, env: EnvironmentSpec): RenderedObject {
  const object = plain(model);
  const kind = String(object.kind);
  const file = `${kind.toLowerCase()}.yaml`;
  return { kind, name: w.component, file, path: `${env.name}/${w.component}/${file}`, object };
}

/** The model as plain JSON: no class instances, no undefined fields. */
function plain(model: { toJSON(): unknown }): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model.toJSON())) as Record<string, unknown>;
}

function checked(objects: RenderedObject[], what: string): RenderedObject[] {
  const problems = validateObjects(objects);
  if (problems.length > 0) {
    throw new InputError(`kubernetes manifests for ${what} are invalid: ${problems.map((p) => p.message).join('; ')}`, { problems });
  }
  return objects;
}

/** Keys sorted, so that YAML output does not depend on the order inputs happened to list them in. */
function sorted<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

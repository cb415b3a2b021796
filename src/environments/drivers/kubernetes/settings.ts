import { z } from 'zod';
import { InputError, type Problem } from '../../../core/errors.js';
import type { EnvironmentSpec } from '../../model/types.js';
import { formatPath } from './paths.js';

const quantity = z.union([z.string(), z.number()]);
const quantities = z.record(z.string(), quantity);

/**
 * An environment's `settings` for the kubernetes driver (docs/environments-kubernetes.md). Strict, so a typo such
 * as `namespacePrefx` is an error rather than a silently ignored setting. `kubeconfig` and `context` belong to
 * applying to a cluster, which Argo CD or Flux do from git; they are accepted so an entity can carry them.
 */
const settingsSchema = z.strictObject({
  namespacePrefix: z.string().optional(),
  registry: z.string().min(1).optional(),
  replicas: z.number().int().min(0).optional(),
  quota: quantities.optional(),
  limitRange: z
    .strictObject({
      default: quantities.optional(),
      defaultRequest: quantities.optional(),
      max: quantities.optional(),
      min: quantities.optional(),
    })
    .optional(),
  ingress: z
    .strictObject({
      namespace: z.string().min(1).optional(),
      podLabels: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  // A file name only: the file lives in <workspace>/kubeconfigs/, where the operator put it (never a user's path).
  kubeconfig: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, { error: 'expected the name of a file in <workspace>/kubeconfigs/ (no folders)' })
    .optional(),
  context: z.string().min(1).optional(),
});

export type Quantities = Record<string, string>;

export interface KubernetesSettings {
  namespacePrefix: string;
  registry: string;
  replicas: number;
  /** ResourceQuota `spec.hard` entries that replace or add to the sized defaults (renderEnvironment). */
  quota: Quantities;
  limitRange: { default: Quantities; defaultRequest: Quantities; max: Quantities; min: Quantities };
  ingress: { namespace: string; podLabels: Record<string, string> };
  /** A kubeconfig file name in `<workspace>/kubeconfigs/`: Gantry applies the manifests itself. */
  kubeconfig?: string;
  context?: string;
}

export const DEFAULT_REGISTRY = 'registry.local';

/**
 * Container defaults: the quota above counts requests and limits, so the cluster rejects a pod that sets neither
 * unless a LimitRange fills them in. `max` stops one container from taking a whole preview's quota.
 */
const LIMIT_RANGE_DEFAULTS: KubernetesSettings['limitRange'] = {
  default: { cpu: '500m', memory: '512Mi' },
  defaultRequest: { cpu: '100m', memory: '128Mi' },
  max: { cpu: '4', memory: '8Gi' },
  min: {},
};

const INGRESS_DEFAULTS: KubernetesSettings['ingress'] = {
  namespace: 'ingress-nginx',
  podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' },
};

/** Reads `env.settings`; a bad setting is an InputError whose problems name `settings.<field>`. */
export function kubernetesSettings(env: EnvironmentSpec): KubernetesSettings {
  const parsed = settingsSchema.safeParse(env.settings ?? {});
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.flatMap((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((key) => {
        const path = formatPath(['settings', ...(issue.path as Array<string | number>), ...(key === undefined ? [] : [key])]);
        const message = key === undefined ? issue.message : `unknown setting ${JSON.stringify(key)}`;
        return { code: 'invalid_setting', path, message: `${path}: ${message}`, severity: 'error' as const };
      });
    });
    throw new InputError(`environment ${env.name}: invalid kubernetes settings`, { problems });
  }
  const s = parsed.data;
  const lr = s.limitRange ?? {};
  return {
    namespacePrefix: s.namespacePrefix ?? '',
    registry: s.registry ?? DEFAULT_REGISTRY,
    replicas: s.replicas ?? 1,
    quota: stringQuantities(s.quota),
    limitRange: {
      default: { ...LIMIT_RANGE_DEFAULTS.default, ...stringQuantities(lr.default) },
      defaultRequest: { ...LIMIT_RANGE_DEFAULTS.defaultRequest, ...stringQuantities(lr.defaultRequest) },
      max: { ...LIMIT_RANGE_DEFAULTS.max, ...stringQuantities(lr.max) },
      min: { ...LIMIT_RANGE_DEFAULTS.min, ...stringQuantities(lr.min) },
    },
    ingress: {
      namespace: s.ingress?.namespace ?? INGRESS_DEFAULTS.namespace,
      podLabels: s.ingress?.podLabels ?? INGRESS_DEFAULTS.podLabels,
    },
    ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}),
    ...(s.context ? { context: s.context } : {}),
  };
}

/** The namespace an environment's objects live in: `<namespacePrefix><env.name>`. */
export function namespaceOf(env: EnvironmentSpec): string {
  return `${kubernetesSettings(env).namespacePrefix}${env.name}`;
}

/** Quantities are written as strings: `2` and `"2"` are the same quantity, and strings keep the YAML stable. */
function stringQuantities(q: Record<string, string | number> | undefined): Quantities {
  return Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, String(v)]));
}

/**
 * The shared vocabulary of environments and deployments (docs/environments.md). The model (Score parsing,
 * placeholders), the resource provisioners, the runtime drivers (local processes, Kubernetes manifests) and the
 * engine (releases, deployments, the environment repository) all speak these types.
 */

export type EnvironmentType = 'development' | 'staging' | 'production' | 'preview';
export type DriverName = 'local' | 'kubernetes';

/** A freeze window: absolute (ISO times) or weekly (`Fri 16:00` to `Mon 08:00`, UTC). */
export interface FreezeWindow {
  start: string;
  end: string;
  reason?: string;
}

/** An Environment entity (`gantry.dev/v1alpha1`, kind Environment), normalised. */
export interface EnvironmentSpec {
  /** The entity's metadata.name: `dev`, `staging`, `production`, `pr-42`. DNS-1123 label. */
  name: string;
  type: EnvironmentType;
  /** Entity ref of the owning group. */
  owner: string;
  driver: DriverName;
  /** Promotion order: lower first. Previews are outside the order. */
  order: number;
  /** Approvals a deployment into it needs, by someone other than the requester. */
  requiredApprovals: number;
  freezeWindows: FreezeWindow[];
  /** Previews only: torn down this long after creation. */
  ttlMs?: number;
  /** Previews only: the branch it was made for; deleting the branch tears it down. */
  branch?: string;
  /** Previews only: the hosted repository of that branch. */
  repo?: string;
  /** Driver settings, e.g. kubernetes: { namespacePrefix, kubeconfig, context }. */
  settings: Record<string, unknown>;
}

// ---- Score (score.dev/v1b1) ------------------------------------------------------------------------------------

export interface ScoreProbe {
  httpGet?: { path: string; port: number; scheme?: 'HTTP' | 'HTTPS'; host?: string };
  exec?: { command: string[] };
}

export interface ScoreContainer {
  /** `.` means "the artifact this repository's pipeline built". */
  image: string;
  command?: string[];
  args?: string[];
  /** Values may hold placeholders: `${resources.db.host}`, `${metadata.name}`. */
  variables?: Record<string, string>;
  files?: Array<{ target: string; mode?: string; content?: string; source?: string; noExpand?: boolean }>;
  volumes?: Array<{ source: string; target: string; path?: string; readOnly?: boolean }>;
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  livenessProbe?: ScoreProbe;
  readinessProbe?: ScoreProbe;
}

export interface ScoreResource {
  type: string;
  class?: string;
  id?: string;
  metadata?: { annotations?: Record<string, string> };
  params?: Record<string, unknown>;
}

export interface ScoreWorkload {
  apiVersion: 'score.dev/v1b1';
  metadata: { name: string; annotations?: Record<string, string>; [key: string]: unknown };
  containers: Record<string, ScoreContainer>;
  service?: { ports: Record<string, { port: number; targetPort?: number; protocol?: 'TCP' | 'UDP' }> };
  resources?: Record<string, ScoreResource>;
}

/** The resource types Gantry provisions. Any other type is an error before anything changes. */
export const RESOURCE_TYPES = ['postgres', 'redis', 'route', 'volume', 'environment'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

// ---- Provisioning ------------------------------------------------------------------------------------------------

/** Identifies one resource of one workload in one environment. */
export interface ResourceKey {
  environment: string;
  component: string;
  /** The resource's name in the Score file (`db`). */
  name: string;
}

/** What a provisioner made: the values placeholders read (`${resources.db.host}`). */
export interface ProvisionedResource {
  type: ResourceType;
  /** Output name to value (host, port, name, username, password, url, path, ...). */
  outputs: Record<string, string>;
  /** Output names whose values are secret: never logged, stored or returned; masked in views. */
  secretOutputs: string[];
}

// ---- Resolved workloads: what a driver runs -----------------------------------------------------------------------

export interface ResolvedContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  /** Placeholders resolved. Values of secret outputs are present here and must never be written to logs or git. */
  env: Record<string, string>;
  /** Names in env whose values came from secret outputs. */
  secretEnv: string[];
  resources?: ScoreContainer['resources'];
  readinessProbe?: ScoreProbe;
  livenessProbe?: ScoreProbe;
}

export interface ResolvedPort {
  name: string;
  /** The service port (what other workloads and the router use). */
  port: number;
  /** The port the container listens on. */
  targetPort: number;
  protocol: 'TCP' | 'UDP';
}

/** One workload of one release, resolved for one environment. */
export interface ResolvedWorkload {
  /** Component name (the catalog entity's metadata.name); a DNS-1123 label. */
  component: string;
  environment: string;
  releaseId: string;
  /** The commit the release was built from. */
  sha: string;
  /** sha256 of the release bundle (`sha256:<hex>`), or null for an image-only workload. */
  artifactDigest: string | null;
  /** Labels and annotations to put on what the driver creates (owner, tier, ...). */
  annotations: Record<string, string>;
  containers: ResolvedContainer[];
  ports: ResolvedPort[];
  /** Provisioned resources by name (outputs only; secrets are in the containers' env). */
  resources: Record<string, { type: ResourceType; outputs: Record<string, string>; secretOutputs: string[] }>;
}

// Problems found before anything changes use src/core/errors.ts `Problem` (code, path, message, position,
// severity), as the catalog and the pipelines do.

/**
 * The policy vocabulary (docs/policy.md): Policy documents (`gantry.dev/v1alpha1`, kind Policy), the admission
 * points the platform calls the engine at, the input object each one passes, and the decisions that come back.
 * The input contracts below are what the platform promises a policy author; the CEL environment declares them.
 */

export const POLICY_API_VERSION = 'gantry.dev/v1alpha1';

/** enforce: a failed validation denies; warn: allowed with a warning; audit: allowed and only recorded. */
export const POLICY_MODES = ['enforce', 'warn', 'audit'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** Where a change enters the platform; each passes its own `object` (below). */
export const ADMISSION_ACTIONS = [
  'catalog.entity',
  'template.run',
  'pipeline.gate',
  'deployment.create',
  'deployment.promote',
  'deployment.rollback',
  'kubernetes.manifests',
  'scorecard.check',
] as const;
export type AdmissionAction = (typeof ADMISSION_ACTIONS)[number];

/** Labels policies with the built-in pack they come from. */
export const PACK_LABEL = 'gantry.dev/policy-pack';

export interface PolicyMatch {
  /** Admission points; `deployment.*` matches every action starting with `deployment.`. */
  actions: string[];
  /** Subject kinds, lower case (`component`); any when absent. */
  kinds?: string[];
  /** Every label must be present on the subject with this value. */
  labels?: Record<string, string>;
  /** Any of these tags on the subject. */
  tags?: string[];
  /** Deploy actions: the target environment's type. A policy with this set never matches an input without one. */
  environmentTypes?: string[];
  /** Deploy actions: the target environment's name. */
  environments?: string[];
}

export interface PolicyVariable {
  name: string;
  expression: string;
}

export interface PolicyValidation {
  /** CEL; must return bool. true passes. */
  expression: string;
  /** Shown when the validation fails; defaults to `failed expression: <expression>`. */
  message?: string;
  /** CEL returning a string; used instead of message when it evaluates. */
  messageExpression?: string;
  /** A machine-readable reason, as in Kubernetes: Forbidden (default), Invalid, Unauthorized, ... */
  reason?: string;
}

export interface PolicySpec {
  mode: PolicyMode;
  match: PolicyMatch;
  variables: PolicyVariable[];
  validations: PolicyValidation[];
}

export interface PolicyMetadata {
  name: string;
  title?: string;
  description?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Policy {
  apiVersion: typeof POLICY_API_VERSION;
  kind: 'Policy';
  metadata: PolicyMetadata;
  spec: PolicySpec;
}

// ---- Inputs: what every admission point passes ---------------------------------------------------------------------

/** Who asked. `role` is the authorisation role (admin, member, viewer, service); teams are group refs. */
export interface PolicyActor {
  ref: string;
  role: string;
  teams: string[];
}

/** What the action is about: a catalog entity, flattened for short expressions (`subject.tags`). */
export interface PolicySubject {
  ref: string;
  /** Lower case: `component`, `template`, `resource`. */
  kind: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  tags: string[];
  spec: Record<string, unknown>;
}

export interface AdmissionInput<O extends object = Record<string, unknown>> {
  subject: PolicySubject;
  actor: PolicyActor;
  object: O;
}

/** catalog.entity: the entity being ingested (also the subject) and what the catalog knows around it. */
export interface CatalogEntityObject {
  entity: Record<string, unknown>;
  /** The spec.owner ref and whether that entity exists in the catalog (or in the same import). Absent: no owner. */
  owner?: { ref: string; exists: boolean };
  /** Relations the entity declares: `{ type: 'dependsOn', targetRef: 'resource:default/orders-db' }`. */
  relations: Array<{ type: string; targetRef: string }>;
  /** Resources related to the entity (either direction), with their spec.type; an SLO is a Resource of type `slo`. */
  resources: Array<{ ref: string; type: string }>;
}

/** template.run: the template is the subject. */
export interface TemplateRunObject {
  parameters: Record<string, unknown>;
  /** The generated files (text only; binary files have content ''). */
  files: Array<{ path: string; content: string }>;
}

/** pipeline.gate: the component is the subject; the run so far. */
export interface PipelineGateObject {
  run: {
    status: string;
    sha: string;
    branch: string;
    /** Job id to status: `succeeded`, `failed`, `skipped`, `running`, ... */
    jobs: Record<string, string>;
    findings: Array<{ rule: string; severity: string }>;
  };
}

/** deployment.create / deployment.promote: the component is the subject. */
export interface DeploymentObject {
  /** EnvironmentSpec-like: name, type, owner, driver, order, requiredApprovals, freezeWindows, settings. */
  environment: Record<string, unknown> & { name: string; type: string };
  release: { id: string; sha: string; workload: Record<string, unknown> };
  /** The newest pipeline run on release.sha; absent when there is none. */
  pipeline?: { status: string; sha: string; securitySteps: { secretScan: string; dependencyAudit: string } };
  /** Approvals given so far, by someone other than the requester. */
  approvals: Array<{ by: string }>;
  requiredApprovals: number;
  /** The environment is inside a freeze window now. */
  frozen: boolean;
  /** The window it is in, when frozen: `{ start, end, reason? }` as the environment declares it. */
  freezeWindow?: { start: string; end: string; reason?: string };
  /** An admin's reason for deploying in a freeze window (and who); absent without an override. */
  freezeOverride?: string;
  /** Who asked for the deployment (also `actor`). */
  requestedBy: string;
  /** Promote only: the environment the release comes from. */
  from?: string;
}

/** kubernetes.manifests: the rendered objects, before they are committed to the environment repository. */
export interface KubernetesManifestsObject {
  /** The environment they are for (as in deployments); absent when evaluated outside a deployment. */
  environment?: Record<string, unknown> & { name: string; type: string };
  objects: Array<Record<string, unknown>>;
}

// ---- Decisions ---------------------------------------------------------------------------------------------------

export type DecisionResult = 'allow' | 'deny' | 'warn' | 'audit';

export interface Decision {
  policy: string;
  /** The built-in pack, when the policy comes from one. */
  pack?: string;
  mode: PolicyMode;
  action: string;
  subject: string;
  result: DecisionResult;
  /** One per failed validation (or evaluation failure); empty when allowed. */
  messages: string[];
  /** The first failed validation's reason; absent when allowed. */
  reason?: string;
  /** sha256 of the canonical JSON of the input (subject, actor, object), `sha256:<hex>`. */
  inputDigest: string;
}

export interface Admission {
  allowed: boolean;
  denials: Decision[];
  warnings: Decision[];
  decisions: Decision[];
}

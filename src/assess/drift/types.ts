/**
 * The drift report (issue #8): across a set of services, how many different setups exist per dimension (CI
 * system, pipeline shape, monitoring, security controls, build stack, deployment), who uses which, which one is
 * the standard (the most common), and how far each service is from it. Plain JSON: the API returns it as is and
 * `renderDriftHtml` prints it.
 */

/** The dimensions a drift report compares, in report order. */
export type DriftDimension = 'ciSystem' | 'pipelineShape' | 'monitoringStack' | 'securityControls' | 'buildStack' | 'deployment';
export const DRIFT_DIMENSIONS: readonly DriftDimension[] = ['ciSystem', 'pipelineShape', 'monitoringStack', 'securityControls', 'buildStack', 'deployment'];

/** One service of the report, as named by its input entry. */
export interface DriftServiceRef {
  repository: string;
  /** The service's folder in the repository (`.` for the whole repository). */
  path: string;
  name: string;
  /** null: the input named no team for it. */
  team: string | null;
}

/**
 * One setup seen in a dimension. Every variant is a set of items in a fixed order per dimension (so equal setups
 * have equal keys); `?x` marks an item that could not be told (a CI step whose logic is elsewhere, a Dockerfile
 * USER taken from an ARG).
 */
export interface DriftVariant {
  /** The items joined with `+`, or `none` for the empty set. */
  key: string;
  items: string[];
  count: number;
  /** Whether this is the dimension's standard. */
  standard: boolean;
  /** Sorted by repository, then path. */
  services: DriftServiceRef[];
  /** Teams with at least one service on this variant; sorted, null (no team) last. */
  teams: Array<string | null>;
}

/** How one service differs from its dimension's standard. */
export interface DriftDeviation {
  service: DriftServiceRef;
  /** The service's variant key. */
  variant: string;
  /** The service's variant is the standard. */
  matches: boolean;
  /** Items of the standard the service lacks (standard \ service), leaving out those listed in `unknown`. */
  missing: string[];
  /** Items the service has beyond the standard (service \ standard), leaving out the `?x` markers of `unknown`. */
  extra: string[];
  /** Items of the standard the service may or may not have: it carries `?x` for them. */
  unknown: string[];
  /** Known differences: missing and extra items, `?x` markers not counted. 0 for a match, or when all that differs could not be told. */
  distance: number;
}

/** One team's view of a dimension. */
export interface DriftTeamDimension {
  team: string | null;
  services: number;
  /** Services on the standard. */
  matching: number;
  /** The team's variants, most used first (then key). */
  variants: Array<{ key: string; count: number }>;
  /** Every service of the team (matching ones too), sorted by repository, then path. */
  deviations: DriftDeviation[];
}

export interface DriftDimensionReport {
  dimension: DriftDimension;
  /** Number of distinct variants. */
  distinct: number;
  /** The most common variant's key; ties go to the richer variant (more known items), then the key. null: no services. */
  standard: string | null;
  /** Most common first, ordered as the standard is chosen (count, then richer, then key): the standard is first. */
  variants: DriftVariant[];
  /** Sorted by team, null (no team) last. */
  teams: DriftTeamDimension[];
}

/** Per team: how many of its services match the standard on each dimension. */
export interface DriftTeamSummary {
  team: string | null;
  services: number;
  repositories: number;
  matching: Record<DriftDimension, number>;
}

export interface DriftReport {
  /** ISO 8601. */
  generatedAt: string;
  totals: {
    services: number;
    repositories: number;
    /** Distinct named teams (services without a team are not a team). */
    teams: number;
    /** Services without a team. */
    unassigned: number;
  };
  /** Keyed by dimension, in DRIFT_DIMENSIONS order. */
  dimensions: Record<DriftDimension, DriftDimensionReport>;
  /** Sorted by team, null (no team) last. */
  teams: DriftTeamSummary[];
}

/** Titles and one-line descriptions of the dimensions, for the HTML report and the portal. */
export const DRIFT_DIMENSION_INFO: Record<DriftDimension, { title: string; description: string }> = {
  ciSystem: { title: 'CI system', description: 'CI systems with at least one active job that applies to the service.' },
  pipelineShape: {
    title: 'Pipeline shape',
    description: 'What the active CI jobs of the service do: build, test, lint, dependency scan, SAST, secret scan, image publishing, deployment.',
  },
  monitoringStack: { title: 'Monitoring stack', description: 'OpenTelemetry, a Prometheus client, structured logging and a health check, as found in the service.' },
  securityControls: {
    title: 'Security controls',
    description: 'Dependency, code (SAST) and secret scans in CI; every image running as non-root on a pinned base image; a dependency update bot.',
  },
  buildStack: { title: 'Build stack', description: 'Languages and build tools: context for the other dimensions rather than drift to fix.' },
  deployment: { title: 'Deployment', description: 'Deployment descriptors: Kubernetes manifests, Helm, Kustomize, Score, Compose, Terraform.' },
};

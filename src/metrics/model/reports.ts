/**
 * What the metrics computations take (rows read from the metrics tables) and what they return (the reports the
 * API, the CLI, the portal and /metrics show). The definitions are in docs/metrics.md.
 */
import type { Severity } from './facts.js';

// ---- inputs ----------------------------------------------------------------------------------------------------

/** A deployment to production, as stored. */
export interface DeploymentRow {
  id: string;
  component: string;
  environment: string;
  sha: string | null;
  status: 'pending' | 'success' | 'failure' | 'rolled_back';
  rollback: boolean;
  hotfix: boolean;
  startedAt: string | null;
  finishedAt: string;
  /** For a rollback: the deployment it reverted (resolved when stored: the component's previous successful production deployment). */
  reverts: string | null;
}

/** A change that reached production: lead time is `deployedAt - committedAt`. */
export interface ChangeRow {
  component: string;
  sha: string;
  committedAt: string;
  deployedAt: string;
  deployment: string;
}

export interface IncidentRow {
  id: string;
  source: string;
  title: string;
  severity: Severity;
  status: 'open' | 'acknowledged' | 'resolved';
  components: string[];
  startedAt: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** The production deployment that caused it (resolved from a cause sha when stored), or null. */
  causeDeployment: string | null;
}

/** The window a report covers: [from, to). */
export interface Window {
  from: string;
  to: string;
  days: number;
}

// ---- DORA ------------------------------------------------------------------------------------------------------

export type PerformanceLevel = 'elite' | 'high' | 'medium' | 'low';

/** Four Keys' deployment frequency category. */
export type FrequencyCategory = 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface DoraMetrics {
  deploymentFrequency: {
    /** Successful production deployments in the window (rollbacks included). */
    deployments: number;
    perDay: number;
    perWeek: number;
    /** null: no deployments in the window. */
    category: FrequencyCategory | null;
    level: PerformanceLevel | null;
  };
  leadTime: {
    /** Changes that reached production in the window. */
    changes: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
    level: PerformanceLevel | null;
  };
  changeFailureRate: {
    /** Production deployments in the window that finished (success, failure, rolled_back). */
    deployments: number;
    failed: number;
    /** failed / deployments, 0..1; null without deployments. */
    rate: number | null;
    level: PerformanceLevel | null;
  };
  recoveryTime: {
    /** Failed deployments in the window. */
    failures: number;
    /** Of those, how many were recovered (by the end of the window or now). */
    recovered: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
    level: PerformanceLevel | null;
  };
  reworkRate: {
    deployments: number;
    /** Unplanned deployments: rollbacks and hotfixes. */
    unplanned: number;
    rollbacks: number;
    hotfixes: number;
    rate: number | null;
  };
  /** The lowest level of the four keys that have data; null without deployments. */
  level: PerformanceLevel | null;
}

/** One week (Monday 00:00 UTC to the next Monday) of a trend. */
export interface DoraWeek extends Omit<DoraMetrics, 'level'> {
  /** The Monday the week starts on, `YYYY-MM-DD`. */
  week: string;
}

/** A histogram of a duration: `count` values in [previous bucket's le, le). The last bucket's le is null (infinity). */
export interface DurationBucket {
  le: number | null;
  label: string;
  count: number;
}

export interface DoraReport extends DoraMetrics {
  scope: MetricsScope;
  window: Window;
  /** Which State of DevOps report's clusters the levels follow. */
  levels: { report: string; year: number };
  trend: DoraWeek[];
  distributions: { leadTime: DurationBucket[]; recoveryTime: DurationBucket[] };
}

export type MetricsScope = { kind: 'organisation' } | { kind: 'team'; team: string } | { kind: 'component'; component: string };

/** One row of the team comparison. */
export interface TeamDora extends DoraMetrics {
  team: string;
  components: number;
}

// ---- platform effectiveness ------------------------------------------------------------------------------------

/** A component as the adoption metric sees it. */
export interface AdoptionRow {
  component: string;
  owner: string | null;
  /** Created by a golden path (the `gantry.dev/template` annotation). */
  fromGoldenPath: boolean;
  /** Its newest pipeline run extends a standard pipeline. */
  standardPipeline: boolean;
  /** When the catalog first saw it. */
  createdAt: string;
}

/** A scaffolder task: the request, and when the component it created was first deployed and healthy. */
export interface ProvisionRow {
  task: string;
  template: string;
  owner: string | null;
  requestedAt: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  component: string | null;
  firstHealthyAt: string | null;
}

export interface SurveyRow {
  id: string;
  /** null when the answer was anonymous. */
  user: string | null;
  /** The respondent's team when they gave it (kept for anonymous answers too: aggregates need it). */
  team: string | null;
  score: number;
  comment: string | null;
  at: string;
}

export interface PlatformReport {
  window: Window;
  scope: MetricsScope;
  adoption: {
    components: number;
    fromGoldenPath: number;
    standardPipeline: number;
    /** Both: created from a golden path and running the standard pipeline. */
    adopted: number;
    /** adopted / components, 0..1; null without components. */
    rate: number | null;
  };
  timeToProvision: {
    /** Tasks requested in the window that reached a healthy deployment. */
    provisioned: number;
    /** Tasks requested in the window that have not (yet). */
    pending: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
  };
  templates: Array<{ template: string; tasks: number; succeeded: number; failed: number }>;
  incidents: {
    /** Incidents whose impact started in the window. */
    count: number;
    open: number;
    bySeverity: Record<Severity, number>;
    /** Mean and median time to detect (detected - start of impact). */
    mttdSeconds: number | null;
    medianTtdSeconds: number | null;
    /** Mean and median time to restore (resolved - start of impact), over resolved incidents. */
    mttrSeconds: number | null;
    medianTtrSeconds: number | null;
    /** Incidents with no known cause deployment. */
    withoutCause: number;
  };
  satisfaction: {
    responses: number;
    /** Mean score 1..5; null without responses. */
    average: number | null;
    /** Count per score 1..5 (index 0 is score 1). */
    distribution: [number, number, number, number, number];
    byTeam: Array<{ team: string; responses: number; average: number }>;
  };
  trend: Array<{
    week: string;
    /** Adoption rate among the components that existed by the end of the week. */
    adoptionRate: number | null;
    provisioned: number;
    timeToProvisionMedianSeconds: number | null;
    tasks: number;
    incidents: number;
    mttrSeconds: number | null;
    satisfactionResponses: number;
    satisfactionAverage: number | null;
  }>;
}

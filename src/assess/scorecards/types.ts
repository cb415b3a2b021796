/**
 * Scorecards as code (issue #8): a Scorecard document (`gantry.dev/v1alpha1`, kind Scorecard) names ordered levels
 * and CEL checks over a component, its assessed facts, its policy decisions and its metrics. Each check runs as an
 * in-memory Policy on the `scorecard.check` admission point, so type-checking, cost limits and evaluation are the
 * policy engine's, and a policy exemption for `scorecard:<card>/<check>` waives a check.
 */
import type { CapabilityState } from '../model/scan.js';
import type { PerformanceLevel } from '../../metrics/model/reports.js';
import type { PolicySubject } from '../../policy/model/types.js';

export const SCORECARD_API_VERSION = 'gantry.dev/v1alpha1';

/** The admission point scorecard checks run at; no platform action calls it. */
export const SCORECARD_ACTION = 'scorecard.check';

/** The rollup key for components that reach no level. A level may not be named this. */
export const NO_LEVEL = 'none';

export interface ScorecardCheck {
  /** Unique in the card, a lower-case DNS label: it is part of the policy name `scorecard:<card>/<id>`. */
  id: string;
  /** One of the card's levels. */
  level: string;
  title: string;
  description?: string;
  /** What a team does to pass: shown beside every failing check. */
  howToFix: string;
  /** CEL returning bool over `subject`, `object` (ScorecardObject) and `now`; true passes. */
  expression: string;
  /** Shown when the check fails; defaults to `Not met: <title>`. */
  message?: string;
  /** CEL returning a string, used instead of message when it evaluates. */
  messageExpression?: string;
}

export interface ScorecardSpec {
  /** Ordered, lowest first (`[Bronze, Silver, Gold]`). */
  levels: string[];
  /** Which subjects the card scores; every subject when absent. `types` compares with `spec.type`. */
  appliesTo?: { kinds?: string[]; types?: string[] };
  checks: ScorecardCheck[];
}

export interface ScorecardMetadata {
  name: string;
  title?: string;
  description?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Scorecard {
  apiVersion: typeof SCORECARD_API_VERSION;
  kind: 'Scorecard';
  metadata: ScorecardMetadata;
  spec: ScorecardSpec;
}

// ---- The input checks see ------------------------------------------------------------------------------------------

/** A ServiceScan's step kinds, camel-cased so CEL can write `object.facts.capabilities.dependencyScan`. */
export type CapabilityKey = 'build' | 'test' | 'lint' | 'dependencyScan' | 'sast' | 'secretScan' | 'publishImage' | 'deploy';

/** The plain JSON view of a component's latest ServiceScan that checks read as `object.facts`. */
export interface ScorecardFacts {
  /** When the scan ran, ISO 8601; null when the caller does not know. */
  scannedAt: string | null;
  /** The service's folder in its repository and its scanned name. */
  path: string;
  name: string;
  languages: string[];
  buildTools: string[];
  dockerfiles: Array<{
    file: string;
    /** The final stage's base images, in FROM order. */
    baseImages: string[];
    pinned: boolean;
    /** The final stage runs as a non-root user; null when it cannot be told (USER from an ARG). */
    nonRoot: boolean | null;
  }>;
  /** Images built without a Dockerfile: `buildpacks`, `jib`, `ko`. */
  containerBuilders: string[];
  ci: {
    /** CI systems with a pipeline for this service, sorted (`github-actions`, `jenkins`, ...). */
    systems: string[];
    pipelines: number;
    /** Jobs that can run (not disabled, and some trigger starts their pipeline). */
    activeJobs: number;
  };
  /** Per step kind over the active jobs: `present`, `absent`, or `unknown` (a step's logic is elsewhere). */
  capabilities: Record<CapabilityKey, CapabilityState>;
  /** Deployment descriptors found: `kubernetes`, `helm`, `kustomize`, `score`, `compose`, `terraform`. */
  deployment: string[];
  observability: {
    opentelemetry: boolean;
    prometheus: boolean;
    healthCheck: boolean;
    structuredLogging: boolean;
    /** How many pieces of evidence each rests on. */
    evidence: { opentelemetry: number; prometheus: number; healthCheck: number; structuredLogging: number };
  };
  ownership: {
    /** The CODEOWNERS owners for this service; null without a CODEOWNERS file. */
    codeowners: string[] | null;
    readme: boolean;
    catalogInfo: boolean;
    /** spec.owner in the repository's catalog-info.yaml, when it has one. */
    catalogOwner: string | null;
  };
  /** `dependabot`, `renovate`. */
  dependencyBots: string[];
}

/** `object.metrics.dora`: the component's DORA metrics over the last SCORECARD_DORA_WINDOW_DAYS days. */
export interface ScorecardDora {
  /** The lowest level of the four keys that have data; null without deployments. */
  level: PerformanceLevel | null;
  /** Successful production deployments in the window. */
  deployments: number;
  /** Successful production deployments per week. */
  deploymentFrequency: number;
  /** Median commit-to-production time. */
  leadTimeSeconds: number | null;
  /** 0..1. */
  changeFailureRate: number | null;
  /** Median time to recover from a failed deployment. */
  recoverySeconds: number | null;
  windowDays: number;
}

/** The window the built-in delivery scorecard assumes its DORA metrics cover. */
export const SCORECARD_DORA_WINDOW_DAYS = 90;

/** The newest decision per policy: `allow`, `deny`, `warn`, `audit`, `exempt`. */
export type ScorecardDecisions = Record<string, string>;

export interface ScorecardObject {
  /** null when the component was never assessed: checks over facts must test `object.facts != null` first. */
  facts: ScorecardFacts | null;
  decisions: ScorecardDecisions;
  metrics: { dora: ScorecardDora | null };
}

export interface ScorecardInput {
  subject: PolicySubject;
  object: ScorecardObject;
}

// ---- Results -------------------------------------------------------------------------------------------------------

export type CheckStatus = 'pass' | 'fail' | 'exempt' | 'error';

export interface CheckResult {
  id: string;
  level: string;
  title: string;
  /** The policy name exemptions use: `scorecard:<card>/<id>`. */
  policy: string;
  status: CheckStatus;
  /** Why it failed, errored or was waived ('' when it passes). */
  message: string;
  howToFix: string;
}

export interface ScorecardResult {
  scorecard: string;
  subject: string;
  /** false when the card's appliesTo excludes the subject: no checks ran and rollups skip it. */
  applicable: boolean;
  /** The card's levels, lowest first. */
  levels: string[];
  /** The highest level whose checks, and every lower level's, pass or are waived; null when the lowest does not. */
  level: string | null;
  checks: CheckResult[];
  counts: Record<CheckStatus, number>;
  evaluatedAt: string;
}

export interface ScorecardCheckRollup {
  id: string;
  level: string;
  title: string;
  pass: number;
  fail: number;
  exempt: number;
  error: number;
  /** pass / (pass + fail + error): waived components are left out; null when every one is waived. */
  passRate: number | null;
}

export interface ScorecardRollup {
  scorecard: string;
  /** The team, system or domain ref the caller grouped by. */
  group: string;
  components: number;
  /** Components per highest level reached, and `none`; every level is present, 0 when none reached it. */
  byLevel: Record<string, number>;
  checks: ScorecardCheckRollup[];
}

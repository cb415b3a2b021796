/**
 * Delivery facts: what every source (Gantry's own event log, GitHub and GitLab webhooks, bulk imports) is turned
 * into before it is stored. Parsers produce facts; src/metrics/engine stores them idempotently by `id`, so the
 * same payload parsed twice (a replay, a re-sent webhook, an import run again) changes nothing.
 *
 * Times are ISO-8601 strings in UTC with milliseconds (`toISOString()`).
 */

export type FactSource = 'gantry' | 'github' | 'gitlab' | 'import';

/** A commit (a change) as it was made. Lead time runs from `committedAt` to the first production deployment. */
export interface ChangeFact {
  kind: 'change';
  /** Unique across sources: `<source>:<repo>:<sha>` for webhooks, the record's id for imports. */
  id: string;
  source: FactSource;
  /** The component's entity ref when the source names it (imports, Gantry); else null and `repo` decides. */
  component: string | null;
  /** The repository as the source names it (`acme/orders-api`, a hosted repo's name); null when unknown. */
  repo: string | null;
  sha: string;
  committedAt: string;
}

export type DeploymentFactStatus = 'pending' | 'success' | 'failure' | 'rolled_back';

/** One deployment of one component to one environment. */
export interface DeploymentFact {
  kind: 'deployment';
  /** Unique across sources: `gantry:<deployment id>`, `github:<repo>:<deployment id>`, `gitlab:<project>:<id>`, `import:<id>`. */
  id: string;
  source: FactSource;
  component: string | null;
  repo: string | null;
  environment: string;
  /** Whether the environment is production; null: decided from the environment's name when stored (`prod`, `production`, `live`). */
  production: boolean | null;
  sha: string | null;
  /** pending: not finished; success: running in the environment; failure: it did not get there or broke it; rolled_back: it failed and the previous release was put back. */
  status: DeploymentFactStatus;
  /** A rollback: the deployment puts an earlier release back. Unplanned (counts towards rework). */
  rollback: boolean;
  /** A hotfix: an unplanned deployment made to fix production. */
  hotfix: boolean;
  startedAt: string | null;
  /** When it finished (or, while pending, when it was last heard of). The deployment's time in every metric. */
  finishedAt: string;
  /** The changes it carried, when the source knows them (Gantry's own deployments, imports); else lead time links the component's undeployed changes committed before this deployment. */
  commits: Array<{ sha: string; committedAt: string }> | null;
  /** For a rollback: the id of the deployment it reverted, when the source knows it. */
  reverts: string | null;
  url: string | null;
}

export type Severity = 'sev1' | 'sev2' | 'sev3' | 'sev4';

/** An incident: production impact. Opened by people, by GitHub/GitLab issues labelled `incident`, by imports, or by the platform when an automatic rollback fires. */
export interface IncidentFact {
  kind: 'incident';
  /** Unique across sources: `gantry:<id>`, `github:<repo>#<number>`, `gitlab:<project>#<iid>`, `import:<id>`. */
  id: string;
  source: FactSource;
  title: string;
  severity: Severity;
  /** Start of impact. */
  startedAt: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** Components affected (entity refs or plain names); with `repo` and no components, the repo's component. */
  components: string[];
  repo: string | null;
  /** The deployment that caused it (a fact id), when known. */
  causeDeployment: string | null;
  /** The commit that caused it (`root cause: <sha>` in a GitHub/GitLab issue), when known; linked to the deployment that first carried it to production. */
  causeSha: string | null;
  url: string | null;
}

export type DeliveryFact = ChangeFact | DeploymentFact | IncidentFact;

/** A parser's verdict on one payload: the facts it holds, or why it holds none (an event type not used, a push to a non-default branch). */
export interface ParseResult {
  facts: DeliveryFact[];
  /** Set when the payload holds nothing for the metrics; stored with the raw payload. */
  ignored?: string;
}

/** The metrics tables (migration 009_metrics); only src/metrics reads or writes them. */

export interface WebhookDeliveryTable {
  /** `<source>:<delivery id>` (X-GitHub-Delivery, X-Gitlab-Event-UUID, else the body's SHA-256). */
  id: string;
  source: string;
  event: string;
  received_at: string;
  /** The raw body, exactly as received (the signature was checked over it). */
  payload: string;
  /** parsed | ignored | error: the outcome of the last parse. */
  status: string;
  /** Why it was ignored, or the parse error. */
  detail: string | null;
  facts: number;
  parsed_at: string;
}

export interface ChangeTable {
  id: string;
  source: string;
  component: string;
  repo: string | null;
  sha: string;
  committed_at: string;
  /** When it first reached production; null until then. */
  deployed_at: string | null;
  deployment_id: string | null;
  /** Whole seconds from committed_at to deployed_at (never negative); null until deployed. */
  lead_seconds: number | null;
}

export interface DeploymentTable {
  id: string;
  source: string;
  component: string;
  repo: string | null;
  environment: string;
  production: number;
  sha: string | null;
  status: string;
  rollback: number;
  hotfix: number;
  started_at: string | null;
  finished_at: string;
  reverts: string | null;
  url: string | null;
  /** Lead times (whole seconds, comma-separated) of the changes this deployment first brought to production. */
  change_leads: string | null;
}

export interface IncidentTable {
  id: string;
  source: string;
  title: string;
  severity: string;
  started_at: string;
  detected_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  /** JSON: string[] of component refs. */
  components: string;
  cause_deployment: string | null;
  cause_sha: string | null;
  url: string | null;
  summary: string | null;
  created_by: string;
  updated_at: string;
}

export interface ProvisionTable {
  task: string;
  template: string;
  owner: string | null;
  requested_at: string;
  status: string;
  component: string | null;
  first_healthy_at: string | null;
}

export interface ComponentPipelineTable {
  component: string;
  run_id: string;
  run_at: string;
  /** The standard pipeline its newest run extends, or null. */
  standard: string | null;
}

export interface SurveyResponseTable {
  id: string;
  user_ref: string | null;
  team: string | null;
  score: number;
  comment: string | null;
  at: string;
}

export interface CursorTable {
  name: string;
  position: number;
}

export type MetricsTables = {
  metric_webhook_deliveries: WebhookDeliveryTable;
  delivery_changes: ChangeTable;
  delivery_deployments: DeploymentTable;
  incidents: IncidentTable;
  metric_provisions: ProvisionTable;
  metric_component_pipelines: ComponentPipelineTable;
  survey_responses: SurveyResponseTable;
  metric_cursors: CursorTable;
};

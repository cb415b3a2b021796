/**
 * Delivery metrics: DORA's four keys and rework, platform effectiveness, incidents and the developer survey,
 * from Gantry's own events, GitHub/GitLab webhooks and imports. Other domains import only this file.
 */
export {
  createMetrics,
  incidentView,
  type DeliveryView,
  type DeploymentDrillQuery,
  type DeploymentDrillRow,
  type ImportResult,
  type IncidentView,
  type Metrics,
  type MetricsOptions,
  type OpenIncidentInput,
  type ReportQuery,
  type ResolveIncidentInput,
  type WebhookResult,
  type WebhookSource,
} from './engine/createMetrics.js';
export { isProductionName } from './engine/ingest.js';
export type * from './model/facts.js';
export type * from './model/reports.js';

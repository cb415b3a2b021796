/**
 * The drift report of `gantry assess` (issue #8): how many different CI systems, pipeline shapes, monitoring
 * stacks, security-control sets, build stacks and deployment setups a set of services uses, who uses which, the
 * standard (most common) one and each service's distance from it; as JSON (`driftReport`) and as one
 * self-contained HTML page (`renderDriftHtml`). Pure: reads scans (src/assess/model/scan.ts), stores nothing.
 */
export { driftReport, deviationFrom, type DriftInput } from './driftReport.js';
export { driftVariantsOf, variantKey, NO_VARIANT, UNKNOWN_MARK } from './driftVariants.js';
export { renderDriftHtml } from './renderDriftHtml.js';
export { escapeHtml } from './html.js';
export {
  DRIFT_DIMENSIONS,
  DRIFT_DIMENSION_INFO,
  type DriftDimension,
  type DriftReport,
  type DriftDimensionReport,
  type DriftVariant,
  type DriftDeviation,
  type DriftTeamDimension,
  type DriftTeamSummary,
  type DriftServiceRef,
} from './types.js';

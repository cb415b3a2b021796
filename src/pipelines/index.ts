/**
 * Pipelines: the domain's face. The platform owns each repository's effective pipeline (its file merged with
 * the standard pipeline it extends), runs it on Gantry's runners at exact commits, and exports it to GitHub
 * Actions and GitLab CI. Other domains, the HTTP layer and the CLI import only this file.
 */
export {
  createPipelines,
  PIPELINE_FILE,
  RUN_JOB_PREFIX,
  RUN_SUCCEEDED_JOB,
  type ArtifactView,
  type FindingView,
  type JobView,
  type LogChunk,
  type Pipelines,
  type PipelinesOptions,
  type RunDetail,
  type RunView,
  type StepView,
  type TriggerInput,
} from './engine/createPipelines.js';
export type { RunStatus } from './engine/tables.js';
export type { PolicyGate } from './runner/index.js';
export { createSecretStore, loadPlatformKey, GLOBAL_SCOPE, type SecretInfo, type SecretStore, type SecretStoreOptions } from './engine/secrets.js';
export * as model from './model/index.js';

import { fileURLToPath } from 'node:url';

/**
 * Golden paths: the scaffolder domain's face. Other domains, the HTTP layer and the CLI import only this file.
 * - `createScaffolder` runs Backstage Software Templates (v1beta3) found in the catalog: dry runs, durable
 *   tasks on the store's queue, live logs, cancellation, clean-up of what a failed task created;
 * - the model's pure parts (template checks, rendering, parameter checks) for code that reads templates.
 */
export {
  createScaffolder,
  RUN_TASK_JOB,
  SCAFFOLDER_JOB_HANDLERS,
  type DryRunFile,
  type DryRunResult,
  type Scaffolder,
  type ScaffolderOptions,
  type TaskLogLine,
  type TaskStatus,
  type TaskView,
  type TemplateDetail,
  type TemplateSummary,
} from './engine/createScaffolder.js';
export type { StepState, StepStatus } from './engine/runSteps.js';
export type { Plan, Resource } from './engine/types.js';
export { PROVENANCE } from './engine/actions/index.js';
export { checkParameters, secretParameters } from './model/parameters.js';
export { evaluate, renderString, RenderError } from './model/render.js';
export { checkTemplateSpec, SUPPORTED_ACTIONS, templateVersion, VERSION_ANNOTATION, type JsonSchema } from './model/template.js';

/** The package's built-in golden paths (`templates/<name>/template.yaml`). */
export function builtInTemplatesDir(): string {
  return fileURLToPath(new URL('../../templates', import.meta.url));
}

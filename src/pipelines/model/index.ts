/**
 * The pipeline model (issue #4): parse and validate `.gantry/pipeline.yaml`, merge `extends`, expand the matrix,
 * render the effective pipeline and export it to GitHub Actions and GitLab CI. Pure functions; the only I/O is
 * reading the standard pipelines in src/pipelines/standard/. Format: docs/pipelines.md.
 */
export type { Condition, EffectivePipeline, EnvValue, Job, PipelineEvent, RunContext, Step, Cache } from './types.js';
export {
  pipelineFileSchema,
  standardPipelineSchema,
  pipelineJsonSchema,
  parseDuration,
  formatDuration,
  JOB_ID_PATTERN,
  MATRIX_MAX_KEYS,
  MATRIX_MAX_COMBINATIONS,
  type PipelineFile,
  type PipelineFileJob,
  type PipelineFileStep,
  type StandardPipelineFile,
} from './schema.js';
export { BUILT_IN_STEP_IDS, builtInStepInputs, isBuiltInStep, type BuiltInStepId } from './builtIns.js';
export { parsePipelineFile, parseStandardPipelineFile, MAX_PIPELINE_BYTES, type ParsedPipelineFile } from './parsePipeline.js';
export type { Locator, Segment } from './problems.js';
export {
  builtInStandardPipelines,
  loadStandardPipelines,
  standardLookup,
  STANDARD_PIPELINES_DIR,
  type StandardLookup,
  type StandardPipeline,
} from './standards.js';
export {
  resolvePipeline,
  resolvePipelineText,
  defaultStepName,
  DEFAULT_JOB_TIMEOUT_MS,
  DEFAULT_STEP_TIMEOUT_MS,
  PIPELINE_FILE,
  type ResolveOptions,
  type ResolvedPipeline,
} from './effectivePipeline.js';
export {
  substitute,
  substituteMatrix,
  toShellVariables,
  runtimeEnv,
  findExpressions,
  isRuntimeExpression,
  RUNTIME_VARIABLES,
  type ExpressionContext,
  type RuntimeExpression,
} from './expressions.js';
export { shouldRun, isTriggered, globMatch, globToRegExpSource } from './conditions.js';
export { renderPipeline } from './render.js';
export { toGithubActions, fromGithubActions } from './export/githubActions.js';
export { toGitlabCi, fromGitlabCi } from './export/gitlabCi.js';

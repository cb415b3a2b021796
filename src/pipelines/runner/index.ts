/**
 * The pipeline runner: runs an effective pipeline's jobs and steps as real processes on this machine. The caller
 * (the runner process, `gantry runner`) checks out the commit, resolves secrets and records what the hooks report.
 *
 * - Each job runs in its own copy of the checkout (`<workDir>/jobs/<job>`, `cp -a`), so parallel jobs never see
 *   each other's files; the copy is removed when the job ends. Files pass between jobs only through the cache.
 * - Each process runs in its own process group (a new session); at step end, timeout or cancel the group gets
 *   SIGTERM, then SIGKILL after 2 s. Processes that left the group (`setsid`) are found on Linux by the
 *   `GANTRY_RUN_ID`/`GANTRY_JOB_ID`/`GANTRY_STEP_ID` in /proc/<pid>/environ (reaper.ts).
 * - Disk full: ENOSPC from the runner's own writes, a short write reported by tar, or a failed step whose output
 *   says "No space left on device" fail the job with "the runner's disk is full (ENOSPC ...)".
 * - Needs the system `sh`, `cp`, `tar` (GNU) and, for `gantry/dependency-audit@1`, `npm`.
 */
export { runPipeline } from './runPipeline.js';
export { killRunProcesses } from './reaper.js';
export { defaultBuiltIns, dependencyAuditStep, policyGateStep, secretScanStep, allowWithoutPolicyEngine } from './builtins/index.js';
export { shouldRun, conditionMismatch } from './conditions.js';
export { SecretMasker } from './output.js';
export {
  JOB_LOG_STEP_ID,
  type BuiltInContext,
  type BuiltInExec,
  type BuiltInResult,
  type BuiltInStep,
  type Finding,
  type JobStatus,
  type PolicyDecision,
  type PolicyGate,
  type RunnerHooks,
  type RunPipelineOptions,
  type RunPipelineResult,
  type StepStatus,
  type StoredArtifact,
} from './types.js';

/**
 * Environments and deployments: the domain's face (docs/environments.md). Releases are immutable; the desired
 * state of every environment lives in the environment repository (GitOps); drivers make the actual state match
 * it: `local` runs workloads as supervised processes behind a router, `kubernetes` writes manifests for Argo CD
 * or Flux. Other domains, the HTTP layer and the CLI import only this file.
 */
export { createEnvironments, DEPLOY_JOB, RELEASE_BUNDLE, type CreateEnvironmentInput, type DeployInput, type Environments, type EnvironmentsOptions, type LocalRuntime, type WorkloadTools } from './engine/createEnvironments.js';
export { createEnvRepo, type EnvRepo } from './engine/envRepo.js';
export type { DeploymentAction, DeploymentStatus } from './engine/tables.js';
export type { DeploymentView, DriftView, EnvironmentView, MatrixCell, MatrixView, ReleaseDiffView, ReleaseView, RuntimeState } from './engine/views.js';
export type * from './model/types.js';

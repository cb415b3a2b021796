/** The environments tables (migration 007_environments); only this domain reads or writes them. */

export type DeploymentStatus = 'awaiting_approval' | 'queued' | 'deploying' | 'succeeded' | 'failed' | 'rolled_back' | 'rejected' | 'superseded';
export type DeploymentAction = 'deploy' | 'promote' | 'rollback' | 'auto' | 'preview' | 'reconcile';

export interface ReleaseTable {
  id: string;
  /** The component's name (metadata.name): also its folder in the environment repository. */
  component: string;
  component_ref: string;
  owner: string | null;
  /** The hosted repository it was built from. */
  repo: string;
  sha: string;
  branch: string;
  /** `sha256:<hex>` of the bundle. */
  artifact_digest: string;
  /** Where the bundle came from: `pipeline:<run id>` (its release.tar.gz artifact) or `source` (git archive). */
  artifact_source: string;
  /** The bundle's path, relative to the workspace. */
  bundle: string;
  /** JSON: the Score workload as parsed at the release's commit (immutable). */
  workload: string;
  pipeline_run_id: string | null;
  /** JSON: [{ sha, at }] commits new since the component's previous release (lead time). */
  commits: string;
  created_at: string;
  created_by: string;
}

export interface DeploymentTable {
  id: string;
  component: string;
  environment: string;
  release_id: string;
  /** What the environment ran before (for rollback and the diff). */
  from_release_id: string | null;
  action: DeploymentAction;
  status: DeploymentStatus;
  requested_by: string;
  requested_at: string;
  /** JSON: [{ by, at }]. */
  approvals: string;
  required_approvals: number;
  /** Why a freeze window was overridden (and by whom, in the events). */
  freeze_override: string | null;
  started_at: string | null;
  finished_at: string | null;
  reason: string | null;
  /** The commit in the environment repository that set this release as desired. */
  env_commit: string | null;
  url: string | null;
  job_id: string | null;
}

export type EnvironmentTables = { releases: ReleaseTable; deployments: DeploymentTable };

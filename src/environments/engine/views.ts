import type { DeploymentAction, DeploymentStatus } from './tables.js';
import type { DriverName, EnvironmentType, FreezeWindow, ScoreWorkload } from '../model/types.js';

/** What the API returns (docs/environments.md, "API"). */

export interface EnvironmentView {
  name: string;
  title: string | null;
  description: string | null;
  type: EnvironmentType;
  owner: string;
  driver: DriverName;
  order: number;
  requiredApprovals: number;
  freezeWindows: FreezeWindow[];
  /** The freeze window in force now, if any. */
  frozen: FreezeWindow | null;
  /** Previews: `24h`, when it expires, the branch and component it was made for. */
  ttl: string | null;
  expiresAt: string | null;
  branch: string | null;
  component: string | null;
  /** The catalog entity's ref. */
  ref: string;
  createdAt: string;
}

export interface CommitRef {
  sha: string;
  at: string;
}

export interface ReleaseView {
  id: string;
  component: string;
  componentRef: string;
  owner: string | null;
  repo: string;
  sha: string;
  branch: string;
  artifactDigest: string;
  /** `pipeline:<run id>` or `source`. */
  artifactSource: string;
  pipelineRunId: string | null;
  commits: CommitRef[];
  workload: ScoreWorkload;
  createdAt: string;
  createdBy: string;
}

export interface DeploymentView {
  id: string;
  component: string;
  environment: string;
  releaseId: string;
  /** Short facts of the release, so lists need no second call. */
  release: { sha: string; branch: string; artifactDigest: string; createdAt: string } | null;
  fromReleaseId: string | null;
  action: DeploymentAction;
  status: DeploymentStatus;
  requestedBy: string;
  requestedAt: string;
  approvals: Array<{ by: string; at: string }>;
  requiredApprovals: number;
  freezeOverride: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  reason: string | null;
  envCommit: string | null;
  url: string | null;
}

/** What runs now (local driver), for the matrix and drift. */
export interface RuntimeState {
  state: 'starting' | 'ready' | 'crashed' | 'stopped' | 'failed' | 'missing' | 'committed';
  releaseId: string | null;
  pid: number | null;
  restarts: number;
  memoryBytes: number | null;
  startedAt: string | null;
}

export interface MatrixCell {
  /** The release the environment repository says should run. */
  desired: { releaseId: string; sha: string; since: string; by: string } | null;
  /** The newest deployment of this component here (whatever its status). */
  latest: DeploymentView | null;
  runtime: RuntimeState | null;
  url: string | null;
}

export interface MatrixView {
  environments: EnvironmentView[];
  components: Array<{ component: string; componentRef: string; owner: string | null; cells: Record<string, MatrixCell> }>;
}

export interface DriftItem {
  component: string;
  desired: string | null;
  actual: string | null;
  state: RuntimeState['state'] | null;
  /** What is different, in words. */
  problem: string;
}

export interface DriftView {
  environment: string;
  checkedAt: string;
  items: DriftItem[];
}

export interface ReleaseDiffView {
  from: ReleaseView;
  to: ReleaseView;
  /** Commits in `to` not in `from`, newest first. */
  commits: Array<{ sha: string; at: string; author: string; subject: string }>;
  /** Workload fields that differ (dotted paths). */
  workload: Array<{ path: string; from: unknown; to: unknown }>;
}

/** The pipelines tables (migration 005_pipelines); only this domain reads or writes them. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface PipelineRunTable {
  id: string;
  /** A hosted repository's name, or a remote clone URL (webhook runs). */
  repo: string;
  component_ref: string | null;
  sha: string;
  branch: string;
  event: string;
  actor: string;
  status: RunStatus;
  /** JSON: the effective pipeline run (a snapshot: later edits of the file do not change this run). */
  pipeline: string | null;
  /** JSON: Problem[] when the pipeline file could not be used. */
  problems: string;
  /** JSON: runner labels every job of the run needs. */
  labels: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  job_id: string | null;
  runner: string | null;
  attempt: number;
  cancel_requested: number;
  reason: string | null;
}

export interface PipelineJobTable {
  run_id: string;
  job_id: string;
  position: number;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  reason: string | null;
  cache_hit: number | null;
  started_at: string | null;
  finished_at: string | null;
  /** JSON: StepView[]. */
  steps: string;
}

export interface PipelineLogTable {
  run_id: string;
  seq: number;
  job_id: string;
  step_id: string;
  at: string;
  chunk: string;
}

export interface PipelineFindingTable {
  run_id: string;
  job_id: string;
  step_id: string;
  seq: number;
  tool: string;
  rule: string;
  severity: string;
  file: string | null;
  line: number | null;
  message: string;
}

export interface PipelineArtifactTable {
  run_id: string;
  job_id: string;
  path: string;
  size: number;
  sha256: string;
  stored_at: string;
}

export type PipelineTables = {
  pipeline_runs: PipelineRunTable;
  pipeline_jobs: PipelineJobTable;
  pipeline_logs: PipelineLogTable;
  pipeline_findings: PipelineFindingTable;
  pipeline_artifacts: PipelineArtifactTable;
};

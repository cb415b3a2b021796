/**
 * The scaffolder's tables (migration 004_scaffolder). Kept here rather than in the store's schema.ts because
 * only this domain reads or writes them; queries reach them through Kysely's `withTables`.
 */
export interface ScaffolderTaskTable {
  id: string;
  template_ref: string;
  template_version: string;
  template_title: string;
  /** JSON: the parameter values (secrets left out). */
  parameters: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  job_id: string | null;
  /** JSON: StepState[]. */
  steps: string;
  /** JSON: Resource[] the task created. */
  resources: string;
  /** JSON: { links, text }. */
  output: string | null;
  /** JSON: { stepId, message }. */
  error: string | null;
  cancel_requested: number;
}

export interface ScaffolderTaskLogTable {
  task_id: string;
  seq: number;
  step_id: string | null;
  at: string;
  level: string;
  message: string;
}

export type ScaffolderTables = { scaffolder_tasks: ScaffolderTaskTable; scaffolder_task_logs: ScaffolderTaskLogTable };

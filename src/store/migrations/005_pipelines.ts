import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Pipelines (src/pipelines): runs of a repository's effective pipeline at one commit, their jobs and steps,
 * the steps' output, the findings of the security steps, and the artifacts kept.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const big = ctx.dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('pipeline_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('component_ref', 'text')
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('branch', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pipeline', 'text')
    .addColumn('problems', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('job_id', 'text')
    .addColumn('runner', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('pipeline_runs_repo_created').on('pipeline_runs').columns(['repo', 'created_at']).execute();
  await db.schema.createIndex('pipeline_runs_component').on('pipeline_runs').columns(['component_ref', 'created_at']).execute();
  await db.schema.createIndex('pipeline_runs_created').on('pipeline_runs').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('pipeline_jobs')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('cache_hit', 'integer')
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('steps', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_jobs_pk', ['run_id', 'job_id'])
    .execute();

  await db.schema
    .createTable('pipeline_logs')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', big, (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('chunk', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_logs_pk', ['run_id', 'seq'])
    .execute();

  await db.schema
    .createTable('pipeline_findings')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('file', 'text')
    .addColumn('line', 'integer')
    .addColumn('message', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_findings_pk', ['run_id', 'job_id', 'step_id', 'seq'])
    .execute();

  await db.schema
    .createTable('pipeline_artifacts')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('size', big, (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('stored_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_artifacts_pk', ['run_id', 'job_id', 'path'])
    .execute();
}

import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Scaffolder tasks (src/golden-paths): one row per template run with its steps' state (so a task resumes
 * after its last finished step), and the task's log lines, streamed to the portal and the CLI.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const big = ctx.dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('scaffolder_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('template_ref', 'text', (c) => c.notNull())
    .addColumn('template_version', 'text', (c) => c.notNull())
    .addColumn('template_title', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('job_id', 'text')
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('output', 'text')
    .addColumn('error', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('scaffolder_tasks_created').on('scaffolder_tasks').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('scaffolder_tasks_status').on('scaffolder_tasks').column('status').execute();

  await db.schema
    .createTable('scaffolder_task_logs')
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('seq', big, (c) => c.notNull())
    .addColumn('step_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scaffolder_task_logs_pk', ['task_id', 'seq'])
    .execute();
}

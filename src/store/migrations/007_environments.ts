import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Releases and deployments (src/environments/engine). Environments themselves are catalog entities whose
 * files live in the environment repository; the desired state of each environment is in that repository too.
 * These tables record what was asked, by whom, with which approvals, and how it ended.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('releases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('component', 'text', (c) => c.notNull())
    .addColumn('component_ref', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('branch', 'text', (c) => c.notNull())
    .addColumn('artifact_digest', 'text', (c) => c.notNull())
    .addColumn('artifact_source', 'text', (c) => c.notNull())
    .addColumn('bundle', 'text', (c) => c.notNull())
    .addColumn('workload', 'text', (c) => c.notNull())
    .addColumn('pipeline_run_id', 'text')
    .addColumn('commits', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('releases_component_idx').on('releases').columns(['component', 'created_at']).execute();
  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('component', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('from_release_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('approvals', 'text', (c) => c.notNull())
    .addColumn('required_approvals', 'integer', (c) => c.notNull())
    .addColumn('freeze_override', 'text')
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('env_commit', 'text')
    .addColumn('url', 'text')
    .addColumn('job_id', 'text')
    .execute();
  await db.schema.createIndex('deployments_env_component_idx').on('deployments').columns(['environment', 'component', 'requested_at']).execute();
}

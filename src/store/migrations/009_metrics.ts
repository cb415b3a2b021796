import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Delivery metrics (src/metrics): the raw webhook deliveries, the delivery facts parsed from them and from
 * Gantry's own events and imports (changes, deployments, incidents), what platform effectiveness needs
 * (scaffolder provisions, the pipeline each component runs, survey answers), and the projector's cursor.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('metric_webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('facts', 'integer', (c) => c.notNull())
    .addColumn('parsed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('metric_webhook_deliveries_received_idx').on('metric_webhook_deliveries').columns(['received_at']).execute();

  await db.schema
    .createTable('delivery_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('component', 'text', (c) => c.notNull())
    .addColumn('repo', 'text')
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('committed_at', 'text', (c) => c.notNull())
    .addColumn('deployed_at', 'text')
    .addColumn('deployment_id', 'text')
    // Whole seconds from commit to production, written with deployed_at (reports read it, not two times to parse).
    .addColumn('lead_seconds', 'integer')
    .execute();
  // Linking takes a component's undeployed changes up to a commit time; a deployment's lead times are read back by
  // its id; the drill-down reads a window by deployment time.
  await db.schema.createIndex('delivery_changes_link_idx').on('delivery_changes').columns(['component', 'deployed_at', 'committed_at']).execute();
  await db.schema.createIndex('delivery_changes_deployment_idx').on('delivery_changes').columns(['deployment_id']).execute();
  await db.schema.createIndex('delivery_changes_deployed_idx').on('delivery_changes').columns(['deployed_at']).execute();
  await db.schema.createIndex('delivery_changes_sha_idx').on('delivery_changes').columns(['sha']).execute();

  await db.schema
    .createTable('delivery_deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('component', 'text', (c) => c.notNull())
    .addColumn('repo', 'text')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('production', 'integer', (c) => c.notNull())
    .addColumn('sha', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rollback', 'integer', (c) => c.notNull())
    .addColumn('hotfix', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('reverts', 'text')
    .addColumn('url', 'text')
    // The lead times (whole seconds, comma-separated) of the changes it was the first to bring to production: the
    // reports read a window's lead times with its deployments, not ~10 change rows per deployment.
    .addColumn('change_leads', 'text')
    .execute();
  await db.schema.createIndex('delivery_deployments_time_idx').on('delivery_deployments').columns(['production', 'finished_at']).execute();
  await db.schema.createIndex('delivery_deployments_component_idx').on('delivery_deployments').columns(['component', 'production', 'finished_at']).execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('detected_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('cause_deployment', 'text')
    .addColumn('cause_sha', 'text')
    .addColumn('url', 'text')
    .addColumn('summary', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_started_idx').on('incidents').columns(['started_at']).execute();
  await db.schema.createIndex('incidents_cause_idx').on('incidents').columns(['cause_deployment']).execute();

  await db.schema
    .createTable('metric_provisions')
    .addColumn('task', 'text', (c) => c.primaryKey())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('component', 'text')
    .addColumn('first_healthy_at', 'text')
    .execute();
  await db.schema.createIndex('metric_provisions_component_idx').on('metric_provisions').columns(['component']).execute();

  await db.schema
    .createTable('metric_component_pipelines')
    .addColumn('component', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('standard', 'text')
    .execute();

  await db.schema
    .createTable('survey_responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_ref', 'text')
    .addColumn('team', 'text')
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('survey_responses_at_idx').on('survey_responses').columns(['at']).execute();

  await db.schema
    .createTable('metric_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .execute();
}

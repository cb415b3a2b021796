import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Policy decisions and exemptions (src/policy/service). Every decision the platform takes at an admission point
 * is a row (policy, subject, result, messages, the digest of the exact input, and the evidence it looked at);
 * an exemption waives one policy for one subject until it expires.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('policy_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('pack', 'text')
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('messages', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('input_digest', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('environment', 'text')
    .addColumn('exemption_id', 'text')
    .addColumn('evidence', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policy_decisions_policy_idx').on('policy_decisions').columns(['policy', 'time']).execute();
  await db.schema.createIndex('policy_decisions_subject_idx').on('policy_decisions').columns(['subject', 'policy', 'time']).execute();
  await db.schema.createIndex('policy_decisions_time_idx').on('policy_decisions').columns(['time']).execute();
  await db.schema
    .createTable('policy_exemptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policy_exemptions_subject_idx').on('policy_exemptions').columns(['subject', 'policy']).execute();
}

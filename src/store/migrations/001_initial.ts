import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The foundation tables. Written once for both databases; where they differ (full-text search) the
 * dialect decides. Column types: text for ids, times (ISO-8601) and JSON; bigint/integer for numbers.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const big = ctx.dialect === 'postgres' ? 'bigint' : 'integer';

  await db.schema
    .createTable('events')
    .addColumn('seq', big, (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_subject_seq').on('events').columns(['subject', 'seq']).execute();
  await db.schema.createIndex('events_time').on('events').column('time').execute();

  await db.schema
    .createTable('event_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', big, (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into event_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('last_error', 'text')
    .addColumn('result', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['status', 'run_at', 'priority']).execute();
  await db.schema.createIndex('jobs_lease').on('jobs').columns(['status', 'lease_expires_at']).execute();

  await db.schema
    .createTable('locations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull().unique())
    .addColumn('owner', 'text')
    .addColumn('on_missing', 'text', (c) => c.notNull())
    .addColumn('refresh_interval_s', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('problems', 'text', (c) => c.notNull())
    .addColumn('last_refreshed_at', 'text')
    .addColumn('next_refresh_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('entities')
    .addColumn('ref', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uid', 'text', (c) => c.notNull().unique())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text')
    .addColumn('source_file', 'text')
    .addColumn('source_line', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('orphan', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('entities_kind_name').on('entities').columns(['kind', 'name']).execute();
  await db.schema.createIndex('entities_location').on('entities').column('location_id').execute();

  await db.schema
    .createTable('entity_fields')
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('entity_fields_key_value').on('entity_fields').columns(['key', 'value', 'ref']).execute();
  await db.schema.createIndex('entity_fields_ref').on('entity_fields').columns(['ref', 'key']).execute();

  await db.schema
    .createTable('relations')
    .addColumn('source_ref', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('target_ref', 'text', (c) => c.notNull())
    .addColumn('origin_ref', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('relations_source').on('relations').columns(['source_ref', 'type', 'target_ref']).execute();
  await db.schema.createIndex('relations_target').on('relations').columns(['target_ref', 'type', 'source_ref']).execute();
  await db.schema.createIndex('relations_origin').on('relations').column('origin_ref').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_ref', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tokens_user').on('tokens').column('user_ref').execute();

  await db.schema
    .createTable('role_bindings')
    .addColumn('user_ref', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Full-text search over entities.search_text: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.
  if (ctx.dialect === 'postgres') {
    await sql`alter table entities add column search_tsv tsvector
      generated always as (to_tsvector('simple', search_text)) stored`.execute(db);
    await sql`create index entities_search_tsv on entities using gin (search_tsv)`.execute(db);
  } else {
    // External-content FTS5 index kept in step with entities by triggers, so domain code never writes it.
    // (Rowids of `entities` are stable: the store never runs VACUUM.)
    await sql`create virtual table entities_fts using fts5(search_text, content = 'entities', content_rowid = 'rowid', tokenize = 'unicode61')`.execute(db);
    await sql`create trigger entities_fts_ai after insert on entities begin
      insert into entities_fts (rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
    await sql`create trigger entities_fts_ad after delete on entities begin
      insert into entities_fts (entities_fts, rowid, search_text) values ('delete', old.rowid, old.search_text); end`.execute(db);
    await sql`create trigger entities_fts_au after update of search_text on entities begin
      insert into entities_fts (entities_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
      insert into entities_fts (rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
  }
}

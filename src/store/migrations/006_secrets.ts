import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Platform secrets for pipelines (src/pipelines/engine/secrets.ts): one row per (scope, name), the value
 * encrypted with AES-256-GCM (`iv`, `tag`, `ciphertext` are base64). The plaintext is never stored.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('secrets')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('iv', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('secrets_pk', ['scope', 'name'])
    .execute();
}

import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Git repositories hosted by Gantry (src/hosting). The bare repository lives at
 * `<workspace>/repos/<name>.git`; this row is what makes it exist for the platform (owner, audit, listing).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('repos')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('default_branch', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('repos_owner').on('repos').column('owner').execute();
}

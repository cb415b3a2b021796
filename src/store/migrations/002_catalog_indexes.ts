import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Indexes for the catalog's list queries (src/catalog/engine): the default order (`metadata.name`, then ref)
 * with and without a kind filter, so a page is read in index order instead of sorting every match; the
 * first also serves look-ups of a ref given without its kind (`namespace/name`).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.createIndex('entities_name_ref').on('entities').columns(['name', 'ref']).execute();
  await db.schema.createIndex('entities_kind_name_ref').on('entities').columns(['kind', 'name', 'ref']).execute();
  // (kind, name) from 001 is a prefix of the index above: keeping both only slows every write.
  await db.schema.dropIndex('entities_kind_name').execute();
}

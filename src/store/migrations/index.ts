import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_initial.js';
import * as m002 from './002_catalog_indexes.js';
import * as m003 from './003_repos.js';
import * as m004 from './004_scaffolder.js';
import * as m005 from './005_pipelines.js';
import * as m006 from './006_secrets.js';
import * as m007 from './007_environments.js';
import * as m008 from './008_policy.js';
import * as m009 from './009_metrics.js';

/** What a migration may branch on. Passed to every migration's `up`. */
export interface MigrationContext {
  dialect: 'sqlite' | 'postgres';
}

/** One schema change. `name` sorts in the order migrations must run (Kysely sorts names as text). */
export interface StoreMigration {
  name: string;
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
}

/**
 * Every migration, in order. A static list rather than a directory scan, so the set is fixed at build
 * time and works the same from sources (tsx) and from a bundle. Append new ones; never edit a shipped one.
 */
export const migrations: readonly StoreMigration[] = [
  { name: '001_initial', up: m001.up },
  { name: '002_catalog_indexes', up: m002.up },
  { name: '003_repos', up: m003.up },
  { name: '004_scaffolder', up: m004.up },
  { name: '005_pipelines', up: m005.up },
  { name: '006_secrets', up: m006.up },
  { name: '007_environments', up: m007.up },
  { name: '008_policy', up: m008.up },
  { name: '009_metrics', up: m009.up },
];

/** A Kysely migration provider over {@link migrations} that hands each migration the context. */
export function migrationProvider(ctx: MigrationContext): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) {
        const down = m.down;
        out[m.name] = {
          up: (db) => m.up(db, ctx),
          ...(down ? { down: (db: Kysely<unknown>) => down(db, ctx) } : {}),
        };
      }
      return out;
    },
  };
}

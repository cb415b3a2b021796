import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Principal } from '../../src/auth/authorize.js';
import { createCatalog, type Catalog, type CatalogOptions } from '../../src/catalog/index.js';
import { createTestDatabase, type Dialect, type Store, type TestDatabase } from '../../src/store/index.js';

/** Both databases every catalog contract test runs against. */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export const ADMIN: Principal = { userRef: 'user:default/admin', role: 'admin', teams: [] };
/** A member of team-a (and its subgroup team-a1), as resolvePrincipal would build it. */
export const MEMBER_A: Principal = { userRef: 'user:default/jane', role: 'member', teams: ['group:default/team-a', 'group:default/team-a1'] };
export const VIEWER: Principal = { userRef: 'user:default/vic', role: 'viewer', teams: [] };

/** A fresh database, a catalog over it and a scratch directory; `close` removes all three. */
export interface CatalogFixture {
  db: TestDatabase;
  store: Store;
  catalog: Catalog;
  /** Scratch directory for sources (and the workspace under `ws/`). */
  dir: string;
  /** Writes a file under `dir` (creating folders) and returns its absolute path. */
  write(rel: string, text: string): Promise<string>;
  close(): Promise<void>;
}

export async function openCatalogFixture(dialect: Dialect, opts: Partial<CatalogOptions> = {}): Promise<CatalogFixture> {
  const db = await createTestDatabase(dialect);
  const store = await db.open();
  const dir = await mkdtemp(join(tmpdir(), 'gantry-catalog-'));
  const catalog = createCatalog({ store, workspaceDir: join(dir, 'ws'), gitTimeoutMs: 20_000, ...opts });
  return {
    db,
    store,
    catalog,
    dir,
    async write(rel, text) {
      const path = join(dir, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
      return path;
    },
    async close() {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Component descriptor. */
export function component(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): string {
  return doc('Component', name, { type: 'service', lifecycle: 'production', owner: 'team-a', ...spec }, metadata);
}

/** A descriptor of any kind, as YAML (JSON is YAML). */
export function doc(kind: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): string {
  const apiVersion = kind === 'Template' ? 'scaffolder.backstage.io/v1beta3' : 'backstage.io/v1alpha1';
  return `${JSON.stringify({ apiVersion, kind, metadata: { name, ...metadata }, spec }, null, 2)}\n`;
}

/** Several documents in one file. */
export function docs(...parts: string[]): string {
  return parts.join('---\n');
}

/** The actions of the events about `subject`, oldest first. */
export async function actionsOf(store: Store, subject: string): Promise<string[]> {
  return (await store.events.list({ subject, limit: 1000 })).items.map((e) => e.action);
}

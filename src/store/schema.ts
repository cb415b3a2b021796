/**
 * The store's tables, as Kysely types. This file is the contract between the store and the domains:
 * migrations in ./migrations create exactly these columns on SQLite and PostgreSQL.
 *
 * Conventions (the same on both databases, so domain code never branches on the dialect):
 * - times are ISO-8601 UTC strings with milliseconds (`Date.prototype.toISOString()`), which sort as text;
 * - JSON documents are stored as text and parsed by the domain;
 * - booleans are integers 0/1;
 * - refs are lower-cased `kind:namespace/name` strings.
 */
import type { ColumnType } from 'kysely';

/** An integer column that PostgreSQL returns as a string for bigint; the store normalises it to number. */
export type Int = ColumnType<number, number, number>;

export interface EventTable {
  /** Position in the global, hash-chained log. Assigned by the store, gap-free. */
  seq: Int;
  id: string;
  time: string;
  /** Who did it: a user ref (`user:default/jane`) or `system:<component>`. */
  actor: string;
  /** Dotted verb, e.g. `catalog.entity.created`, `auth.token.created`. */
  action: string;
  /** The subject's ref, e.g. `component:default/payments-api` or `location:<id>`. */
  subject: string;
  /** JSON text. Never contains secrets. */
  payload: string;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1) holding the head of the event chain; updated in the same transaction as each append. */
export interface EventHeadTable {
  id: number;
  seq: Int;
  hash: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export interface JobTable {
  id: string;
  /** Handler name, e.g. `catalog.refresh-location`. */
  type: string;
  /** JSON text. */
  payload: string;
  status: JobStatus;
  priority: Int;
  attempts: Int;
  max_attempts: Int;
  /** Earliest time the job may be claimed (backoff moves it forward). */
  run_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  idempotency_key: string | null;
  last_error: string | null;
  /** JSON text of the handler's result. */
  result: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export type LocationType = 'file' | 'dir' | 'git';

export interface LocationTable {
  id: string;
  type: LocationType;
  /** A file path, a directory path with an optional glob, or a git URL (with `#ref:path/glob` suffix). */
  target: string;
  /** Group ref that owns the location (who may refresh or delete it); null for admin-registered ones. */
  owner: string | null;
  /** What happens to an entity the source no longer has: `delete` or `orphan` (kept, marked). */
  on_missing: 'delete' | 'orphan';
  /** Seconds between automatic refreshes; null: only on demand / on push. */
  refresh_interval_s: Int | null;
  status: 'pending' | 'ok' | 'error';
  /** JSON text: Problem[] of the last refresh (documents rejected, source unreachable, conflicts). */
  problems: string;
  last_refreshed_at: string | null;
  next_refresh_at: string | null;
  created_at: string;
  created_by: string;
}

export interface EntityTable {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  etag: string;
  /** JSON text of the entity as ingested (apiVersion, kind, metadata, spec), with metadata.uid/etag set. */
  body: string;
  location_id: string | null;
  source_file: string | null;
  source_line: Int | null;
  /** JSON text: `{ problems: Problem[] }` (validation warnings, missing relation targets, conflicts). */
  status: string;
  orphan: Int;
  /** Hash of body; a refresh that yields the same hash writes nothing. */
  hash: string;
  /** Lower-cased name, title, description, tags: the full-text search document. */
  search_text: string;
  created_at: string;
  updated_at: string;
}

/** Flattened, lower-cased field values for filtering and facets (like Backstage's `search` table). */
export interface EntityFieldTable {
  ref: string;
  key: string;
  value: string;
}

/** Both directions of every relation are rows (ownedBy and ownerOf). */
export interface RelationTable {
  source_ref: string;
  type: string;
  target_ref: string;
  /** The entity whose descriptor declared the relation. */
  origin_ref: string;
}

export interface TokenTable {
  id: string;
  user_ref: string;
  name: string;
  /** sha256 of the secret; the secret itself is shown once at creation and never stored. */
  hash: string;
  /** `admin`, `member` or `viewer` ceiling for this token; null: the user's own role. */
  role: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string;
}

/** Platform role bindings that do not come from the catalog (the bootstrap admin, explicit viewers). */
export interface RoleBindingTable {
  user_ref: string;
  role: 'admin' | 'viewer';
  created_at: string;
}

export interface Database {
  events: EventTable;
  event_head: EventHeadTable;
  jobs: JobTable;
  locations: LocationTable;
  entities: EntityTable;
  entity_fields: EntityFieldTable;
  relations: RelationTable;
  tokens: TokenTable;
  role_bindings: RoleBindingTable;
}

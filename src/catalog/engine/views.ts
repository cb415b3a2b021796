/**
 * The JSON shapes the catalog service answers with (docs/api.md): the HTTP layer returns them as they are.
 */
import type { Problem } from '../../core/errors.js';
import type { LocationType } from '../../store/schema.js';
import type { Entity } from '../model/index.js';

export type { LocationType };

/** One entity as the API shows it: the descriptor, its outgoing relations, status and source. */
export interface EntityView {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  /** The descriptor as stored, with the catalog's metadata.uid and metadata.etag. */
  entity: Entity & Record<string, unknown>;
  relations: Array<{ type: string; targetRef: string }>;
  status: { problems: Problem[] };
  source: { locationId: string; locationTarget: string; file: string | null; line: number | null } | null;
  orphan: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A registered source of entities and the outcome of its last refresh. */
export interface LocationView {
  id: string;
  type: LocationType;
  target: string;
  owner: string | null;
  onMissing: 'delete' | 'orphan';
  refreshIntervalS: number | null;
  status: 'pending' | 'ok' | 'error';
  problems: Problem[];
  lastRefreshedAt: string | null;
  nextRefreshAt: string | null;
  createdAt: string;
  createdBy: string;
  entityCount: number;
}

/** What one refresh changed. `problems` are the same ones stored on the location. */
export interface RefreshResult {
  added: number;
  updated: number;
  removed: number;
  orphaned: number;
  unchanged: number;
  problems: Problem[];
}

/** One filter: the entity matches when the field `key` has any of `values` (case-insensitive). */
export interface Filter {
  key: string;
  values: string[];
}

/** A list query: filters AND together, `q` is full text; paging is keyset-based with an opaque cursor. */
export interface EntityQuery {
  filter?: Filter[];
  q?: string;
  orderBy?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

export interface EntityPage {
  items: EntityView[];
  totalCount: number;
  nextCursor: string | null;
}

export interface GraphNode {
  ref: string;
  kind: string;
  name: string;
  title?: string;
}

export interface GraphEdge {
  source: string;
  type: string;
  target: string;
}

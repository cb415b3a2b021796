/**
 * The catalog domain's face: other domains, the HTTP layer and the CLI import only this file.
 * - `createCatalog` builds the service (locations, ingestion, registrations, queries) over a store;
 * - `CATALOG_JOB_HANDLERS(catalog)` gives the queue handlers (`catalog.refresh-location`);
 * - the model's pure functions (parse, validate, refs) for code that reads descriptors without storing them.
 */
export {
  createCatalog,
  REFRESH_LOCATION_JOB,
  type AddLocationInput,
  type Catalog,
  type CatalogOptions,
  type RegisterInput,
} from './engine/createCatalog.js';
export { CATALOG_JOB_HANDLERS } from './engine/catalogJobHandlers.js';
export type { CatalogAdmission, EntityFacts, EntityVerdict } from './engine/admission.js';
export { DEFAULT_LIMIT, MAX_LIMIT, parseFilter } from './engine/listEntities.js';
export { normalizeRepoUrl, parseStoredTarget, type ParsedTarget } from './engine/locationTarget.js';
export type {
  EntityPage,
  EntityQuery,
  EntityView,
  Filter,
  GraphEdge,
  GraphNode,
  LocationType,
  LocationView,
  RefreshResult,
} from './engine/views.js';
export {
  DEFAULT_NAMESPACE,
  KNOWN_KINDS,
  parseDescriptors,
  parseEntityRef,
  RELATION_INVERSES,
  stringifyEntityRef,
  validateEntity,
  type Entity,
  type EntityMetadata,
  type EntityRef,
  type ParsedDocument,
  type RelationType,
} from './model/index.js';

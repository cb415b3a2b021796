/**
 * The catalog model: pure functions over Backstage-format descriptors (plus Gantry's Environment kind).
 * Parsing with source positions, validation, entity refs, relations, and the flattened fields the engine
 * indexes. No I/O here; the engine (../engine) stores what these functions produce.
 */
export { DEFAULT_NAMESPACE, type Entity, type EntityMetadata } from './entity.js';
export {
  parseEntityRef,
  stringifyEntityRef,
  tryParseEntityRef,
  type EntityRef,
  type EntityRefContext,
} from './entityRef.js';
export { DEFAULT_MAX_DESCRIPTOR_BYTES, parseDescriptors, type ParsedDocument } from './parseDescriptors.js';
export { validateEntity } from './validateEntity.js';
export {
  RELATION_INVERSES,
  relationsOf,
  SPEC_REF_FIELDS,
  type EntityRelation,
  type RefField,
  type RelationType,
} from './relationsOf.js';
export { fieldsOf, MAX_FIELD_VALUE_LENGTH, searchTextOf } from './fieldsOf.js';
export { locationTargetsOf } from './locationTargetsOf.js';
export { KNOWN_KINDS } from './kinds.js';
export {
  isValidEntityName,
  isValidLabelKey,
  isValidLabelValue,
  isValidNamespace,
  isValidTag,
  parseDurationMs,
} from './validators.js';

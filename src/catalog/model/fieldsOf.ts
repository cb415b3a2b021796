import { DEFAULT_NAMESPACE, isRecord, type Entity } from './entity.js';
import { stringifyEntityRef, tryParseEntityRef } from './entityRef.js';
import { refFieldsOf } from './relationsOf.js';

/** Longer values (API definitions, long descriptions) are useless as filters and would bloat the index. */
export const MAX_FIELD_VALUE_LENGTH = 200;
/** Deeper spec structures are not worth indexing; the limit also bounds work on hostile input. */
const MAX_DEPTH = 12;

/**
 * Flattened, lower-cased [key, value] pairs for filtering and facets: `kind`, `apiversion`, `metadata.name`,
 * `metadata.namespace`, `metadata.title`, `metadata.uid`, `metadata.tags` (one pair per tag),
 * `metadata.labels.<k>`, `metadata.annotations.<k>`, every scalar under `spec` by dotted path (lists: one pair
 * per element, objects in lists under the list's path), with ref-valued spec fields as normalised full refs
 * (`spec.owner` → `group:default/payments`). Values longer than 200 characters are skipped; pairs are unique.
 */
export function fieldsOf(entity: Entity): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  const push = (key: string, value: unknown): void => {
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
    else return;
    if (text.length > MAX_FIELD_VALUE_LENGTH) return;
    const pair: [string, string] = [key.toLowerCase(), text.toLowerCase()];
    const id = `${pair[0]}\u0000${pair[1]}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(pair);
  };

  const { metadata } = entity;
  const namespace = metadata.namespace || DEFAULT_NAMESPACE;
  push('kind', entity.kind);
  push('apiversion', entity.apiVersion);
  push('metadata.name', metadata.name);
  push('metadata.namespace', namespace);
  push('metadata.title', metadata.title);
  push('metadata.uid', metadata.uid);
  for (const tag of Array.isArray(metadata.tags) ? metadata.tags : []) push('metadata.tags', tag);
  for (const [k, v] of Object.entries(isRecord(metadata.labels) ? metadata.labels : {})) push(`metadata.labels.${k}`, v);
  for (const [k, v] of Object.entries(isRecord(metadata.annotations) ? metadata.annotations : {})) {
    push(`metadata.annotations.${k}`, v);
  }

  const spec = entity.spec;
  if (!isRecord(spec)) return out;
  const refFields = new Map(refFieldsOf(entity.kind).map((rf) => [rf.field, rf]));
  const flatten = (key: string, value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) flatten(key, item, depth + 1);
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) flatten(`${key}.${k}`, v, depth + 1);
    } else {
      push(key, value);
    }
  };
  for (const [field, value] of Object.entries(spec)) {
    const rf = refFields.get(field);
    if (!rf) {
      flatten(`spec.${field}`, value, 1);
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      const parsed = tryParseEntityRef(item, { defaultKind: rf.defaultKind, defaultNamespace: namespace });
      push(`spec.${field}`, 'error' in parsed ? item : stringifyEntityRef(parsed));
    }
  }
  return out;
}

/** Lower-cased text for full-text search: name, title, description, tags, kind, spec.type. */
export function searchTextOf(entity: Entity): string {
  const { metadata } = entity;
  const parts: unknown[] = [
    metadata.name,
    metadata.title,
    metadata.description,
    ...(Array.isArray(metadata.tags) ? metadata.tags : []),
    entity.kind,
    entity.spec?.type,
  ];
  return parts
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .join(' ')
    .toLowerCase();
}

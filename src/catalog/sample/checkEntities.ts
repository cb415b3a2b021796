/**
 * Self-contained integrity checks for generated catalogs (the sample organisation and benchmark data):
 * Backstage's name and tag rules, duplicate entities, and refs that do not resolve inside the set. They let
 * generators be verified without a running catalog.
 */

interface EntityLike {
  kind: string;
  metadata: { name: string; namespace?: string; tags?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
  spec?: Record<string, unknown>;
}

/** What checkEntities found. Every list is empty for a sound catalog. */
export interface EntityCheck {
  invalidNames: string[];
  invalidTags: string[];
  invalidKeys: string[];
  duplicates: string[];
  /** `<entity ref> spec.<field> → <target ref>` for every ref with no entity in the set. */
  dangling: string[];
  /** Distinct declared relations (owner, system, dependsOn, …); Backstage stores each in both directions. */
  relations: number;
  /** Declared `[source, field, target]` edges, for further checks such as cycles. */
  edges: Array<[string, string, string]>;
}

// Backstage (packages/catalog-model): names 1–63 chars, [a-zA-Z0-9] at both ends, [-_.] between.
const NAME = /^([a-zA-Z0-9]+[-_.])*[a-zA-Z0-9]+$/;
const TAG = /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Backstage's rule for `metadata.name` (and label values). */
export function isValidEntityName(name: string): boolean {
  return name.length >= 1 && name.length <= 63 && NAME.test(name);
}

/** Backstage's rule for label and annotation keys: `[prefix/]name`, prefix a DNS subdomain. */
export function isValidKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length === 1) return isValidEntityName(key);
  if (parts.length !== 2) return false;
  const [prefix, name] = parts as [string, string];
  return prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix) && isValidEntityName(name);
}

/** Ref-valued spec fields and the kind Backstage assumes when a ref omits it (undefined: kind required). */
export const REF_FIELDS: Readonly<Record<string, string | undefined>> = {
  owner: 'group',
  system: 'system',
  domain: 'domain',
  subdomainOf: 'domain',
  subcomponentOf: 'component',
  parent: 'group',
  children: 'group',
  memberOf: 'group',
  members: 'user',
  providesApis: 'api',
  consumesApis: 'api',
  dependsOn: undefined,
  dependencyOf: undefined,
};

/** The lower-cased `kind:namespace/name` of an entity. */
export function entityRef(e: EntityLike): string {
  return `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`.toLowerCase();
}

/** Resolves `[kind:][namespace/]name` with Backstage's defaults; null when it is not a ref or lacks a kind. */
export function resolveRef(value: string, defaultKind: string | undefined, defaultNamespace = 'default'): string | null {
  const match = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(value);
  if (!match) return null;
  const kind = match[1] ?? defaultKind;
  if (!kind) return null;
  return `${kind}:${match[2] ?? defaultNamespace}/${match[3]}`.toLowerCase();
}

/** Runs every check over the entities in one pass and reports all findings. */
export function checkEntities(entities: Iterable<object>): EntityCheck {
  const list = [...entities] as EntityLike[];
  const result: EntityCheck = {
    invalidNames: [],
    invalidTags: [],
    invalidKeys: [],
    duplicates: [],
    dangling: [],
    relations: 0,
    edges: [],
  };
  const known = new Set<string>();
  for (const e of list) {
    const ref = entityRef(e);
    if (known.has(ref)) result.duplicates.push(ref);
    known.add(ref);
    if (!isValidEntityName(e.metadata.name)) result.invalidNames.push(ref);
    const tags = Array.isArray(e.metadata.tags) ? (e.metadata.tags as unknown[]) : [];
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.length > 63 || !TAG.test(tag)) result.invalidTags.push(`${ref} "${String(tag)}"`);
    }
    for (const [k, v] of Object.entries(e.metadata.labels ?? {})) {
      if (!isValidKey(k) || typeof v !== 'string' || !(v === '' || isValidEntityName(v))) {
        result.invalidKeys.push(`${ref} label ${k}`);
      }
    }
    for (const k of Object.keys(e.metadata.annotations ?? {})) {
      if (!isValidKey(k)) result.invalidKeys.push(`${ref} annotation ${k}`);
    }
  }
  const seenEdges = new Set<string>();
  for (const e of list) {
    const ref = entityRef(e);
    for (const [field, defaultKind] of Object.entries(REF_FIELDS)) {
      const raw = e.spec?.[field];
      if (raw === undefined) continue;
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        const target = typeof value === 'string' ? resolveRef(value, defaultKind, e.metadata.namespace) : null;
        if (!target || !known.has(target)) {
          result.dangling.push(`${ref} spec.${field} → ${target ?? JSON.stringify(value)}`);
          continue;
        }
        result.edges.push([ref, field, target]);
        // parent/children and memberOf/members describe the same relation from both ends.
        const canonical =
          field === 'children' ? `${target}|parent|${ref}` : field === 'members' ? `${target}|memberOf|${ref}` : `${ref}|${field}|${target}`;
        if (!seenEdges.has(canonical)) {
          seenEdges.add(canonical);
          result.relations++;
        }
      }
    }
  }
  return result;
}

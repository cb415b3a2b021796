/** Entity refs as the API spells them: `kind:namespace/name`, lower-cased, with Backstage's defaults. */

export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Parses `kind:namespace/name`, `kind:name`, `namespace/name` or `name`; missing parts come from
 * `defaults` (kind) and `default` (namespace), the way Backstage resolves `spec.owner: payments`.
 */
export function parseEntityRef(ref: string, defaults: { kind?: string; namespace?: string } = {}): EntityName {
  let rest = ref.trim();
  let kind = defaults.kind ?? '';
  const colon = rest.indexOf(':');
  if (colon > 0) {
    kind = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  let namespace = defaults.namespace ?? 'default';
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    namespace = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  return { kind: kind.toLowerCase(), namespace: namespace.toLowerCase(), name: rest.toLowerCase() };
}

function lower(n: EntityName): EntityName {
  return { kind: n.kind.toLowerCase(), namespace: n.namespace.toLowerCase(), name: n.name.toLowerCase() };
}

/** The canonical `kind:namespace/name` string. */
export function formatEntityRef(n: EntityName): string {
  return `${n.kind}:${n.namespace}/${n.name}`.toLowerCase();
}

/** Portal path of an entity's page; groups get their team page. */
export function entityPath(ref: string | EntityName, options: { preferTeamPage?: boolean } = {}): string {
  const n = typeof ref === 'string' ? parseEntityRef(ref) : lower(ref);
  const enc = encodeURIComponent;
  if (options.preferTeamPage && n.kind === 'group') return teamPath(n);
  return `/catalog/${enc(n.kind)}/${enc(n.namespace)}/${enc(n.name)}`;
}

/** Portal path of a Group's team page. */
export function teamPath(ref: string | EntityName): string {
  const n = typeof ref === 'string' ? parseEntityRef(ref, { kind: 'group' }) : lower(ref);
  return `/teams/${encodeURIComponent(n.namespace)}/${encodeURIComponent(n.name)}`;
}

/** A short label for a ref: the name, with the namespace only when it is not `default`. */
export function shortRef(ref: string, defaults: { kind?: string } = {}): string {
  const n = parseEntityRef(ref, defaults);
  return n.namespace === 'default' ? n.name : `${n.namespace}/${n.name}`;
}

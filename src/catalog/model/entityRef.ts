import { InputError } from '../../core/errors.js';
import { DEFAULT_NAMESPACE, type Entity } from './entity.js';
import { isValidEntityName, isValidKind, isValidNamespace } from './validators.js';

/** The identity of an entity. `parseEntityRef` returns every part lower-cased (the canonical form). */
export interface EntityRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Defaults applied to the parts a ref leaves out. */
export interface EntityRefContext {
  /** Kind to use when the ref has no `kind:` prefix; without it such a ref is an error. */
  defaultKind?: string;
  /** Namespace to use when the ref has no `namespace/` part; `default` when not given. */
  defaultNamespace?: string;
}

const FORM = '[<kind>:][<namespace>/]<name>';

/**
 * Parses a ref without throwing: the ref, or a message saying what is wrong with it. Follows Backstage's
 * reading of `kind:namespace/name`: a `/` before the first `:` means there is no kind part.
 */
export function tryParseEntityRef(
  ref: string | { kind?: string; namespace?: string; name: string },
  ctx: EntityRefContext = {},
): EntityRef | { error: string } {
  let kind: string | undefined;
  let namespace: string | undefined;
  let name: string;
  const shown = typeof ref === 'string' ? JSON.stringify(ref) : JSON.stringify(ref ?? null);

  if (typeof ref === 'string') {
    if (ref.length === 0) return { error: `expected an entity ref ${FORM}, found an empty string` };
    let colon = ref.indexOf(':');
    const slash = ref.indexOf('/');
    if (slash !== -1 && slash < colon) colon = -1;
    kind = colon === -1 ? undefined : ref.slice(0, colon);
    namespace = slash === -1 ? undefined : ref.slice(colon + 1, slash);
    name = ref.slice(Math.max(colon + 1, slash + 1));
    if (kind === '' || namespace === '' || name === '') {
      return { error: `expected an entity ref ${FORM} with no empty part, found ${shown}` };
    }
  } else if (typeof ref === 'object' && ref !== null && typeof ref.name === 'string') {
    kind = ref.kind || undefined;
    namespace = ref.namespace || undefined;
    name = ref.name;
  } else {
    return { error: `expected an entity ref ${FORM} or { kind, namespace, name }, found ${shown}` };
  }

  kind ??= ctx.defaultKind;
  namespace ??= ctx.defaultNamespace || DEFAULT_NAMESPACE;
  if (!kind) {
    return {
      error: `expected an entity ref with an explicit kind (e.g. "component:${name}" or "resource:${name}"), found ${shown}`,
    };
  }
  if (!isValidKind(kind)) {
    return { error: `expected the kind in an entity ref to be letters and digits starting with a letter, found ${shown}` };
  }
  const ns = namespace.toLowerCase();
  if (!isValidNamespace(ns)) {
    return { error: `expected the namespace in an entity ref to be a DNS label ([a-z0-9] separated by -), found ${shown}` };
  }
  if (!isValidEntityName(name)) {
    return {
      error: `expected the name in an entity ref to be 1–63 characters [a-zA-Z0-9] at both ends with [-_.] between, found ${shown}`,
    };
  }
  return { kind: kind.toLowerCase(), namespace: ns, name: name.toLowerCase() };
}

/**
 * Parses `kind:namespace/name` (kind and namespace optional when `ctx` gives defaults) into its lower-cased
 * parts. Throws InputError (problem code `invalid_ref`) saying what was expected and what was found.
 */
export function parseEntityRef(
  ref: string | EntityRef | { kind?: string; namespace?: string; name: string },
  ctx?: EntityRefContext,
): EntityRef {
  const parsed = tryParseEntityRef(ref, ctx);
  if ('error' in parsed) {
    throw new InputError(`Invalid entity ref: ${parsed.error}`, {
      problems: [{ code: 'invalid_ref', path: '', message: parsed.error, severity: 'error' }],
    });
  }
  return parsed;
}

/** The canonical, lower-cased `kind:namespace/name` of a ref or an entity (namespace defaults to `default`). */
export function stringifyEntityRef(ref: EntityRef | Entity): string {
  let kind: string;
  let namespace: string | undefined;
  let name: string;
  if ('metadata' in ref) {
    kind = ref.kind;
    namespace = ref.metadata.namespace;
    name = ref.metadata.name;
  } else {
    ({ kind, namespace, name } = ref);
  }
  return `${kind}:${namespace || DEFAULT_NAMESPACE}/${name}`.toLowerCase();
}

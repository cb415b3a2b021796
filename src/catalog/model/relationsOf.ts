import type { Problem } from '../../core/errors.js';
import { DEFAULT_NAMESPACE, type Entity } from './entity.js';
import { stringifyEntityRef, tryParseEntityRef } from './entityRef.js';
import { describeValue, FindingList, toProblem, type Finding, type Segment } from './finding.js';

export type RelationType =
  | 'ownedBy'
  | 'ownerOf'
  | 'partOf'
  | 'hasPart'
  | 'dependsOn'
  | 'dependencyOf'
  | 'providesApi'
  | 'apiProvidedBy'
  | 'consumesApi'
  | 'apiConsumedBy'
  | 'memberOf'
  | 'hasMember'
  | 'parentOf'
  | 'childOf';

/** Each relation type and the type of the same edge read from the other end. */
export const RELATION_INVERSES: Record<RelationType, RelationType> = {
  ownedBy: 'ownerOf',
  ownerOf: 'ownedBy',
  partOf: 'hasPart',
  hasPart: 'partOf',
  dependsOn: 'dependencyOf',
  dependencyOf: 'dependsOn',
  providesApi: 'apiProvidedBy',
  apiProvidedBy: 'providesApi',
  consumesApi: 'apiConsumedBy',
  apiConsumedBy: 'consumesApi',
  memberOf: 'hasMember',
  hasMember: 'memberOf',
  parentOf: 'childOf',
  childOf: 'parentOf',
};

/** A directed edge between two lower-cased refs. */
export interface EntityRelation {
  source: string;
  type: RelationType;
  target: string;
}

/** A spec field that holds entity refs, and the relation it declares from the entity to each target. */
export interface RefField {
  /** Key under `spec`, as written (camelCase). */
  field: string;
  /** Kind assumed when a ref has no `kind:` prefix; absent: the kind must be written. */
  defaultKind?: string;
  /** Whether the field holds one ref or a list of refs. */
  many: boolean;
  relation: RelationType;
}

const owner: RefField = { field: 'owner', defaultKind: 'group', many: false, relation: 'ownedBy' };
const system: RefField = { field: 'system', defaultKind: 'system', many: false, relation: 'partOf' };
const dependsOn: RefField = { field: 'dependsOn', many: true, relation: 'dependsOn' };
const dependencyOf: RefField = { field: 'dependencyOf', many: true, relation: 'dependencyOf' };

/**
 * The ref-valued spec fields of each kind (keyed by lower-cased kind) with Backstage's defaulting rules
 * (plugins/catalog-backend BuiltinKindsEntityProcessor). `dependsOn`/`dependencyOf` have no default kind
 * there, so a ref without a kind is an error, as in Backstage.
 */
export const SPEC_REF_FIELDS: Readonly<Record<string, readonly RefField[]>> = {
  component: [
    owner,
    system,
    { field: 'subcomponentOf', defaultKind: 'component', many: false, relation: 'partOf' },
    { field: 'providesApis', defaultKind: 'api', many: true, relation: 'providesApi' },
    { field: 'consumesApis', defaultKind: 'api', many: true, relation: 'consumesApi' },
    dependsOn,
    dependencyOf,
  ],
  api: [owner, system],
  resource: [owner, system, dependsOn, dependencyOf],
  system: [owner, { field: 'domain', defaultKind: 'domain', many: false, relation: 'partOf' }],
  domain: [owner, { field: 'subdomainOf', defaultKind: 'domain', many: false, relation: 'partOf' }],
  group: [
    { field: 'parent', defaultKind: 'group', many: false, relation: 'childOf' },
    { field: 'children', defaultKind: 'group', many: true, relation: 'parentOf' },
    { field: 'members', defaultKind: 'user', many: true, relation: 'hasMember' },
  ],
  user: [{ field: 'memberOf', defaultKind: 'group', many: true, relation: 'memberOf' }],
  template: [owner],
  environment: [owner],
  location: [],
};

/** The ref fields of an entity's kind (none for unknown kinds). */
export function refFieldsOf(kind: string): readonly RefField[] {
  return SPEC_REF_FIELDS[kind.toLowerCase()] ?? [];
}

/** The values of a ref field with their paths; a lone string in a list field is accepted, as Backstage does. */
export function refValues(spec: Record<string, unknown>, rf: RefField): Array<{ value: unknown; at: Segment[] }> {
  const raw = spec[rf.field];
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((value, i) => ({ value, at: ['spec', rf.field, i] }));
  return [{ value: raw, at: ['spec', rf.field] }];
}

/** Parses one ref-field value in the context of its entity; a finding when it is not a usable ref. */
export function parseRefValue(
  value: unknown,
  at: Segment[],
  rf: RefField,
  namespace: string,
  findings: FindingList,
): string | undefined {
  if (typeof value !== 'string') {
    findings.error('invalid_ref', at, `expected an entity ref string, found ${describeValue(value)}`);
    return undefined;
  }
  const parsed = tryParseEntityRef(value, { defaultKind: rf.defaultKind, defaultNamespace: namespace });
  if ('error' in parsed) {
    findings.error('invalid_ref', at, parsed.error);
    return undefined;
  }
  return stringifyEntityRef(parsed);
}

/** Relations and findings of an entity, before findings are placed in a file. */
export function collectRelations(entity: Entity): { relations: EntityRelation[]; findings: Finding[] } {
  const findings = new FindingList();
  const relations: EntityRelation[] = [];
  const spec = entity.spec;
  if (!spec || typeof spec !== 'object') return { relations, findings: findings.items };
  const self = stringifyEntityRef(entity);
  const namespace = entity.metadata.namespace || DEFAULT_NAMESPACE;
  const seen = new Set<string>();
  const add = (source: string, type: RelationType, target: string): void => {
    const key = `${source}\u0000${type}\u0000${target}`;
    if (seen.has(key)) return;
    seen.add(key);
    relations.push({ source, type, target });
  };
  for (const rf of refFieldsOf(entity.kind)) {
    for (const { value, at } of refValues(spec, rf)) {
      const target = parseRefValue(value, at, rf, namespace, findings);
      if (target === undefined) continue;
      add(self, rf.relation, target);
      add(target, RELATION_INVERSES[rf.relation], self);
    }
  }
  return { relations, findings: findings.items };
}

/**
 * Every relation the entity's descriptor declares, BOTH directions (e.g. ownedBy from the component and
 * ownerOf from the group), de-duplicated. Unparseable refs become problems, not exceptions.
 */
export function relationsOf(entity: Entity): { relations: EntityRelation[]; problems: Problem[] } {
  const { relations, findings } = collectRelations(entity);
  return { relations, problems: findings.map((f) => toProblem(f)) };
}

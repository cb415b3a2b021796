import type { Kysely } from 'kysely';
import type { Problem } from '../../core/errors.js';
import type { Database, Dialect } from '../../store/index.js';
import type { Entity } from '../model/entity.js';
import { stringifyEntityRef, tryParseEntityRef } from '../model/entityRef.js';
import { collectRelations } from '../model/relationsOf.js';
import { whereIn } from './batch.js';

/**
 * What the catalog knows around an entity being ingested: the input of the policy admission point
 * `catalog.entity` (docs/policy.md). Computed from the batch itself and from what is stored (inside the
 * ingesting transaction, so entities written earlier in the same import count).
 */
export interface EntityFacts {
  ref: string;
  entity: Entity;
  /** spec.owner as a ref and whether that entity exists; absent when the entity names no owner. */
  owner?: { ref: string; exists: boolean };
  relations: Array<{ type: string; targetRef: string }>;
  /** Resources related to the entity either way, with their spec.type (an SLO is a Resource of type slo). */
  resources: Array<{ ref: string; type: string }>;
}

/** The answer for one entity: refused (enforce-mode denials) and warnings to keep on the entity's status. */
export interface EntityVerdict {
  refused: string[];
  warnings: string[];
}

/** The policy engine as the catalog sees it; the platform passes the policy service's implementation. */
export interface CatalogAdmission {
  /** `final: false`: refused entities will be decided again later in the same import (record nothing for them). */
  admitEntities(tx: Kysely<Database>, facts: EntityFacts[], ctx: { actor: string; location: string | null; final?: boolean }): Promise<Map<string, EntityVerdict>>;
}

function ownerRefOf(entity: Entity): string | undefined {
  const owner = (entity.spec as Record<string, unknown> | undefined)?.owner;
  if (typeof owner !== 'string' || owner.trim() === '') return undefined;
  const parsed = tryParseEntityRef(owner, { defaultKind: 'group', defaultNamespace: entity.metadata.namespace || 'default' });
  return 'error' in parsed ? owner.toLowerCase() : stringifyEntityRef(parsed);
}

function specType(entity: Entity | undefined): string {
  const t = (entity?.spec as Record<string, unknown> | undefined)?.type;
  return typeof t === 'string' ? t : '';
}

/** Facts for a batch of entities, read with `db` (a transaction while ingesting). */
export async function entityFacts(db: Kysely<Database>, dialect: Dialect, items: Array<{ ref: string; entity: Entity }>): Promise<EntityFacts[]> {
  const inBatch = new Map(items.map((i) => [i.ref, i.entity]));
  const declared = items.map((i) => ({ ...i, relations: collectRelations(i.entity).relations, owner: ownerRefOf(i.entity) }));
  const wanted = new Set<string>();
  for (const d of declared) {
    if (d.owner && !inBatch.has(d.owner)) wanted.add(d.owner);
    for (const r of d.relations) if (r.target.startsWith('resource:') && !inBatch.has(r.target)) wanted.add(r.target);
  }
  // Resources stored elsewhere that point at these entities (a Resource of type slo with dependencyOf: component:x).
  const reverse = items.length
    ? await whereIn<{ source_ref: string; target_ref: string }>(db, dialect, `select source_ref, target_ref from relations where source_ref like 'resource:%' and target_ref`, items.map((i) => i.ref))
    : [];
  for (const r of reverse) if (!inBatch.has(r.source_ref)) wanted.add(r.source_ref);
  const stored = new Map<string, Entity>();
  if (wanted.size) {
    for (const row of await whereIn<{ ref: string; body: string }>(db, dialect, 'select ref, body from entities where ref', [...wanted])) {
      stored.set(row.ref, JSON.parse(row.body) as Entity);
    }
  }
  // Resources in the batch that point at an entity of the batch.
  const batchReverse = new Map<string, string[]>();
  for (const d of declared) {
    if (!d.ref.startsWith('resource:')) continue;
    for (const r of d.relations) (batchReverse.get(r.target) ?? batchReverse.set(r.target, []).get(r.target)!).push(d.ref);
  }
  const reverseOf = new Map<string, string[]>();
  for (const r of reverse) (reverseOf.get(r.target_ref) ?? reverseOf.set(r.target_ref, []).get(r.target_ref)!).push(r.source_ref);

  return declared.map((d) => {
    const resourceRefs = new Set<string>([
      ...d.relations.filter((r) => r.target.startsWith('resource:')).map((r) => r.target),
      ...(batchReverse.get(d.ref) ?? []),
      ...(reverseOf.get(d.ref) ?? []),
    ]);
    const resources = [...resourceRefs]
      .filter((ref) => inBatch.has(ref) || stored.has(ref))
      .map((ref) => ({ ref, type: specType(inBatch.get(ref) ?? stored.get(ref)) }));
    return {
      ref: d.ref,
      entity: d.entity,
      ...(d.owner ? { owner: { ref: d.owner, exists: inBatch.has(d.owner) || stored.has(d.owner) } } : {}),
      relations: d.relations.map((r) => ({ type: r.type, targetRef: r.target })),
      resources,
    };
  });
}

/** A refusal as a catalog problem at the entity's place in its file. */
export function refusalProblem(ref: string, refused: string[], position?: Problem['position']): Problem {
  return { code: 'policy_denied', path: '', message: `${ref} was not ingested: ${refused.join('; ')}`, severity: 'error', ...(position ? { position } : {}) };
}

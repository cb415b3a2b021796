import type { Principal } from '../../auth/authorize.js';
import type { PolicyActor, PolicySubject } from '../model/types.js';

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** A catalog entity as policies see it (`subject`): flattened so expressions stay short. */
export function subjectOf(ref: string, entity: { kind?: unknown; metadata?: unknown; spec?: unknown }): PolicySubject {
  const metadata = (entity.metadata ?? {}) as Record<string, unknown>;
  const [kindPart = '', rest = ''] = ref.split(':', 2);
  const [namespace = 'default', name = rest] = rest.includes('/') ? rest.split('/', 2) : ['default', rest];
  return {
    ref,
    kind: (typeof entity.kind === 'string' ? entity.kind : kindPart).toLowerCase(),
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : namespace,
    name: typeof metadata.name === 'string' ? metadata.name : name,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    tags: Array.isArray(metadata.tags) ? metadata.tags.filter((t): t is string => typeof t === 'string') : [],
    spec: entity.spec && typeof entity.spec === 'object' ? (entity.spec as Record<string, unknown>) : {},
  };
}

/** Who asked, as policies see it (`actor`). */
export function actorOf(p: Principal | { userRef: string; role?: string; teams?: string[] }): PolicyActor {
  return { ref: p.userRef, role: p.role ?? 'service', teams: [...(p.teams ?? [])] };
}

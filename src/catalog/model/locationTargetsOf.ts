import { isRecord, type Entity } from './entity.js';

/** For kind Location: the targets (spec.target, then spec.targets), as written; empty for other kinds. */
export function locationTargetsOf(entity: Entity): string[] {
  if (entity.kind.toLowerCase() !== 'location' || !isRecord(entity.spec)) return [];
  const { target, targets } = entity.spec;
  const out: string[] = [];
  if (typeof target === 'string' && target) out.push(target);
  if (Array.isArray(targets)) for (const t of targets) if (typeof t === 'string' && t) out.push(t);
  return out;
}

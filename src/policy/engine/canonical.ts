import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal inputs give equal digests whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'bigint') return value.toString();
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  // Plain loops and concatenation: this runs on every admission, over the whole input.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The largest list or map anywhere in a value: the `n` of a policy's estimated cost. */
export function largestCollection(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > 64) return 0;
  const items = Array.isArray(value) ? value : Object.values(value);
  let max = items.length;
  for (const item of items) {
    const inner = largestCollection(item, depth + 1);
    if (inner > max) max = inner;
  }
  return max;
}

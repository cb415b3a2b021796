import { InputError } from '../core/errors.js';

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: one text per value, so a hash
 * over it does not depend on key order. Undefined object members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * The value as it will read back from the database: a JSON round trip (Dates become strings, undefined
 * becomes null, toJSON is applied). Throws InputError naming `field` for values JSON cannot hold.
 */
export function jsonValue(value: unknown, field: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? null);
  } catch (cause) {
    const message = `expected a JSON-serialisable value, found one that JSON.stringify rejects (${(cause as Error).message})`;
    throw new InputError(`${field}: ${message}`, { cause, problems: [{ code: 'invalid_json', path: field, message }] });
  }
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

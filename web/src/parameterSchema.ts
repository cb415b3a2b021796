import type { JsonSchema, Problem } from './api.js';

/**
 * A template's parameter pages (JSON Schema, as Backstage templates write them) read for a form: which
 * widget each field gets, its defaults, and the same checks the server makes (src/golden-paths/model/
 * parameters.ts), worded the same way, so a message shown on blur is the one the API would answer with.
 */

export type Widget =
  | 'text'
  | 'textarea'
  | 'password'
  | 'select'
  | 'checkbox'
  | 'number'
  | 'string-list'
  | 'multi-select'
  | 'entity-picker'
  | 'json'
  | 'hidden';

export interface ParameterField {
  name: string;
  schema: JsonSchema;
  required: boolean;
  /** The schema's title, or the name made readable (`extraDocs` -> "Extra docs"). */
  label: string;
  widget: Widget;
}

/** Entity pickers Backstage templates use; all of them answer an entity ref. */
const PICKERS = new Set(['OwnerPicker', 'MyGroupsPicker', 'EntityPicker', 'OwnedEntityPicker']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The schema's `type`; `["string", "null"]` counts as its first non-null member. */
export function typeOf(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  if (Array.isArray(schema.enum)) return 'string';
  return undefined;
}

function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function widgetOf(schema: JsonSchema): Widget {
  const field = str(schema['ui:field']);
  const widget = str(schema['ui:widget']);
  const type = typeOf(schema);
  if (widget === 'hidden') return 'hidden';
  if (field && PICKERS.has(field)) return 'entity-picker';
  if (field === 'Secret' || widget === 'password' || schema.format === 'password') return 'password';
  if (Array.isArray(schema.enum)) return 'select';
  if (type === 'boolean') return 'checkbox';
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'array') {
    const items = isRecord(schema.items) ? schema.items : {};
    if (Array.isArray(items.enum)) return 'multi-select';
    if (typeOf(items) === 'string' || typeOf(items) === undefined) return 'string-list';
    return 'json';
  }
  if (type === 'object') return 'json';
  if (widget === 'textarea') return 'textarea';
  return 'text';
}

/** The fields of one page in display order (`ui:order` first when the page gives one). */
export function fieldsOf(page: JsonSchema): ParameterField[] {
  const props = isRecord(page.properties) ? page.properties : {};
  const required = new Set(Array.isArray(page.required) ? page.required.filter((r): r is string => typeof r === 'string') : []);
  let names = Object.keys(props);
  const order = page['ui:order'];
  if (Array.isArray(order)) {
    const listed = order.filter((n): n is string => typeof n === 'string' && n in props);
    const rest = names.filter((n) => !listed.includes(n));
    const star = order.indexOf('*');
    names = star >= 0 ? [...listed.slice(0, star), ...rest, ...listed.slice(star)] : [...listed, ...rest];
  }
  return names.map((name) => {
    const schema = isRecord(props[name]) ? props[name] : {};
    return { name, schema, required: required.has(name), label: str(schema.title) || humanize(name), widget: widgetOf(schema) };
  });
}

/** Start values: every field's `default`. */
export function defaultsOf(pages: JsonSchema[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const page of pages) {
    for (const f of fieldsOf(page)) if (f.schema.default !== undefined) out[f.name] = structuredClone(f.schema.default);
  }
  return out;
}

/** What a field holds once empty inputs are taken as "no value": `''`, blank list rows and `[]` of an optional list. */
export function effectiveValue(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isNaN(value)) return undefined;
  if (Array.isArray(value)) {
    const kept = value.filter((v) => !(typeof v === 'string' && v.trim() === ''));
    return kept.length === 0 ? undefined : kept;
  }
  return value;
}

/** The values to send: empty inputs left out, so `required` means what it says on the server too. */
export function valuesToSend(pages: JsonSchema[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Set(pages.flatMap((p) => fieldsOf(p).map((f) => f.name)));
  for (const [name, value] of Object.entries(values)) {
    if (!known.has(name)) continue;
    const v = effectiveValue(value);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** A value as the server quotes it in messages ("found \"Bad Name\""). */
function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  const actual = jsonType(v);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

/** Checks one value against its schema (no `required`); answers the server's wording, or null. */
function checkAgainst(schema: JsonSchema, value: unknown): string | null {
  const type = typeOf(schema);
  if (type && !typeMatches(type, value)) return `expected ${type}, found ${found(value)}`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `expected one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, found ${found(value)}`;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) {
      return `expected at least ${schema.minLength} characters, found ${found(value)}`;
    }
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) {
      return `expected at most ${schema.maxLength} characters, found ${found(value)}`;
    }
    if (typeof schema.pattern === 'string') {
      let re: RegExp | null = null;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = null; // a pattern the browser cannot compile is left to the server
      }
      if (re && !re.test(value)) return `expected text matching ${schema.pattern}, found ${found(value)}`;
    }
  }
  if (typeof value === 'number') {
    const bounds: [unknown, string, (l: number) => boolean][] = [
      [schema.minimum, '>=', (l) => value >= l],
      [schema.maximum, '<=', (l) => value <= l],
      [schema.exclusiveMinimum, '>', (l) => value > l],
      [schema.exclusiveMaximum, '<', (l) => value < l],
    ];
    for (const [limit, comparison, ok] of bounds) {
      if (typeof limit === 'number' && !ok(limit)) return `expected a number ${comparison} ${limit}, found ${found(value)}`;
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      return `must NOT have fewer than ${schema.minItems} items, found ${found(value)}`;
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      return `must NOT have more than ${schema.maxItems} items, found ${found(value)}`;
    }
    if (isRecord(schema.items)) {
      for (let i = 0; i < value.length; i++) {
        const m = checkAgainst(schema.items, value[i]);
        if (m) return `item ${i + 1}: ${m}`;
      }
    }
  }
  return null;
}

/** The message for a field's current value, in the server's words, or null when it is fine. */
export function checkField(field: ParameterField, value: unknown): string | null {
  const v = effectiveValue(value);
  if (v === undefined) return field.required ? 'expected a value (required), found nothing' : null;
  return checkAgainst(field.schema, v);
}

/** Every message of a page's fields, by field name. */
export function checkPage(page: JsonSchema, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fieldsOf(page)) {
    if (f.widget === 'hidden') continue;
    const m = checkField(f, values[f.name]);
    if (m) out[f.name] = m;
  }
  return out;
}

/** The field a problem is about (`parameters.name` or `parameters.tags[0]` -> the field), or null. */
export function problemField(p: Problem): string | null {
  const m = /^parameters\.([^.[]+)/.exec(p.path ?? '');
  return m?.[1] ?? null;
}

/**
 * The message without its `parameters.name (Name): ` lead, which the field's own label already says.
 * Item paths keep their index: `parameters.tags[1]: expected…` becomes `item 2: expected…`.
 */
export function problemText(p: Problem): string {
  const path = p.path ?? '';
  let msg = p.message;
  if (path && msg.startsWith(path)) {
    const colon = msg.indexOf(': ', path.length);
    if (colon >= 0) msg = msg.slice(colon + 2);
  }
  const item = /^parameters\.[^.[]+\[(\d+)\]/.exec(path);
  return item ? `item ${Number(item[1]) + 1}: ${msg}` : msg;
}

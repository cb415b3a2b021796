import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Problem } from '../../core/errors.js';
import type { JsonSchema } from './template.js';

/**
 * Checks the values of a template run against its parameter pages (JSON Schema, as Backstage writes them),
 * fills in defaults, and says what is wrong field by field (one problem per field, `parameters.<field>`).
 * `ui:*` keys are form hints and are ignored here.
 */
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(page: JsonSchema): ValidateFunction {
  const key = JSON.stringify(page);
  let v = compiled.get(key);
  if (!v) {
    // Pages are objects of named fields even when a template leaves `type` out.
    v = ajv.compile({ type: 'object', ...page });
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, v);
  }
  return v;
}

function fieldPath(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  let out = 'parameters';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return out;
}

function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(values: unknown, e: ErrorObject): unknown {
  let cur: unknown = values;
  for (const p of e.instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function titleOf(pages: JsonSchema[], path: string): string | undefined {
  const name = path.split('.')[1];
  for (const page of pages) {
    const props = page.properties as Record<string, { title?: unknown }> | undefined;
    const t = name ? props?.[name]?.title : undefined;
    if (typeof t === 'string') return t;
  }
  return undefined;
}

function explain(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'expected a value (required), found nothing';
    case 'pattern':
      return `expected text matching ${String(p.pattern)}, found ${found(value)}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, found ${found(value)}`;
    case 'type':
      return `expected ${String(p.type)}, found ${found(value)}`;
    case 'minLength':
      return `expected at least ${String(p.limit)} characters, found ${found(value)}`;
    case 'maxLength':
      return `expected at most ${String(p.limit)} characters, found ${found(value)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `expected a number ${String(p.comparison)} ${String(p.limit)}, found ${found(value)}`;
    default:
      return `${e.message ?? 'is not valid'}, found ${found(value)}`;
  }
}

/** Validates (a copy of) `input` against every page; returns the values with defaults and the problems. */
export function checkParameters(pages: JsonSchema[], input: Record<string, unknown>): { values: Record<string, unknown>; problems: Problem[] } {
  const values = structuredClone(input);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const page of pages) {
    const validate = validatorFor(page);
    if (validate(values)) continue;
    for (const e of validate.errors ?? []) {
      // Composite keywords (if/then, anyOf) repeat what their branches said; keep the field-level ones.
      if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
      const path = fieldPath(e);
      if (seen.has(path)) continue;
      seen.add(path);
      const title = titleOf(pages, path);
      problems.push({
        code: 'invalid_parameter',
        path,
        message: `${path}${title ? ` (${title})` : ''}: ${explain(e, valueAt(values, e))}`,
        severity: 'error',
      });
    }
  }
  return { values, problems };
}

/** Parameter names whose values are secrets (never recorded): `ui:field: Secret`, `ui:widget: password`, `format: password`. */
export function secretParameters(pages: JsonSchema[]): Set<string> {
  const out = new Set<string>();
  for (const page of pages) {
    const props = (page.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, prop] of Object.entries(props)) {
      if (prop?.['ui:field'] === 'Secret' || prop?.['ui:widget'] === 'password' || prop?.format === 'password') out.add(name);
    }
  }
  return out;
}

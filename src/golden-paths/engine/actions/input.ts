import { InputError } from '../../../core/errors.js';

/** Typed reads of an action's (already evaluated) input; errors name the field as `input.<name>`. */
export function inputError(field: string, message: string): InputError {
  return new InputError(`input.${field}: ${message}`, {
    problems: [{ code: 'invalid_input', path: `input.${field}`, message, severity: 'error' }],
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v) : typeof v;
}

export function str(input: Record<string, unknown>, field: string, opts: { required: true }): string;
export function str(input: Record<string, unknown>, field: string, opts?: { required?: false; fallback?: string }): string | undefined;
export function str(input: Record<string, unknown>, field: string, opts: { required?: boolean; fallback?: string } = {}): string | undefined {
  const v = input[field];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw inputError(field, 'expected a non-empty string, found nothing');
    return opts.fallback;
  }
  if (typeof v !== 'string') throw inputError(field, `expected a string, found ${describe(v)}`);
  return v;
}

export function bool(input: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const v = input[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw inputError(field, `expected true or false, found ${describe(v)}`);
}

export function strings(input: Record<string, unknown>, field: string): string[] {
  const v = input[field];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw inputError(field, `expected a list of strings, found ${describe(v)}`);
  return v as string[];
}

export function record(input: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = input[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw inputError(field, `expected a mapping, found ${describe(v)}`);
  return v as Record<string, unknown>;
}

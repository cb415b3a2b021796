import { InputError, type Problem } from '../../core/errors.js';
import { normalizeTime, TIME_EXPECTED } from './time.js';

/** A short, quoted description of a value for "found …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `deployment.created_at`, `commits[2].id` → its steps. */
function stepsOf(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      steps.push(part);
      continue;
    }
    if (m[1]) steps.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  return steps;
}

/**
 * Reads fields of an untrusted webhook payload by path. Every accessor checks the shape; a wrong one throws
 * InputError with one problem whose message names the field path, what was expected and what was found.
 */
export class PayloadReader {
  constructor(
    private readonly root: unknown,
    /** Names the payload in the error message, e.g. `GitHub deployment_status payload`. */
    private readonly what: string,
  ) {}

  value(path: string): unknown {
    let cur: unknown = this.root;
    for (const step of stepsOf(path)) {
      if (typeof step === 'number') cur = Array.isArray(cur) ? cur[step] : undefined;
      else cur = isRecord(cur) ? cur[step] : undefined;
      if (cur === undefined) return undefined;
    }
    return cur;
  }

  fail(path: string, expected: string, code?: string): never {
    const found = this.value(path);
    const message = `${path}: expected ${expected}, found ${describeValue(found)}`;
    const problem: Problem = {
      code: code ?? (found === undefined || found === null ? 'missing_field' : 'invalid_type'),
      path,
      message,
      severity: 'error',
    };
    throw new InputError(`Malformed ${this.what}: ${message}`, { problems: [problem] });
  }

  object(path: string): Record<string, unknown> {
    const v = this.value(path);
    return isRecord(v) ? v : this.fail(path, 'an object');
  }

  array(path: string): unknown[] {
    const v = this.value(path);
    return Array.isArray(v) ? v : this.fail(path, 'a list');
  }

  /** A list, or [] when the field is absent or null. */
  optionalArray(path: string): unknown[] {
    const v = this.value(path);
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : this.fail(path, 'a list or nothing');
  }

  /** A non-empty string. */
  string(path: string): string {
    const v = this.value(path);
    return typeof v === 'string' && v.trim() !== '' ? v : this.fail(path, 'a non-empty string');
  }

  /** A string, or null when absent, null or empty. */
  optionalString(path: string): string | null {
    const v = this.value(path);
    if (v === undefined || v === null || v === '') return null;
    return typeof v === 'string' ? v : this.fail(path, 'a string or nothing');
  }

  /** A boolean, or null when absent or null. */
  optionalBoolean(path: string): boolean | null {
    const v = this.value(path);
    if (v === undefined || v === null) return null;
    return typeof v === 'boolean' ? v : this.fail(path, 'a boolean or nothing');
  }

  /** An id sent as a string or an integer, as a string. */
  id(path: string): string {
    const v = this.value(path);
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v === 'string' && v.trim() !== '') return v;
    return this.fail(path, 'an id (an integer or a non-empty string)');
  }

  /** A time with a zone, as `toISOString()`. */
  time(path: string): string {
    const v = this.value(path);
    const t = typeof v === 'string' ? normalizeTime(v) : undefined;
    return t ?? this.fail(path, TIME_EXPECTED, v === undefined || v === null ? 'missing_field' : 'invalid_time');
  }

  /** A time, or null when absent or null. */
  optionalTime(path: string): string | null {
    const v = this.value(path);
    return v === undefined || v === null ? null : this.time(path);
  }

  /** A full commit sha (40 hex digits, or 64 in SHA-256 repositories), lower-cased. */
  sha(path: string): string {
    const v = this.value(path);
    return typeof v === 'string' && isFullSha(v) ? v.toLowerCase() : this.fail(path, 'a full commit sha (40 hex digits)', v === undefined || v === null ? 'missing_field' : 'invalid_sha');
  }
}

export function isFullSha(v: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(v);
}

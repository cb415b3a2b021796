import type { Problem, SourcePosition } from '../../core/errors.js';

/** One step of a path into a document: a mapping key or a list index. */
export type Segment = string | number;

/**
 * A problem before it is placed in a file: the path is kept as segments so the YAML layer can find the
 * offending node. `on` says which node to point at: the value (default), the key (bad label keys), or the
 * parent mapping (a missing field has no node of its own).
 */
export interface Finding {
  code: string;
  at: Segment[];
  on?: 'value' | 'key' | 'parent';
  /** What was expected and found; `toProblem` prefixes the field path. */
  message: string;
  severity: 'error' | 'warning';
}

/** `spec.dependsOn[0]`, `metadata.labels.backstage.io/team`. */
export function pathOf(at: readonly Segment[]): string {
  let out = '';
  for (const seg of at) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Turns a finding into the wire `Problem`; the message starts with the field path so it reads alone. */
export function toProblem(f: Finding, position?: SourcePosition): Problem {
  const path = pathOf(f.at);
  const problem: Problem = {
    code: f.code,
    path,
    message: path ? `${path}: ${f.message}` : f.message,
    severity: f.severity,
  };
  if (position) problem.position = position;
  return problem;
}

/** A short, quoted description of a value for "found …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** Collects findings while a document is checked. */
export class FindingList {
  readonly items: Finding[] = [];

  error(code: string, at: Segment[], message: string, on: Finding['on'] = 'value'): void {
    this.items.push({ code, at, message, on, severity: 'error' });
  }

  warn(code: string, at: Segment[], message: string, on: Finding['on'] = 'value'): void {
    this.items.push({ code, at, message, on, severity: 'warning' });
  }

  get hasErrors(): boolean {
    return this.items.some((f) => f.severity === 'error');
  }
}

import type { Problem, SourcePosition } from '../../core/errors.js';

/** One step of a path into a pipeline file: a mapping key or a list index. */
export type Segment = string | number;

/**
 * Finds where a path is in the source file: the value (default), its key (unknown or badly named keys), or the
 * mapping that holds it (a missing field has no node of its own).
 */
export type Locator = (at: readonly Segment[], on?: 'value' | 'key' | 'parent') => SourcePosition | undefined;

/** `jobs.test.steps[1].run`. */
export function pathOf(at: readonly Segment[]): string {
  let out = '';
  for (const seg of at) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** A short description of a value for "found ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** A problem whose message starts with its path, placed in the file when a locator knows where. */
export function problemAt(
  code: string,
  at: readonly Segment[],
  message: string,
  locate?: Locator,
  on: 'value' | 'key' | 'parent' = 'value',
): Problem {
  const path = pathOf(at);
  const problem: Problem = { code, path, message: path ? `${path}: ${message}` : message, severity: 'error' };
  const position = locate?.(at, on);
  if (position) problem.position = position;
  return problem;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity !== 'warning');
}

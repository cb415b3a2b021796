import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { z } from 'zod';
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

// ---- finding things in a parsed YAML document and a zod schema (shared by every YAML format Gantry reads) ----

/** The value at `path` in plain data, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as PropertyKey];
  }
  return cur;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 8; i++) {
    const def = defOf(s);
    if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type === 'object') return def.shape;
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const shape = shapeOf(option);
      if (shape) return shape;
    }
  }
  return undefined;
}

/** The keys a strict object at `path` accepts, for "expected one of" in unknown-key messages. */
export function shapeAt(schema: z.ZodType, path: readonly Segment[]): Record<string, z.ZodType> | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const seg of path) {
    if (!cur) return undefined;
    const s = unwrap(cur);
    const def = defOf(s);
    if (def.type === 'object') cur = def.shape?.[String(seg)];
    else if (def.type === 'record') cur = def.valueType;
    else if (def.type === 'array') cur = def.element;
    else if (def.type === 'union') cur = shapeOf(s)?.[String(seg)];
    else return undefined;
  }
  return cur ? shapeOf(cur) : undefined;
}

/** Walks the YAML document along a path; falls back to the deepest node found (aliases have no own range). */
export function locatorFor(doc: Document, at: (offset: number) => SourcePosition, fallback: SourcePosition): Locator {
  return (path, on = 'value') => {
    const segs = on === 'parent' ? path.slice(0, -1) : path;
    let node: unknown = doc.contents;
    let best: Node | undefined = (doc.contents as Node | null) ?? undefined;
    let keyNode: Node | undefined;
    for (const seg of segs) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) {
          keyNode = undefined;
          break;
        }
        keyNode = pair.key as Node;
        node = pair.value ?? undefined;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        keyNode = undefined;
      } else {
        keyNode = undefined;
        break;
      }
      // `key:` with no value has no value node: the key is the best place to point at.
      const ranged = (node as Node | undefined)?.range ? (node as Node) : keyNode;
      if (ranged?.range) best = ranged;
      else break;
    }
    if (on === 'key' && keyNode?.range) return at(keyNode.range[0]);
    return best?.range ? at(best.range[0]) : fallback;
  };
}

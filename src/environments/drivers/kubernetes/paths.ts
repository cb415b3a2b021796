/** One step of a path into a manifest: a mapping key or a list index. */
export type Segment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * `spec.template.spec.containers[0].name`, as kubectl writes field paths. Keys that are not plain names (label
 * keys such as `app.kubernetes.io/name`) are bracketed and quoted so the path stays unambiguous.
 */
export function formatPath(at: readonly Segment[]): string {
  let out = '';
  for (const seg of at) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The segments of a JSON pointer (`/spec/template/spec/containers/0`) in `value`, with list indices as numbers. */
export function pointerSegments(pointer: string, value: unknown): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: Segment = Array.isArray(cur) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

/** The value at a path, or undefined when the path leaves the value. */
export function valueAt(value: unknown, at: readonly Segment[]): unknown {
  let cur = value;
  for (const seg of at) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

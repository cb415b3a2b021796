/**
 * A small, fast YAML writer for plain data (objects, arrays, strings, numbers, booleans, null): block style,
 * Backstage-like layout. The `yaml` package writes about 6k entities/s here; benchmark catalogs of 100k
 * entities need roughly ten times that, and their shape is simple enough to emit directly. Anything a YAML
 * reader could misread (dates, yes/no, numbers-as-strings, `: `, ` #`) is written as a JSON string, which is
 * valid double-quoted YAML.
 */
export function emitYaml(value: unknown): string {
  const out: string[] = [];
  if (isPlainObject(value) && Object.keys(value).length > 0) emitMap(value, '', out);
  else if (Array.isArray(value) && value.length > 0) emitSeq(value, '', out);
  else out.push(inline(value, ''));
  return out.join('\n') + '\n';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
// Starts with a letter or `/`, then characters that carry no YAML meaning in block context.
const PLAIN_TEXT = /^[A-Za-z_/][A-Za-z0-9 _./:@+,'()&;!?=-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

function key(k: string): string {
  return PLAIN_KEY.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

function scalar(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'string') return String(v);
  if (
    PLAIN_TEXT.test(v) &&
    !RESERVED.test(v) &&
    !v.endsWith(' ') &&
    !v.endsWith(':') &&
    !v.includes(': ') &&
    !v.includes(' #')
  ) {
    return v;
  }
  return JSON.stringify(v);
}

/** A value that fits after `key: ` or `- `; multi-line strings become block literals indented below. */
function inline(v: unknown, indent: string): string {
  if (Array.isArray(v)) return '[]';
  if (isPlainObject(v)) return '{}';
  if (typeof v === 'string' && v.includes('\n')) return blockLiteral(v, indent);
  return scalar(v as string | number | boolean | null);
}

function blockLiteral(v: string, indent: string): string {
  const trailing = /\n*$/.exec(v)![0].length;
  // `|` keeps one final newline, `|-` none; more, or leading blanks and CRs, need escapes: use JSON.
  if (trailing > 1 || /^[ \t\n]/.test(v) || v.includes('\r')) return JSON.stringify(v);
  const body = trailing === 1 ? v.slice(0, -1) : v;
  const pad = indent + '  ';
  return (
    (trailing === 1 ? '|' : '|-') +
    body
      .split('\n')
      .map((line) => (line === '' ? '\n' : '\n' + pad + line))
      .join('')
  );
}

function isEmptyCollection(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);
}

function emitMap(map: Record<string, unknown>, indent: string, out: string[]): void {
  for (const [k, v] of Object.entries(map)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length > 0) {
      out.push(`${indent}${key(k)}:`);
      emitSeq(v, indent + '  ', out);
    } else if (isPlainObject(v) && !isEmptyCollection(v)) {
      out.push(`${indent}${key(k)}:`);
      emitMap(v, indent + '  ', out);
    } else {
      out.push(`${indent}${key(k)}: ${inline(v, indent)}`);
    }
  }
}

function emitSeq(items: unknown[], indent: string, out: string[]): void {
  for (const item of items) {
    if (isPlainObject(item) && !isEmptyCollection(item)) {
      // The first entry shares the `- ` line; the rest align under it.
      const nested: string[] = [];
      emitMap(item, indent + '  ', nested);
      out.push(indent + '- ' + nested[0]!.slice(indent.length + 2), ...nested.slice(1));
    } else if (Array.isArray(item) && item.length > 0) {
      const nested: string[] = [];
      emitSeq(item, indent + '  ', nested);
      out.push(indent + '- ' + nested[0]!.slice(indent.length + 2), ...nested.slice(1));
    } else {
      out.push(`${indent}- ${inline(item, indent)}`);
    }
  }
}

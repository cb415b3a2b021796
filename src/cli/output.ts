/**
 * Everything the CLI writes goes through here: JSON for scripts, aligned tables and short lines for people,
 * colour only for a terminal that wants it, errors and progress on stderr so stdout stays parseable.
 */
import { formatProblem, type Problem } from '../core/errors.js';

type Paint = (s: string) => string;

/** ANSI styles for one stream; every function is the identity when colour is off. */
export interface Styles {
  readonly enabled: boolean;
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
}

/** Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

function stylesFor(enabled: boolean): Styles {
  const wrap = (open: number, close: number): Paint => (enabled ? (s) => `\x1b[${open}m${s}\x1b[${close}m` : (s) => s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Styles for stdout. */
export const out: Styles = stylesFor(colorEnabled(process.stdout));
/** Styles for stderr. */
export const err: Styles = stylesFor(colorEnabled(process.stderr));

// `gantry catalog list | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

/** Writes one line to stdout. */
export function print(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Writes one line to stderr (diagnostics, hints, progress). */
export function printErr(line = ''): void {
  process.stderr.write(line + '\n');
}

/** Prints a value as indented JSON and nothing else, for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

// Matching the escape character is the point here: these are the SGR sequences `stylesFor` writes.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The text without colour codes. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Display width of a string, ignoring colour codes. */
export function visibleLength(s: string): number {
  return [...stripAnsi(s)].length;
}

function truncate(s: string, max: number): string {
  if (max <= 0 || visibleLength(s) <= max) return s;
  return [...stripAnsi(s)].slice(0, max - 1).join('') + '…';
}

export interface TableOptions {
  /** Longest cell before it is cut with `…`; only applied on a terminal so piped output stays complete. */
  maxCellWidth?: number;
}

/**
 * Renders rows as aligned columns under an upper-case header. Cells may contain colour codes. The last column
 * is not padded, so lines carry no trailing blanks.
 */
export function renderTable(headers: string[], rows: string[][], opts: TableOptions = {}): string[] {
  const max = process.stdout.isTTY ? (opts.maxCellWidth ?? 60) : 0;
  const cells = rows.map((r) => headers.map((_, i) => truncate(r[i] ?? '', max)));
  const head = headers.map((h) => h.toUpperCase());
  const widths = head.map((h, i) => Math.max(visibleLength(h), ...cells.map((r) => visibleLength(r[i] ?? ''))));
  const line = (r: string[], paint: Paint = (s) => s) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleLength(c))))
      .map((c) => paint(c))
      .join('  ')
      .trimEnd();
  return [line(head, out.bold), ...cells.map((r) => line(r))];
}

/** Prints a table (see `renderTable`), or a short note on stderr when there are no rows. */
export function printTable(headers: string[], rows: string[][], emptyNote: string, opts: TableOptions = {}): void {
  if (rows.length === 0) {
    printErr(emptyNote);
    return;
  }
  for (const l of renderTable(headers, rows, opts)) print(l);
}

/** Prints `label: value` pairs with the values aligned; empty values are skipped. */
export function printFields(pairs: Array<[string, string | null | undefined]>, indent = '', boldKeys = true): void {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== null && p[1] !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length + 1));
  for (const [k, v] of shown) {
    const key = (k + ':').padEnd(width);
    print(`${indent}${boldKeys ? out.bold(key) : key}  ${v}`);
  }
}

/** Seconds with one decimal, the way progress lines report them. */
export function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A short relative time ("5m ago", "in 89d"); `never`/`-` for null. */
export function formatAge(iso: string | null | undefined, now: number = Date.now(), none = '-'): string {
  if (!iso) return none;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  const abs = Math.abs(diff) / 1000;
  const span =
    abs < 60 ? `${Math.round(abs)}s` : abs < 3600 ? `${Math.round(abs / 60)}m` : abs < 86400 ? `${Math.round(abs / 3600)}h` : `${Math.round(abs / 86400)}d`;
  return diff > 0 ? `in ${span}` : `${span} ago`;
}

/** One problem as `file:line:col: path: message`, coloured by severity for the given stream. */
export function renderProblem(p: Problem, styles: Styles = out): string {
  // Some messages already start with their field path; formatProblem adds it too, so say it once.
  const prefix = p.path ? `${p.path}: ` : '';
  const message = prefix && p.message.startsWith(prefix) ? p.message.slice(prefix.length) : p.message;
  const text = formatProblem({ ...p, message });
  const where = p.position ? `${p.position.file}:${p.position.line}:${p.position.column}: ` : '';
  const rest = text.slice(where.length);
  return styles.bold(where) + (p.severity === 'warning' ? styles.yellow(rest) : styles.red(rest));
}

/**
 * Runs slow work with a progress line on stderr ("Refreshing location… done in 1.2 s"), so stdout keeps only
 * the result.
 */
export async function withProgress<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`${label}… `);
  try {
    const result = await fn();
    process.stderr.write(`done in ${formatDuration(Date.now() - started)}\n`);
    return result;
  } catch (e) {
    process.stderr.write(`${err.red('failed')}\n`);
    throw e;
  }
}

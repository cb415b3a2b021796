import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';

/**
 * Template rendering the way Backstage Software Templates do it: Nunjucks with `${{ ... }}` as the variable
 * tags (so `{{ }}` in skeleton files, e.g. GitHub Actions or Helm, stays as it is), `{% %}` blocks, no HTML
 * escaping, and Backstage's extra filters (`parseRepoUrl`, `parseEntityRef`, `pick`, `projectSlug`).
 *
 * Templates come from catalog locations that teams control, so rendering is locked down: member lookups see
 * only own properties of plain data and a short list of string and array methods. Nunjucks' own runtime lets
 * `"".constructor.constructor("...")` reach `Function`; that path is closed below for this whole process.
 */

const require = createRequire(import.meta.url);
interface NunjucksRuntime {
  memberLookup: (obj: unknown, key: unknown) => unknown;
}
const runtime = require('nunjucks/src/runtime') as NunjucksRuntime;

const STRING_METHODS = new Set([
  'toLowerCase', 'toUpperCase', 'trim', 'trimStart', 'trimEnd', 'split', 'replace', 'replaceAll', 'startsWith',
  'endsWith', 'includes', 'indexOf', 'slice', 'substring', 'padStart', 'padEnd', 'charAt', 'concat', 'repeat',
]);
const ARRAY_METHODS = new Set(['join', 'includes', 'indexOf', 'slice', 'concat']);
const BLOCKED_KEYS = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

function safeMemberLookup(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null) return undefined;
  const k = typeof key === 'number' ? key : String(key);
  if (typeof k === 'string' && BLOCKED_KEYS.has(k)) return undefined;
  if (typeof obj === 'string') {
    if (k === 'length') return obj.length;
    if (typeof k === 'number') return obj[k];
    if (STRING_METHODS.has(k)) {
      const method = (String.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[k]!;
      return (...args: unknown[]) => method.apply(obj, args);
    }
    return undefined;
  }
  if (Array.isArray(obj)) {
    if (k === 'length') return obj.length;
    if (typeof k === 'number' || /^\d+$/.test(k)) return obj[Number(k)] as unknown;
    if (ARRAY_METHODS.has(k)) {
      const method = (Array.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[k]!;
      return (...args: unknown[]) => method.apply(obj, args);
    }
    return undefined;
  }
  if (typeof obj === 'object') {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) return undefined;
    const value = (obj as Record<string | number, unknown>)[k];
    // Functions inside data are never called from a template.
    return typeof value === 'function' ? undefined : value;
  }
  return undefined;
}
runtime.memberLookup = safeMemberLookup;

/** What a template expression or file sees. */
export type RenderContext = Record<string, unknown>;

/** A template that does not parse or render, with where (1-based line and column of the template text). */
export class RenderError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

export interface RepoUrl {
  host: string;
  owner?: string;
  repo: string;
  organization?: string;
  workspace?: string;
  project?: string;
}

/** `github.com?owner=acme&repo=payments` (Backstage's RepoUrlPicker format) taken apart. */
export function parseRepoUrl(value: unknown): RepoUrl {
  if (typeof value !== 'string' || value === '') throw new Error(`parseRepoUrl: expected "host?owner=o&repo=r", found ${JSON.stringify(value)}`);
  let url: URL;
  try {
    url = new URL(`https://${value}`);
  } catch {
    throw new Error(`parseRepoUrl: expected "host?owner=o&repo=r", found ${JSON.stringify(value)}`);
  }
  const repo = url.searchParams.get('repo');
  if (!repo) throw new Error(`parseRepoUrl: ${JSON.stringify(value)} has no repo= parameter`);
  const out: RepoUrl = { host: url.host, repo };
  for (const key of ['owner', 'organization', 'workspace', 'project'] as const) {
    const v = url.searchParams.get(key);
    if (v) out[key] = v;
  }
  return out;
}

function parseEntityRefFilter(value: unknown, defaults: { defaultKind?: string; defaultNamespace?: string } = {}) {
  if (typeof value !== 'string' || value === '') throw new Error(`parseEntityRef: expected an entity ref, found ${JSON.stringify(value)}`);
  const m = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(value);
  if (!m) throw new Error(`parseEntityRef: expected [kind:][namespace/]name, found ${JSON.stringify(value)}`);
  const kind = m[1] ?? defaults.defaultKind;
  if (!kind) throw new Error(`parseEntityRef: ${JSON.stringify(value)} has no kind and no defaultKind was given`);
  return { kind: kind.toLowerCase(), namespace: (m[2] ?? defaults.defaultNamespace ?? 'default').toLowerCase(), name: m[3]! };
}

function pick(value: unknown, key: unknown): unknown {
  return value !== null && typeof value === 'object' ? safeMemberLookup(value, key) : undefined;
}

function projectSlug(value: unknown): string {
  const { owner, repo } = parseRepoUrl(value);
  return `${owner ?? ''}/${repo}`;
}

/** A value handed out of a render by {@link evaluate}; one slot per call, never shared. */
interface Capture {
  value?: unknown;
}

function makeEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(null, {
    autoescape: false,
    throwOnUndefined: false,
    trimBlocks: false,
    lstripBlocks: false,
    tags: { variableStart: '${{', variableEnd: '}}' },
  });
  env.addFilter('parseRepoUrl', parseRepoUrl);
  env.addFilter('parseEntityRef', parseEntityRefFilter);
  env.addFilter('pick', pick);
  env.addFilter('projectSlug', projectSlug);
  env.addFilter('__capture', function (this: { ctx: { __capture?: Capture } }, value: unknown) {
    const slot = this.ctx.__capture;
    if (slot) slot.value = value;
    return '';
  });
  return env;
}

const env = makeEnvironment();

function toRenderError(e: unknown): RenderError {
  const err = e as Error & { lineno?: number; colno?: number };
  // Nunjucks prefixes "(unknown path) [Line 1, Column 5]\n  "; keep its position as fields and the rest as text.
  const text = String(err.message ?? e).replace(/^\(unknown path\)\s*(\[Line \d+, Column \d+\])?\s*/s, '').replace(/\s+/g, ' ').replace(/^(Template render )?Error: /, '').trim();
  const pos = /\[Line (\d+), Column (\d+)\]/.exec(String(err.message ?? ''));
  const line = err.lineno ?? (pos ? Number(pos[1]) : null);
  const column = err.colno ?? (pos ? Number(pos[2]) : null);
  return new RenderError(text || 'template error', line ?? null, column ?? null);
}

/** Does `text` contain template syntax (`${{`, `{%` or `{#`)? Plain text needs no render. */
export function isTemplated(text: string): boolean {
  return text.includes('${{') || text.includes('{%') || text.includes('{#');
}

/** Parses template text without running it; throws RenderError with the position of the first syntax error. */
export function checkSyntax(text: string): void {
  try {
    nunjucks.compile(text, env);
    // compile() is lazy: force the parse.
    (nunjucks.compile(text, env) as unknown as { compile(): void }).compile();
  } catch (e) {
    throw toRenderError(e);
  }
}

function sandboxContext(ctx: RenderContext, capture?: Capture): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(ctx)) out[k] = v;
  if (capture) out.__capture = capture;
  return out;
}

/** Renders template text to a string. */
export function renderString(text: string, ctx: RenderContext): string {
  if (!isTemplated(text)) return text;
  try {
    return env.renderString(text, sandboxContext(ctx));
  } catch (e) {
    throw toRenderError(e);
  }
}

const SINGLE_EXPRESSION = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/;

/**
 * Evaluates a step input value the way Backstage does: a string that is exactly one `${{ expr }}` gives the
 * expression's value with its type (a list stays a list, a number a number); other strings render to text;
 * lists and mappings are evaluated member by member.
 */
export function evaluate(value: unknown, ctx: RenderContext): unknown {
  if (typeof value === 'string') {
    const single = SINGLE_EXPRESSION.exec(value);
    if (single && !single[1]!.includes('}}') && !single[1]!.includes('${{')) {
      const capture: Capture = {};
      try {
        env.renderString(`\${{ (${single[1]!}) | __capture }}`, sandboxContext(ctx, capture));
      } catch (e) {
        throw toRenderError(e);
      }
      return capture.value;
    }
    return renderString(value, ctx);
  }
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluate(v, ctx);
    return out;
  }
  return value;
}

/**
 * What a service is written in and built with, read from its build files and the extensions of its sources; and
 * the build-file readers the other scanners share (each file is parsed once per repository, see RepoIndex.memo).
 */
import type { BuildTool, Evidence, Finding, Language } from '../model/scan.js';
import { ancestorsOf, baseName, folderOf, joinPath, LineIndex, repoIndex, shorten, type RepoFiles } from './files.js';
import { ownFiles } from './services.js';

// ---------------------------------------------------------------------------------------------------------------
// Comments

/** How comments and strings are written in a file. */
export type Syntax = 'c' | 'python' | 'hash' | 'xml';

/**
 * `text` with comments (and, unless kept, the contents of string literals) replaced by spaces, newlines kept, so
 * offsets and lines still match the file. `strings: 'imports'` keeps only strings that name a module (after
 * `from`, `import`, `require(`, `import(`): enough to match import statements, while a mention inside a
 * comment or an ordinary string does not count. Unterminated one-line strings end at the line's end.
 */
export function stripComments(
  text: string,
  syntax: Syntax,
  strings: 'keep' | 'blank' | 'imports' = 'keep',
  /** Called with the content span of each string kept in `imports` mode (the module names). */
  onModule?: (start: number, end: number) => void,
): string {
  const blanks: Array<[number, number]> = [];
  const n = text.length;
  if (syntax === 'xml') {
    for (let i = text.indexOf('<!--'); i !== -1; i = text.indexOf('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      const stop = end === -1 ? n : end + 3;
      blanks.push([i, stop]);
      i = stop;
    }
    return applyBlanks(text, blanks);
  }
  // Jump from one character that can start a comment or string to the next (native search, not a JS loop).
  const special = syntax === 'c' ? /[/"'`]/g : /[#"']/g;
  let i = 0;
  while (i < n) {
    special.lastIndex = i;
    const found = special.exec(text);
    if (!found) break;
    i = found.index;
    const c = text.charCodeAt(i);
    if (c === 47) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        const end = lineEnd(text, i);
        blanks.push([i, end]);
        i = end;
        continue;
      }
      if (next === 42) {
        const close = text.indexOf('*/', i + 2);
        const end = close === -1 ? n : close + 2;
        blanks.push([i, end]);
        i = end;
        continue;
      }
      i++;
      continue;
    }
    if (c === 35) {
      if (syntax === 'python' || i === 0 || isSpace(text.charCodeAt(i - 1))) {
        const end = lineEnd(text, i);
        blanks.push([i, end]);
        i = end;
      } else i++;
      continue;
    }
    const triple = c !== 96 && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c && syntax !== 'hash';
    let end: number;
    let contentStart: number;
    if (triple) {
      const close = text.indexOf(String.fromCharCode(c, c, c), i + 3);
      end = close === -1 ? n : close + 3;
      contentStart = i + 3;
    } else {
      end = stringEnd(text, i + 1, c, c === 96);
      contentStart = i + 1;
    }
    const module = strings === 'imports' && namesModule(text, i);
    const contentEnd = Math.max(contentStart, triple ? end - 3 : end > contentStart && text.charCodeAt(end - 1) === c ? end - 1 : end);
    if (module) onModule?.(contentStart, contentEnd);
    if (strings !== 'keep' && !module && contentEnd > contentStart) blanks.push([contentStart, contentEnd]);
    i = end;
  }
  return applyBlanks(text, blanks);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

/** End (exclusive, after the closing quote) of a string whose content starts at `from`. */
function stringEnd(text: string, from: number, quote: number, multiline: boolean): number {
  let i = from;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i += 2;
      continue;
    }
    if (c === quote) return i + 1;
    if (c === 10 && !multiline) return i;
    i++;
  }
  return n;
}

const MODULE_KEYWORD = /(?:\bfrom|\bimport|\brequire|\bimport\s*\(|\brequire\s*\(|\bexport\s*\*\s*from)\s*$/;

function namesModule(text: string, quoteAt: number): boolean {
  return MODULE_KEYWORD.test(text.slice(Math.max(0, quoteAt - 24), quoteAt));
}

function applyBlanks(text: string, blanks: Array<[number, number]>): string {
  if (blanks.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [s, e] of blanks) {
    parts.push(text.slice(at, s));
    let from = s;
    // Keep newlines so lines still match; blank everything between them.
    for (let nl = text.indexOf('\n', from); nl !== -1 && nl < e; nl = text.indexOf('\n', from)) {
      parts.push(' '.repeat(nl - from), '\n');
      from = nl + 1;
    }
    parts.push(' '.repeat(e - from));
    at = e;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Build files

/** A build file's role when services are found: what it is and whether it only aggregates others. */
export type BuildFileKind =
  | 'package.json' | 'pom.xml' | 'gradle' | 'gradle-settings' | 'go.mod' | 'go.work' | 'pyproject.toml' | 'setup.py'
  | 'requirements.txt' | 'Pipfile' | 'csproj' | 'Cargo.toml' | 'Gemfile' | 'composer.json' | 'build.sbt' | 'pnpm-workspace';

/** The kind of a build file by its name, or null. */
export function buildFileKind(name: string): BuildFileKind | null {
  switch (name) {
    case 'package.json': return 'package.json';
    case 'pom.xml': return 'pom.xml';
    case 'build.gradle': case 'build.gradle.kts': return 'gradle';
    case 'settings.gradle': case 'settings.gradle.kts': return 'gradle-settings';
    case 'go.mod': return 'go.mod';
    case 'go.work': return 'go.work';
    case 'pyproject.toml': return 'pyproject.toml';
    case 'setup.py': return 'setup.py';
    case 'requirements.txt': return 'requirements.txt';
    case 'Pipfile': return 'Pipfile';
    case 'Cargo.toml': return 'Cargo.toml';
    case 'Gemfile': return 'Gemfile';
    case 'composer.json': return 'composer.json';
    case 'build.sbt': return 'build.sbt';
    case 'pnpm-workspace.yaml': return 'pnpm-workspace';
    default: return name.endsWith('.csproj') || name.endsWith('.fsproj') ? 'csproj' : null;
  }
}

/** A JSON file with the line of each key (paths of up to three keys, joined by NUL). */
export interface JsonFile {
  value: unknown;
  lines: LineIndex;
  keyLine: Map<string, number>;
}

/** `a\0b\0c` for the key path a.b.c (keys may hold dots and slashes). */
export function keyPath(...keys: string[]): string {
  return keys.join('\0');
}

/** A JSON file, parsed once; null (and a problem) when it is not valid JSON. */
export function readJson(files: RepoFiles, path: string): JsonFile | null {
  const index = repoIndex(files);
  return index.memo(`json:${path}`, () => {
    const text = files.read(path);
    if (text === null) return null;
    const lines = new LineIndex(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const at = /position (\d+)/.exec(message);
      index.problem(path, `not valid JSON: ${message}`, at ? lines.lineAt(Number(at[1])) : undefined);
      return null;
    }
    return { value, lines, keyLine: jsonKeyLines(text, lines) };
  });
}

/** Lines of object keys up to depth 3, by a small scan of the (already valid) JSON text. */
function jsonKeyLines(text: string, lines: LineIndex): Map<string, number> {
  const out = new Map<string, number>();
  /** Per open container: its key (for objects) and whether it is an object. */
  const stack: Array<{ key: string | null; object: boolean; expectKey: boolean; lastKey: string | null }> = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i + 1, 34, true);
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end)) as string;
        } catch {
          key = text.slice(i + 1, end - 1);
        }
        top.lastKey = key;
        top.expectKey = false;
        // Only keys of the top three object levels are kept (dependencies, scripts, ...), so deep nesting costs nothing.
        if (stack.length <= 3 && stack.every((s) => s.object)) {
          const names = stack.filter((s, d) => d > 0 && s.key !== null).map((s) => s.key!);
          out.set(keyPath(...names, key), lines.lineAt(i));
        }
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      stack.push({ key: parent?.object ? parent.lastKey : null, object: c === '{', expectKey: c === '{', lastKey: null });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    }
    i++;
  }
  return out;
}

/** One `key = value` of a TOML file, under its table (`tool.poetry.dependencies`; `` at the top). */
export interface TomlEntry {
  table: string;
  /** The line of the table's header (0 for the top level). */
  tableLine: number;
  key: string;
  /** The raw value text (all lines of a multi-line array), comments removed. */
  value: string;
  line: number;
  /** For array values: each string item and its line. */
  items: Array<{ value: string; line: number }>;
}

/**
 * A TOML file read line by line: enough for build files (tables, keys, strings and arrays of strings with
 * their lines), without a full TOML parser. Table names are normalised (`[ "a" . b ]` → `a.b`).
 */
export function readToml(files: RepoFiles, path: string): TomlEntry[] | null {
  return repoIndex(files).memo(`toml:${path}`, () => {
    const text = files.read(path);
    if (text === null) return null;
    const clean = stripComments(text, 'hash', 'keep');
    const rows = clean.split('\n');
    const entries: TomlEntry[] = [];
    let table = '';
    let tableLine = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!.trim();
      if (row === '') continue;
      if (row.startsWith('[')) {
        table = row.replace(/^\[+|\]+$/g, '').split('.').map((s) => s.trim().replace(/^["']|["']$/g, '')).join('.');
        tableLine = r + 1;
        continue;
      }
      const eq = keyEnd(row);
      if (eq === -1) continue;
      const key = row.slice(0, eq).trim().replace(/^["']|["']$/g, '');
      let value = row.slice(eq + 1).trim();
      const line = r + 1;
      const items: Array<{ value: string; line: number }> = [];
      const collect = (part: string, at: number) => {
        for (const m of part.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)) items.push({ value: m[1] ?? m[2] ?? '', line: at });
      };
      if (value.startsWith('"""') || value.startsWith("'''")) {
        const q = value.slice(0, 3);
        let closed = value.indexOf(q, 3) !== -1;
        while (!closed && r + 1 < rows.length) {
          const next = rows[++r]!;
          value += `\n${next}`;
          closed = next.includes(q);
        }
      } else if (value.startsWith('[') || value.startsWith('{')) {
        collect(value, line);
        let depth = bracketDepth(value);
        while (depth > 0 && r + 1 < rows.length) {
          const next = rows[++r]!;
          value += `\n${next}`;
          collect(next, r + 1);
          depth += bracketDepth(next);
        }
      }
      entries.push({ table, tableLine, key, value, line, items: value.startsWith('[') ? items : [] });
    }
    return entries;
  });
}

/** Position of the `=` that ends a TOML key (outside quotes), or -1. */
function keyEnd(row: string): number {
  let quote = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return i;
    else if (c === '[' || c === '{') return -1;
  }
  return -1;
}

function bracketDepth(s: string): number {
  let depth = 0;
  let quote = '';
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth;
}

/** A Maven POM, read once: the parts the scanners use, each with its line. */
export interface Pom {
  path: string;
  /** The text with XML comments blanked (same offsets and lines). */
  clean: string;
  lines: LineIndex;
  artifactId: { value: string; line: number } | null;
  packaging: string | null;
  modules: string[];
  /** The parent POM inside the repository, when there is one (`<relativePath>`, default `../pom.xml`). */
  parentPath: string | null;
  /** `<dependencies>` of the project (not dependencyManagement, not plugin dependencies). */
  dependencies: Array<{ groupId: string; artifactId: string; scope: string | null; line: number }>;
  /** `<build><plugins>` (not pluginManagement): artifactId, line, the plugin's XML and where it starts. */
  plugins: Array<{ artifactId: string; line: number; xml: string; offset: number }>;
}

/**
 * Spans of `<tag>`…`</tag>` elements, by plain search (no regular expression): linear even in a file full of
 * opening tags without their closing ones.
 */
function elementSpans(text: string, tag: string): Array<{ start: number; inner: string; innerStart: number; end: number }> {
  const out: Array<{ start: number; inner: string; innerStart: number; end: number }> = [];
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let i = 0;
  for (;;) {
    const s = text.indexOf(open, i);
    if (s === -1) break;
    const after = text.charCodeAt(s + open.length);
    // `<tag>` or `<tag attr="">`, not `<tagName>`.
    if (after !== 62 && !isSpace(after) && after !== 47) {
      i = s + open.length;
      continue;
    }
    const gt = text.indexOf('>', s);
    if (gt === -1) break;
    if (text.charCodeAt(gt - 1) === 47) {
      i = gt + 1;
      continue;
    }
    const e = text.indexOf(close, gt + 1);
    if (e === -1) break;
    out.push({ start: s, inner: text.slice(gt + 1, e), innerStart: gt + 1, end: e + close.length });
    i = e + close.length;
  }
  return out;
}

/** Blank the spans of `tag` elements (keeping lines), for reading what lies outside them. */
function blankElements(text: string, tag: string): string {
  return applyBlanks(text, elementSpans(text, tag).map((e) => [e.start, e.end] as [number, number]));
}

function elementText(xml: string, tag: string): { value: string; offset: number } | null {
  const span = elementSpans(xml, tag)[0];
  return span ? { value: span.inner.trim(), offset: span.start } : null;
}

/** The POM at `path`, parsed once (null when unreadable). */
export function readPom(files: RepoFiles, path: string): Pom | null {
  const index = repoIndex(files);
  return index.memo(`pom:${path}`, () => {
    const text = files.read(path);
    if (text === null) return null;
    const clean = stripComments(text, 'xml');
    const lines = new LineIndex(text);
    if (!/<project[\s>]/.test(clean)) {
      index.problem(path, 'not a Maven POM: no <project> element');
      return null;
    }
    // The project's own fields: outside parent, dependencies, build, profiles and reporting.
    let top = clean;
    for (const tag of ['parent', 'dependencyManagement', 'dependencies', 'build', 'profiles', 'reporting', 'modules', 'properties', 'pluginRepositories', 'repositories', 'distributionManagement', 'developers', 'licenses', 'scm']) {
      top = blankElements(top, tag);
    }
    const artifact = elementText(top, 'artifactId');
    const packaging = elementText(top, 'packaging')?.value ?? null;
    const modulesXml = elementSpans(blankElements(blankElements(clean, 'profiles'), 'build'), 'modules')[0];
    const modules = modulesXml ? elementSpans(modulesXml.inner, 'module').map((m) => m.inner.trim()).filter(Boolean) : [];
    const parentXml = elementSpans(clean, 'parent')[0];
    let parentPath: string | null = null;
    if (parentXml) {
      // `<relativePath/>` means "from a repository, not the file system"; absent means `../pom.xml`.
      const rel = elementText(parentXml.inner, 'relativePath');
      const relPath = rel !== null ? rel.value : /<relativePath\s*\/>/.test(parentXml.inner) ? '' : '../pom.xml';
      if (relPath !== '') {
        const target = resolveRelative(folderOf(path), relPath.endsWith('.xml') ? relPath : `${relPath.replace(/\/$/, '')}/pom.xml`);
        if (target && target !== path && index.has(target)) parentPath = target;
      }
    }
    const outsideManaged = blankElements(blankElements(blankElements(clean, 'dependencyManagement'), 'plugins'), 'profiles');
    const dependencies: Pom['dependencies'] = [];
    for (const m of elementSpans(outsideManaged, 'dependency')) {
      const a = elementText(m.inner, 'artifactId');
      if (!a) continue;
      dependencies.push({
        groupId: elementText(m.inner, 'groupId')?.value ?? '',
        artifactId: a.value,
        scope: elementText(m.inner, 'scope')?.value ?? null,
        line: lines.lineAt(m.innerStart + a.offset),
      });
    }
    const plugins: Pom['plugins'] = [];
    const buildOnly = blankElements(blankElements(clean, 'pluginManagement'), 'profiles');
    for (const m of elementSpans(buildOnly, 'plugin')) {
      const a = elementText(m.inner, 'artifactId');
      if (a) plugins.push({ artifactId: a.value, line: lines.lineAt(m.innerStart + a.offset), xml: m.inner, offset: m.innerStart });
    }
    return {
      path,
      clean,
      lines,
      artifactId: artifact ? { value: artifact.value, line: lines.lineAt(artifact.offset) } : null,
      packaging,
      modules,
      parentPath,
      dependencies,
      plugins,
    };
  });
}

/** The POM and its parents inside the repository, nearest first (a child inherits dependencies and plugins). */
export function pomChain(files: RepoFiles, path: string): Pom[] {
  const chain: Pom[] = [];
  const seen = new Set<string>();
  let next: string | null = path;
  while (next && !seen.has(next) && chain.length < 10) {
    seen.add(next);
    const pom = readPom(files, next);
    if (!pom) break;
    chain.push(pom);
    next = pom.parentPath;
  }
  return chain;
}

/** `dir` + a relative path with `..` segments, or null when it leaves the repository. */
export function resolveRelative(dir: string, rel: string): string | null {
  const out = dir === '.' ? [] : dir.split('/');
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.length ? out.join('/') : '.';
}

/** A go.mod file: module path and requirements. */
export interface GoMod {
  module: { value: string; line: number } | null;
  requires: Array<{ path: string; line: number; indirect: boolean }>;
}

/** The go.mod at `path`, parsed once. */
export function readGoMod(files: RepoFiles, path: string): GoMod | null {
  return repoIndex(files).memo(`gomod:${path}`, () => {
    const text = files.read(path);
    if (text === null) return null;
    const rows = text.split('\n');
    let module: GoMod['module'] = null;
    const requires: GoMod['requires'] = [];
    let inRequire = false;
    for (let r = 0; r < rows.length; r++) {
      const raw = rows[r]!;
      const indirect = /\/\/\s*indirect\b/.test(raw);
      const row = raw.replace(/\/\/.*$/, '').trim();
      if (inRequire) {
        if (row.startsWith(')')) inRequire = false;
        else if (row) requires.push({ path: row.split(/\s+/)[0]!, line: r + 1, indirect });
        continue;
      }
      const mod = /^module\s+"?([^\s"]+)"?/.exec(row);
      if (mod) module = { value: mod[1]!, line: r + 1 };
      else if (/^require\s*\($/.test(row)) inRequire = true;
      else {
        const one = /^require\s+(\S+)/.exec(row);
        if (one) requires.push({ path: one[1]!, line: r + 1, indirect });
      }
    }
    return { module, requires };
  });
}

/** Is the package.json at `path` a workspace root (npm/yarn `workspaces`, or a pnpm-workspace.yaml beside it)? */
export function isJsWorkspaceRoot(files: RepoFiles, path: string): boolean {
  const index = repoIndex(files);
  if (index.has(joinPath(folderOf(path), 'pnpm-workspace.yaml'))) return true;
  const json = readJson(files, path)?.value as { workspaces?: unknown } | undefined;
  const ws = json?.workspaces;
  return Array.isArray(ws) ? ws.length > 0 : typeof ws === 'object' && ws !== null && Array.isArray((ws as { packages?: unknown }).packages);
}

/** One dependency a build file declares. */
export interface Dependency {
  /** Package coordinates as the ecosystem writes them (`@opentelemetry/api`, `io.micrometer:micrometer-registry-prometheus`, `go.uber.org/zap`). */
  name: string;
  ecosystem: 'npm' | 'maven' | 'gradle' | 'go' | 'pypi' | 'nuget' | 'cargo' | 'rubygems' | 'composer';
  /** Runtime (shipped with the service) or only for development, tests or builds. */
  runtime: boolean;
  file: string;
  line: number;
  excerpt: string;
  /** Extra text of the declaration (Cargo features, gradle notation), for checks such as `tracing-subscriber` with `json`. */
  detail?: string;
}

const DEV_REQUIREMENTS = /(^|[-_.])(dev|test|tests|testing|lint|docs?|ci|build)([-_.]|$)/i;

/** Dependencies declared by the build file at `path` (empty for files that declare none). Memoised. */
export function declaredDependencies(files: RepoFiles, path: string): Dependency[] {
  return repoIndex(files).memo(`deps:${path}`, () => readDependencies(files, path));
}

function readDependencies(files: RepoFiles, path: string): Dependency[] {
  const name = baseName(path);
  const out: Dependency[] = [];
  if (name === 'package.json' || name === 'composer.json') {
    const json = readJson(files, path);
    if (!json || typeof json.value !== 'object' || json.value === null) return out;
    const sections = name === 'package.json'
      ? [['dependencies', true], ['optionalDependencies', true], ['devDependencies', false], ['peerDependencies', false]] as const
      : [['require', true], ['require-dev', false]] as const;
    for (const [section, runtime] of sections) {
      const deps = (json.value as Record<string, unknown>)[section];
      if (typeof deps !== 'object' || deps === null) continue;
      for (const dep of Object.keys(deps)) {
        const line = json.keyLine.get(keyPath(section, dep)) ?? 1;
        out.push({ name: dep, ecosystem: name === 'package.json' ? 'npm' : 'composer', runtime, file: path, line, excerpt: json.lines.excerpt(line) });
      }
    }
    return out;
  }
  if (name === 'pom.xml') {
    for (const pom of pomChain(files, path)) {
      for (const d of pom.dependencies) {
        out.push({ name: `${d.groupId}:${d.artifactId}`, ecosystem: 'maven', runtime: d.scope !== 'test', file: pom.path, line: d.line, excerpt: pom.lines.excerpt(d.line) });
      }
    }
    return out;
  }
  if (name === 'build.gradle' || name === 'build.gradle.kts') {
    const text = files.read(path);
    if (text === null) return out;
    const clean = stripComments(text, 'c');
    const lines = new LineIndex(text);
    const re = /^[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*\(?[ \t]*(?:(?:platform|enforcedPlatform)[ \t]*\([ \t]*)?(?:["']([^"'\n]+)["']|(libs\.[A-Za-z0-9_.]+)|group[ \t]*[:=][ \t]*["']([^"'\n]+)["'][ \t]*,[ \t]*name[ \t]*[:=][ \t]*["']([^"'\n]+)["'])/gm;
    for (const m of clean.matchAll(re)) {
      const config = m[1]!;
      if (['id', 'apply', 'classpath', 'plugin', 'version', 'include', 'from', 'into', 'maven', 'url'].includes(config)) continue;
      const coords = m[2] ?? m[3] ?? `${m[4]}:${m[5]}`;
      if (m[2] !== undefined && !/^[\w.-]+:[\w.-]+/.test(coords)) continue;
      const nameOnly = m[3] ?? coords.split(':').slice(0, 2).join(':');
      const runtime = !/^(test|androidTest|testFixtures|compileOnly|annotationProcessor|kapt|ksp|developmentOnly|detekt|lint)/.test(config);
      const line = lines.lineAt(m.index);
      out.push({ name: nameOnly, ecosystem: 'gradle', runtime, file: path, line, excerpt: lines.excerpt(line) });
    }
    return out;
  }
  if (name === 'go.mod') {
    const mod = readGoMod(files, path);
    if (!mod) return out;
    const lines = new LineIndex(files.read(path)!);
    for (const r of mod.requires) {
      out.push({ name: r.path, ecosystem: 'go', runtime: !r.indirect, file: path, line: r.line, excerpt: lines.excerpt(r.line) });
    }
    return out;
  }
  if (/^requirements.*\.txt$/i.test(name) || /(^|\/)requirements\/[^/]+\.txt$/i.test(path)) {
    const text = files.read(path);
    if (text === null) return out;
    const runtime = !DEV_REQUIREMENTS.test(name.replace(/^requirements/i, '').replace(/\.txt$/i, '')) && !(folderOf(path).endsWith('requirements') && DEV_REQUIREMENTS.test(name.replace(/\.txt$/i, '')));
    const rows = text.split('\n');
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!.replace(/(^|\s)#.*$/, '').trim();
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(row);
      if (m && !row.startsWith('-')) out.push({ name: m[1]!, ecosystem: 'pypi', runtime, file: path, line: r + 1, excerpt: shorten(rows[r]!) });
    }
    return out;
  }
  if (name === 'pyproject.toml' || name === 'Pipfile' || name === 'Cargo.toml') {
    const entries = readToml(files, path);
    if (!entries) return out;
    const text = files.read(path)!;
    const lines = new LineIndex(text);
    const push = (dep: string, runtime: boolean, line: number, detail?: string) => {
      const d: Dependency = { name: dep, ecosystem: name === 'Cargo.toml' ? 'cargo' : 'pypi', runtime, file: path, line, excerpt: lines.excerpt(line) };
      if (detail !== undefined) d.detail = detail;
      out.push(d);
    };
    const seenTables = new Set<string>();
    for (const e of entries) {
      if (name === 'pyproject.toml') {
        if (e.table === 'project' && e.key === 'dependencies') {
          for (const item of e.items) push(pep508Name(item.value), true, item.line);
        } else if (e.table === 'project.optional-dependencies' || e.table === 'dependency-groups' || (e.table === 'tool.uv' && e.key === 'dev-dependencies')) {
          for (const item of e.items) push(pep508Name(item.value), false, item.line);
        } else if (e.table === 'tool.poetry.dependencies' && e.key !== 'python') {
          push(e.key, true, e.line);
        } else if ((e.table === 'tool.poetry.dev-dependencies' || /^tool\.poetry\.group\.[^.]+\.dependencies$/.test(e.table)) && e.key !== 'python') {
          push(e.key, e.table === 'tool.poetry.group.main.dependencies', e.line);
        }
      } else if (name === 'Pipfile') {
        if (e.table === 'packages' || e.table === 'dev-packages') push(e.key, e.table === 'packages', e.line);
      } else {
        const section = /^(?:target\..+\.)?(dependencies|dev-dependencies|build-dependencies|workspace\.dependencies)(?:\.(.+))?$/.exec(e.table);
        if (!section) continue;
        const runtime = section[1] === 'dependencies';
        if (section[2] !== undefined) {
          // [dependencies.tracing-subscriber] with its keys below.
          const dep = section[2].replace(/^["']|["']$/g, '');
          if (!seenTables.has(e.table)) {
            seenTables.add(e.table);
            push(dep, runtime, e.tableLine, entries.filter((x) => x.table === e.table).map((x) => `${x.key} = ${x.value}`).join('\n'));
          }
        } else {
          push(e.key, runtime, e.line, e.value);
        }
      }
    }
    return out;
  }
  if (name.endsWith('.csproj') || name.endsWith('.fsproj')) {
    const text = files.read(path);
    if (text === null) return out;
    const clean = stripComments(text, 'xml');
    const lines = new LineIndex(text);
    for (const m of clean.matchAll(/<PackageReference\s[^>]{0,400}?\bInclude\s*=\s*"([^"\n]+)"/g)) {
      const line = lines.lineAt(m.index);
      out.push({ name: m[1]!, ecosystem: 'nuget', runtime: true, file: path, line, excerpt: lines.excerpt(line) });
    }
    return out;
  }
  if (name === 'Gemfile') {
    const text = files.read(path);
    if (text === null) return out;
    const rows = text.split('\n');
    let groupIndent: number | null = null;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!.replace(/(^|\s)#.*$/, '');
      const indent = row.length - row.trimStart().length;
      if (groupIndent !== null && /^\s*end\b/.test(row) && indent === groupIndent) {
        groupIndent = null;
        continue;
      }
      const group = row.length < 500 ? /^\s*group\s+([^\n]*?)\s+do\b/.exec(row) : null;
      if (group && groupIndent === null) {
        groupIndent = /:(development|test)\b/.test(group[1]!) && !/:production\b|:default\b/.test(group[1]!) ? indent : null;
        continue;
      }
      const gem = /^\s*gem\s+["']([^"']+)["'](.*)$/.exec(row);
      if (gem) {
        const runtime = groupIndent === null && !/group:\s*\[?\s*:(development|test)/.test(gem[2]!);
        out.push({ name: gem[1]!, ecosystem: 'rubygems', runtime, file: path, line: r + 1, excerpt: shorten(rows[r]!) });
      }
    }
    return out;
  }
  return out;
}

/** The distribution name of a PEP 508 requirement (`opentelemetry-sdk[grpc]>=1.2; python_version>"3.8"`). */
function pep508Name(req: string): string {
  return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req)?.[1] ?? req.trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Languages and build tools

const EXTENSIONS: Record<string, Language> = {
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  java: 'java', kt: 'kotlin', kts: 'kotlin', go: 'go', py: 'python', cs: 'csharp', rs: 'rust', rb: 'ruby', php: 'php', scala: 'scala',
};

/** Tooling configuration written in a language is not the service's code (`eslint.config.js` in a Java service). */
const TOOLING_FILE = /(^|\/)(?:[^/]+\.config\.[cm]?[jt]s|\.[a-z]+rc\.[cm]?js|[^/]+\.d\.[cm]?ts|[^/]+\.gradle\.kts|gulpfile\.js|Gruntfile\.js)$/;

/** The language of a source file by its extension (null for other files and tooling configuration). */
export function languageOf(path: string): Language | null {
  const dot = path.lastIndexOf('.');
  if (dot === -1 || dot < path.lastIndexOf('/')) return null;
  const lang = EXTENSIONS[path.slice(dot + 1)];
  if (!lang || TOOLING_FILE.test(path)) return null;
  return lang;
}

/** What a build file says the language is when no source file says it. */
function buildFileLanguage(files: RepoFiles, path: string): Language | null {
  const name = baseName(path);
  switch (buildFileKind(name)) {
    case 'package.json': return repoIndex(files).has(joinPath(folderOf(path), 'tsconfig.json')) ? 'typescript' : 'javascript';
    case 'pom.xml': case 'gradle': return 'java';
    case 'build.sbt': return 'scala';
    case 'go.mod': return 'go';
    case 'pyproject.toml': case 'setup.py': case 'requirements.txt': case 'Pipfile': return 'python';
    case 'csproj': return 'csharp';
    case 'Cargo.toml': return 'rust';
    case 'Gemfile': return 'ruby';
    case 'composer.json': return 'php';
    default: return null;
  }
}

const FAMILY: Record<Language, string> = {
  javascript: 'js', typescript: 'js', java: 'jvm', kotlin: 'jvm', scala: 'jvm', go: 'go', python: 'python', csharp: 'dotnet', rust: 'rust', ruby: 'ruby', php: 'php',
};

const SAMPLE_FILES = 3;

/**
 * Languages of a service folder (its own files, without nested services): each language with at least one
 * source file, plus the language of a build file whose family has no source file (a package.json alone is
 * JavaScript). Most files first; evidence names the build file and up to three sources with the count.
 */
export function detectLanguages(files: RepoFiles, folder: string): Array<Finding<Language>> {
  const own = ownFiles(files, folder);
  const sources = new Map<Language, string[]>();
  const builds: string[] = [];
  for (const p of own) {
    const lang = languageOf(p);
    if (lang) {
      let list = sources.get(lang);
      if (!list) sources.set(lang, (list = []));
      list.push(p);
    } else if (folderOf(p) === folder && buildFileKind(baseName(p))) builds.push(p);
  }
  const families = new Set([...sources.keys()].map((l) => FAMILY[l]));
  const byBuild = new Map<Language, string[]>();
  for (const b of builds) {
    const lang = buildFileLanguage(files, b);
    if (!lang) continue;
    // The build file supports the family's languages that have sources, else stands for its own language.
    const targets = families.has(FAMILY[lang]) ? [...sources.keys()].filter((l) => FAMILY[l] === FAMILY[lang]) : [lang];
    for (const t of targets) {
      let list = byBuild.get(t);
      if (!list) byBuild.set(t, (list = []));
      list.push(b);
    }
  }
  const langs = new Set<Language>([...sources.keys(), ...byBuild.keys()]);
  return [...langs]
    .map((lang) => {
      const src = sources.get(lang) ?? [];
      const evidence: Evidence[] = (byBuild.get(lang) ?? []).map((file) => ({ file }));
      src.slice(0, SAMPLE_FILES).forEach((file, i) => evidence.push(i === 0 ? { file, excerpt: `${src.length} ${lang} source file${src.length === 1 ? '' : 's'}` } : { file }));
      return { name: lang, evidence, count: src.length };
    })
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))
    .map(({ name, evidence }) => ({ name, evidence }));
}

const JS_LOCKS: Array<[string, BuildTool]> = [
  ['pnpm-lock.yaml', 'pnpm'], ['yarn.lock', 'yarn'], ['bun.lockb', 'bun'], ['bun.lock', 'bun'], ['package-lock.json', 'npm'], ['npm-shrinkwrap.json', 'npm'],
];

/**
 * Build tools of a service folder, each with the file that says so. JavaScript: the lock file (in the folder,
 * else in the workspace root above it) or the `packageManager` field; a package.json with neither is npm's.
 */
export function detectBuildTools(files: RepoFiles, folder: string): Array<Finding<BuildTool>> {
  const index = repoIndex(files);
  const found = new Map<BuildTool, Evidence[]>();
  const add = (tool: BuildTool, ev: Evidence) => {
    let list = found.get(tool);
    if (!list) found.set(tool, (list = []));
    if (!list.some((e) => e.file === ev.file && e.line === ev.line)) list.push(ev);
  };
  const here = new Set(index.filesIn(folder).map(baseName));
  const at = (name: string) => joinPath(folder, name);

  if (here.has('package.json')) {
    let decided = false;
    // The folder's own package.json, then workspace roots above it, for `packageManager` and lock files.
    for (const dir of ancestorsOf(folder)) {
      const pkgPath = joinPath(dir, 'package.json');
      const isRoot = dir !== folder && index.has(pkgPath) && isJsWorkspaceRoot(files, pkgPath);
      if (dir !== folder && !isRoot) continue;
      const pkg = index.has(pkgPath) ? readJson(files, pkgPath) : null;
      const pm = (pkg?.value as { packageManager?: unknown } | undefined)?.packageManager;
      if (typeof pm === 'string') {
        const tool = /^(npm|pnpm|yarn|bun)@/.exec(pm)?.[1] as BuildTool | undefined;
        if (tool) {
          const line = pkg!.keyLine.get(keyPath('packageManager'));
          add(tool, { file: pkgPath, ...(line ? { line, excerpt: pkg!.lines.excerpt(line) } : {}) });
          decided = true;
        }
      }
      for (const [lock, tool] of JS_LOCKS) {
        if (index.has(joinPath(dir, lock))) {
          add(tool, { file: joinPath(dir, lock) });
          decided = true;
        }
      }
      if (decided) break;
    }
    if (!decided) add('npm', { file: at('package.json'), excerpt: 'no lock file or packageManager field: npm assumed' });
  }
  if (here.has('pom.xml')) add('maven', { file: at('pom.xml') });
  for (const g of ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts']) if (here.has(g)) add('gradle', { file: at(g) });
  if (here.has('go.mod')) add('go-modules', { file: at('go.mod') });
  if (here.has('build.sbt')) add('sbt', { file: at('build.sbt') });
  if (here.has('Cargo.toml')) add('cargo', { file: at('Cargo.toml') });
  if (here.has('Gemfile')) add('bundler', { file: at('Gemfile') });
  if (here.has('composer.json')) add('composer', { file: at('composer.json') });
  for (const name of here) {
    if (name.endsWith('.csproj') || name.endsWith('.fsproj') || name.endsWith('.sln')) add('dotnet', { file: at(name) });
  }
  // Python: poetry, uv and pipenv by their markers; pip by requirements files and plain setuptools projects.
  if (here.has('Pipfile') || here.has('Pipfile.lock')) add('pipenv', { file: at(here.has('Pipfile') ? 'Pipfile' : 'Pipfile.lock') });
  if (here.has('poetry.lock')) add('poetry', { file: at('poetry.lock') });
  let uvRoot: string | null = here.has('uv.lock') ? folder : null;
  if (!uvRoot && here.has('pyproject.toml')) {
    // A uv workspace keeps one uv.lock at its root.
    uvRoot = ancestorsOf(folder).slice(1).find((d) => index.has(joinPath(d, 'uv.lock'))) ?? null;
  }
  if (uvRoot) add('uv', { file: joinPath(uvRoot, 'uv.lock') });
  if (here.has('pyproject.toml')) {
    const toml = readToml(files, at('pyproject.toml')) ?? [];
    const poetry = toml.find((e) => e.table.startsWith('tool.poetry'));
    if (poetry) add('poetry', { file: at('pyproject.toml'), line: poetry.tableLine, excerpt: `[${poetry.table}]` });
    const uv = toml.find((e) => e.table.startsWith('tool.uv'));
    if (uv) add('uv', { file: at('pyproject.toml'), line: uv.tableLine, excerpt: `[${uv.table}]` });
    const project = toml.find((e) => e.table === 'project');
    if (!poetry && !uv && !uvRoot && project && !found.has('pipenv')) add('pip', { file: at('pyproject.toml'), excerpt: '[project] without a poetry, uv or pipenv marker' });
  }
  for (const name of here) {
    if (/^requirements.*\.txt$/i.test(name)) add('pip', { file: at(name) });
  }
  if (here.has('setup.py') && !found.has('poetry') && !found.has('uv')) add('pip', { file: at('setup.py') });
  return [...found].map(([name, evidence]) => ({ name, evidence }));
}

/** Languages and build tools of one service folder. */
export function scanStack(files: RepoFiles, folder: string): { languages: Array<Finding<Language>>; buildTools: Array<Finding<BuildTool>> } {
  return { languages: detectLanguages(files, folder), buildTools: detectBuildTools(files, folder) };
}

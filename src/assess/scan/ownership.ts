/**
 * Who owns a service and how it is documented (CODEOWNERS, README, catalog-info.yaml), and the dependency update
 * bots that cover it (Dependabot, Renovate): reported apart from scanning, since they update and do not check.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { BuildTool, Evidence, Finding, ServiceScan } from '../model/scan.js';
import { ancestorsOf, baseName, isWithin, LineIndex, repoIndex, type RepoFiles } from './files.js';
import { aggregatorFolders, catalogInfoPath, readCatalogInfo } from './services.js';
import { keyPath, readJson, stripComments } from './stack.js';

// ---------------------------------------------------------------------------------------------------------------
// Patterns

/** One element of a path segment pattern. */
type GlobToken = { kind: 'char'; char: string } | { kind: 'any' } | { kind: 'star' } | { kind: 'class'; negate: boolean; ranges: Array<[string, string]> };

/** A gitignore-style pattern, split into segments; `**` segments cross folders. */
export interface Glob {
  segments: Array<'**' | GlobToken[]>;
  /** Ends with `/`: matches folders only. */
  directoryOnly: boolean;
  /** Ends with `/*`: covers the files directly in a folder, not those below it (as GitHub documents `docs/*`). */
  directChildren: boolean;
  /** The path itself, for an anchored pattern without wildcards (the common `/services/api/`): compared, not matched. */
  literal: string | null;
  hasGlobstar: boolean;
}

function tokenizeSegment(seg: string): GlobToken[] {
  const out: GlobToken[] = [];
  // A `[` opens a class only when a `]` follows; knowing the last one keeps a run of `[` linear.
  const lastClose = seg.lastIndexOf(']');
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') {
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'any' });
    else if (c === '\\' && i + 1 < seg.length) out.push({ kind: 'char', char: seg[++i]! });
    else if (c === '[' && lastClose >= i + 2) {
      const close = seg.indexOf(']', i + 2);
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([body[j]!, body[j + 2]!]);
          j += 2;
        } else ranges.push([body[j]!, body[j]!]);
      }
      out.push({ kind: 'class', negate, ranges });
      i = close;
    } else out.push({ kind: 'char', char: c });
  }
  return out;
}

/**
 * Compiles a gitignore-style pattern: `*` and `?` stay within a segment, `**` crosses segments, `[...]` is a
 * class, `\x` a literal; a pattern without a slash (other than a trailing one) matches at any depth, one with a
 * slash is anchored at the root. Matching is by plain loops (no regular expressions), so no pattern can make it
 * slow: a segment costs at most its length times the pattern's, a path its segments times the pattern's.
 */
export function compileGlob(pattern: string): Glob {
  let p = pattern;
  const directoryOnly = p.endsWith('/');
  if (directoryOnly) p = p.replace(/\/+$/, '');
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\/+/, '');
  const segments: Glob['segments'] = [];
  if (!anchored) segments.push('**');
  for (const seg of p.split('/')) {
    if (seg === '') continue;
    if (seg === '**') {
      if (segments[segments.length - 1] !== '**') segments.push('**');
    } else segments.push(tokenizeSegment(seg));
  }
  const literal = segments.every((seg) => seg !== '**' && seg.every((t) => t.kind === 'char'))
    ? segments.map((seg) => (seg as GlobToken[]).map((t) => (t as { char: string }).char).join('')).join('/')
    : null;
  return { segments, directoryOnly, directChildren: p.endsWith('/*'), literal, hasGlobstar: segments.includes('**') };
}

function tokenMatches(t: GlobToken, c: string): boolean {
  switch (t.kind) {
    case 'char': return t.char === c;
    case 'any': return true;
    case 'class': return t.ranges.some(([a, b]) => c >= a && c <= b) !== t.negate;
    default: return false;
  }
}

/** One segment against a segment pattern: the two-pointer wildcard match, backtracking only to the last `*`. */
function segmentMatches(tokens: GlobToken[], seg: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < seg.length) {
    const t = tokens[p];
    if (t?.kind === 'star') {
      starP = p++;
      starS = s;
    } else if (t && tokenMatches(t, seg[s]!)) {
      p++;
      s++;
    } else if (starP !== -1) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/** Does the compiled pattern match the whole path (a file or a folder)? */
export function globMatches(glob: Glob, path: string): boolean {
  if (glob.literal !== null) return path === glob.literal;
  const parts = path === '.' ? [] : path.split('/');
  const segs = glob.segments;
  if (!glob.hasGlobstar) {
    if (parts.length !== segs.length) return false;
    for (let i = 0; i < parts.length; i++) if (!segmentMatches(segs[i] as GlobToken[], parts[i]!)) return false;
    return true;
  }
  return matchFrom(segs, parts, 0, 0, new Uint8Array((segs.length + 1) * (parts.length + 1)));
}

/** Pattern segments from `i` against path segments from `j`; `memo` (0 unknown, 1 yes, 2 no) keeps it polynomial. */
function matchFrom(segs: Glob['segments'], parts: string[], i: number, j: number, memo: Uint8Array): boolean {
  const n = parts.length;
  if (i === segs.length) return j === n;
  const key = i * (n + 1) + j;
  if (memo[key]) return memo[key] === 1;
  const seg = segs[i]!;
  const ok = seg === '**'
    ? matchFrom(segs, parts, i + 1, j, memo) || (j < n && matchFrom(segs, parts, i, j + 1, memo))
    : j < n && segmentMatches(seg, parts[j]!) && matchFrom(segs, parts, i + 1, j + 1, memo);
  memo[key] = ok ? 1 : 2;
  return ok;
}

/** A file name no pattern but a wildcard matches: stands for "a file directly in the folder". */
const PROBE = '\u0001';

/**
 * Does the pattern apply to the folder: match the folder or a folder above it (which covers everything
 * inside), or every file directly in it? `docs/*` covers only direct children, as GitHub documents.
 */
function appliesToFolder(glob: Glob, folder: string): boolean {
  if (glob.literal !== null) return folder === glob.literal || folder.startsWith(`${glob.literal}/`);
  if (!glob.directChildren) {
    for (const dir of ancestorsOf(folder)) if (dir !== '.' && globMatches(glob, dir)) return true;
  }
  if (glob.directoryOnly) return false;
  return globMatches(glob, folder === '.' ? PROBE : `${folder}/${PROBE}`);
}

// ---------------------------------------------------------------------------------------------------------------
// CODEOWNERS

/** Where GitHub (`.github/`, root, `docs/`) and GitLab (root, `docs/`, `.gitlab/`) look, first found wins. */
export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS', '.gitlab/CODEOWNERS'];

export interface CodeownersRule {
  pattern: string;
  owners: string[];
  line: number;
  /** GitLab section (`[Backend]`), `` outside any. */
  section: string;
}

/** The rules of a CODEOWNERS file, with GitLab sections and their default owners. */
export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  let section = '';
  let defaults: string[] = [];
  const rows = text.split('\n');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!.replace(/\r$/, '').trim();
    if (row === '' || row.startsWith('#')) continue;
    const head = /^\^?\[([^\]]+)\](?:\[\d+\])?(?:\s+(.*))?$/.exec(row);
    if (head && (head[2] === undefined || /^[@\w]/.test(head[2]))) {
      section = head[1]!;
      defaults = (head[2] ?? '').split(/\s+/).filter((o) => o && !o.startsWith('#'));
      continue;
    }
    // The pattern ends at the first unescaped space; `#` after whitespace starts a comment.
    const m = /^((?:\\.|[^\s\\])+)(.*)$/.exec(row);
    if (!m) continue;
    const rest = m[2]!.replace(/\s#.*$/, '').trim();
    const owners = rest === '' ? (section ? defaults : []) : rest.split(/\s+/);
    rules.push({ pattern: m[1]!, owners, line: r + 1, section });
  }
  return rules;
}

/** The repository's CODEOWNERS file, if any. */
export function codeownersPath(files: RepoFiles): string | null {
  const index = repoIndex(files);
  return CODEOWNERS_LOCATIONS.find((p) => index.has(p)) ?? null;
}

/**
 * Owners of a folder: in each section the last matching rule wins (a rule without owners takes ownership
 * away); GitLab sections add up. Empty when no rule matches.
 */
export function codeownersFor(rules: CodeownersRule[], folder: string): { owners: string[]; lines: number[] } {
  const bySection = new Map<string, CodeownersRule>();
  for (const rule of rules) {
    if (appliesToFolder(compile(rule.pattern), folder)) bySection.set(rule.section, rule);
  }
  const owners: string[] = [];
  for (const rule of bySection.values()) for (const o of rule.owners) if (!owners.includes(o)) owners.push(o);
  return { owners, lines: [...bySection.values()].map((r) => r.line) };
}

const compiled = new Map<string, Glob>();
function compile(pattern: string): Glob {
  let c = compiled.get(pattern);
  if (!c) {
    if (compiled.size > 10_000) compiled.clear();
    c = compileGlob(pattern);
    compiled.set(pattern, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// README and catalog-info

const README = /^readme(?:\.(?:md|markdown|rst|txt|adoc))?$/i;

function readmeIn(files: RepoFiles, dir: string): string | null {
  return repoIndex(files).filesIn(dir).find((p) => README.test(baseName(p))) ?? null;
}

/** CODEOWNERS owners, README and catalog-info.yaml of one service folder. */
export function scanOwnership(files: RepoFiles, folder: string): ServiceScan['ownership'] {
  const index = repoIndex(files);
  const coFile = codeownersPath(files);
  let codeowners: ServiceScan['ownership']['codeowners'] = null;
  if (coFile) {
    const rules = index.memo(`codeowners:${coFile}`, () => parseCodeowners(files.read(coFile) ?? ''));
    codeowners = { file: coFile, owners: codeownersFor(rules, folder).owners };
  }
  const readme = readmeIn(files, folder) ?? (folder === '.' ? null : readmeIn(files, '.'));
  let catalogInfo: ServiceScan['ownership']['catalogInfo'] = null;
  const catalogFile = catalogInfoPath(files, folder);
  if (catalogFile) {
    const entities = readCatalogInfo(files, catalogFile) ?? [];
    const entity = entities.find((e) => e.kind === 'Component') ?? entities[0];
    catalogInfo = { file: catalogFile, name: entity?.name ?? null, owner: entity?.owner ?? null };
  }
  return { codeowners, readme, catalogInfo };
}

// ---------------------------------------------------------------------------------------------------------------
// Dependency bots

/** Dependabot's `package-ecosystem` for a build tool. */
const DEPENDABOT_ECOSYSTEM: Record<BuildTool, string[]> = {
  npm: ['npm'], pnpm: ['npm'], yarn: ['npm'], bun: ['bun', 'npm'], maven: ['maven'], gradle: ['gradle'], 'go-modules': ['gomod'],
  pip: ['pip'], poetry: ['pip'], pipenv: ['pip'], uv: ['uv', 'pip'], dotnet: ['nuget', 'dotnet-sdk'], cargo: ['cargo'], bundler: ['bundler'],
  composer: ['composer'], sbt: [],
};

/** Renovate managers for a build tool (for `enabledManagers`). */
const RENOVATE_MANAGERS: Record<BuildTool, string[]> = {
  npm: ['npm'], pnpm: ['npm'], yarn: ['npm'], bun: ['bun', 'npm'], maven: ['maven', 'maven-wrapper'], gradle: ['gradle', 'gradle-wrapper'],
  'go-modules': ['gomod'], pip: ['pip_requirements', 'pip_setup', 'pep621'], poetry: ['poetry', 'pep621'], pipenv: ['pipenv'], uv: ['pep621'],
  dotnet: ['nuget'], cargo: ['cargo'], bundler: ['bundler'], composer: ['composer'], sbt: ['sbt'],
};

interface DependabotUpdate {
  ecosystem: string;
  directories: string[];
  line: number;
  excerpt: string;
}

function readDependabot(files: RepoFiles, path: string): DependabotUpdate[] {
  const index = repoIndex(files);
  return index.memo(`dependabot:${path}`, () => {
    const text = files.read(path);
    if (text === null) return [];
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
    if (doc.errors.length) {
      const err = doc.errors[0]!;
      index.problem(path, `not valid YAML: ${err.message.split('\n')[0]}`, counter.linePos(err.pos[0]).line);
      return [];
    }
    const root = doc.contents;
    const updates = isMap(root) ? root.get('updates', true) : null;
    if (!isSeq(updates)) {
      index.problem(path, 'expected a list at `updates`');
      return [];
    }
    const lines = new LineIndex(text);
    const out: DependabotUpdate[] = [];
    updates.items.forEach((item, i) => {
      if (!isMap(item)) return;
      const eco = item.get('package-ecosystem', true);
      if (!isScalar(eco) || typeof eco.value !== 'string') {
        index.problem(path, `updates[${i}].package-ecosystem: expected a string`, item.range ? counter.linePos(item.range[0]).line : undefined);
        return;
      }
      const dirs: string[] = [];
      const dir = item.get('directory', true);
      if (isScalar(dir) && typeof dir.value === 'string') dirs.push(dir.value);
      const many = item.get('directories', true);
      if (isSeq(many)) for (const d of many.items) if (isScalar(d) && typeof d.value === 'string') dirs.push(d.value);
      const line = eco.range ? counter.linePos(eco.range[0]).line : 1;
      out.push({ ecosystem: eco.value, directories: dirs, line, excerpt: lines.excerpt(line) });
    });
    return out;
  });
}

/** `/services/api/` → `services/api`; `/` → `.`. */
function repoDir(dir: string): string {
  const trimmed = dir.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? '.' : trimmed;
}

/** Does a Dependabot `directory` cover the service: the folder itself, a glob matching it, or the workspace root above it? */
function directoryCovers(files: RepoFiles, directory: string, folder: string): boolean {
  const dir = repoDir(directory);
  if (dir === folder) return true;
  if (/[*?[]/.test(dir)) return globMatches(compileGlob(`/${dir}`), folder);
  return isWithin(folder, dir) && aggregatorFolders(files).has(dir);
}

function renovateConfig(files: RepoFiles): { file: string; config: Record<string, unknown> | null; line?: number } | null {
  const index = repoIndex(files);
  for (const p of ['renovate.json', 'renovate.json5', '.github/renovate.json', '.github/renovate.json5', '.gitlab/renovate.json', '.gitlab/renovate.json5', '.renovaterc', '.renovaterc.json', '.renovaterc.json5']) {
    if (!index.has(p)) continue;
    return { file: p, config: index.memo(`renovate:${p}`, () => parseLenientJson(files.read(p))) };
  }
  if (index.has('package.json')) {
    const pkg = readJson(files, 'package.json');
    const config = (pkg?.value as { renovate?: unknown } | undefined)?.renovate;
    if (config && typeof config === 'object') {
      const line = pkg!.keyLine.get(keyPath('renovate'));
      return { file: 'package.json', config: config as Record<string, unknown>, ...(line ? { line } : {}) };
    }
  }
  return null;
}

/** JSON or JSON5 as Renovate writes it (comments, trailing commas); null when it still does not parse. */
function parseLenientJson(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  const clean = stripComments(text, 'c', 'keep').replace(/,(\s*[}\]])/g, '$1');
  for (const candidate of [clean, clean.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(s)).replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":')]) {
    try {
      const v = JSON.parse(candidate) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
    } catch {
      // try the next form
    }
  }
  return null;
}

/**
 * Dependency bots that cover the service: Dependabot when an update entry names one of its ecosystems (from its
 * build tools, `docker` for a Dockerfile) for its folder; Renovate unless the config disables it, ignores the
 * folder or enables only other managers. A bot configured for other folders or ecosystems is not listed.
 */
export function scanDependencyBots(
  files: RepoFiles,
  folder: string,
  stack: { buildTools: Array<Finding<BuildTool>>; hasDockerfile: boolean },
): Array<Finding<'dependabot' | 'renovate'>> {
  const index = repoIndex(files);
  const out: Array<Finding<'dependabot' | 'renovate'>> = [];
  const ecosystems = new Set(stack.buildTools.flatMap((t) => DEPENDABOT_ECOSYSTEM[t.name]));
  if (stack.hasDockerfile) ecosystems.add('docker');
  const dependabotFile = ['.github/dependabot.yml', '.github/dependabot.yaml'].find((p) => index.has(p));
  if (dependabotFile) {
    const evidence: Evidence[] = readDependabot(files, dependabotFile)
      .filter((u) => ecosystems.has(u.ecosystem) && u.directories.some((d) => directoryCovers(files, d, folder)))
      .map((u) => ({ file: dependabotFile, line: u.line, excerpt: u.excerpt }));
    if (evidence.length) out.push({ name: 'dependabot', evidence });
  }
  const renovate = renovateConfig(files);
  if (renovate) {
    const c = renovate.config;
    const disabled = c?.enabled === false;
    const ignored = Array.isArray(c?.ignorePaths) && c.ignorePaths.some((g) => typeof g === 'string' && ignoresFolder(g, folder));
    const managers = new Set(stack.buildTools.flatMap((t) => RENOVATE_MANAGERS[t.name]));
    if (stack.hasDockerfile) managers.add('dockerfile');
    const enabled = Array.isArray(c?.enabledManagers) ? c.enabledManagers.filter((m): m is string => typeof m === 'string') : null;
    const managerOk = enabled === null || enabled.some((m) => managers.has(m));
    if (!disabled && !ignored && managerOk) {
      out.push({ name: 'renovate', evidence: [renovate.line ? { file: renovate.file, line: renovate.line, excerpt: '"renovate": {' } : { file: renovate.file }] });
    }
  }
  return out;
}

/** Renovate `ignorePaths` entry (a glob, or a path prefix) that matches the service folder. */
function ignoresFolder(pattern: string, folder: string): boolean {
  const g = pattern.replace(/^\.\//, '');
  if (!/[*?[]/.test(g)) return folder !== '.' && isWithin(folder, g.replace(/\/+$/, ''));
  const glob = compileGlob(`/${g.replace(/\/\*\*$/, '')}`);
  return folder !== '.' && ancestorsOf(folder).some((d) => d !== '.' && globMatches(glob, d));
}

/**
 * Where the services of a repository are: folders with a build file, a catalog-info.yaml Component, or a
 * Dockerfile with no build file above; workspace and aggregator roots (npm/pnpm workspaces, Maven modules,
 * Gradle includes, Cargo workspaces, go.work) are services only when nothing below them is.
 */
import { isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { Evidence } from '../model/scan.js';
import { ancestorsOf, baseName, folderOf, isWithin, joinPath, LineIndex, repoIndex, type RepoFiles } from './files.js';
import { buildFileKind, isJsWorkspaceRoot, keyPath, readGoMod, readJson, readPom, readToml, stripComments, type BuildFileKind } from './stack.js';
import { isDockerfileName } from './containers.js';

/** A service found in a repository: its folder (`.` for the root), name and why it is one. */
export interface FoundService {
  path: string;
  name: string;
  evidence: Evidence[];
}

/**
 * Folders whose build files belong to tests or fixtures, not to a service (`test/fixtures/package.json`,
 * `src/test/resources/pom.xml`, an `e2e/` Playwright package).
 */
const TEST_SEGMENTS = new Set(['test', 'tests', '__tests__', 'fixtures', '__fixtures__', 'testdata', 'test-data', 'test-fixtures', 'testfixtures', 'spec', 'e2e']);

/** Is any folder segment of `dir` a test or fixture folder? */
export function isTestFolder(dir: string): boolean {
  return dir !== '.' && dir.split('/').some((s) => TEST_SEGMENTS.has(s));
}

/** One entity of a catalog-info.yaml, with the lines of its fields. */
export interface CatalogEntity {
  kind: string | null;
  name: string | null;
  owner: string | null;
  /** Line of the document's first key; of metadata.name and spec.owner when present. */
  line: number;
  nameLine?: number;
  ownerLine?: number;
}

/** The entities of a catalog-info.yaml, parsed once (null when unreadable; a broken document is a problem). */
export function readCatalogInfo(files: RepoFiles, path: string): CatalogEntity[] | null {
  const index = repoIndex(files);
  return index.memo(`catalog:${path}`, () => {
    const text = files.read(path);
    if (text === null) return null;
    const counter = new LineCounter();
    const out: CatalogEntity[] = [];
    for (const doc of parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false })) {
      if (!('errors' in doc)) continue;
      if (doc.errors.length > 0) {
        const err = doc.errors[0]!;
        index.problem(path, `not valid YAML: ${err.message.split('\n')[0]}`, counter.linePos(err.pos[0]).line);
        continue;
      }
      const root = doc.contents;
      if (!isMap(root)) continue;
      const field = (node: unknown, key: string): { value: string | null; line?: number; node?: unknown } => {
        if (!isMap(node)) return { value: null };
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        if (!pair) return { value: null };
        const v = pair.value;
        const line = isScalar(pair.key) && pair.key.range ? counter.linePos(pair.key.range[0]).line : undefined;
        if (isScalar(v)) return { value: v.value === null ? null : String(v.value), ...(line ? { line } : {}), node: v };
        return { value: null, ...(line ? { line } : {}), node: v };
      };
      const metadata = field(root, 'metadata').node;
      const spec = field(root, 'spec').node;
      const name = field(metadata, 'name');
      const owner = field(spec, 'owner');
      const entity: CatalogEntity = {
        kind: field(root, 'kind').value,
        name: name.value,
        owner: owner.value,
        line: root.range ? counter.linePos(root.range[0]).line : 1,
      };
      if (name.line) entity.nameLine = name.line;
      if (owner.line) entity.ownerLine = owner.line;
      out.push(entity);
    }
    return out;
  });
}

/** The catalog-info file of a folder, if any. */
export function catalogInfoPath(files: RepoFiles, dir: string): string | null {
  const index = repoIndex(files);
  for (const name of ['catalog-info.yaml', 'catalog-info.yml']) {
    const p = joinPath(dir, name);
    if (index.has(p)) return p;
  }
  return null;
}

/** The Component described in a folder's catalog-info.yaml, if any. */
function catalogComponent(files: RepoFiles, dir: string): { file: string; entity: CatalogEntity } | null {
  const file = catalogInfoPath(files, dir);
  if (!file) return null;
  const entity = (readCatalogInfo(files, file) ?? []).find((e) => e.kind === 'Component');
  return entity ? { file, entity } : null;
}

interface FolderFacts {
  /** Build files that make the folder a service (aggregator-only markers excluded). */
  buildFiles: string[];
  /** Markers of a workspace or aggregator root. */
  aggregates: Evidence[];
}

function hasPythonBelow(files: RepoFiles, dir: string): boolean {
  return repoIndex(files).subtree(dir).some((p) => p.endsWith('.py'));
}

/** What the build files of one folder say about it. */
function folderFacts(files: RepoFiles, dir: string, names: string[]): FolderFacts {
  const facts: FolderFacts = { buildFiles: [], aggregates: [] };
  const kinds = new Map<string, BuildFileKind>();
  for (const n of names) {
    const k = buildFileKind(n);
    if (k) kinds.set(n, k);
  }
  for (const [name, kind] of kinds) {
    const path = joinPath(dir, name);
    switch (kind) {
      case 'pnpm-workspace':
      case 'go.work':
        facts.aggregates.push({ file: path });
        break;
      case 'package.json': {
        if (isJsWorkspaceRoot(files, path)) {
          const json = readJson(files, path);
          const line = json?.keyLine.get(keyPath('workspaces'));
          facts.aggregates.push(line ? { file: path, line, excerpt: json!.lines.excerpt(line) } : { file: path });
          break;
        }
        const v = readJson(files, path)?.value as Record<string, unknown> | undefined;
        // A nested package.json without a name, dependencies or scripts only sets options (`{"type": "module"}`).
        if (dir !== '.' && v && typeof v === 'object' && !('name' in v) && !('dependencies' in v) && !('scripts' in v) && !('devDependencies' in v)) break;
        facts.buildFiles.push(path);
        break;
      }
      case 'pom.xml': {
        const pom = readPom(files, path);
        if (pom && pom.modules.length > 0) {
          const at = /<modules>/.exec(pom.clean);
          const line = at ? pom.lines.lineAt(at.index) : undefined;
          facts.aggregates.push(line ? { file: path, line, excerpt: pom.lines.excerpt(line) } : { file: path });
        } else facts.buildFiles.push(path);
        break;
      }
      case 'gradle-settings': {
        const text = files.read(path) ?? '';
        const m = /^[ \t]*include(?:Build)?\b[ \t]*[(\s'"]/m.exec(stripComments(text, 'c'));
        if (m) {
          const lines = new LineIndex(text);
          const line = lines.lineAt(m.index + m[0].length - m[0].trimStart().length);
          facts.aggregates.push({ file: path, line, excerpt: lines.excerpt(line) });
        } else if (!names.includes('build.gradle') && !names.includes('build.gradle.kts')) facts.buildFiles.push(path);
        break;
      }
      case 'Cargo.toml': {
        const toml = readToml(files, path) ?? [];
        const workspace = toml.find((e) => e.table === 'workspace' || e.table.startsWith('workspace.'));
        const pkg = toml.some((e) => e.table === 'package');
        if (workspace && !pkg) facts.aggregates.push({ file: path, line: workspace.tableLine, excerpt: '[workspace]' });
        else facts.buildFiles.push(path);
        break;
      }
      case 'requirements.txt':
        // docs/requirements.txt of a documentation site is no service: Python needs Python code.
        if (hasPythonBelow(files, dir)) facts.buildFiles.push(path);
        break;
      default:
        facts.buildFiles.push(path);
    }
  }
  return facts;
}

interface ServiceIndex {
  services: FoundService[];
  paths: Set<string>;
  /** Workspace and aggregator roots (services or not). */
  aggregators: Set<string>;
  /** Folder → the service it belongs to (the nearest service folder at or above it), memoised. */
  owner: Map<string, string | null>;
}

function serviceIndex(files: RepoFiles): ServiceIndex {
  return repoIndex(files).memo('services', () => discover(files));
}

function discover(files: RepoFiles): ServiceIndex {
  const index = repoIndex(files);
  const candidates = new Map<string, Evidence[]>();
  const aggregators = new Map<string, Evidence[]>();
  /** Folders holding any build file or aggregator marker (a Dockerfile below one is part of it). */
  const withBuild = new Set<string>();
  const dockerDirs = new Map<string, string[]>();
  const dirs = new Map<string, string[]>();
  for (const p of index.paths) {
    const dir = folderOf(p);
    let list = dirs.get(dir);
    if (!list) dirs.set(dir, (list = []));
    list.push(baseName(p));
  }
  for (const [dir, names] of dirs) {
    if (isTestFolder(dir)) continue;
    const facts = folderFacts(files, dir, names);
    if (facts.buildFiles.length || facts.aggregates.length) withBuild.add(dir);
    const component = names.includes('catalog-info.yaml') || names.includes('catalog-info.yml') ? catalogComponent(files, dir) : null;
    if (facts.aggregates.length) {
      aggregators.set(dir, facts.aggregates);
      if (component) candidates.set(dir, [catalogEvidence(component), ...facts.aggregates]);
    } else if (facts.buildFiles.length || component) {
      const evidence: Evidence[] = [];
      if (component) evidence.push(catalogEvidence(component));
      for (const b of facts.buildFiles) evidence.push({ file: b });
      candidates.set(dir, evidence);
    }
    const dockerfiles = names.filter(isDockerfileName);
    if (dockerfiles.length) dockerDirs.set(dir, dockerfiles.map((n) => joinPath(dir, n)));
  }
  for (const [dir, dockerfiles] of dockerDirs) {
    if (candidates.has(dir) || ancestorsOf(dir).some((d) => withBuild.has(d))) continue;
    candidates.set(dir, dockerfiles.map((file) => ({ file })));
  }
  // Aggregators, deepest first: a service only when no service lies below (or a Component or own src/ says so).
  const aggregatorList = [...aggregators.keys()].sort((a, b) => depth(b) - depth(a));
  for (const dir of aggregatorList) {
    if (candidates.has(dir)) continue;
    const below = [...candidates.keys()].filter((c) => c !== dir && isWithin(c, dir));
    const ownSrc = index.subtree(joinPath(dir, 'src')).some((p) => !below.some((b) => isWithin(p, b)));
    if (below.length === 0 || ownSrc) candidates.set(dir, aggregators.get(dir)!);
  }
  const services = [...candidates.keys()]
    .sort()
    .map((path) => ({ path, name: nameOf(files, path), evidence: candidates.get(path)! }));
  return { services, paths: new Set(candidates.keys()), aggregators: new Set(aggregators.keys()), owner: new Map() };
}

function depth(dir: string): number {
  return dir === '.' ? 0 : dir.split('/').length;
}

function catalogEvidence(c: { file: string; entity: CatalogEntity }): Evidence {
  return c.entity.nameLine ? { file: c.file, line: c.entity.nameLine, excerpt: `Component ${c.entity.name ?? ''}`.trim() } : { file: c.file };
}

/** The name of the service in `dir`: catalog-info, then the build files, then the folder. */
function nameOf(files: RepoFiles, dir: string): string {
  const index = repoIndex(files);
  const at = (n: string) => joinPath(dir, n);
  const component = catalogComponent(files, dir);
  if (component?.entity.name) return component.entity.name;
  if (index.has(at('package.json'))) {
    const name = (readJson(files, at('package.json'))?.value as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && name) return name.replace(/^@[^/]+\//, '');
  }
  if (index.has(at('pom.xml'))) {
    const a = readPom(files, at('pom.xml'))?.artifactId?.value;
    if (a && !a.includes('${')) return a;
  }
  for (const settings of ['settings.gradle', 'settings.gradle.kts']) {
    if (!index.has(at(settings))) continue;
    const m = /rootProject\.name\s*=\s*["']([^"']+)["']/.exec(stripComments(files.read(at(settings)) ?? '', 'c'));
    if (m) return m[1]!;
  }
  if (index.has(at('go.mod'))) {
    const mod = readGoMod(files, at('go.mod'))?.module?.value;
    if (mod) {
      const segs = mod.split('/');
      // `example.com/orders/v2`: the major-version suffix is not the name.
      const last = segs.length > 1 && /^v\d+$/.test(segs[segs.length - 1]!) ? segs[segs.length - 2]! : segs[segs.length - 1]!;
      if (last) return last;
    }
  }
  for (const file of ['pyproject.toml', 'Cargo.toml']) {
    if (!index.has(at(file))) continue;
    const entry = (readToml(files, at(file)) ?? []).find((e) => (e.table === 'project' || e.table === 'tool.poetry' || e.table === 'package') && e.key === 'name');
    const value = entry?.value.replace(/^["']|["']$/g, '');
    if (value) return value;
  }
  if (index.has(at('setup.py'))) {
    const m = /\bname\s*=\s*["']([^"']+)["']/.exec(stripComments(files.read(at('setup.py')) ?? '', 'python'));
    if (m) return m[1]!;
  }
  const csproj = index.filesIn(dir).find((p) => p.endsWith('.csproj') || p.endsWith('.fsproj'));
  if (csproj) return baseName(csproj).replace(/\.[cf]sproj$/, '');
  if (index.has(at('composer.json'))) {
    const name = (readJson(files, at('composer.json'))?.value as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && name) return name.slice(name.indexOf('/') + 1);
  }
  if (dir === '.') return files.name ?? 'repository';
  return baseName(dir);
}

/** The services of a repository, sorted by folder. Computed once per RepoFiles. */
export function findServices(files: RepoFiles): FoundService[] {
  return serviceIndex(files).services.map((s) => ({ ...s, evidence: [...s.evidence] }));
}

/** Workspace and aggregator roots of the repository (`.` for an npm workspace root), services or not. */
export function aggregatorFolders(files: RepoFiles): ReadonlySet<string> {
  return serviceIndex(files).aggregators;
}

/** The service folder that `dir` belongs to (nearest service at or above it), or null. */
export function serviceOf(files: RepoFiles, dir: string): string | null {
  const si = serviceIndex(files);
  const cached = si.owner.get(dir);
  if (cached !== undefined) return cached;
  const result = si.paths.has(dir) ? dir : dir === '.' ? null : serviceOf(files, folderOf(dir));
  si.owner.set(dir, result);
  return result;
}

/**
 * The files of the service (or any folder) at `folder`: everything below it except what belongs to services
 * nested inside it. Computed from one pass over the paths, not per service.
 */
export function ownFiles(files: RepoFiles, folder: string): readonly string[] {
  const index = repoIndex(files);
  const byService = index.memo('ownFiles', () => {
    const map = new Map<string, string[]>();
    for (const p of index.paths) {
      const s = serviceOf(files, folderOf(p));
      if (s === null) continue;
      let list = map.get(s);
      if (!list) map.set(s, (list = []));
      list.push(p);
    }
    return map;
  });
  if (serviceIndex(files).paths.has(folder)) return byService.get(folder) ?? [];
  return index.memo(`ownFiles:${folder}`, () =>
    index.subtree(folder).filter((p) => {
      const s = serviceOf(files, folderOf(p));
      return s === null || s === folder || !isWithin(s, folder);
    }),
  );
}

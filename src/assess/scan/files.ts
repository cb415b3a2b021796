import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { InputError } from '../../core/errors.js';

/** The files of one repository, as the scanners see them. Scanners never run code and never write. */
export interface RepoFiles {
  /** The repository's name (the root service is named after it when nothing better is known). */
  readonly name?: string;
  /** Every file path, relative to the repository root, `/`-separated, sorted; without .git/, node_modules/, vendor/ (also target/, dist/, build/, .venv/, __pycache__/ ...). */
  paths(): string[];
  /** The file's text (UTF-8), or null when it is binary, missing or larger than 1 MiB. */
  read(path: string): string | null;
}

/** Files larger than this are not read (generated bundles, data). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Folders read at once while listing a repository. */
const WALK_CONCURRENCY = 16;
/** A NUL byte within this many leading bytes marks a file as binary (as git does). */
const BINARY_SNIFF_BYTES = 8000;

/** Folders that hold tools' output, caches or third-party code: never the service's own files. */
const IGNORED_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'vendor', 'target', 'dist', '.venv', 'venv',
  '__pycache__', '.gradle', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.next', '.nuxt',
  '.terraform', '.idea', '.cache', 'coverage', '.yarn', '.pnpm-store', 'obj',
]);
/**
 * `build/` is the output folder of Gradle, npm bundlers and setuptools, but Go projects keep packaging and CI
 * sources there (golang-standards/project-layout `build/package/Dockerfile`). It is skipped only next to a
 * build file whose tool writes to it.
 */
const BUILD_OUTPUT_OWNERS = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'package.json', 'pom.xml', 'setup.py', 'pyproject.toml', 'CMakeLists.txt'];

function isIgnoredDir(name: string, siblings: ReadonlySet<string>): boolean {
  if (IGNORED_DIRS.has(name)) return true;
  return name === 'build' && BUILD_OUTPUT_OWNERS.some((f) => siblings.has(f));
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decode(buf: Buffer): string | null {
  if (buf.length > MAX_FILE_BYTES) return null;
  const sniff = Math.min(buf.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < sniff; i++) if (buf[i] === 0) return null;
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function within(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The files under `root`, listed once (sorted) and read lazily, each at most once. Symbolic links are never
 * followed out of the root: a link to a file inside the root is listed, a link to anything outside it or to a
 * folder is not (a linked folder could repeat the tree or leave it).
 */
export async function filesFromDirectory(root: string, options: { name?: string } = {}): Promise<RepoFiles> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    if (!(await stat(realRoot)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new InputError(`${root}: expected a readable folder to scan (${(err as Error).message})`, { cause: err });
  }
  /** Relative path → the real path to read when the entry is a symbolic link (checked again before reading). */
  const linked = new Map<string, string>();
  const listed: string[] = [];

  /** Reads one folder; returns its subfolders to walk next. */
  async function visit(dir: string, rel: string): Promise<Array<[string, string]>> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = new Set(entries.map((e) => e.name));
    const next: Array<[string, string]> = [];
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!isIgnoredDir(entry.name, names)) next.push([abs, childRel]);
      } else if (entry.isFile()) {
        listed.push(childRel);
      } else if (entry.isSymbolicLink()) {
        try {
          const target = await realpath(abs);
          if (within(realRoot, target) && (await stat(target)).isFile()) {
            listed.push(childRel);
            linked.set(childRel, target);
          }
        } catch {
          // A dangling link is no file.
        }
      }
    }
    return next;
  }
  // Breadth first, a bounded number of folders at a time: many small folders are read in parallel.
  const queue: Array<[string, string]> = [[realRoot, '']];
  for (let at = 0; at < queue.length; ) {
    const batch = queue.slice(at, at + WALK_CONCURRENCY);
    at += batch.length;
    for (const sub of await Promise.all(batch.map(([abs, rel]) => visit(abs, rel)))) queue.push(...sub);
  }
  listed.sort(byCodeUnit);
  const known = new Set(listed);
  const cache = new Map<string, string | null>();

  function load(path: string): string | null {
    let target = linked.get(path);
    let flags = constants.O_RDONLY;
    if (target === undefined) {
      target = join(realRoot, ...path.split('/'));
      // The listed entry was a regular file; if it has since become a link, refuse rather than follow it.
      flags |= constants.O_NOFOLLOW ?? 0;
    } else {
      try {
        const again = realpathSync(target);
        if (!within(realRoot, again)) return null;
        target = again;
      } catch {
        return null;
      }
    }
    let fd: number | undefined;
    try {
      fd = openSync(target, flags);
      const size = fstatSync(fd).size;
      if (size > MAX_FILE_BYTES) return null;
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return decode(off === size ? buf : buf.subarray(0, off));
    } catch {
      return null;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  return {
    name: options.name ?? basename(realRoot),
    paths: () => listed,
    read(path: string): string | null {
      if (!known.has(path)) return null;
      let text = cache.get(path);
      if (text === undefined) {
        text = load(path);
        cache.set(path, text);
      }
      return text;
    },
  };
}

function checkMapPath(path: string): void {
  const bad =
    path === '' ? 'an empty path' :
    path.startsWith('/') ? 'an absolute path' :
    path.includes('\\') ? 'a `\\` (paths are `/`-separated)' :
    path.split('/').some((s) => s === '' || s === '.' || s === '..') ? 'an empty, `.` or `..` segment' :
    null;
  if (bad) {
    throw new InputError(`files[${JSON.stringify(path)}]: expected a relative path inside the repository, found ${bad}`, {
      problems: [{ code: 'invalid_path', path: `files[${JSON.stringify(path)}]`, message: `expected a relative, /-separated path without . or .. segments, found ${bad}` }],
    });
  }
}

/** A repository held in memory (tests, generated benchmarks). Paths are checked; ignored folders are left out as on disk. */
export function filesFromMap(files: Record<string, string>, options: { name?: string } = {}): RepoFiles {
  const all = Object.keys(files);
  for (const p of all) checkMapPath(p);
  const namesIn = new Map<string, Set<string>>();
  for (const p of all) {
    const slash = p.lastIndexOf('/');
    const dir = slash === -1 ? '' : p.slice(0, slash);
    let set = namesIn.get(dir);
    if (!set) namesIn.set(dir, (set = new Set()));
    set.add(p.slice(slash + 1));
  }
  const kept = all.filter((p) => {
    const segs = p.split('/');
    for (let i = 0; i < segs.length - 1; i++) {
      const dir = segs.slice(0, i).join('/');
      if (isIgnoredDir(segs[i]!, namesIn.get(dir) ?? new Set())) return false;
    }
    return true;
  });
  kept.sort(byCodeUnit);
  const known = new Set(kept);
  const cache = new Map<string, string | null>();
  return {
    name: options.name,
    paths: () => kept,
    read(path: string): string | null {
      if (!known.has(path)) return null;
      let text = cache.get(path);
      if (text === undefined) {
        const raw = files[path]!;
        // UTF-8 needs at least one byte per UTF-16 unit, so a short string needs no measuring.
        text = raw.length * 3 <= MAX_FILE_BYTES || Buffer.byteLength(raw, 'utf8') <= MAX_FILE_BYTES ? (raw.slice(0, BINARY_SNIFF_BYTES).includes('\0') ? null : raw) : null;
        cache.set(path, text);
      }
      return text;
    },
  };
}

/** The folder of a path (`.` for the root), and a folder's parent. */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/** `dir` + `name`, where `dir` may be `.` (the root). */
export function joinPath(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `dir` and its ancestors up to the root (`.`), nearest first. */
export function ancestorsOf(dir: string): string[] {
  const out = [dir];
  let d = dir;
  while (d !== '.') {
    d = folderOf(d);
    out.push(d);
  }
  return out;
}

/** Is `path` inside `dir` (or `dir` itself)? */
export function isWithin(path: string, dir: string): boolean {
  return dir === '.' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * What every scanner of one repository shares: the paths indexed by folder (built once), memoised parses (each
 * file is parsed at most once however many scanners ask), and the problems met on the way.
 */
export interface RepoIndex {
  readonly files: RepoFiles;
  readonly paths: readonly string[];
  /** Files directly in `dir`. */
  filesIn(dir: string): readonly string[];
  /** Every file under `dir`, at any depth (a contiguous run of the sorted paths). */
  subtree(dir: string): readonly string[];
  has(path: string): boolean;
  /** Folders that hold at least one file, directly or below. */
  readonly folders: ReadonlySet<string>;
  /** The value of `compute` for `key`, computed once. */
  memo<T>(key: string, compute: () => T): T;
  /** Files that could not be read or parsed: reported, never fatal. One per file and message. */
  problem(file: string, message: string, line?: number): void;
  readonly problems: ReadonlyArray<{ file: string; line?: number; message: string }>;
}

const indexes = new WeakMap<RepoFiles, RepoIndex>();

/** The shared index of `files` (built on first use). */
export function repoIndex(files: RepoFiles): RepoIndex {
  let index = indexes.get(files);
  if (!index) {
    index = buildIndex(files);
    indexes.set(files, index);
  }
  return index;
}

function buildIndex(files: RepoFiles): RepoIndex {
  const paths = files.paths();
  const byDir = new Map<string, string[]>();
  const folders = new Set<string>(['.']);
  for (const p of paths) {
    const dir = folderOf(p);
    let list = byDir.get(dir);
    if (!list) byDir.set(dir, (list = []));
    list.push(p);
    let d = dir;
    while (d !== '.' && !folders.has(d)) {
      folders.add(d);
      d = folderOf(d);
    }
  }
  const known = new Set(paths);
  const memos = new Map<string, unknown>();
  const problems: Array<{ file: string; line?: number; message: string }> = [];
  const seenProblems = new Set<string>();

  function lowerBound(prefix: string): number {
    let lo = 0;
    let hi = paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (paths[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  return {
    files,
    paths,
    folders,
    filesIn: (dir) => byDir.get(dir) ?? [],
    subtree(dir) {
      if (dir === '.') return paths;
      const prefix = `${dir}/`;
      const start = lowerBound(prefix);
      let end = start;
      while (end < paths.length && paths[end]!.startsWith(prefix)) end++;
      return paths.slice(start, end);
    },
    has: (p) => known.has(p),
    memo<T>(key: string, compute: () => T): T {
      if (memos.has(key)) return memos.get(key) as T;
      const value = compute();
      memos.set(key, value);
      return value;
    },
    problem(file, message, line) {
      const key = `${file}\0${line ?? ''}\0${message}`;
      if (seenProblems.has(key)) return;
      seenProblems.add(key);
      problems.push(line === undefined ? { file, message } : { file, line, message });
    },
    problems,
  };
}

/** Problems the scanners met in `files` so far (unreadable or unparsable files), for RepositoryScan.problems. */
export function scanProblems(files: RepoFiles): Array<{ file: string; line?: number; message: string }> {
  return [...repoIndex(files).problems];
}

/** Line numbers of offsets in one text (binary search over line starts). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** 1-based line of `offset`. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
  /** The text of 1-based `line`, trimmed and shortened for an evidence excerpt. */
  excerpt(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const end = this.starts[line] ?? this.text.length;
    return shorten(this.text.slice(start, end).trim());
  }
}

/** An excerpt of at most 120 characters. */
export function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 117)}...` : one;
}

import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UnavailableError, type Problem, type SourcePosition } from '../../core/errors.js';
import { locationTargetsOf, type ParsedDocument } from '../model/index.js';
import type { GitCheckouts } from './gitCheckouts.js';
import type { DerivedEntity } from './deriveEntity.js';
import { parseFiles, type ParsedFile } from './parseFiles.js';
import { DEFAULT_DIR_GLOB, isRemoteUrl, parseForgeFileUrl, parseLocationTarget, type ParsedTarget } from './locationTarget.js';

/** One parsed document and the file (as shown to users) it came from. */
export interface SourceDocument {
  file: string;
  doc: ParsedDocument;
  /** Hash, fields and relations, for a valid document. */
  derived?: DerivedEntity;
}

/** Everything a location's source holds right now, parsed, with what could not be read. */
export interface SourceSnapshot {
  documents: SourceDocument[];
  /** File-level and target problems (a Location target missing, a file too large, a nested repo down). */
  problems: Problem[];
  /** Files that could not be read this time: entities they held before are kept, not removed. */
  retainFiles: Set<string>;
  /** The same for whole nested sources (a nested git repository that did not answer), by file prefix. */
  retainPrefixes: string[];
}

export interface ReadSourceOptions {
  git: GitCheckouts;
  maxFileBytes: number;
}

/** The tree files are read from (a real path); display names are `prefix` + the path relative to `dir`. */
interface Root {
  dir: string;
  prefix: string;
}

const IGNORE = ['**/node_modules/**', '**/.git/**'];
const READ_CONCURRENCY = 32;

/**
 * Reads a location's source and parses every file, following Location entities (targets relative to the
 * file that names them) recursively; each file is read once, so cycles end. Throws UnavailableError when the
 * source itself cannot be read (repository not answering, directory or named file gone): the caller must
 * then keep what was ingested before. Problems inside a readable source are returned, not thrown.
 */
export async function readSource(target: ParsedTarget, opts: ReadSourceOptions): Promise<SourceSnapshot> {
  const reader = new SourceReader(opts);
  await reader.readRoot(target);
  return reader.snapshot;
}

class SourceReader {
  readonly snapshot: SourceSnapshot = { documents: [], problems: [], retainFiles: new Set(), retainPrefixes: [] };
  private readonly visitedFiles = new Set<string>();
  private readonly checkouts = new Map<string, Promise<Root>>();

  constructor(private readonly opts: ReadSourceOptions) {}

  async readRoot(target: ParsedTarget): Promise<void> {
    switch (target.type) {
      case 'file': {
        await mustBe(target.path, 'file');
        const real = await realpath(target.path);
        await this.readFiles([real], await makeRoot(dirname(real), ''));
        return;
      }
      case 'dir': {
        await mustBe(target.path, 'directory');
        const root = await makeRoot(target.path, '');
        await this.readFiles(await globIn(root.dir, target.glob), root);
        return;
      }
      case 'git': {
        const dir = await this.opts.git.checkout(target.url, target.ref);
        const root = await makeRoot(dir, '');
        const files = await globIn(root.dir, target.glob);
        if (files.length === 0 && !isDynamicPattern(target.glob)) {
          throw new UnavailableError(
            `${target.glob} was not found in ${target.url}${target.ref ? ` at ${target.ref}` : ''}; expected the file the location names`,
          );
        }
        await this.readFiles(files, root);
        return;
      }
    }
  }

  private display(root: Root, abs: string): string {
    return root.prefix + relative(root.dir, abs).split(sep).join('/');
  }

  private problem(code: string, message: string, position: SourcePosition, severity: 'error' | 'warning' = 'error'): void {
    this.snapshot.problems.push({ code, path: '', message, position, severity });
  }

  /** Reads files (concurrently), parses them (on threads when there are many), then follows their Location entities. */
  private async readFiles(files: string[], root: Root): Promise<void> {
    const sorted = [...new Set(files)].sort();
    const loaded: Array<{ abs: string; file: string; text: string } | undefined> = new Array(sorted.length);
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < sorted.length) {
        const i = next++;
        loaded[i] = await this.readOne(sorted[i] as string, root);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, sorted.length) }, reader));
    const texts = loaded.filter((l): l is { abs: string; file: string; text: string } => l !== undefined);
    const parsed = await parseFiles(texts, this.opts.maxFileBytes);

    texts.forEach(({ file }, i) => {
      const result = parsed[i] as ParsedFile;
      this.snapshot.problems.push(...result.problems);
      // A document whose ref cannot be read may be an entity ingested before: keep the file's old entities.
      if (result.problems.length > 0 || result.documents.some((d) => !d.entity && !d.ref)) this.snapshot.retainFiles.add(file);
      result.documents.forEach((doc, k) => {
        const derived = result.derived[k];
        this.snapshot.documents.push(derived ? { file, doc, derived } : { file, doc });
      });
    });
    for (const [i, { abs, file }] of texts.entries()) {
      for (const doc of (parsed[i] as ParsedFile).documents) {
        if (!doc.entity) continue;
        for (const t of locationTargetsOf(doc.entity)) {
          const type = typeof doc.entity.spec?.type === 'string' ? doc.entity.spec.type : undefined;
          await this.follow(t, type, abs, root, { ...doc.position, file });
        }
      }
    }
  }

  /** Reads one file's text after checking it is inside the source, not read yet, and not too large. */
  private async readOne(abs: string, root: Root): Promise<{ abs: string; file: string; text: string } | undefined> {
    const file = this.display(root, abs);
    const at = { file, line: 1, column: 1 };
    let real: string;
    try {
      real = await realpath(abs);
    } catch (e) {
      this.problem('target_not_found', `${file}: expected a readable file, found ${errText(e)}`, at);
      this.snapshot.retainFiles.add(file);
      return undefined;
    }
    if (this.visitedFiles.has(real)) return undefined;
    this.visitedFiles.add(real);
    if (!inside(root.dir, real)) {
      this.problem('target_outside_source', `${file}: expected a file inside the location's source, found a link to ${real}`, at);
      return undefined;
    }
    try {
      const st = await stat(real);
      if (!st.isFile()) return undefined;
      if (st.size > this.opts.maxFileBytes) {
        this.problem('too_large', `${file}: expected a descriptor file of at most ${this.opts.maxFileBytes} bytes, found ${st.size} bytes`, at);
        this.snapshot.retainFiles.add(file);
        return undefined;
      }
      return { abs: real, file, text: await readFile(real, 'utf8') };
    } catch (e) {
      this.problem('read_error', `${file}: could not be read: ${errText(e)}`, at);
      this.snapshot.retainFiles.add(file);
      return undefined;
    }
  }

  /** Follows one target of a Location entity found in `fromFile`. */
  private async follow(target: string, type: string | undefined, fromFile: string, root: Root, at: SourcePosition): Promise<void> {
    if (isRemoteUrl(target)) {
      await this.followRemote(target, type, at);
      return;
    }
    const base = isAbsolute(target) && root.prefix !== '' ? join(root.dir, target) : resolve(dirname(fromFile), target);
    if (isDynamicPattern(target)) {
      const rel = relative(dirname(fromFile), base);
      const files = (await globIn(dirname(fromFile), rel.split(sep).join('/'))).filter((f) => inside(root.dir, f));
      await this.readFiles(files, root);
      return;
    }
    if (!inside(root.dir, base)) {
      this.problem('target_outside_source', `spec.targets: expected a target inside the location's source, found ${JSON.stringify(target)}`, at);
      return;
    }
    let isDir = false;
    try {
      isDir = (await stat(base)).isDirectory();
    } catch {
      const shown = this.display(root, base);
      this.problem('target_not_found', `spec.targets: expected ${JSON.stringify(target)} to name an existing file, found nothing at ${shown}`, at);
      this.snapshot.retainFiles.add(shown);
      return;
    }
    await this.readFiles(isDir ? await globIn(base, DEFAULT_DIR_GLOB) : [base], root);
  }

  private async followRemote(target: string, type: string | undefined, at: SourcePosition): Promise<void> {
    let url: string;
    let ref: string | null;
    let path: string;
    const forge = parseForgeFileUrl(target);
    if (forge) {
      ({ url, ref, path } = forge);
    } else if (/\.git($|#|\/?$)/.test(target) || /^(git|ssh|file):\/\//.test(target) || /^[\w.-]+@[\w.-]+:/.test(target)) {
      try {
        const parsed = parseLocationTarget(target, 'git').parsed;
        if (parsed.type !== 'git') return;
        ({ url, ref, glob: path } = parsed);
      } catch (e) {
        this.problem('invalid_target', `spec.targets: ${errText(e)}`, at);
        return;
      }
    } else {
      this.problem(
        'unsupported_target',
        `spec.targets: expected a git repository URL (ending in .git, optionally with #ref:path) or a GitHub/GitLab file URL, found ${JSON.stringify(target)}${type ? ` (type ${type})` : ''}`,
        at,
        'warning',
      );
      return;
    }
    const prefix = `${url}#${ref ? `${ref}:` : ''}`;
    const key = `${url}\u0000${ref ?? ''}`;
    let pending = this.checkouts.get(key);
    if (!pending) {
      pending = this.opts.git.checkout(url, ref).then((dir) => makeRoot(dir, prefix));
      this.checkouts.set(key, pending);
    }
    let root: Root;
    try {
      root = await pending;
    } catch (e) {
      this.problem('source_unreachable', `spec.targets: ${errText(e)}; entities read from it before are kept`, at);
      if (!this.snapshot.retainPrefixes.includes(prefix)) this.snapshot.retainPrefixes.push(prefix);
      return;
    }
    const files = await globIn(root.dir, path.replace(/^\/+/, ''));
    if (files.length === 0) {
      this.problem('target_not_found', `spec.targets: expected ${JSON.stringify(path)} in ${url}, found no such file`, at);
      return;
    }
    await this.readFiles(files, root);
  }
}

async function makeRoot(dir: string, prefix: string): Promise<Root> {
  return { dir: await realpath(dir), prefix };
}

async function mustBe(path: string, what: 'file' | 'directory'): Promise<void> {
  let ok = false;
  let why = 'nothing there';
  try {
    const st = await stat(path);
    ok = what === 'file' ? st.isFile() : st.isDirectory();
    if (!ok) why = st.isDirectory() ? 'a directory' : 'something that is not a directory';
  } catch (e) {
    why = errText(e);
  }
  if (!ok) throw new UnavailableError(`expected ${path} to be a readable ${what}, found ${why}`);
}

async function globIn(cwd: string, pattern: string): Promise<string[]> {
  const files = await glob(pattern, { cwd, absolute: true, onlyFiles: true, dot: false, ignore: IGNORE, expandDirectories: false });
  return files.sort();
}

function inside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

function errText(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && (e as { code?: unknown }).code === 'ENOENT') return 'no such file or directory';
  return e instanceof Error ? e.message : String(e);
}

import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UnavailableError, type Problem, type SourcePosition } from '../../core/errors.js';
import { locationTargetsOf, type ParsedDocument } from '../model/index.js';
import type { GitCheckouts } from './gitCheckouts.js';
import type { DerivedEntity } from './deriveEntity.js';
import { batches, createParsePool, PARALLEL_MIN_BYTES, parseFile, parseFiles, parseThreads, type ParsePool, type ParsedFile } from './parseFiles.js';
import { DEFAULT_DIR_GLOB, isRemoteUrl, parseForgeFileUrl, parseLocationTarget, type ParsedTarget } from './locationTarget.js';

/** One parsed document and the file (as shown to users) it came from. */
export interface SourceDocument {
  file: string;
  doc: ParsedDocument;
  /** Hash, fields and relations, for a valid document. */
  derived?: DerivedEntity;
}

/** Consecutive documents of a source, in source order. */
export interface SourceChunk {
  documents: SourceDocument[];
  /** Text length (UTF-16 units) of the files they came from: with {@link SourceStream.size}, how far along the source this is. */
  size: number;
}

/**
 * A location's source, opened: every file found and read, Location entities followed, and the documents
 * parsed a chunk at a time while the caller writes the chunks before. Problems and what to retain are
 * complete once `chunks()` has been read to its end.
 */
export interface SourceStream {
  /** Text length (UTF-16 units) of every file read. */
  readonly size: number;
  /** The documents in source order, a chunk at a time. Iterate once. */
  chunks(): AsyncGenerator<SourceChunk, void, undefined>;
  /** File-level and target problems (a Location target missing, a file too large, a nested repo down). */
  problems(): Problem[];
  /** Files that could not be read or parsed this time: entities they held before are kept, not removed. */
  readonly retainFiles: Set<string>;
  /** The same for whole nested sources (a nested git repository that did not answer), by file prefix. */
  readonly retainPrefixes: string[];
  /** Stops parsing (threads) when the chunks are not read to the end. Safe to call twice. */
  close(): Promise<void>;
}

export interface ReadSourceOptions {
  git: GitCheckouts;
  maxFileBytes: number;
  /** Text per chunk (UTF-16 units); default CHUNK_SIZE. Tests make it small to get many chunks. */
  chunkSize?: number;
  /** Sources with less text than this are parsed inline when opened; default PARALLEL_MIN_BYTES. */
  inlineBelow?: number;
}

/** The tree files are read from (a real path); display names are `prefix` + the path relative to `dir`. */
interface Root {
  dir: string;
  prefix: string;
}

/** One file of the source, in source order: its text until it is parsed, then its parse until it is handed out. */
interface Entry {
  abs: string;
  file: string;
  root: Root;
  size: number;
  text: string | null;
  parsed: ParsedFile | null;
  /** Whether its Location entities were followed. */
  followed: boolean;
}

const IGNORE = ['**/node_modules/**', '**/.git/**'];
const READ_CONCURRENCY = 32;
/**
 * Text per chunk handed to the writer (about 7,000 entities of the benchmark's descriptors). The reader parses
 * one chunk ahead of the one being written, so a refresh holds about three chunks of parsed documents, not the
 * whole source. The first chunk is a quarter of that, so writing starts sooner.
 */
const CHUNK_SIZE = 4 * 1024 * 1024;
/**
 * Text that may hold a Location entity: its kind written plainly, or in a double-quoted string with an escape
 * (`\x4c`, `\u004c`) or an escaped line break. Such files are parsed while the source is opened, so every
 * target is followed (and every nested repository fetched) before the caller's transaction starts. Other
 * files are parsed as they stream; should one hold a Location after all, it is followed then, inside.
 */
const MAY_DECLARE_LOCATION = /location|\\[xuU\r\n]/i;

/**
 * Opens a location's source: finds and reads every file, following Location entities (targets relative to
 * the file that names them) recursively; each file is read once, so cycles end. All the slow and network
 * work happens here, before the caller's transaction. Throws UnavailableError when the source itself cannot
 * be read (repository not answering, directory or named file gone): the caller must then keep what was
 * ingested before. Problems inside a readable source are reported, not thrown. Parsing the rest (on
 * worker threads for a big source) starts at once and continues as the caller reads the chunks.
 */
export async function openSource(target: ParsedTarget, opts: ReadSourceOptions): Promise<SourceStream> {
  const reader = new SourceReader(opts);
  try {
    await reader.readRoot(target);
    await reader.startParsing();
  } catch (e) {
    await reader.close();
    throw e;
  }
  return reader;
}

class SourceReader implements SourceStream {
  readonly retainFiles = new Set<string>();
  readonly retainPrefixes: string[] = [];
  size = 0;
  /** Problems, with each file standing for its parse problems, so the order does not depend on when it was parsed. */
  private readonly problemLog: Array<Problem | Entry> = [];
  private readonly entries: Entry[] = [];
  private readonly visitedFiles = new Set<string>();
  private readonly checkouts = new Map<string, Promise<Root>>();
  private pool: ParsePool | null = null;
  /** Bytes of the descriptor files found so far (decides early whether threads will be needed). */
  private bytesFound = 0;
  /** Entries before this one are planned into chunks. */
  private cursor = 0;
  private readonly planned: Array<{ entries: Entry[]; size: number; ready: Promise<void>; done: boolean }> = [];
  private closed = false;

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

  /**
   * A small source is parsed here and now, on this thread, so the caller's transaction only writes. A big one
   * gets worker threads (when the machine has cores to spare), and the first chunks start parsing.
   */
  async startParsing(): Promise<void> {
    const pending = this.entries.filter((e) => e.text !== null);
    const size = pending.reduce((n, e) => n + e.size, 0);
    if (size < this.inlineBelow) {
      await this.pool?.close();
      this.pool = null;
      for (const e of pending) this.accept(e, parseFile(e.text as string, e.file, this.opts.maxFileBytes));
      for (const e of pending) await this.followLocations(e);
      return;
    }
    this.planAhead();
  }

  private get inlineBelow(): number {
    return this.opts.inlineBelow ?? PARALLEL_MIN_BYTES;
  }

  async *chunks(): AsyncGenerator<SourceChunk, void, undefined> {
    try {
      yield* this.chunksInOrder();
    } finally {
      // Done, or the caller stopped (a failed write): the threads are not needed any more.
      await this.close();
    }
  }

  private async *chunksInOrder(): AsyncGenerator<SourceChunk, void, undefined> {
    for (;;) {
      this.planAhead();
      const next = this.planned.shift();
      if (!next || this.closed) return;
      // The writer is ahead of the threads: rather than wait, this thread parses batches no thread has
      // started yet (the oldest first, so this chunk's). When the writer is the slower side it never gets here.
      while (!next.done && this.pool?.helpOne()) await new Promise((resolve) => setImmediate(resolve));
      await next.ready;
      // Normally found while opening (MAY_DECLARE_LOCATION); followed here if the text scan missed one.
      for (const e of next.entries) await this.followLocations(e);
      const documents: SourceDocument[] = [];
      for (const e of next.entries) {
        const parsed = e.parsed as ParsedFile;
        parsed.documents.forEach((doc, k) => {
          const derived = parsed.derived[k];
          documents.push(derived ? { file: e.file, doc, derived } : { file: e.file, doc });
        });
        // Only its problems stay (for problems()); the documents are the caller's now.
        e.parsed = { documents: [], problems: parsed.problems, derived: [] };
      }
      yield { documents, size: next.size };
    }
  }

  problems(): Problem[] {
    return this.problemLog.flatMap((p) => ('abs' in p ? (p.parsed?.problems ?? []) : [p]));
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  /** Plans the next chunk and the one after it; with threads they start parsing at once. */
  private planAhead(): void {
    const ahead = this.pool ? 2 : 1;
    while (this.planned.length < ahead && this.cursor < this.entries.length) {
      const entries: Entry[] = [];
      let size = 0;
      const chunkSize = this.opts.chunkSize ?? CHUNK_SIZE;
      const limit = this.cursor === 0 ? chunkSize / 4 : chunkSize;
      while (this.cursor < this.entries.length && size < limit) {
        const e = this.entries[this.cursor++] as Entry;
        entries.push(e);
        size += e.size;
      }
      const chunk = { entries, size, ready: this.parse(entries), done: false };
      // The caller awaits it when it gets there; until then a failure must not count as unhandled.
      chunk.ready.then(
        () => (chunk.done = true),
        () => (chunk.done = true),
      );
      this.planned.push(chunk);
    }
  }

  /** Parses the entries not parsed yet: on the pool's threads, or inline. */
  private async parse(entries: Entry[]): Promise<void> {
    const pending = entries.filter((e) => e.text !== null);
    if (pending.length === 0) return;
    const pool = this.pool;
    // No threads: inline, a chunk when the caller asks for it (planAhead plans one only). The first chunk is
    // parsed inline too, while the threads start: they take longer to start than it takes to parse.
    if (!pool || entries[0] === this.entries[0]) {
      for (const e of pending) this.accept(e, parseFile(e.text as string, e.file, this.opts.maxFileBytes));
      return;
    }
    const files = pending.map((e) => ({ text: e.text as string, file: e.file }));
    const parts = batches(files);
    let at = 0;
    await Promise.all(
      parts.map((part) => {
        const first = at;
        at += part.length;
        return pool.parse(part).then((results) => results.forEach((r, k) => this.accept(pending[first + k] as Entry, r)));
      }),
    );
  }

  private display(root: Root, abs: string): string {
    return root.prefix + relative(root.dir, abs).split(sep).join('/');
  }

  private problem(code: string, message: string, position: SourcePosition, severity: 'error' | 'warning' = 'error'): void {
    this.problemLog.push({ code, path: '', message, position, severity });
  }

  /** Takes a file's parse: its problems, whether its old entities must be kept, and frees its text. */
  private accept(e: Entry, parsed: ParsedFile): void {
    e.parsed = parsed;
    e.text = null;
    // A document whose ref cannot be read may be an entity ingested before: keep the file's old entities.
    if (parsed.problems.length > 0 || parsed.documents.some((d) => !d.entity && !d.ref)) this.retainFiles.add(e.file);
  }

  /** Follows the targets of the Location entities in a parsed file (once). */
  private async followLocations(e: Entry): Promise<void> {
    if (e.followed || !e.parsed) return;
    e.followed = true;
    for (const doc of e.parsed.documents) {
      if (!doc.entity) continue;
      for (const t of locationTargetsOf(doc.entity)) {
        const type = typeof doc.entity.spec?.type === 'string' ? doc.entity.spec.type : undefined;
        await this.follow(t, type, e.abs, e.root, { ...doc.position, file: e.file });
      }
    }
  }

  /**
   * Reads files (concurrently) and queues them in order; those that may hold Location entities are parsed
   * now and their targets followed (depth first, as the files come), the rest wait for startParsing.
   */
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
    const group: Entry[] = [];
    for (const l of loaded) {
      if (!l) continue;
      const e: Entry = { abs: l.abs, file: l.file, root, size: l.text.length, text: l.text, parsed: null, followed: false };
      group.push(e);
      this.entries.push(e);
      this.problemLog.push(e);
      this.size += e.size;
    }
    const early = group.filter((e) => MAY_DECLARE_LOCATION.test(e.text as string));
    const parsed = await parseFiles(
      early.map((e) => ({ text: e.text as string, file: e.file })),
      this.opts.maxFileBytes,
    );
    early.forEach((e, i) => this.accept(e, parsed[i] as ParsedFile));
    for (const e of early) await this.followLocations(e);
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
      this.retainFiles.add(file);
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
        this.retainFiles.add(file);
        return undefined;
      }
      this.bytesFound += st.size;
      // Enough text to stream: start the threads now (that takes most of a second), while the rest is read.
      if (!this.pool && this.bytesFound >= this.inlineBelow && parseThreads() > 0) {
        this.pool = createParsePool(parseThreads(), this.opts.maxFileBytes);
      }
      return { abs: real, file, text: await readFile(real, 'utf8') };
    } catch (e) {
      this.problem('read_error', `${file}: could not be read: ${errText(e)}`, at);
      this.retainFiles.add(file);
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
      this.retainFiles.add(shown);
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
      if (!this.retainPrefixes.includes(prefix)) this.retainPrefixes.push(prefix);
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

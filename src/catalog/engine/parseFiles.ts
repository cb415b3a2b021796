import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseDescriptors } from '../model/index.js';
import { deriveEntity, type DerivedEntity } from './deriveEntity.js';

/** A descriptor file's text and the name problems give it. */
export interface FileText {
  text: string;
  file: string;
}

/** A parsed file; `derived[i]` belongs to `documents[i]` when that document is a valid entity. */
export type ParsedFile = ReturnType<typeof parseDescriptors> & { derived: Array<DerivedEntity | undefined> };

/** Parses one file and derives what the store keeps of each valid entity (the worker runs the same). */
export function parseFile(text: string, file: string, maxBytes: number): ParsedFile {
  const parsed = parseDescriptors(text, file, { maxBytes });
  return { ...parsed, derived: parsed.documents.map((d) => (d.entity ? deriveEntity(d.entity, d.problems) : undefined)) };
}

/** Below this much text, starting threads costs more than it saves. */
export const PARALLEL_MIN_BYTES = 2 * 1024 * 1024;
/** Text per message to a worker: big enough to amortise the copy, small enough to balance the load. */
export const BATCH_BYTES = 256 * 1024;
const MAX_WORKERS = 4;

/**
 * Parse threads worth starting on this machine (0: parse on the calling thread). One core is left to the
 * writer: parsing runs while the chunks before are written (by this thread, and on PostgreSQL by the server),
 * and on two cores one parse thread gave a faster 100k ingest than two on both databases.
 */
export function parseThreads(): number {
  return Math.max(0, Math.min(availableParallelism() - 1, MAX_WORKERS));
}

/**
 * Parses descriptor files with the model (and derives hash, fields and relations of their entities), all at
 * once. Large inputs are parsed on worker threads (YAML parsing is the most expensive step of a refresh, and
 * it is pure), small ones inline; if threads cannot start, inline too. Results are in the order of `files`.
 */
export async function parseFiles(files: FileText[], maxBytes: number): Promise<ParsedFile[]> {
  const total = files.reduce((n, f) => n + f.text.length, 0);
  // Nothing else runs meanwhile here: every core parses (one thread would only add its start-up to inline).
  const threads = Math.min(availableParallelism(), MAX_WORKERS);
  if (total < PARALLEL_MIN_BYTES || threads < 2) return files.map((f) => parseFile(f.text, f.file, maxBytes));
  const pool = createParsePool(threads, maxBytes);
  try {
    return (await Promise.all(batches(files).map((b) => pool.parse(b)))).flat();
  } finally {
    await pool.close();
  }
}

/** Consecutive runs of `files` of about BATCH_BYTES of text each. */
export function batches(files: FileText[]): FileText[][] {
  const out: FileText[][] = [];
  let current: FileText[] = [];
  let bytes = 0;
  for (const f of files) {
    current.push(f);
    bytes += f.text.length;
    if (bytes >= BATCH_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Worker threads that parse batches of files, first come first served. */
export interface ParsePool {
  /** Parses one batch (results in its order). If the threads fail, the batch is parsed on this thread instead. */
  parse(files: FileText[]): Promise<ParsedFile[]>;
  /**
   * Parses the oldest batch no thread has started yet here, on the calling thread (which would otherwise only
   * wait for it); false when there is none.
   */
  helpOne(): boolean;
  /** Stops the threads; batches not answered yet are rejected (nobody waits for them any more). Safe to call twice. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  files: FileText[];
  resolve(results: ParsedFile[]): void;
  reject(e: unknown): void;
}

/**
 * Starts `threads` parse workers at once (starting one takes most of a second, so the caller creates the pool
 * as soon as it knows it will need it). A worker that fails (cannot start, crashes) is not replaced: its
 * batch and every later one are parsed inline, which is slower but gives the same results, so a refresh
 * never fails because threads are unavailable.
 */
export function createParsePool(threads: number, maxBytes: number): ParsePool {
  const queue: Job[] = [];
  const busy = new Map<Worker, Job>();
  const idle: Worker[] = [];
  let workers: Worker[] = [];
  let broken = false;
  let closed = false;
  let nextId = 0;

  const inline = (job: Job): void => {
    try {
      job.resolve(job.files.map((f) => parseFile(f.text, f.file, maxBytes)));
    } catch (e) {
      job.reject(e);
    }
  };

  /** Parses everything still waiting on this thread (after a failure or at close). */
  const drainInline = (): void => {
    for (const job of [...busy.values(), ...queue.splice(0)]) inline(job);
    busy.clear();
  };

  const fail = (): void => {
    if (broken) return;
    broken = true;
    drainInline();
    for (const w of workers) void w.terminate();
  };

  const pump = (): void => {
    while (!broken && idle.length > 0 && queue.length > 0) {
      const w = idle.pop() as Worker;
      const job = queue.shift() as Job;
      busy.set(w, job);
      w.postMessage({ id: job.id, files: job.files, maxBytes });
    }
  };

  const start = (): void => {
    for (let i = 0; i < threads; i++) {
      let w: Worker;
      try {
        w = startWorker();
      } catch {
        fail();
        return;
      }
      workers.push(w);
      w.on('message', (m: { id: number; results: ParsedFile[] }) => {
        const job = busy.get(w);
        if (!job || job.id !== m.id) return;
        busy.delete(w);
        idle.push(w);
        job.resolve(m.results);
        pump();
      });
      w.on('error', fail);
      w.once('exit', () => {
        if (!closed) fail();
      });
      idle.push(w);
    }
  };

  start();
  return {
    parse(files) {
      return new Promise<ParsedFile[]>((resolve, reject) => {
        const job: Job = { id: nextId++, files, resolve, reject };
        if (closed) {
          reject(new Error('the parse pool is closed'));
          return;
        }
        if (broken) {
          inline(job);
          return;
        }
        queue.push(job);
        pump();
      });
    },
    helpOne() {
      const job = queue.shift();
      if (!job) return false;
      inline(job);
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = workers;
      workers = [];
      const pending = [...busy.values(), ...queue.splice(0)];
      busy.clear();
      for (const job of pending) job.reject(new Error('the parse pool was closed before this batch was parsed'));
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}

/** Starts a parse worker. From TypeScript sources (tsx) the worker registers tsx's loader before loading. */
function startWorker(): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./parseWorker.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(code, { eval: true });
  }
  return new Worker(new URL('./parseWorker.js', import.meta.url));
}

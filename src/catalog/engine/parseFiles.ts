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
const PARALLEL_MIN_BYTES = 2 * 1024 * 1024;
/** Text per message to a worker: big enough to amortise the copy, small enough to balance the load. */
const BATCH_BYTES = 256 * 1024;
const MAX_WORKERS = 4;

/**
 * Parses descriptor files with the model (and derives hash, fields and relations of their entities). Large sources are parsed on worker threads (YAML parsing is the
 * most expensive step of a refresh, and it is pure), small ones inline; if threads cannot start, inline too.
 * Results are in the order of `files`.
 */
export async function parseFiles(files: FileText[], maxBytes: number): Promise<ParsedFile[]> {
  const total = files.reduce((n, f) => n + f.text.length, 0);
  const threads = Math.min(availableParallelism(), MAX_WORKERS);
  if (total < PARALLEL_MIN_BYTES || threads < 2) return files.map((f) => parseFile(f.text, f.file, maxBytes));
  try {
    return await parseOnWorkers(files, maxBytes, threads);
  } catch {
    return files.map((f) => parseFile(f.text, f.file, maxBytes));
  }
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

async function parseOnWorkers(files: FileText[], maxBytes: number, threads: number): Promise<ParsedFile[]> {
  const batches: Array<{ start: number; files: FileText[] }> = [];
  let current: FileText[] = [];
  let bytes = 0;
  let start = 0;
  files.forEach((f, i) => {
    current.push(f);
    bytes += f.text.length;
    if (bytes >= BATCH_BYTES) {
      batches.push({ start, files: current });
      current = [];
      bytes = 0;
      start = i + 1;
    }
  });
  if (current.length > 0) batches.push({ start, files: current });

  const results: ParsedFile[] = new Array(files.length);
  const workers = Array.from({ length: Math.min(threads, batches.length) }, startWorker);
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              const id = next++;
              const batch = batches[id];
              if (!batch) {
                resolve();
                return;
              }
              w.postMessage({ id, files: batch.files, maxBytes });
            };
            w.on('message', (m: { id: number; results: ParsedFile[] }) => {
              const batch = batches[m.id] as { start: number };
              m.results.forEach((r, k) => (results[batch.start + k] = r));
              send();
            });
            w.once('error', reject);
            w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`parse worker exited with ${code}`))));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (results.some((r) => r === undefined)) throw new Error('a parse worker stopped before answering');
  return results;
}

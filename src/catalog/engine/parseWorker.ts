/**
 * Worker-thread side of `parseFiles`: parses batches of descriptor files (and derives their entities'
 * hashes, fields and relations) and posts the results back. Pure CPU work, so it runs on as many threads as there are cores.
 */
import { parentPort } from 'node:worker_threads';
import { parseFile } from './parseFiles.js';

interface ParseRequest {
  id: number;
  files: Array<{ text: string; file: string }>;
  maxBytes: number;
}

parentPort?.on('message', (m: ParseRequest) => {
  const results = m.files.map((f) => parseFile(f.text, f.file, m.maxBytes));
  parentPort?.postMessage({ id: m.id, results });
});

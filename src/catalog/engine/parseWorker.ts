/**
 * Worker-thread side of `parseFiles`: parses batches of descriptor files with the model and posts the
 * results back. Pure CPU work, so it runs on as many threads as there are cores.
 */
import { parentPort } from 'node:worker_threads';
import { parseDescriptors } from '../model/index.js';

interface ParseRequest {
  id: number;
  files: Array<{ text: string; file: string }>;
  maxBytes: number;
}

parentPort?.on('message', (m: ParseRequest) => {
  const results = m.files.map((f) => parseDescriptors(f.text, f.file, { maxBytes: m.maxBytes }));
  parentPort?.postMessage({ id: m.id, results });
});

import { appendFileSync, copyFileSync, statSync, truncateSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Instance log files: `<dir>/logs/<env>/<component>/<instanceId>.log`, written by the process itself (its stdout
 * and stderr are the file, opened O_APPEND), so output keeps flowing to the same place when the platform restarts
 * and adopts the process. The size cap is kept by copy-and-truncate into `<file>.1` (one rotation): the process's
 * descriptor stays valid and, being O_APPEND, writes at the new end. The supervisor's own lines start `[gantry]`.
 */

export const ROTATED = '.1';
const CHUNK = 64 * 1024;

export function logDirOf(dir: string, environment: string, component: string): string {
  return join(dir, 'logs', environment, component);
}

export function logFileOf(dir: string, environment: string, component: string, instanceId: string): string {
  return join(logDirOf(dir, environment, component), `${instanceId}.log`);
}

/** The instance id of a log file path. */
export function instanceIdOfLog(file: string): string {
  return basename(file, '.log');
}

/** Appends one supervisor line. A full or read-only disk must not stop supervision, so errors are dropped. */
export function appendSupervisorLine(file: string, text: string): void {
  try {
    appendFileSync(file, `[gantry] ${new Date().toISOString()} ${text}\n`);
  } catch {
    // see above
  }
}

/** Copies the file to `<file>.1` and empties it when it has grown past `capBytes`. Returns whether it did. */
export function rotateIfLarger(file: string, capBytes: number): boolean {
  try {
    if (statSync(file).size <= capBytes) return false;
    copyFileSync(file, file + ROTATED);
    truncateSync(file, 0);
    return true;
  } catch {
    return false; // gone (the instance was removed) or unreadable: nothing to rotate
  }
}

function splitLines(buf: Buffer): string[] {
  let text = buf.toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  return text === '' ? [] : text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function newlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The last `n` lines of one file, read backwards in chunks (a capped log is never read whole for a tail).
 * `end` is the byte offset after the last returned byte; with `completeOnly` an unterminated last line is left
 * out (a follower reads it once it is complete).
 */
async function lastLinesOf(path: string, n: number, completeOnly: boolean): Promise<{ lines: string[]; end: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return { lines: [], end: 0 };
  }
  try {
    const size = (await fh.stat()).size;
    let pos = size;
    let buf = Buffer.alloc(0);
    while (pos > 0 && newlines(buf) <= n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = Buffer.alloc(len);
      await fh.read(chunk, 0, len, pos);
      buf = Buffer.concat([chunk, buf]);
    }
    let end = size;
    if (completeOnly) {
      const nl = buf.lastIndexOf(10);
      end = nl < 0 ? pos : pos + nl + 1;
      buf = buf.subarray(0, end - pos);
    }
    let lines = splitLines(buf);
    if (pos > 0) lines = lines.slice(1); // the first line read may have started before `pos`
    return { lines: n === 0 ? [] : lines.slice(-n), end };
  } finally {
    await fh.close();
  }
}

/** The last `n` lines of a log, continuing into its rotated part when the current one is shorter. */
export async function tailLog(file: string, n: number, completeOnly = false): Promise<{ lines: string[]; end: number }> {
  const cur = await lastLinesOf(file, n, completeOnly);
  if (cur.lines.length >= n) return cur;
  const prev = await lastLinesOf(file + ROTATED, n - cur.lines.length, false);
  return { lines: [...prev.lines, ...cur.lines], end: cur.end };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return -1;
  }
}

async function readRange(path: string, from: number, to?: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const end = to ?? (await fh.stat()).size;
    if (end <= from) return Buffer.alloc(0);
    const buf = Buffer.alloc(end - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The newest instance log of a component's log folder (instance ids sort by start time), or null. */
export async function newestLog(folder: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return null;
  }
  const logs = names.filter((n) => n.endsWith('.log')).sort();
  return logs.length ? join(folder, logs[logs.length - 1]!) : null;
}

export interface FollowOptions {
  file: string;
  /** Byte offset to start from (the `end` of a tail). */
  offset: number;
  pollMs: number;
  signal?: AbortSignal;
  /**
   * Asked when the current file has nothing new: the file to move on to (a newer instance's, once the current one
   * has ended), or null to keep waiting.
   */
  next(current: string): Promise<string | null>;
}

/**
 * Lines appended to a log from `offset` on, as they come, until `signal` aborts or the consumer stops. Survives a
 * rotation (the unread rest is read from `<file>.1`) and moves on to the next instance's log when told to.
 */
export async function* followLog(o: FollowOptions): AsyncGenerator<string> {
  let file = o.file;
  let offset = o.offset;
  let pending = Buffer.alloc(0);
  const complete = function* (chunk: Buffer) {
    const buf = Buffer.concat([pending, chunk]);
    const nl = buf.lastIndexOf(10);
    pending = nl < 0 ? buf : buf.subarray(nl + 1);
    if (nl >= 0) yield* splitLines(buf.subarray(0, nl + 1));
  };
  while (!o.signal?.aborted) {
    const size = await sizeOf(file);
    if (size >= 0 && size < offset) {
      // Copy-truncated since the last read: what we had not read yet is at the end of the rotated copy.
      yield* complete(await readRange(file + ROTATED, offset));
      offset = 0;
      continue;
    }
    if (size > offset) {
      const chunk = await readRange(file, offset, size);
      offset += chunk.length;
      yield* complete(chunk);
      continue;
    }
    const next = await o.next(file);
    // A last line may have been written between the size check and `next`: read the old file to its end first.
    if (next && next !== file && (await sizeOf(file)) <= offset) {
      if (pending.length) yield* splitLines(pending);
      pending = Buffer.alloc(0);
      file = next;
      offset = 0;
      continue;
    }
    try {
      await delay(o.pollMs, undefined, { signal: o.signal });
    } catch {
      return; // aborted
    }
  }
}


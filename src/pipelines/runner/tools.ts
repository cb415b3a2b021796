import { DiskFullError } from './diskFull.js';
import { runInGroup } from './process.js';

const KEEP_BYTES = 64 * 1024;

/** Keeps the last `KEEP_BYTES` of a stream: enough for an error message, bounded whatever the tool prints. */
class Tail {
  #chunks: Buffer[] = [];
  #size = 0;
  push(b: Buffer): void {
    this.#chunks.push(b);
    this.#size += b.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= KEEP_BYTES) this.#size -= this.#chunks.shift()!.length;
  }
  toString(): string {
    return Buffer.concat(this.#chunks).toString('utf8').trim();
  }
}

/**
 * Runs one of the runner's own tools (tar, cp) in its own process group, killed on abort. Throws with the
 * tool's message when it fails, and a `DiskFullError` when that message says the disk is full.
 */
export async function runTool(
  argv: string[],
  o: { cwd: string; env: Record<string, string>; signal: AbortSignal; what: string; markers?: Record<string, string> },
): Promise<void> {
  const out = new Tail();
  const r = await runInGroup({
    argv,
    cwd: o.cwd,
    env: o.env,
    signal: o.signal,
    onStdout: (b) => out.push(b),
    onStderr: (b) => out.push(b),
    ...(o.markers ? { markers: o.markers } : {}),
  });
  if (o.signal.aborted) throw new Error(`${o.what}: stopped`);
  if (r.spawnError) throw new Error(`${o.what}: could not start ${argv[0]}: ${r.spawnError.message}`);
  if (r.exitCode === 0) return;
  const text = out.toString();
  // GNU tar reports a short write ("Wrote only 6144 of 10240 bytes") rather than the ENOSPC that follows it; on a
  // regular file a short write means the file system is full (or a quota is).
  if (/No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes/.test(text)) throw new DiskFullError(`while ${o.what}: ${lastLine(text)}`);
  const how = r.exitCode !== null ? `exit code ${r.exitCode}` : `signal ${r.signal}`;
  throw new Error(`${o.what}: ${argv[0]} failed (${how})${text ? `: ${lastLine(text)}` : ''}`);
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.slice(-3).join('; ');
}

import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { reapByMarkers } from './reaper.js';

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;
/** After a process ended and its group was killed, how long to wait for its output pipes to close. */
const PIPE_CLOSE_WAIT_MS = 5000;

/**
 * Whether a process group still has a live member. `kill(-pgid, 0)` also counts zombies (an orphan whose new
 * parent does not reap it), so on Linux a positive answer is checked against /proc.
 */
async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** SIGTERM to the whole group, SIGKILL after the grace period if any member is left. */
export async function killGroup(pgid: number, graceMs = KILL_GRACE_MS): Promise<void> {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return; // no such group: everything in it has ended
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await delay(50);
    if (!(await groupAlive(pgid))) return;
  }
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ended meanwhile
  }
}

export interface GroupProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Aborting kills the group (and what the markers find). */
  signal: AbortSignal;
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
  /** Environment markers of this process tree, for the /proc sweep after it ends. */
  markers?: Record<string, string>;
}

export interface GroupProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started (missing program or cwd). */
  spawnError?: Error;
  /** Something outside our reach kept the output pipes open; they were closed by us. */
  pipesForcedClosed: boolean;
}

/**
 * Runs a program in its own process group (a new session: `detached`), reading its output as it comes. When it
 * ends, or when `signal` aborts, the whole group is killed (SIGTERM, SIGKILL after 2 s), so background children
 * (`sleep 1000 &`, `nohup`) go with it; then processes that left the group but carry `markers` are killed too.
 * Resolves once all of that is done.
 */
export async function runInGroup(o: GroupProcessOptions): Promise<GroupProcessResult> {
  const [file, ...args] = o.argv;
  if (!file) throw new Error('runInGroup: empty argv');
  const child = spawn(file, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdoutClosed = new Promise<void>((resolve) => child.stdout.once('close', resolve));
  const stderrClosed = new Promise<void>((resolve) => child.stderr.once('close', resolve));
  child.stdout.on('data', o.onStdout);
  child.stderr.on('data', o.onStderr);

  const ended = new Promise<{ code: number | null; sig: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('exit', (code, sig) => resolve({ code, sig }));
    child.once('error', (error) => resolve({ code: null, sig: null, error }));
  });

  let killing: Promise<void> | null = null;
  const pid = child.pid;
  const onAbort = () => {
    if (pid !== undefined && !killing) killing = killGroup(pid);
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) onAbort();

  const end = await ended;
  o.signal.removeEventListener('abort', onAbort);
  if (pid !== undefined) await (killing ?? killGroup(pid));
  if (o.markers) await reapByMarkers(o.markers);

  let forced = false;
  if (!end.error) {
    const timer = new AbortController();
    const closed = Promise.all([stdoutClosed, stderrClosed]).then(() => true);
    const waited = delay(PIPE_CLOSE_WAIT_MS, false, { signal: timer.signal }).catch(() => false);
    forced = !(await Promise.race([closed, waited]));
    timer.abort();
    if (forced) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
  } else {
    child.stdout.destroy();
    child.stderr.destroy();
  }
  return { exitCode: end.code, signal: end.sig, ...(end.error ? { spawnError: end.error } : {}), pipesForcedClosed: forced };
}

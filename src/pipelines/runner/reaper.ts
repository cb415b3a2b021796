import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Finds and kills processes by the markers in their environment (`GANTRY_RUN_ID=...` and so on), read from
 * /proc/<pid>/environ. This catches what a process group cannot: a step that double-forks and calls setsid
 * (`setsid daemon &`) leaves its group, but its environment still carries the markers. Linux only; elsewhere (no
 * /proc) it finds nothing. It cannot catch a process that cleared its environment (`env -i`), nor processes of
 * another user (their environ is unreadable).
 *
 * The initial environment is what /proc shows; a process that changes its own variables after start keeps the
 * markers there, which is what we want.
 */
export async function findByMarkers(markers: Record<string, string>): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const needles = Object.entries(markers).map(([k, v]) => Buffer.from(`\0${k}=${v}\0`));
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  await Promise.all(
    entries.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      const pid = Number(name);
      if (pid === process.pid) return;
      if (await environHas(pid, needles)) found.push(pid);
    }),
  );
  return found;
}

async function environHas(pid: number, needles: Buffer[]): Promise<boolean> {
  let env: Buffer;
  try {
    env = await readFile(`/proc/${pid}/environ`);
  } catch {
    return false; // gone, or not ours
  }
  // Entries are NUL-terminated; a leading NUL lets every needle be matched as a whole entry.
  const framed = Buffer.concat([Buffer.from([0]), env]);
  return needles.every((n) => framed.includes(n));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Kills every process carrying the markers: SIGTERM, then SIGKILL after `graceMs` to those still there (checked
 * again by environment, so a reused pid is never hit). A few rounds, since a dying process may fork.
 */
export async function reapByMarkers(markers: Record<string, string>, graceMs = 2000): Promise<number[]> {
  const killed = new Set<number>();
  for (let round = 0; round < 3; round++) {
    const pids = await findByMarkers(markers);
    if (pids.length === 0) break;
    for (const pid of pids) {
      killed.add(pid);
      signal(pid, 'SIGTERM');
    }
    const deadline = Date.now() + graceMs;
    let left = pids;
    while (left.length && Date.now() < deadline) {
      await delay(50);
      const still = new Set(await findByMarkers(markers));
      left = left.filter((p) => still.has(p));
    }
    for (const pid of left) signal(pid, 'SIGKILL');
  }
  return [...killed];
}

/**
 * Kills every process on this machine left from a run (`GANTRY_RUN_ID=<runId>` in its environment): for a run
 * whose runner process died, before the run is marked failed. Returns the pids signalled.
 */
export function killRunProcesses(runId: string): Promise<number[]> {
  return reapByMarkers({ GANTRY_RUN_ID: runId });
}

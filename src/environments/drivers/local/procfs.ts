import { readdir, readFile } from 'node:fs/promises';

/**
 * What the supervisor reads from /proc (Linux). Elsewhere the checks fall back to `kill(pid, 0)` and memory is
 * unknown (null).
 */

const LINUX = process.platform === 'linux';

/** The marker every instance's process carries in its environment, so a pid is never mistaken for ours. */
export const INSTANCE_MARKER = 'GANTRY_INSTANCE_ID';

/** Fields after `(comm)` in /proc/<pid>/stat: [state, ppid, pgrp, ...]. comm may hold spaces and parentheses. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Whether `pid` is a live (not zombie) process that carries `GANTRY_INSTANCE_ID=<instanceId>`: the process this
 * platform started, not another that got its pid after a reboot or a long outage.
 */
export async function isInstanceProcess(pid: number, instanceId: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!LINUX) return true;
  try {
    const [stat, environ] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/environ`)]);
    const state = statFields(stat)[0];
    if (state === 'Z' || state === 'X') return false;
    return Buffer.concat([Buffer.from([0]), environ]).includes(Buffer.from(`\0${INSTANCE_MARKER}=${instanceId}\0`));
  } catch {
    return false; // gone meanwhile, or another user's
  }
}

/**
 * Resident memory of each process group in `pgids`, summed over its live members (VmRSS of
 * /proc/<pid>/status, in bytes): a workload that forks workers is counted whole. One pass over /proc for all
 * groups. Groups with no live member are absent from the result.
 */
export async function groupRss(pgids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!LINUX || pgids.length === 0) return out;
  const wanted = new Set(pgids);
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return out;
  }
  await Promise.all(
    entries.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      try {
        const f = statFields(await readFile(`/proc/${name}/stat`, 'utf8'));
        const pgrp = Number(f[2]);
        if (!wanted.has(pgrp) || f[0] === 'Z') return;
        const status = await readFile(`/proc/${name}/status`, 'utf8');
        const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
        if (kb) out.set(pgrp, (out.get(pgrp) ?? 0) + Number(kb) * 1024);
      } catch {
        // ended meanwhile
      }
    }),
  );
  return out;
}

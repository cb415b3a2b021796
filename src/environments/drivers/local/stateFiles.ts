import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDnsLabel } from './hosts.js';

/**
 * `<dir>/state/<env>/<component>.json`: the processes this platform started for a component, so a platform that
 * restarts finds them (and adopts or stops them). Holds no environment values: secrets never touch these files.
 */

export interface StateEntry {
  id: string;
  release: string;
  pid: number;
  /** The process group (the pid of the session leader we started). */
  pgid: number;
  port: number;
  startedAt: string;
  /** Whether the router sent this component's traffic to it. */
  routed: boolean;
}

export interface ComponentState {
  environment: string;
  component: string;
  instances: StateEntry[];
}

export function stateFileOf(dir: string, environment: string, component: string): string {
  return join(dir, 'state', environment, `${component}.json`);
}

/** Writes (atomically: temp file + rename) or, with no instances left, removes a component's state file. */
export function writeComponentState(dir: string, s: ComponentState): void {
  const file = stateFileOf(dir, s.environment, s.component);
  if (s.instances.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(join(dir, 'state', s.environment), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, file);
}

function isEntry(v: unknown): v is StateEntry {
  const e = v as Partial<StateEntry> | null;
  return (
    !!e &&
    typeof e.id === 'string' &&
    typeof e.release === 'string' &&
    Number.isInteger(e.pid) &&
    Number.isInteger(e.pgid) &&
    Number.isInteger(e.port) &&
    typeof e.startedAt === 'string' &&
    typeof e.routed === 'boolean'
  );
}

/**
 * Every component state under `<dir>/state`. A file that is not valid state (hand-edited, cut short by a full
 * disk) is reported in `problems` with its path and skipped, not fatal: the platform must still come up.
 */
export async function readAllStates(dir: string): Promise<{ states: ComponentState[]; problems: string[] }> {
  const root = join(dir, 'state');
  const states: ComponentState[] = [];
  const problems: string[] = [];
  let envs: string[];
  try {
    envs = await readdir(root);
  } catch {
    return { states, problems };
  }
  for (const environment of envs.filter(isDnsLabel).sort()) {
    let files: string[];
    try {
      files = await readdir(join(root, environment));
    } catch {
      continue;
    }
    for (const name of files.filter((f) => f.endsWith('.json')).sort()) {
      const component = name.slice(0, -'.json'.length);
      const file = join(root, environment, name);
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ComponentState>;
        const instances = Array.isArray(parsed.instances) ? parsed.instances : null;
        if (!instances || !instances.every(isEntry)) throw new Error('expected { instances: [{ id, release, pid, pgid, port, startedAt, routed }] }');
        states.push({ environment, component, instances });
      } catch (e) {
        problems.push(`${file}: ${(e as Error).message}`);
      }
    }
  }
  return { states, problems };
}

/** Runs the real `gantry` binary in a child process, isolated from the developer's own config and env. */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const BIN = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/backstage-examples', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

// A fresh, empty user config home for the whole test file unless a test brings its own.
const isolatedHome = mkdtempSync(join(tmpdir(), 'gantry-cli-home-'));

/** The environment without anything that could point the CLI at a real server or config. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('GANTRY_') || k === 'DATABASE_URL' || k === 'XDG_CONFIG_HOME') continue;
    env[k] = v;
  }
  Object.assign(env, { HOME: isolatedHome, XDG_CONFIG_HOME: join(isolatedHome, '.config'), NO_COLOR: '1' });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** `gantry ...args`; never throws on a non-zero exit. */
export async function gantry(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const r = await execa('node', [BIN, ...args], {
    cwd: opts.cwd ?? isolatedHome,
    env: cleanEnv(opts.env),
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { UnavailableError } from '../../core/errors.js';

/** git with a clean environment (no inherited GIT_*, no prompts, no hooks, no ext:: transport). */
export async function git(args: string[], opts: { cwd?: string; signal?: AbortSignal; allowFail?: boolean } = {}): Promise<{ stdout: string; exitCode: number }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', GIT_CONFIG_NOSYSTEM: '1' });
  const r = await execa('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'protocol.ext.allow=never', '-c', 'advice.detachedHead=false', ...args], {
    cwd: opts.cwd,
    env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: 120_000,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  if (r.exitCode !== 0 && !opts.allowFail) {
    const detail = String(r.stderr || r.shortMessage || '').split('\n').slice(-3).join(' ');
    throw new UnavailableError(`git ${args.find((a) => !a.startsWith('-')) ?? ''} failed: ${detail}`);
  }
  return { stdout: String(r.stdout), exitCode: r.exitCode ?? 1 };
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * Where a run's sources come from: a hosted bare repository on this machine (a path) or a remote URL. Remote
 * commits are fetched into a bare mirror in the workspace cache first.
 */
export interface GitSource {
  /** The git directory to read objects from (fetching `sha` first for remotes). */
  gitDir(repo: string, sha: string): Promise<string>;
  /** The text of `path` at `sha`, or null when the commit has no such file. */
  readFile(repo: string, sha: string, path: string): Promise<string | null>;
  /** A fresh working tree of exactly `sha` in `dir` (which must not exist). */
  checkout(repo: string, sha: string, dir: string, signal?: AbortSignal): Promise<void>;
}

export function createGitSource(opts: { mirrorsDir: string; localPath: (repo: string) => string | null }): GitSource {
  async function gitDir(repo: string, sha: string): Promise<string> {
    if (!SHA.test(sha)) throw new UnavailableError(`expected a full commit id, found ${JSON.stringify(sha)}`);
    const local = opts.localPath(repo);
    if (local) return local;
    const dir = join(opts.mirrorsDir, createHash('sha1').update(repo).digest('hex'));
    if (!existsSync(dir)) {
      await mkdir(opts.mirrorsDir, { recursive: true });
      await git(['init', '--quiet', '--bare', dir]);
    }
    const has = await git(['--git-dir', dir, 'cat-file', '-e', `${sha}^{commit}`], { allowFail: true });
    if (has.exitCode !== 0) await git(['--git-dir', dir, 'fetch', '--quiet', '--depth', '1', '--', repo, sha]);
    return dir;
  }
  return {
    gitDir,
    async readFile(repo, sha, path) {
      const dir = await gitDir(repo, sha);
      const r = await git(['--git-dir', dir, 'show', `${sha}:${path}`], { allowFail: true });
      return r.exitCode === 0 ? r.stdout : null;
    },
    async checkout(repo, sha, dir, signal) {
      const from = await gitDir(repo, sha);
      await rm(dir, { recursive: true, force: true });
      // Only the one commit (no history, no other refs): what the run builds is exactly `sha`.
      await git(['init', '--quiet', dir], { signal });
      await git(['-C', dir, 'fetch', '--quiet', '--depth', '1', '--', from, sha], { signal });
      await git(['-C', dir, 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], { signal });
    },
  };
}

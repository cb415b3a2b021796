import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { UnavailableError } from '../../core/errors.js';

/** Shallow working copies of git repositories, one directory per repository and ref, reused across refreshes. */
export interface GitCheckouts {
  /**
   * Fetches `ref` (default: the remote's HEAD) of `url` and returns a directory holding that commit's files. The
   * directory is the commit's own and does not change, so it can be read while the next fetch runs.
   */
  checkout(url: string, ref: string | null): Promise<string>;
}

// Credentials prompts would hang a refresh; ssh must fail rather than ask; the ext:: transport runs commands.
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o ConnectTimeout=15',
  GIT_ASKPASS: '',
};
/** A commit's tree is removed this long after a newer commit of the same repository was checked out. */
const TREE_TTL_MS = 10 * 60_000;
const GIT_CONFIG = ['-c', 'protocol.ext.allow=never', '-c', 'advice.detachedHead=false', '-c', 'core.hooksPath=/dev/null'];

/**
 * Creates the checkout cache under `baseDir` (`<workspace>/cache/git`). Directory names are the sha1 of the
 * URL (plus the ref, when one is given, so two refs of one repository never share a working tree).
 * Operations on one directory are serialised in this process; git's own lock files guard against others.
 */
export function createGitCheckouts(baseDir: string, timeoutMs: number): GitCheckouts {
  const busy = new Map<string, Promise<unknown>>();

  async function git(args: string[], cwd?: string): Promise<void> {
    await execa('git', [...GIT_CONFIG, ...args], { cwd, env: GIT_ENV, timeout: timeoutMs, stdin: 'ignore' });
  }

  async function fetchInto(dir: string, url: string, ref: string | null): Promise<string> {
    if (!existsSync(join(dir, '.git'))) {
      await mkdir(baseDir, { recursive: true });
      const tmp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
      await git(['init', '--quiet', tmp]);
      try {
        await rename(tmp, dir);
      } catch (e) {
        // Another process created it first; use theirs.
        await rm(tmp, { recursive: true, force: true });
        if (!existsSync(join(dir, '.git'))) throw e;
      }
    }
    await git(['fetch', '--quiet', '--depth', '1', '--no-tags', '--', url, ref ?? 'HEAD'], dir);
    // Each commit gets a tree of its own that never changes once made: a refresh still reading the files of one
    // commit is not disturbed by the next fetch of the same repository (several locations often read one).
    const sha = (await execa('git', [...GIT_CONFIG, 'rev-parse', 'FETCH_HEAD'], { cwd: dir, env: GIT_ENV, timeout: timeoutMs, stdin: 'ignore' })).stdout.trim();
    const tree = `${dir}@${sha}`;
    if (!existsSync(tree)) {
      const tmp = `${tree}.tmp-${randomBytes(6).toString('hex')}`;
      await mkdir(tmp, { recursive: true });
      try {
        await git(['--work-tree', tmp, 'checkout', '--quiet', '--force', sha, '--', '.'], dir);
        await rename(tmp, tree);
      } catch (e) {
        await rm(tmp, { recursive: true, force: true });
        if (!existsSync(tree)) throw e;
      }
    }
    // In use now: its age counts from here, so a tree being read is never the one pruned.
    const now = new Date();
    await utimes(tree, now, now).catch(() => {});
    await pruneTrees(dir, tree);
    return tree;
  }

  /** Trees of older commits, once nobody can still be reading them (unused for ten minutes). */
  async function pruneTrees(dir: string, keep: string): Promise<void> {
    const prefix = `${basename(dir)}@`;
    const now = Date.now();
    for (const name of await readdir(baseDir).catch(() => [] as string[])) {
      const path = join(baseDir, name);
      if (!name.startsWith(prefix) || path === keep) continue;
      const s = await stat(path).catch(() => null);
      if (s && now - s.mtimeMs > TREE_TTL_MS) await rm(path, { recursive: true, force: true }).catch(() => {});
    }
  }

  return {
    async checkout(url, ref) {
      const key = ref === null ? url : `${url}#${ref}`;
      const dir = join(baseDir, createHash('sha1').update(key).digest('hex'));
      const previous = busy.get(dir) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(() => fetchInto(dir, url, ref));
      busy.set(dir, run);
      try {
        return await run;
      } catch (e) {
        throw new UnavailableError(`could not fetch ${ref ? `${ref} of ` : ''}${url}: ${gitFailure(e)}`, { cause: e });
      } finally {
        if (busy.get(dir) === run) busy.delete(dir);
      }
    },
  };
}

/** The useful line of a failed git run: its last `fatal:`/`error:` line, or why it was stopped. */
function gitFailure(e: unknown): string {
  const err = e as { timedOut?: boolean; stderr?: unknown; shortMessage?: string; message?: string };
  if (err.timedOut) return 'git did not answer in time';
  const stderr = typeof err.stderr === 'string' ? err.stderr : '';
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l)).pop() ?? lines.pop();
  return fatal ?? err.shortMessage ?? err.message ?? String(e);
}

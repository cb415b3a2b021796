import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { UnavailableError } from '../../core/errors.js';

/** Shallow working copies of git repositories, one directory per repository and ref, reused across refreshes. */
export interface GitCheckouts {
  /** Fetches `ref` (default: the remote's HEAD) of `url` and checks it out; returns the working directory. */
  checkout(url: string, ref: string | null): Promise<string>;
}

// Credentials prompts would hang a refresh; ssh must fail rather than ask; the ext:: transport runs commands.
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o ConnectTimeout=15',
  GIT_ASKPASS: '',
};
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
    await git(['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD'], dir);
    await git(['clean', '--quiet', '-ffdx'], dir);
    return dir;
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

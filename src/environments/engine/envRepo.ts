import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, UnavailableError } from '../../core/errors.js';
import { SYSTEM, type Principal } from '../../auth/authorize.js';
import type { RepoHost } from '../../hosting/index.js';

/**
 * The environment repository: a Gantry-hosted git repository (`environments`) that holds the desired state of
 * every environment (docs/environments.md, "GitOps"). Every change is a commit made straight into the bare
 * repository with a throw-away index, recorded as a push like any other; history is the audit trail.
 */
export interface EnvRepo {
  readonly name: string;
  /** Creates the repository (empty, branch main) when it does not exist. */
  ensure(): Promise<void>;
  head(): Promise<string | null>;
  /** A file's text at `at` (default: the head of main); null when it does not exist. */
  read(path: string, at?: string): Promise<string | null>;
  /** Several files' text at the head of main in one git process; missing files are absent from the map. */
  readMany(paths: string[]): Promise<Map<string, string>>;
  /** Paths of the files under `prefix` (a folder, no trailing slash) at the head of main. */
  list(prefix?: string): Promise<string[]>;
  /**
   * Writes (string) and deletes (null) files in one commit on main. Nothing changes when the tree would be the
   * same (returns the head then, `changed: false`). A concurrent commit is retried on top of it.
   */
  commit(changes: Record<string, string | null>, message: string, author: Principal): Promise<{ sha: string; changed: boolean }>;
  /** Commits touching `path` (or any), newest first. */
  log(opts?: { path?: string; limit?: number }): Promise<EnvCommit[]>;
}

export interface EnvCommit {
  sha: string;
  at: string;
  author: string;
  message: string;
}

const BRANCH = 'main';
const REF = `refs/heads/${BRANCH}`;

async function run(gitDir: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { GIT_DIR: gitDir, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' }, opts.env ?? {});
  try {
    const r = await execa('git', ['-c', 'core.hooksPath=/dev/null', ...args], {
      env,
      extendEnv: false,
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
      timeout: 60_000,
      stripFinalNewline: false,
    });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; shortMessage?: string; message: string };
    throw new UnavailableError(`git ${args[0] ?? ''} in the environment repository failed: ${(err.stderr || err.shortMessage || err.message).trim().split('\n').slice(-2).join(' ')}`, { cause: e });
  }
}

/** git with stdin, answering the raw bytes (for `cat-file --batch`). */
async function runBuffer(gitDir: string, args: string[], input: string): Promise<Buffer> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1' });
  const r = await execa('git', args, { env, extendEnv: false, input, encoding: 'buffer', timeout: 60_000, reject: false });
  if (r.exitCode !== 0) throw new UnavailableError(`git ${args[0] ?? ''} in the environment repository failed: ${Buffer.from(r.stderr).toString('utf8').trim()}`);
  return Buffer.from(r.stdout);
}

function authorEnv(p: Principal): Record<string, string> {
  const name = p.userRef.replace(/^(user|system):(default\/)?/, '');
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: `${name.replace(/[^\w.-]/g, '-')}@users.gantry.local`,
    GIT_COMMITTER_NAME: 'Gantry',
    GIT_COMMITTER_EMAIL: 'environments@gantry.local',
  };
}

export function createEnvRepo(repos: RepoHost, name = 'environments'): EnvRepo {
  const gitDir = () => repos.pathOf(name);

  let exists = false;
  async function ensure(): Promise<void> {
    if (exists) return;
    try {
      await repos.get(name);
    } catch {
      try {
        await repos.create(SYSTEM, { name, owner: null, description: 'Desired state of every environment (GitOps); written by Gantry.' });
      } catch (e) {
        // Another process created it first.
        await repos.get(name).catch(() => {
          throw e;
        });
      }
    }
    exists = true;
  }

  /** The head of main; null before the first commit (or before the repository exists). */
  async function head(): Promise<string | null> {
    if (!exists && !(await repos.get(name).then(() => true, () => false))) return null;
    exists = true;
    return (await repos.refs(name)).get(REF) ?? null;
  }

  async function commitOnce(changes: Record<string, string | null>, message: string, author: Principal): Promise<{ sha: string; changed: boolean }> {
    const parent = await head();
    const tmp = await mkdtemp(join(tmpdir(), 'gantry-envrepo-'));
    const env = { GIT_INDEX_FILE: join(tmp, 'index'), ...authorEnv(author) };
    try {
      if (parent) await run(gitDir(), ['read-tree', parent], { env });
      else await run(gitDir(), ['read-tree', '--empty'], { env });
      // One --index-info call: `<mode> <oid>\t<path>` adds or replaces, mode 0 removes (no work tree needed).
      const lines: string[] = [];
      for (const [path, text] of Object.entries(changes).sort(([a], [b]) => a.localeCompare(b))) {
        if (/[\t\n]/.test(path) || path.startsWith('/') || path.split('/').includes('..')) throw new Error(`bad path ${JSON.stringify(path)}`);
        if (text === null) {
          lines.push(`0 ${'0'.repeat(40)}\t${path}`);
        } else {
          const oid = (await run(gitDir(), ['hash-object', '-w', '--stdin'], { input: text, env })).trim();
          lines.push(`100644 ${oid}\t${path}`);
        }
      }
      if (lines.length > 0) await run(gitDir(), ['update-index', '--index-info'], { input: lines.join('\n') + '\n', env });
      const tree = (await run(gitDir(), ['write-tree'], { env })).trim();
      if (parent && (await run(gitDir(), ['rev-parse', `${parent}^{tree}`])).trim() === tree) return { sha: parent, changed: false };
      const sha = (await run(gitDir(), ['commit-tree', '--no-gpg-sign', tree, ...(parent ? ['-p', parent] : []), '-m', message], { env })).trim();
      // Compare-and-swap: fails when someone else moved main since we read it.
      await run(gitDir(), ['update-ref', REF, sha, parent ?? ''], { env });
      return { sha, changed: true };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  return {
    name,
    ensure,
    head,
    async read(path, at) {
      const rev = at ?? (await head());
      if (!rev) return null;
      try {
        return await run(gitDir(), ['cat-file', 'blob', `${rev}:${path}`]);
      } catch {
        return null;
      }
    },
    async readMany(paths) {
      const out = new Map<string, string>();
      const rev = await head();
      if (!rev || paths.length === 0) return out;
      // --batch: for each `<rev>:<path>` line, `<oid> blob <size>\n<content>\n` or `<name> missing\n`.
      const raw = await runBuffer(gitDir(), ['cat-file', '--batch'], paths.map((p) => `${rev}:${p}`).join('\n') + '\n');
      let at = 0;
      for (const p of paths) {
        const nl = raw.indexOf(10, at);
        if (nl < 0) break;
        const header = raw.subarray(at, nl).toString('utf8');
        at = nl + 1;
        const m = /^[0-9a-f]{40} blob (\d+)$/.exec(header);
        if (!m) continue;
        const size = Number(m[1]);
        out.set(p, raw.subarray(at, at + size).toString('utf8'));
        at += size + 1;
      }
      return out;
    },
    async list(prefix) {
      const rev = await head();
      if (!rev) return [];
      const out = await run(gitDir(), ['ls-tree', '-r', '--name-only', rev, ...(prefix ? ['--', `${prefix}/`] : [])]);
      return out.split('\n').filter(Boolean);
    },
    async commit(changes, message, author) {
      await ensure();
      const session = await repos.beginPush(author, name);
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            return await commitOnce(changes, message, author);
          } catch (e) {
            if (attempt >= 5) throw new ConflictError(`the environment repository kept changing under this commit (${(e as Error).message})`, { cause: e });
          }
        }
      } finally {
        await session.finish();
      }
    },
    async log(opts = {}) {
      const rev = await head();
      if (!rev) return [];
      const out = await run(gitDir(), ['log', `--max-count=${opts.limit ?? 50}`, '--format=%H%x1f%aI%x1f%an%x1f%s%x1e', rev, ...(opts.path ? ['--', opts.path] : [])]);
      return out
        .split('\x1e')
        .map((r) => r.trim())
        .filter(Boolean)
        .map((r) => {
          const [sha, at, author, message] = r.split('\x1f') as [string, string, string, string];
          return { sha, at, author, message };
        });
    },
  };
}

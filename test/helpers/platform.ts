import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Platform } from '../../src/platform.js';

const run = promisify(execFile);

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A small organisation: team-a (alice, carol), team-b (bob). */
export const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: carol }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [team-b] }
`;

/** HTTP calls, git pushes and polling against a running platform, for end-to-end tests. */
export function platformClient(platform: () => Platform, workDir: () => string) {
  async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: Json }> {
    const h: Record<string, string> = {};
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(platform().url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: Json = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  /** A token for a catalog user (minted by the admin). */
  async function tokenFor(user: string): Promise<string> {
    const r = await call('POST', '/api/tokens', platform().adminToken, { name: user, userRef: `user:default/${user}` });
    if (r.status !== 201) throw new Error(`token for ${user}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.secret as string;
  }

  /** Commits files (null deletes) into a clone of the hosted repo and pushes them to `branch` with the admin token. */
  async function push(repo: string, files: Record<string, string | null>, message: string, branch = 'main'): Promise<string> {
    const work = join(workDir(), `work-${repo}`);
    const auth = `Authorization: Basic ${Buffer.from(`x:${platform().adminToken}`).toString('base64')}`;
    await rm(work, { recursive: true, force: true });
    await run('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform().url}/git/${repo}`, work]);
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
    const branches = (await run('git', ['branch', '-r'], { cwd: work })).stdout;
    if (branch !== 'main') {
      if (branches.includes(`origin/${branch}`)) await run('git', ['checkout', '-q', branch], { cwd: work });
      else await run('git', ['checkout', '-q', '-b', branch], { cwd: work });
    }
    for (const [path, text] of Object.entries(files)) {
      if (text === null) {
        await rm(join(work, path), { force: true });
        continue;
      }
      await mkdir(join(work, path, '..'), { recursive: true });
      await writeFile(join(work, path), text);
    }
    await run('git', ['add', '-A'], { cwd: work, env });
    await run('git', ['commit', '-q', '--allow-empty', '-m', message], { cwd: work, env });
    await run('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', `HEAD:${branch}`], { cwd: work, env });
    return (await run('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  }

  /** Deletes a branch of a hosted repo over HTTP. */
  async function deleteBranch(repo: string, branch: string): Promise<void> {
    const work = join(workDir(), `work-${repo}`);
    const auth = `Authorization: Basic ${Buffer.from(`x:${platform().adminToken}`).toString('base64')}`;
    await run('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', `:${branch}`], { cwd: work });
  }

  return { call, waitFor, tokenFor, push, deleteBranch };
}

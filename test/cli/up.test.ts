/** `gantry up` and `gantry worker` as real processes: start, serve, stop cleanly on SIGTERM/SIGINT. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, gantry } from './runCli.js';

type Proc = ResultPromise<{ reject: false; env: Record<string, string>; extendEnv: false; cwd: string; stdin: 'ignore' }>;

function spawnGantry(args: string[], cwd: string): Proc {
  return execa('node', [BIN, ...args], { cwd, env: cleanEnv(), extendEnv: false, reject: false, stdin: 'ignore' });
}

/** Resolves with the first match of `pattern` in the process's stdout; rejects if it exits first. */
function waitForOutput(proc: Proc, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) {
        proc.stdout?.off('data', onData);
        resolve(m);
      }
    };
    proc.stdout?.on('data', onData);
    void proc.then((r) => reject(new Error(`exited with ${r.exitCode} before printing ${pattern}: ${r.stdout}\n${r.stderr}`)));
  });
}

let root: string;
const started: Proc[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-cli-up-'));
});

afterAll(async () => {
  // A failed assertion must not leave a server running.
  for (const p of started) if (p.exitCode === undefined && p.pid) p.kill('SIGKILL');
  await Promise.allSettled(started);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('gantry up', () => {
  it('starts the platform, prints where it runs and how to sign in, and stops on SIGTERM', async () => {
    const proc = spawnGantry(['up', '--port', '0', '--no-sample'], root);
    started.push(proc);
    const [, url] = await waitForOutput(proc, /Gantry is running at (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*Press Ctrl\+C to stop\./);

    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    const info = JSON.parse(await readFile(join(root, '.gantry', 'server.json'), 'utf8')) as { url: string };
    expect(info.url).toBe(url);
    expect((await stat(join(root, '.gantry', 'admin-token'))).mode & 0o777).toBe(0o600);

    // The CLI in the same folder finds the server and the admin token by itself.
    const who = await gantry(['whoami', '--json'], { cwd: root });
    expect(who.exitCode).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ role: 'admin' });
    // Without the sample, the catalog holds only the built-in golden paths.
    const list = await gantry(['catalog', 'list', '--json'], { cwd: root });
    const listed = JSON.parse(list.stdout) as { totalCount: number; items: Array<{ kind: string; name: string }> };
    expect(listed.items.map((e) => `${e.kind}:${e.name}`).sort()).toEqual(['Template:node-service', 'Template:python-service', 'Template:static-site']);

    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('.gantry/admin-token');
    expect(r.stdout).toContain('gantry token create');
    const token = (await readFile(join(root, '.gantry', 'admin-token'), 'utf8')).trim();
    expect(r.stdout).not.toContain(token);
    expect(r.stderr).toContain('Stopped.');
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });

  it('fails with a clear message when the port is taken', async () => {
    const first = spawnGantry(['up', '--port', '0', '--no-sample', '--workspace', 'ws-a'], root);
    started.push(first);
    const [, port] = await waitForOutput(first, /Gantry is running at http:\/\/127\.0\.0\.1:(\d+)/);
    const second = await gantry(['up', '--port', port!, '--router-port', '0', '--no-sample', '--workspace', 'ws-b'], { cwd: root });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use`);
    first.kill('SIGINT');
    expect((await first).exitCode).toBe(0);
  });
});

describe('gantry worker', () => {
  it('runs against the workspace and stops gracefully on SIGTERM', async () => {
    const proc = spawnGantry(['worker', '--concurrency', '3'], root);
    started.push(proc);
    await waitForOutput(proc, /Worker running on SQLite in \.gantry, 3 jobs at a time\./);
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('Worker stopped.');
  });
});

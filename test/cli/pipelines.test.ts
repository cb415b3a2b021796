/**
 * The pipeline commands (`gantry pipeline ...`, `gantry runner`) as child processes against a real platform
 * (SQLite workspace, random port, its in-process runner) with hosted repositories pushed to over git's HTTP.
 *
 * Runs for `gantry runner` children ask for labels (`runsOn`) the in-process runner does not offer (it has none),
 * so only the child can take them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LogPrinter } from '../../src/cli/commands/pipeline.js';
import { out } from '../../src/cli/output.js';
import type { RunDetail, RunView } from '../../src/pipelines/index.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { BIN, cleanEnv, gantry, type RunOptions } from './runCli.js';

const run = promisify(execFile);

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
`;

// `fail` and `slow` run only on their own branches, so a run of main is quick and succeeds.
const PIPELINE = `name: demo
on:
  push: { branches: [main] }
  manual: true
jobs:
  lint:
    steps:
      - run: echo "lint ok"
  test:
    needs: [lint]
    steps:
      - name: Unit tests
        run: printf 'tests pass\\nsecond line\\n'
  fail:
    if: { branches: [fail] }
    steps:
      - name: Breaks
        run: echo "about to fail" && exit 3
  slow:
    if: { branches: [slow] }
    steps:
      - run: sleep 30
`;

const LABELLED = `name: labelled
on: { manual: true }
jobs:
  build:
    runsOn: [linux]
    steps:
      - run: echo "built on a labelled runner"
`;

const DOOMED = `name: doomed
on: { manual: true }
jobs:
  hang:
    runsOn: [doomed]
    steps:
      - run: sleep 300
`;

/** Retried once when its runner is lost; the step hangs the first time and passes the second. */
const PHOENIX = (marker: string) => `name: phoenix
on: { manual: true }
retry: { runnerLost: 1 }
jobs:
  rise:
    runsOn: [phoenix]
    env: { MARKER: "${marker}" }
    steps:
      - run: if [ -e "$MARKER" ]; then echo "second attempt"; else touch "$MARKER"; sleep 300; fi
`;

const BAD = `jobs:
  lint:
    stepz:
      - run: echo lint
`;

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

let platform: Platform;
let root: string;
let admin: RunOptions;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { authorization: `Bearer ${platform.adminToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(platform.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
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

const getRun = async (id: string): Promise<RunDetail> => (await api('GET', `/api/pipelines/runs/${id}`)).body as RunDetail;
const waitForEnd = (id: string) => waitFor(`run ${id} to end`, async () => {
  const r = await getRun(id);
  return TERMINAL.includes(r.status) ? r : undefined;
});

/** Commits files into a clone of the hosted repo and pushes them over HTTP to each branch (the first is main). */
async function push(repo: string, files: Record<string, string>, branches: string[] = ['main']): Promise<string> {
  const work = join(root, `work-${repo}`);
  const auth = `Authorization: Basic ${Buffer.from(`x:${platform.adminToken}`).toString('base64')}`;
  await rm(work, { recursive: true, force: true });
  await run('git', ['-c', `http.extraHeader=${auth}`, 'clone', '--quiet', `${platform.url}/git/${repo}`, work]);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), text);
  }
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  await run('git', ['add', '-A'], { cwd: work, env });
  await run('git', ['commit', '-q', '-m', 'pipeline'], { cwd: work, env });
  await run('git', ['-c', `http.extraHeader=${auth}`, 'push', '-q', 'origin', ...branches.map((b) => `HEAD:${b}`)], { cwd: work, env });
  return (await run('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
}

/** Pids of live processes whose environment carries the run's marker (what the runner's reaper looks for). */
async function processesOfRun(runId: string): Promise<number[]> {
  const needle = Buffer.from(`\0GANTRY_RUN_ID=${runId}\0`);
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = await readFile(`/proc/${name}/environ`);
      if (Buffer.concat([Buffer.from([0]), env]).includes(needle)) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

/** A `gantry runner` child process, once it has said its worker id. */
interface RunnerChild {
  id: string;
  child: ResultPromise;
  stdout: () => string;
}

async function startRunner(labels: string, extra: string[] = []): Promise<RunnerChild> {
  const child = execa('node', [BIN, 'runner', '--workspace', join(root, 'ws'), '--labels', labels, ...extra], {
    cwd: root,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  let stdout = '';
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /^Runner (\S+) running on [^]*Press Ctrl\+C to stop\.$/m.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`gantry runner exited (${r.exitCode}) before it started: ${String(r.stderr)}`)));
  });
  return { id, child, stdout: () => stdout };
}

const json = <T>(s: string): T => JSON.parse(s) as T;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-cli-pipelines-'));
  platform = await startPlatform({ workspaceDir: join(root, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true });
  admin = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: platform.adminToken }, cwd: root };
  expect((await api('POST', '/api/catalog/entities', { yaml: ORG, file: 'org.yaml' })).status).toBe(200);
  for (const name of ['demo', 'labelled', 'doomed', 'phoenix', 'broken']) expect((await api('POST', '/api/repos', { name, owner: 'team-a' })).status).toBe(201);
  await push('demo', { '.gantry/pipeline.yaml': PIPELINE }, ['main', 'fail', 'slow']);
  await push('labelled', { '.gantry/pipeline.yaml': LABELLED });
  await push('doomed', { '.gantry/pipeline.yaml': DOOMED });
  await push('phoenix', { '.gantry/pipeline.yaml': PHOENIX(join(root, 'phoenix-marker')) });
  await push('broken', { '.gantry/pipeline.yaml': BAD });
  await mkdir(join(root, 'local', '.gantry'), { recursive: true });
  await writeFile(join(root, 'local', '.gantry', 'pipeline.yaml'), PIPELINE);
  await writeFile(join(root, 'local', 'bad.yaml'), BAD);
});

afterAll(async () => {
  await platform?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('help', () => {
  it.each([
    'pipeline',
    'pipeline run',
    'pipeline list',
    'pipeline show',
    'pipeline logs',
    'pipeline cancel',
    'pipeline rerun',
    'pipeline render',
    'pipeline validate',
    'pipeline export',
    'runner',
  ])('gantry %s --help exits 0', async (command) => {
    const r = await gantry([...command.split(' '), '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Usage: gantry ${command}`);
  });
});

describe('the output of a run, as chunks', () => {
  const printed = (chunks: Array<[string, string, string]>, prefix = true): string => {
    let text = '';
    const logs = new LogPrinter((t) => (text += t), { prefix, styles: { ...out, dim: (s: string) => s } });
    for (const [jobId, stepId, chunk] of chunks) logs.chunk({ jobId, stepId, chunk });
    logs.endLine();
    return text;
  };

  it('prefixes every line with its job, also when a chunk ends in the middle of a line', () => {
    expect(printed([['test', 's1', 'one\ntw'], ['test', 's1', 'o\nthree\n']])).toBe('[test] one\n[test] two\n[test] three\n');
  });

  it('ends a line another job or step interrupts, so each line says whose it is', () => {
    expect(printed([['a', 's1', 'no newline'], ['b', 's1', 'b says\n'], ['a', 's1', ' more\n']])).toBe('[a] no newline\n[b] b says\n[a]  more\n');
    expect(printed([['a', 's1', 'x'], ['a', 's2', 'y\n']])).toBe('[a] x\n[a] y\n');
  });

  it('prints one job without prefixes', () => {
    expect(printed([['a', 's1', 'x\n'], ['a', 's1', 'y']], false)).toBe('x\ny\n');
  });
});

describe('offline: validate, render, export', () => {
  const local = () => ({ cwd: join(root, 'local') });

  it('validate: a clean file exits 0; an unknown key exits 1 with file:line:column', async () => {
    const clean = await gantry(['pipeline', 'validate'], local());
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toMatch(/^\.gantry\/pipeline\.yaml: valid, 4 jobs \(lint, test, fail, slow\); 0 errors, 0 warnings$/m);

    const bad = await gantry(['pipeline', 'validate', 'bad.yaml', '.gantry/pipeline.yaml'], local());
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/^bad\.yaml:3:5: jobs\.lint\.stepz: unknown key "stepz"; expected one of: .*steps$/m);
    expect(bad.stdout).toMatch(/^bad\.yaml: invalid; 1 error, 0 warnings$/m);
    expect(bad.stdout).toMatch(/^\.gantry\/pipeline\.yaml: valid/m);

    const asJson = await gantry(['pipeline', 'validate', 'bad.yaml', '--json'], local());
    expect(asJson.exitCode).toBe(1);
    const report = json<{ valid: boolean; files: Array<{ file: string; problems: Array<{ path: string; position: unknown }> }> }>(asJson.stdout);
    expect(report.valid).toBe(false);
    expect(report.files[0]!.problems[0]).toMatchObject({ path: 'jobs.lint.stepz', position: { file: 'bad.yaml', line: 3, column: 5 } });

    const missing = await gantry(['pipeline', 'validate'], { cwd: root });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain('.gantry/pipeline.yaml:1:1: expected a pipeline file, found nothing at .gantry/pipeline.yaml');
  });

  it('render: the effective pipeline from the file in the cwd; problems as file:line:column, exit 1', async () => {
    const r = await gantry(['pipeline', 'render'], local());
    expect(r.exitCode).toBe(0);
    const doc = parseYaml(r.stdout) as { name: string; jobs: Record<string, { needs?: string[]; timeout: string; steps: Array<{ name: string; timeout: string }> }> };
    expect(doc.name).toBe('demo');
    expect(Object.keys(doc.jobs)).toEqual(['lint', 'test', 'fail', 'slow']);
    expect(doc.jobs.test).toMatchObject({ needs: ['lint'], timeout: '30m', steps: [{ name: 'Unit tests', timeout: '10m' }] });
    expect(r.stdout).toContain('# Effective pipeline "demo"');

    const bad = await gantry(['pipeline', 'render', 'bad.yaml'], local());
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^bad\.yaml:3:5: jobs\.lint\.stepz: unknown key "stepz"/m);

    const both = await gantry(['pipeline', 'render', 'bad.yaml', '--repo', 'demo'], local());
    expect(both.exitCode).toBe(2);
  });

  it('render --repo asks the server for the hosted repository\'s effective pipeline', async () => {
    const r = await gantry(['pipeline', 'render', '--repo', 'demo', '--json'], admin);
    expect(r.exitCode).toBe(0);
    const body = json<{ sha: string; yaml: string; problems: unknown[] }>(r.stdout);
    expect(body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(body.problems).toEqual([]);
    expect(Object.keys((parseYaml(body.yaml) as { jobs: object }).jobs)).toEqual(['lint', 'test', 'fail', 'slow']);

    const text = await gantry(['pipeline', 'render', '--repo', 'labelled'], admin);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^ {4}runsOn: \[linux\]$/m);
  });

  it('export: a GitHub Actions workflow and a .gitlab-ci.yml with the jobs; exit 1 on problems', async () => {
    const gh = await gantry(['pipeline', 'export', '--to', 'github-actions'], local());
    expect(gh.exitCode).toBe(0);
    const workflow = parseYaml(gh.stdout) as { on: Record<string, unknown>; jobs: Record<string, { needs?: string[]; steps: Array<{ run?: string; uses?: string }> }> };
    expect(Object.keys(workflow.jobs)).toEqual(['lint', 'test', 'fail', 'slow']);
    expect(Object.keys(workflow.on)).toEqual(['push', 'workflow_dispatch']);
    expect(workflow.jobs.test!.needs).toEqual(['lint']);
    expect(workflow.jobs.lint!.steps.map((s) => s.run).filter(Boolean)).toEqual(['echo "lint ok"']);

    const out = join(root, 'local', 'gitlab-ci.yml');
    const gl = await gantry(['pipeline', 'export', '--to', 'gitlab-ci', '.gantry/pipeline.yaml', '-o', out], local());
    expect(gl.exitCode).toBe(0);
    expect(gl.stdout).toBe('');
    expect(gl.stderr).toContain(`Wrote ${out}: a GitLab CI pipeline with 4 jobs.`);
    const ci = parseYaml(await readFile(out, 'utf8')) as Record<string, { stage?: string; script?: string[]; needs?: unknown[] }>;
    for (const job of ['lint', 'test', 'fail', 'slow']) expect(ci[job]?.script?.length, job).toBeGreaterThan(0);
    expect(ci.test!.stage).toBe('stage-2');

    const bad = await gantry(['pipeline', 'export', '--to', 'gitlab-ci', 'bad.yaml', '-o', join(root, 'local', 'never.yml')], local());
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.yaml:3:5: /m);
    expect(bad.stderr).toContain('error: bad.yaml has 1 problem; nothing was written');
    await expect(readFile(join(root, 'local', 'never.yml'))).rejects.toThrow(/ENOENT/);

    const noTarget = await gantry(['pipeline', 'export'], local());
    expect(noTarget.exitCode).toBe(2);
    const wrongTarget = await gantry(['pipeline', 'export', '--to', 'jenkins'], local());
    expect(wrongTarget.exitCode).toBe(2);
  });
});

describe('runs on the platform', () => {
  let passed: RunDetail;
  let failed: RunDetail;

  it('run --json follows the run on stderr and prints the finished run; exit 0', async () => {
    const r = await gantry(['pipeline', 'run', 'demo', '--json'], admin);
    expect(r.stderr).toMatch(/^\[lint\] lint ok$/m);
    expect(r.stderr).toMatch(/^\[test\] tests pass\n\[test\] second line$/m);
    expect(r.stderr).toMatch(/^ {2}✓ test › Unit tests \(\d+\.\d s\)$/m);
    expect(r.stderr).toMatch(/^✓ lint \(\d+\.\d s\)$/m);
    expect(r.stderr).toMatch(/^- slow: skipped/m);
    expect(r.exitCode).toBe(0);
    passed = json<RunDetail>(r.stdout);
    expect(passed).toMatchObject({ repo: 'demo', branch: 'main', event: 'manual', status: 'succeeded' });
    expect(passed.jobs.map((j) => `${j.id}:${j.status}`)).toEqual(['lint:succeeded', 'test:succeeded', 'fail:skipped', 'slow:skipped']);
    expect(r.stderr).toMatch(new RegExp(`^Run ${passed.id} succeeded in \\d+\\.\\d s\\.$`, 'm'));
  });

  it('run prints the output on stdout, each line with its job; a failed run exits 1 and says why', async () => {
    const r = await gantry(['pipeline', 'run', 'demo', '--branch', 'fail'], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^\[lint\] lint ok$/m);
    expect(r.stdout).toMatch(/^\[fail\] about to fail$/m);
    expect(r.stderr).toMatch(/^ {2}✗ fail › Breaks: exited with code 3 \(\d+\.\d s\)$/m);
    expect(r.stderr).toMatch(/^✗ fail: step-1 \(Breaks\) exited with code 3/m);
    const id = /^error: run (\S+) failed: failed jobs: fail$/m.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    expect(r.stderr).toContain(`The whole log: gantry pipeline logs ${id}`);
    failed = await getRun(id!);
    expect(failed).toMatchObject({ status: 'failed', branch: 'fail' });
  });

  it('run of a repository that does not exist, or a malformed --sha, exits with an error', async () => {
    const missing = await gantry(['pipeline', 'run', 'no-such-repo'], admin);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^error: not found: /m);
    const badSha = await gantry(['pipeline', 'run', 'demo', '--sha', 'abc'], admin);
    expect(badSha.exitCode).toBe(2);
    expect(badSha.stderr).toContain('--sha: expected a full 40-character commit id');
  });

  it('a run of a pipeline file with problems fails at once, each problem as file:line:column', async () => {
    const r = await gantry(['pipeline', 'run', 'broken'], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: run \S+ failed: the pipeline file cannot be used: /m);
    expect(r.stderr).toMatch(/^ {2}\.gantry\/pipeline\.yaml:3:5: jobs\.lint\.stepz: unknown key "stepz"/m);

    const rendered = await gantry(['pipeline', 'render', '--repo', 'broken'], admin);
    expect(rendered.exitCode).toBe(1);
    expect(rendered.stdout).toBe('');
    expect(rendered.stderr).toMatch(/^\.gantry\/pipeline\.yaml:3:5: jobs\.lint\.stepz: unknown key "stepz"/m);
  });

  it('list: runs as JSON and as a table, filtered', async () => {
    const all = await gantry(['pipeline', 'list', '--repo', 'demo', '--json'], admin);
    expect(all.exitCode).toBe(0);
    const items = json<{ items: RunView[] }>(all.stdout).items;
    expect(items.map((r) => r.id)).toEqual(expect.arrayContaining([passed.id, failed.id]));
    // Newest first.
    expect(items.findIndex((r) => r.id === failed.id)).toBeLessThan(items.findIndex((r) => r.id === passed.id));

    const onlyFailed = json<{ items: RunView[] }>((await gantry(['pipeline', 'list', '--status', 'failed', '--json'], admin)).stdout).items;
    expect(onlyFailed.map((r) => r.id)).toContain(failed.id);
    expect(onlyFailed.every((r) => r.status === 'failed')).toBe(true);

    const table = await gantry(['pipeline', 'list', '--repo', 'demo', '--limit', '5'], admin);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+REPO\s+BRANCH\s+SHA\s+EVENT\s+STATUS\s+DURATION\s+AGE$/m);
    expect(table.stdout).toMatch(new RegExp(`^${passed.id}\\s+demo\\s+main\\s+${passed.sha.slice(0, 12)}\\s+manual\\s+succeeded\\s+\\d+\\.\\d s\\s+\\S+ ago$`, 'm'));

    const none = await gantry(['pipeline', 'list', '--repo', 'nothing-here'], admin);
    expect(none.exitCode).toBe(0);
    expect(none.stderr).toContain('No runs match.');
    const badStatus = await gantry(['pipeline', 'list', '--status', 'done'], admin);
    expect(badStatus.exitCode).toBe(2);
  });

  it('show: the run, its jobs and steps with status, duration and reason, findings', async () => {
    const r = await gantry(['pipeline', 'show', failed.id], admin);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Run ${failed.id} {2}failed$`, 'm'));
    expect(r.stdout).toMatch(/^Repository:\s+demo$/m);
    expect(r.stdout).toMatch(new RegExp(`^Commit:\\s+${failed.sha}$`, 'm'));
    expect(r.stdout).toMatch(/^Event:\s+manual by user:default\/admin$/m);
    expect(r.stdout).toMatch(/^Reason:\s+failed jobs: fail$/m);
    expect(r.stdout).toMatch(/^ {2}lint\s+succeeded\s+\d+\.\d s$/m);
    expect(r.stdout).toMatch(/^ {2}fail\s+failed\s+\d+\.\d s$/m);
    expect(r.stdout).toMatch(/^ {8}step-1 \(Breaks\) exited with code 3$/m);
    expect(r.stdout).toMatch(/^ {4}step-1\s+failed\s+Breaks \(\d+\.\d s, exit 3\)$/m);
    expect(r.stdout).toMatch(/^ {2}slow\s+skipped/m);
    expect(r.stdout).toMatch(/^Findings:\s+none$/m);

    const asJson = await gantry(['pipeline', 'show', passed.id, '--json'], admin);
    expect(json<RunDetail>(asJson.stdout).jobs.map((j) => j.id)).toEqual(['lint', 'test', 'fail', 'slow']);

    const unknown = await gantry(['pipeline', 'show', 'no-such-run'], admin);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/^error: not found: no pipeline run no-such-run$/m);
  });

  it('logs: the output with job prefixes, of one job, as JSON; -f of a failed run exits 1', async () => {
    const r = await gantry(['pipeline', 'logs', passed.id], admin);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\[checkout\\] checking out ${passed.sha} \\(main\\) of demo$`, 'm'));
    expect(r.stdout).toMatch(/^\[lint\] lint ok\n/m);
    expect(r.stdout).toMatch(/^\[test\] tests pass\n\[test\] second line$/m);

    const oneJob = await gantry(['pipeline', 'logs', passed.id, '--job', 'test'], admin);
    expect(oneJob.stdout).toBe('tests pass\nsecond line'); // execa drops the last newline

    const asJson = json<{ items: Array<{ jobId: string; chunk: string }> }>((await gantry(['pipeline', 'logs', passed.id, '--json'], admin)).stdout);
    expect(asJson.items.filter((c) => c.jobId === 'lint').map((c) => c.chunk).join('')).toBe('lint ok\n');

    const follow = await gantry(['pipeline', 'logs', failed.id, '-f'], admin);
    expect(follow.exitCode).toBe(1);
    expect(follow.stdout).toMatch(/^\[fail\] about to fail$/m);
    expect(follow.stderr).toContain(`error: run ${failed.id} failed: failed jobs: fail`);
  });

  it('cancel stops a running run; following it ends with exit 1; a finished run cannot be cancelled', async () => {
    const queued = await gantry(['pipeline', 'run', 'demo', '--branch', 'slow', '--no-wait'], admin);
    expect(queued.exitCode).toBe(0);
    const id = queued.stdout.trim();
    expect(queued.stderr).toContain(`gantry pipeline logs ${id} -f`);
    await waitFor('the slow step to run', async () => {
      const r = await getRun(id);
      return r.jobs.find((j) => j.id === 'slow')?.steps[0]?.status === 'running' ? true : undefined;
    });
    expect((await processesOfRun(id)).length).toBeGreaterThan(0);

    const cancel = await gantry(['pipeline', 'cancel', id], admin);
    expect(cancel.exitCode).toBe(0);
    expect(cancel.stdout).toContain(`Run ${id}: running, cancel requested`);

    const follow = await gantry(['pipeline', 'logs', id, '-f'], admin);
    expect(follow.exitCode).toBe(1);
    expect(follow.stderr).toContain(`error: run ${id} was cancelled`);
    expect((await getRun(id)).status).toBe('cancelled');
    expect(await processesOfRun(id)).toEqual([]);

    const again = await gantry(['pipeline', 'cancel', id], admin);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^error: conflict: run \S+ has already been cancelled/m);
  });

  it('rerun runs the same commit again as a new run', async () => {
    const r = await gantry(['pipeline', 'rerun', passed.id, '--json'], admin);
    expect(r.exitCode).toBe(0);
    const again = json<RunDetail>(r.stdout);
    expect(again.id).not.toBe(passed.id);
    expect(again).toMatchObject({ sha: passed.sha, branch: 'main', status: 'succeeded' });
    expect(r.stderr).toContain(`re-run of ${passed.id}, demo main@${passed.sha.slice(0, 12)}`);

    const later = await gantry(['pipeline', 'rerun', failed.id, '--no-wait'], admin);
    expect(later.exitCode).toBe(0);
    const id = later.stdout.trim();
    expect((await waitForEnd(id)).status).toBe('failed');
  });
});

describe('gantry runner', () => {
  it('takes runs whose jobs need its labels, and stops on SIGTERM with exit 0', async () => {
    const runner = await startRunner('linux');
    try {
      expect(runner.stdout()).toMatch(/^Labels: linux; 2 runs at a time\./m);
      const r = await gantry(['pipeline', 'run', 'labelled', '--json'], admin);
      expect(r.stderr).toMatch(/^\[build\] built on a labelled runner$/m);
      expect(r.exitCode).toBe(0);
      const done = json<RunDetail>(r.stdout);
      expect(done).toMatchObject({ status: 'succeeded', labels: ['linux'], runner: runner.id });
    } finally {
      runner.child.kill('SIGTERM');
    }
    const exited = await runner.child;
    expect(exited.exitCode).toBe(0);
    expect(String(exited.stderr)).toContain('Runner stopped.');
  });

  it('bad labels are a usage error', async () => {
    const r = await gantry(['runner', '--labels', 'Linux!']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('expected labels of lower-case letters');
  });

  // A killed runner leaves its step's processes behind (they have their own process group). When its lease
  // expires, another runner takes the run over: it kills those processes and fails the run, never running it twice.
  it('a run whose runner was killed is failed by the next runner, which kills its leftover processes', async () => {
    const first = await startRunner('doomed', ['--lease-ms', '2000']);
    let second: RunnerChild | undefined;
    try {
      const queued = await gantry(['pipeline', 'run', 'doomed', '--no-wait'], admin);
      expect(queued.exitCode).toBe(0);
      const id = queued.stdout.trim();
      await waitFor('the sleep step to run', async () => {
        const r = await getRun(id);
        return r.jobs[0]?.steps[0]?.status === 'running' && (await processesOfRun(id)).length > 0 ? true : undefined;
      });
      expect((await getRun(id)).runner).toBe(first.id);

      first.child.kill('SIGKILL');
      await first.child;
      // The step's processes outlive their runner.
      expect((await processesOfRun(id)).length).toBeGreaterThan(0);

      second = await startRunner('doomed', ['--lease-ms', '2000']);
      const done = await waitForEnd(id);
      expect(done.status).toBe('failed');
      expect(done.reason).toBe(`the runner running it (${first.id}) stopped; its lease expired`);
      const events = (await api('GET', `/api/events?subject=pipeline-run:${id}`)).body.items as Array<{ action: string }>;
      expect(events.filter((e) => e.action === 'pipeline.run.started')).toHaveLength(1);
      expect(events.map((e) => e.action)).toContain('pipeline.run.finished');
      // The run is failed only after they were killed.
      expect(await processesOfRun(id)).toEqual([]);
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
    }
    expect((await second!.child).exitCode).toBe(0);
  });

  it('a pipeline with retry: { runnerLost: 1 } starts again from the first job on the next runner', async () => {
    const first = await startRunner('phoenix', ['--lease-ms', '2000']);
    let second: RunnerChild | undefined;
    try {
      const id = (await gantry(['pipeline', 'run', 'phoenix', '--no-wait'], admin)).stdout.trim();
      await waitFor('the hanging step to run', async () => ((await processesOfRun(id)).length > 0 && existsSync(join(root, 'phoenix-marker')) ? true : undefined));
      first.child.kill('SIGKILL');
      await first.child;

      second = await startRunner('phoenix', ['--lease-ms', '2000']);
      const done = await waitForEnd(id);
      expect(done).toMatchObject({ status: 'succeeded', runner: second.id, attempt: 2 });
      expect(done.jobs[0]).toMatchObject({ status: 'succeeded' });
      const logs = await gantry(['pipeline', 'logs', id], admin);
      expect(logs.stdout).toContain(`the runner running it (${first.id}) stopped; its lease expired: starting again from the first job (attempt 2)`);
      expect(logs.stdout).toContain('second attempt');
      const events = (await api('GET', `/api/events?subject=pipeline-run:${id}`)).body.items as Array<{ action: string; payload: Record<string, unknown> }>;
      expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['pipeline.run.retried', 'pipeline.run.finished']));
      expect(events.find((e) => e.action === 'pipeline.run.retried')?.payload).toMatchObject({ attempt: 2, lostRunner: first.id });
      // The first attempt's processes were killed before the second began.
      expect(await processesOfRun(id)).toEqual([]);
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
    }
    expect((await second!.child).exitCode).toBe(0);
  });
});

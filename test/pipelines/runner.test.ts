import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { runPipeline } from '../../src/pipelines/runner/index.js';
import { harness, isAlive, job, pipeline, readNumber, recorder, step, type Harness } from './fixtures/runner/harness.js';

let h: Harness;
beforeAll(() => {
  h = harness({
    'README.md': '# fixture\n',
    'package-lock.json': '{"name":"fixture","lockfileVersion":3,"packages":{}}\n',
    'web/index.html': '<h1>hi</h1>\n',
  });
});
afterAll(() => h.cleanup());

/**
 * A step that records when it started and ended (ns since the epoch) in the evidence directory. Each file appears
 * whole (written, then renamed), so a step that sees another's start file also sees its time.
 */
function stamped(name: string, body: string): string {
  const stamp = (f: string) => `date +%s%N > "$EV/${f}.tmp" && mv "$EV/${f}.tmp" "$EV/${f}"`;
  return `${stamp(`${name}.start`)}\n${body}\n${stamp(`${name}.end`)}`;
}
/** Nanoseconds as a BigInt: a Number would round them. */
const ts = (name: string) => BigInt(readFileSync(path.join(h.evidence, name), 'utf8').trim());
const max = (a: bigint, b: bigint) => (a > b ? a : b);

describe('the DAG', () => {
  it('runs independent jobs in parallel and a job only after everything it needs', async () => {
    const env = { EV: h.evidence };
    // Each of a and b waits (bounded) until the other has started: with one slot the first would give up waiting and
    // end before the other started, and the overlap below would not hold.
    const waitFor = (other: string) =>
      `i=0; while [ ! -f "$EV/${other}.start" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`;
    const r = await h.run(
      pipeline(
        [
          job('a', [step('step-1', { run: stamped('p-a', waitFor('p-b')) })], { env }),
          job('b', [step('step-1', { run: stamped('p-b', waitFor('p-a')) })], { env }),
          job('c', [step('step-1', { run: stamped('p-c', 'true') })], { env, needs: ['a', 'b'] }),
        ],
      ),
      { maxParallelJobs: 2 },
    );
    expect(r.status).toBe('succeeded');
    expect(r.jobs).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded' });
    // a and b overlap: each started before the other ended.
    expect(ts('p-a.start')).toBeLessThan(ts('p-b.end'));
    expect(ts('p-b.start')).toBeLessThan(ts('p-a.end'));
    // c started after both ended.
    expect(ts('p-c.start')).toBeGreaterThanOrEqual(max(ts('p-a.end'), ts('p-b.end')));
    expect(r.rec.job('a')?.status).toBe('succeeded');
  });

  it('runs one job at a time with maxParallelJobs 1, in the pipeline order', async () => {
    const env = { EV: h.evidence };
    const r = await h.run(
      pipeline([
        job('a', [step('step-1', { run: stamped('s-a', 'sleep 0.2') })], { env }),
        job('b', [step('step-1', { run: stamped('s-b', 'sleep 0.2') })], { env }),
      ]),
      { maxParallelJobs: 1 },
    );
    expect(r.status).toBe('succeeded');
    expect(ts('s-a.end')).toBeLessThanOrEqual(ts('s-b.start'));
  });

  it('skips a job whose need failed or was skipped, naming the need; a failed step stops its job', async () => {
    const r = await h.run(
      pipeline([
        job('build', [step('step-1', { name: 'compile', run: 'echo compiling; exit 3' }), step('step-2', { run: 'echo never' })]),
        job('test', [step('step-1', { run: 'true' })], { needs: ['build'] }),
        job('deploy', [step('step-1', { run: 'true' })], { needs: ['test'] }),
        job('lint', [step('step-1', { run: 'echo linted' })]),
      ]),
    );
    expect(r.status).toBe('failed');
    expect(r.jobs).toEqual({ build: 'failed', test: 'skipped', deploy: 'skipped', lint: 'succeeded' });
    expect(r.rec.step('build', 'step-1')).toMatchObject({ status: 'failed', info: { exitCode: 3, reason: 'exited with code 3' } });
    expect(r.rec.step('build', 'step-2')).toMatchObject({ status: 'skipped', info: { reason: 'step-1 (compile) did not succeed' } });
    expect(r.rec.log('build', 'step-2')).toBe('');
    expect(r.rec.job('build')?.info.reason).toBe('step-1 (compile) exited with code 3');
    expect(r.rec.job('test')?.info.reason).toBe('needs build, which failed');
    expect(r.rec.job('deploy')?.info.reason).toBe('needs test, which was skipped');
    expect(r.rec.log('lint', 'step-1')).toBe('linted\n');
  });

  it('evaluates job and step conditions against the run context', async () => {
    const r = await h.run(
      pipeline([
        job('main-only', [step('step-1', { run: 'true' })], { if: { branches: ['main'] } }),
        job('after-main-only', [step('step-1', { run: 'true' })], { needs: ['main-only'] }),
        job(
          'features',
          [
            step('step-1', { run: 'echo feature', if: { branches: ['feature/**'] } }),
            step('step-2', { run: 'echo manual', if: { events: ['manual'] } }),
            step('step-3', { run: 'echo one-level', if: { branches: ['feature/*'], events: ['push'] } }),
          ],
          { if: { branches: ['feature/*/*', 'release/*'] } },
        ),
      ]),
      { ctx: { branch: 'feature/x/y', event: 'push' } },
    );
    expect(r.jobs).toEqual({ 'main-only': 'skipped', 'after-main-only': 'skipped', features: 'succeeded' });
    expect(r.status).toBe('succeeded');
    expect(r.rec.job('main-only')?.info.reason).toBe('its if does not match: branch feature/x/y matches none of main');
    expect(r.rec.step('features', 'step-1')?.status).toBe('succeeded');
    expect(r.rec.step('features', 'step-2')).toMatchObject({ status: 'skipped', info: { reason: 'its if does not match: event push is not one of manual' } });
    expect(r.rec.step('features', 'step-3')?.status).toBe('skipped');
  });

  it('rejects a pipeline it cannot run, naming every problem', async () => {
    const { hooks } = recorder();
    const p = pipeline([job('a', [step('step-1', { run: 'true' })], { needs: ['nope'] }), job('b', [step('step-1', {})])]);
    const err = await runPipeline({ pipeline: p, ctx: { runId: 'r', event: 'push', branch: 'main', sha: 'x' }, checkoutDir: 'relative', workDir: '/tmp/x', cacheDir: '/tmp/x', artifactsDir: '/tmp/x', secrets: {}, signal: new AbortController().signal, hooks, maxParallelJobs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const paths = (err as InputError).problems.map((q) => q.path);
    expect(paths).toEqual(['checkoutDir', 'maxParallelJobs', 'pipeline.jobs[0].needs[0]', 'pipeline.jobs[1].steps[0]']);
    expect((err as InputError).message).toContain('pipeline.jobs[0].needs[0]: expected the id of a job in this pipeline, found "nope"');
  });
});

describe('processes', () => {
  it('kills the whole process group and escaped daemons when a step times out', async () => {
    const ev = h.evidence;
    const r = await h.run(
      pipeline([
        job(
          'slow',
          [
            step('step-1', {
              run: [
                `sleep 300 & echo $! > "${ev}/bg.pid"`,
                `nohup sleep 300 > /dev/null 2>&1 & echo $! > "${ev}/nohup.pid"`,
                // A new session: out of reach of the process group; the /proc sweep finds it by GANTRY_RUN_ID.
                `setsid sh -c 'sleep 300 & echo $! > "${ev}/escaped.pid"; wait' > /dev/null 2>&1 &`,
                `while [ ! -s "${ev}/escaped.pid" ]; do sleep 0.05; done`,
                'echo ready',
                'sleep 300',
              ].join('\n'),
              timeoutMs: 3000,
            }),
            step('step-2', { run: 'echo never' }),
          ],
        ),
      ]),
    );
    expect(r.rec.step('slow', 'step-1')).toMatchObject({ status: 'timed_out', info: { reason: 'exceeded its 3s timeout' } });
    expect(r.rec.step('slow', 'step-2')?.status).toBe('skipped');
    expect(r.rec.job('slow')).toMatchObject({ status: 'failed', info: { reason: 'step-1 (sleep 300 & echo $! > "' + ev + '/bg.pid") exceeded its 3s timeout' } });
    expect(r.rec.log('slow', 'step-1')).toContain('ready\n');
    expect(r.rec.log('slow', 'step-1')).toContain('[gantry] exceeded its 3s timeout: stopped the step and every process it started');
    for (const f of ['bg.pid', 'nohup.pid', 'escaped.pid']) {
      const pid = readNumber(path.join(ev, f));
      expect(pid, f).toBeGreaterThan(1);
      expect(isAlive(pid), `${f} (${pid}) is still running`).toBe(false);
    }
  });

  it('kills daemons a step left behind when it succeeds', async () => {
    const ev = h.evidence;
    const r = await h.run(pipeline([job('leaver', [step('step-1', { run: `sleep 300 & echo $! > "${ev}/left.pid"; echo done` })])]));
    expect(r.status).toBe('succeeded');
    expect(isAlive(readNumber(path.join(ev, 'left.pid')))).toBe(false);
  });

  it('fails a job that exceeds its own timeout', async () => {
    const r = await h.run(pipeline([job('long', [step('step-1', { run: 'sleep 300' }), step('step-2', { run: 'true' })], { timeoutMs: 2000 })]));
    expect(r.rec.step('long', 'step-1')).toMatchObject({ status: 'timed_out', info: { reason: 'the job exceeded its 2s timeout' } });
    expect(r.rec.step('long', 'step-2')).toMatchObject({ status: 'skipped', info: { reason: 'the job exceeded its 2s timeout' } });
    expect(r.rec.job('long')).toMatchObject({ status: 'failed', info: { reason: 'exceeded its 2s timeout' } });
  });

  it('cancels mid-step: kills the step, marks running and waiting work cancelled', async () => {
    const ev = h.evidence;
    const cancel = new AbortController();
    const { hooks, rec } = recorder();
    const onLog = hooks.onLog;
    hooks.onLog = (jobId, stepId, chunk) => {
      onLog(jobId, stepId, chunk);
      if (chunk.includes('started')) cancel.abort();
    };
    const r = await h.run(
      pipeline([
        job('work', [step('step-1', { run: `sleep 300 & echo $! > "${ev}/cancel.pid"; echo started; sleep 300` }), step('step-2', { run: 'true' })]),
        job('after', [step('step-1', { run: 'true' })], { needs: ['work'] }),
      ]),
      { signal: cancel.signal, hooks },
    );
    expect(r.status).toBe('cancelled');
    expect(r.jobs).toEqual({ work: 'cancelled', after: 'cancelled' });
    expect(rec.step('work', 'step-1')).toMatchObject({ status: 'cancelled', info: { reason: 'the run was cancelled' } });
    expect(rec.step('work', 'step-2')?.status).toBe('cancelled');
    expect(rec.job('after')?.info.reason).toBe('the run was cancelled');
    expect(isAlive(readNumber(path.join(ev, 'cancel.pid')))).toBe(false);
  });
});

describe('environment and secrets', () => {
  it('gives steps a minimal environment: none of the platform own variables', async () => {
    process.env.DATABASE_URL = 'postgres://platform:hunter22@db/leak';
    process.env.GANTRY_ADMIN_TOKEN = 'platform-token';
    try {
      const out = path.join(h.evidence, 'env.txt');
      const r = await h.run(
        pipeline(
          [
            job(
              'envy (node=20)',
              [
                step('step-1', {
                  run: `env > "${out}"; echo "node ${'${{ matrix.node }}'} on ${'${{ branch }}'} at ${'${{ sha }}'} for ${'${{ event }}'} in ${'${{ job.id }}'}"`,
                  env: { LEVEL: 'step', STEP_ONLY: 'run ${{ run.id }}' },
                }),
              ],
              { env: { LEVEL: 'job', JOB_ONLY: 'yes' }, matrix: { node: '20' } },
            ),
          ],
          { env: { LEVEL: 'pipeline', PIPELINE_ONLY: 'yes' } },
        ),
      );
      expect(r.status).toBe('succeeded');
      const env = Object.fromEntries(
        readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.GANTRY_ADMIN_TOKEN).toBeUndefined();
      expect(env).toMatchObject({
        CI: 'true',
        LANG: 'C.UTF-8',
        LEVEL: 'step',
        PIPELINE_ONLY: 'yes',
        JOB_ONLY: 'yes',
        STEP_ONLY: `run ${r.ctx.runId}`,
        MATRIX_NODE: '20',
        GANTRY_RUN_ID: r.ctx.runId,
        GANTRY_JOB_ID: 'envy (node=20)',
        GANTRY_SHA: r.ctx.sha,
        GANTRY_BRANCH: 'main',
      });
      expect(env.HOME).toMatch(/work-\d+\/home$/);
      expect(r.rec.log('envy (node=20)', 'step-1')).toBe(`node 20 on main at ${r.ctx.sha} for push in envy (node=20)\n`);
    } finally {
      delete process.env.DATABASE_URL;
      delete process.env.GANTRY_ADMIN_TOKEN;
    }
  });

  it('never lets a branch name run as code', async () => {
    const marker = path.join(h.evidence, 'pwned');
    const branch = `feat/$(touch ${marker})`;
    const r = await h.run(pipeline([job('j', [step('step-1', { run: 'echo "on ${{ branch }}"' })])]), { ctx: { branch } });
    expect(r.status).toBe('succeeded');
    expect(r.rec.log('j', 'step-1')).toBe(`on ${branch}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('masks secrets in output, also split across chunks and in env dumps, and keeps them out of argv', async () => {
    const secret = 's3cr3t-value-123';
    const cmdline = path.join(h.evidence, 'cmdline');
    const r = await h.run(
      pipeline([
        job('masked', [
          step('step-1', {
            env: { TOKEN: { secret: 'API_TOKEN' }, SHORT: { secret: 'SHORT' } },
            run: [
              'echo "token=$TOKEN"',
              'env | grep TOKEN',
              `tr '\\0' ' ' < /proc/$$/cmdline > "${cmdline}"`,
              // Two writes with a pause: two reads on our side, the secret split between them.
              'printf "split=s3cr3t-"; sleep 0.3; printf "value-123\\n"',
              'echo "short=$SHORT"',
            ].join('\n'),
          }),
        ]),
      ]),
      { secrets: { API_TOKEN: secret, SHORT: 'abc' } },
    );
    expect(r.status).toBe('succeeded');
    const log = r.rec.log('masked', 'step-1');
    expect(log).not.toContain(secret);
    expect(log).not.toContain('value-123');
    expect(log).toContain('token=***\n');
    expect(log).toContain('TOKEN=***\n');
    expect(log).toContain('split=***\n');
    // Shorter than 4 characters: not masked (it would garble every log).
    expect(log).toContain('short=abc\n');
    expect(readFileSync(cmdline, 'utf8')).not.toContain(secret);
  });

  it('fails a step whose secret the run does not have, naming it', async () => {
    const r = await h.run(pipeline([job('j', [step('step-1', { run: 'true', env: { T: { secret: 'MISSING' } } })])]));
    expect(r.rec.step('j', 'step-1')).toMatchObject({ status: 'failed', info: { reason: 'jobs.j.steps.step-1.env.T: the secret "MISSING" is not available to this run' } });
  });

  it('keeps workingDirectory inside the workspace', async () => {
    const r = await h.run(
      pipeline([
        job('ok', [step('step-1', { run: 'cat index.html', workingDirectory: 'web' })]),
        job('escape', [step('step-1', { run: 'pwd', workingDirectory: '../..' })]),
      ]),
    );
    expect(r.rec.log('ok', 'step-1')).toBe('<h1>hi</h1>\n');
    expect(r.rec.step('escape', 'step-1')).toMatchObject({
      status: 'failed',
      info: { reason: 'workingDirectory: expected a path inside the job workspace, found "../.." (it leaves it)' },
    });
  });
});

describe('output cap', () => {
  it('caps 1 GB of output at 5 MiB with one notice, keeps memory bounded and lets the step finish', async () => {
    let peakRss = 0;
    const { hooks, rec } = recorder();
    const onLog = hooks.onLog;
    hooks.onLog = (jobId, stepId, chunk) => {
      onLog(jobId, stepId, chunk);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    };
    const before = process.memoryUsage().rss;
    const marker = path.join(h.evidence, 'big.done');
    const r = await h.run(pipeline([job('big', [step('step-1', { run: `yes | head -c 1G\ntouch "${marker}"` })])]), { hooks });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    expect(r.status).toBe('succeeded');
    expect(existsSync(marker)).toBe(true);
    const log = rec.log('big', 'step-1');
    const notice = '[gantry] output truncated after 5 MiB; the step keeps running\n';
    expect(log.endsWith(notice)).toBe(true);
    expect(log.split('[gantry]').length - 1).toBe(1);
    expect(Buffer.byteLength(log)).toBe(5 * 1024 * 1024 + notice.length);
    expect(log.startsWith('y\ny\n')).toBe(true);
    // Nowhere near the 1 GiB that went through the pipe.
    expect(peakRss - before).toBeLessThan(200 * 1024 * 1024);
  }, 180_000);
});

describe('cache and artifacts', () => {
  it('misses, saves, then restores the cache on the next run', async () => {
    const installer = [
      'if [ -f node_modules/left-pad/index.js ]; then echo "restored: $(cat node_modules/left-pad/index.js)"',
      'else mkdir -p node_modules/left-pad && echo "module.exports = 42" > node_modules/left-pad/index.js && echo installed; fi',
    ].join('\n');
    const p = pipeline([job('install', [step('step-1', { run: installer })], { cache: { keyFiles: ['package-lock.json'], prefix: 'npm', paths: ['node_modules', 'not-there'] } })]);
    const first = await h.run(p);
    expect(first.status).toBe('succeeded');
    expect(first.rec.job('install')?.info.cacheHit).toBe(false);
    expect(first.rec.log('install', 'step-1')).toBe('installed\n');
    const archives = readdirSync(h.cacheDir);
    expect(archives).toHaveLength(1);
    expect(archives[0]).toMatch(/^npm-[0-9a-f]{64}\.tar$/);
    expect(first.rec.log('install', 'job')).toContain(`cache saved: ${archives[0]!.replace(/\.tar$/, '')} (node_modules)`);

    const second = await h.run(p);
    expect(second.status).toBe('succeeded');
    expect(second.rec.job('install')?.info.cacheHit).toBe(true);
    expect(second.rec.log('install', 'step-1')).toBe('restored: module.exports = 42\n');
    expect(readdirSync(h.cacheDir)).toEqual(archives);

    // Another matrix value is another key.
    const other = await h.run(pipeline([job('install (node=22)', [step('step-1', { run: installer })], { matrix: { node: '22' }, cache: { keyFiles: ['package-lock.json'], prefix: 'npm', paths: ['node_modules'] } })]));
    expect(other.rec.job('install (node=22)')?.info.cacheHit).toBe(false);
  });

  it('rejects cache paths outside the workspace', async () => {
    const r = await h.run(pipeline([job('bad', [step('step-1', { run: 'true' })], { cache: { keyFiles: [], paths: ['../outside'] } })]));
    expect(r.rec.job('bad')).toMatchObject({ status: 'failed', info: { reason: 'cache.paths[0]: expected a path inside the job workspace, found "../outside" (it leaves it)' } });
  });

  it('stores artifacts with their size and sha256, and not symbolic links', async () => {
    const r = await h.run(
      pipeline([
        job('build', [step('step-1', { run: 'mkdir -p dist/sub && echo hello > dist/app.js && seq 1 1000 > dist/sub/data.txt && ln -s /etc/passwd dist/passwd' })], {
          artifacts: { paths: ['dist/**'] },
        }),
        job('failing', [step('step-1', { run: 'mkdir dist && echo x > dist/a; exit 1' })], { artifacts: { paths: ['dist/**'] } }),
      ]),
    );
    expect(r.jobs).toEqual({ build: 'succeeded', failing: 'failed' });
    const stored = r.rec.artifacts.filter((a) => a.jobId === 'build').map((a) => a.a);
    expect(stored.map((a) => a.path)).toEqual(['dist/app.js', 'dist/sub/data.txt']);
    for (const a of stored) {
      const content = readFileSync(a.storedAt);
      expect(a.storedAt).toBe(path.join(h.artifactsDir, 'build', a.path));
      expect(a.size).toBe(content.length);
      expect(a.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    }
    expect(readFileSync(stored[0]!.storedAt, 'utf8')).toBe('hello\n');
    // dist/passwd (a link to /etc/passwd) is not among them: links are never followed or stored.
    expect(existsSync(path.join(h.artifactsDir, 'build', 'dist', 'passwd'))).toBe(false);
    expect(r.rec.log('build', 'job')).toContain(`stored 2 artifacts in ${path.join(h.artifactsDir, 'build')}`);
    expect(r.rec.artifacts.filter((a) => a.jobId === 'failing')).toEqual([]);
  });
});

/**
 * Pipelines (issue #4): the runner's overhead per step against `sh -c` of the same command, a 100-job DAG,
 * 10 runs at once, and what a cache hit saves for the node-service pipeline's test job. The runner library is
 * driven directly (no store or HTTP in the way) with real processes, a real git checkout and the system tar.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { renderString } from '../../src/golden-paths/index.js';
import { model } from '../../src/pipelines/index.js';
import type { EffectivePipeline, Job, Step } from '../../src/pipelines/model/types.js';
import { runPipeline } from '../../src/pipelines/runner/index.js';
import { fmtMs, printTable, summarise } from '../stats.js';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' };

function checkoutOf(files: Record<string, string>): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-checkout-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['add', '-A'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'bench'], { cwd: dir, env: GIT_ENV });
  return { dir, sha: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim() };
}

const step = (id: string, run: string): Step => ({ id, name: id, run, env: {}, timeoutMs: 600_000 });
const job = (id: string, steps: Step[], needs: string[] = []): Job => ({ id, name: id, needs, runsOn: [], timeoutMs: 3_600_000, env: {}, steps, required: false, origin: 'bench' });
const pipelineOf = (jobs: Job[]): EffectivePipeline => ({ name: 'bench', on: { manual: true }, env: {}, jobs });

async function runOnce(p: EffectivePipeline, checkoutDir: string, sha: string, cacheDir: string, parallel = 2): Promise<{ ms: number; status: string; cacheHits: number }> {
  const work = mkdtempSync(join(tmpdir(), 'gantry-bench-run-'));
  let cacheHits = 0;
  const t0 = performance.now();
  try {
    const r = await runPipeline({
      pipeline: p,
      ctx: { runId: `bench-${Math.random().toString(16).slice(2)}`, event: 'manual', branch: 'main', sha },
      checkoutDir,
      workDir: join(work, 'work'),
      cacheDir,
      artifactsDir: join(work, 'artifacts'),
      secrets: {},
      maxParallelJobs: parallel,
      signal: new AbortController().signal,
      hooks: {
        onJob: (_j, status, info) => {
          if (status !== 'running' && info.cacheHit) cacheHits++;
        },
        onStep: () => {},
        onLog: () => {},
      },
    });
    return { ms: performance.now() - t0, status: r.status, cacheHits };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function shC(cmd: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn('sh', ['-e', '-c', cmd], { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', () => resolve(performance.now() - t0));
  });
}

/** Renders the node-service skeleton the way fetch:template does (for the cache benchmark). */
function renderNodeService(): Record<string, string> {
  const root = join(import.meta.dirname, '..', '..', 'templates', 'node-service', 'skeleton');
  const values = { name: 'bench-api', description: 'Benchmark service', owner: 'group:default/payments-core', tier: 'tier-2', port: 8080 };
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const abs = join(d, e);
      if (statSync(abs).isDirectory()) walk(abs);
      else {
        const rel = relative(root, abs).split('/').map((s) => renderString(s, { values })).join('/');
        if (!rel.split('/').some((s) => s.trim() === '')) out[rel] = renderString(readFileSync(abs, 'utf8'), { values });
      }
    }
  };
  walk(root);
  return out;
}

export async function runPipelinesBench(opts: { cache?: boolean } = {}): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  const cacheDir = mkdtempSync(join(tmpdir(), 'gantry-bench-cache-'));
  const small = checkoutOf({ 'README.md': '# bench\n' });
  try {
    // Overhead per step: 50 steps of `true` in one job against 50 `sh -e -c true` spawned one after another.
    const n = 50;
    await runOnce(pipelineOf([job('warm', [step('step-1', 'true')])]), small.dir, small.sha, cacheDir);
    const perStep: number[] = [];
    const base: number[] = [];
    for (let round = 0; round < 5; round++) {
      const r = await runOnce(pipelineOf([job('steps', Array.from({ length: n }, (_, i) => step(`step-${i + 1}`, 'true')))]), small.dir, small.sha, cacheDir);
      const single = await runOnce(pipelineOf([job('steps', [step('step-1', 'true')])]), small.dir, small.sha, cacheDir);
      perStep.push((r.ms - single.ms) / (n - 1));
      for (let i = 0; i < n; i++) base.push(await shC('true'));
    }
    const s = summarise(perStep);
    const b = summarise(base);
    rows.push(['one step (`true`), runner, per step', fmtMs(s.p50), fmtMs(s.max), '']);
    rows.push(['`sh -e -c true` spawned alone', fmtMs(b.p50), fmtMs(b.p90), '']);
    rows.push(['runner overhead per step (median)', fmtMs(s.p50 - b.p50), '', 'target < 30 ms']);

    // A 100-job DAG: 10 layers of 10 jobs, each job needing two jobs of the layer before.
    const jobs: Job[] = [];
    for (let layer = 0; layer < 10; layer++) {
      for (let k = 0; k < 10; k++) {
        const needs = layer === 0 ? [] : [`j${layer - 1}-${k}`, `j${layer - 1}-${(k + 1) % 10}`];
        jobs.push(job(`j${layer}-${k}`, [step('step-1', 'true')], needs));
      }
    }
    const dag = await runOnce(pipelineOf(jobs), small.dir, small.sha, cacheDir, 2);
    rows.push(['100-job DAG (10 layers), 2 jobs at a time', fmtMs(dag.ms), '', `${dag.status}; ${fmtMs(dag.ms / 100)} per job`]);

    // 10 runs at once, each 3 jobs (a -> b, c) of 2 steps.
    const three = pipelineOf([job('a', [step('step-1', 'true'), step('step-2', 'echo x')]), job('b', [step('step-1', 'true'), step('step-2', 'true')], ['a']), job('c', [step('step-1', 'true'), step('step-2', 'true')], ['a'])]);
    const t0 = performance.now();
    const par = await Promise.all(Array.from({ length: 10 }, () => runOnce(three, small.dir, small.sha, cacheDir)));
    const wall = performance.now() - t0;
    const ps = summarise(par.map((p) => p.ms));
    rows.push(['10 runs at once (3 jobs, 6 steps each)', fmtMs(ps.p50), fmtMs(ps.max), `wall ${fmtMs(wall)}; ${par.filter((p) => p.status !== 'succeeded').length} failed`]);

    if (opts.cache !== false) {
      // The node-service pipeline's test job, cold then with its cache (node_modules keyed on package.json).
      const files = renderNodeService();
      const nodeCheckout = checkoutOf(files);
      const effective = model.resolvePipelineText(files['.gantry/pipeline.yaml']!, '.gantry/pipeline.yaml');
      const testJob = effective.pipeline?.jobs.find((j) => j.id === 'test');
      if (testJob) {
        const p = pipelineOf([{ ...testJob, needs: [], cache: testJob.cache ? { ...testJob.cache, keyFiles: ['package.json'] } : undefined }]);
        const cold = await runOnce(p, nodeCheckout.dir, nodeCheckout.sha, cacheDir);
        const warm = await runOnce(p, nodeCheckout.dir, nodeCheckout.sha, cacheDir);
        rows.push(['node-service `test` job, cache miss (npm install)', fmtMs(cold.ms), '', cold.status]);
        rows.push(['node-service `test` job, cache hit', fmtMs(warm.ms), '', `${warm.status}; ${warm.cacheHits} hit; ${(cold.ms / warm.ms).toFixed(1)}x faster`]);
      }
      rmSync(nodeCheckout.dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(small.dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
  printTable('Pipeline runner (real processes; 2 cores)', ['what', 'median / time', 'max / p90', 'notes'], rows);
}


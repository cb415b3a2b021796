import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, job, pipeline, recorder, scratch, step, type Harness } from './fixtures/runner/harness.js';

/**
 * A full disk, for real. `/dev/full` fails every write with ENOSPC: a step writing to it, and a hook writing
 * the log to it. For the runner's own writes (cache archive, artifacts) the target directory is a tiny tmpfs
 * (256 KiB), which needs root to mount (CI runs as root); where that is not allowed those tests are skipped.
 */
let h: Harness;
let tiny = '';
let mounted = false;

beforeAll(() => {
  h = harness({ 'README.md': '# disk full\n' });
  tiny = path.join(scratch('tiny'), 'fs');
  mkdirSync(tiny);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', tiny], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', [tiny]);
  rmSync(path.dirname(tiny), { recursive: true, force: true });
  h.cleanup();
});

/** Makes 2 MiB of incompressible data under `dir`: more than the tiny file system holds. */
const makeBlob = (dir: string) => `mkdir -p ${dir} && head -c 2097152 /dev/urandom > ${dir}/blob`;

const reasonOf = (r: Awaited<ReturnType<Harness['run']>>, jobId: string) => r.rec.job(jobId)?.info.reason ?? '';

describe('a full disk', () => {
  it('fails the job with the disk-full reason when a step hits ENOSPC', async () => {
    const r = await h.run(pipeline([job('writer', [step('step-1', { run: 'echo building; cat README.md > /dev/full' })])]));
    expect(r.status).toBe('failed');
    expect(r.rec.log('writer', 'step-1')).toContain('No space left on device');
    expect(r.rec.step('writer', 'step-1')).toMatchObject({ status: 'failed', info: { exitCode: 1 } });
    expect(reasonOf(r, 'writer')).toBe(`the runner's disk is full (ENOSPC in the step: its output says "No space left on device")`);
  });

  it('fails the job when the log cannot be written (a hook writing to a full disk)', async () => {
    const { hooks, rec } = recorder();
    const full = openSync('/dev/full', 'w');
    try {
      hooks.onLog = (_job, _step, chunk) => void writeSync(full, chunk);
      const r = await h.run(pipeline([job('logger', [step('step-1', { run: 'echo hello' }), step('step-2', { run: 'true' })])]), { hooks });
      expect(r.status).toBe('failed');
      expect(rec.job('logger')?.info.reason).toBe(`the runner's disk is full (ENOSPC while recording the job's progress)`);
      expect(rec.step('logger', 'step-1')).toMatchObject({ status: 'failed', info: { reason: `the runner's disk is full (ENOSPC while recording the step's output)` } });
      expect(rec.step('logger', 'step-2')).toMatchObject({ status: 'skipped' });
    } finally {
      closeSync(full);
    }
  });

  it.skipIf(process.getuid?.() !== 0)('fails the job when the cache archive does not fit, and leaves no partial archive', async () => {
    if (!mounted) throw new Error('mounting a tmpfs failed although running as root');
    const cacheDir = path.join(tiny, 'cache');
    const r = await h.run(pipeline([job('cached', [step('step-1', { run: makeBlob('node_modules') })], { cache: { keyFiles: ['README.md'], paths: ['node_modules'] } })]), { cacheDir });
    expect(r.status).toBe('failed');
    expect(reasonOf(r, 'cached')).toMatch(/^the runner's disk is full \(ENOSPC while saving the cache: tar: .*(Wrote only \d+ of \d+ bytes|No space left on device)/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('fails the job when an artifact does not fit', async () => {
    if (!mounted) throw new Error('mounting a tmpfs failed although running as root');
    const artifactsDir = path.join(tiny, 'artifacts');
    const r = await h.run(pipeline([job('build', [step('step-1', { run: makeBlob('dist') })], { artifacts: { paths: ['dist/**'] } })]), { artifactsDir });
    expect(r.status).toBe('failed');
    expect(reasonOf(r, 'build')).toBe(`the runner's disk is full (ENOSPC while storing the artifact dist/blob)`);
    expect(r.rec.artifacts).toEqual([]);
  });
});

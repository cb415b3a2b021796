import { describe, expect, it } from 'vitest';
import { resolvePipeline, resolvePipelineText, type ResolveOptions } from './effectivePipeline.js';
import { parsePipelineFile, parseStandardPipelineFile } from './parsePipeline.js';
import { standardLookup, type StandardLookup } from './standards.js';

const FILE = '.gantry/pipeline.yaml';

/** A small standard with a required and an optional job, for the merge rules. */
function testStandards(): StandardLookup {
  const parsed = parseStandardPipelineFile(
    [
      'name: svc',
      'env: { LEVEL: standard, KEEP: yes }',
      'jobs:',
      '  scan:',
      '    required: true',
      '    reason: every service is scanned (SEC-3)',
      '    steps: [{ uses: gantry/secret-scan@1 }]',
      '  lint:',
      '    steps: [{ run: make lint }]',
      '  test:',
      '    required: true',
      '    reason: tests gate every change',
      '    needs: [lint]',
      '    env: { A: standard }',
      '    steps: [{ run: make test }]',
    ].join('\n'),
    'standard/svc@1.yaml',
  );
  expect(parsed.problems).toEqual([]);
  return standardLookup([{ ref: 'gantry/svc@1', pipeline: parsed.pipeline! }]);
}

function resolve(lines: string[], opts: ResolveOptions = {}) {
  const parsed = parsePipelineFile(lines.join('\n'), FILE);
  expect(parsed.problems).toEqual([]);
  return resolvePipeline(parsed.pipeline!, { standards: testStandards(), locate: parsed.locate, ...opts });
}

function errorsOf(lines: string[], opts: ResolveOptions = {}) {
  const r = resolve(lines, opts);
  expect(r.pipeline).toBeUndefined();
  return r.problems;
}

describe('resolvePipeline: extends', () => {
  it('merges a team file into the standard: steps appended, env by key, needs added, settings replaced', () => {
    const { pipeline, problems } = resolve([
      'extends: gantry/svc@1',
      'env: { LEVEL: team }',
      'jobs:',
      '  test:',
      '    timeout: 15m',
      '    runsOn: [linux]',
      '    env: { B: team }',
      '    needs: [scan]',
      '    steps: [{ run: make e2e }]',
      '  deploy:',
      '    needs: [test]',
      '    steps: [{ run: ./deploy.sh }]',
    ]);
    expect(problems).toEqual([]);
    expect(pipeline!.env).toEqual({ LEVEL: 'team', KEEP: 'yes' });
    expect(pipeline!.extends).toBe('gantry/svc@1');
    const test = pipeline!.jobs.find((j) => j.id === 'test')!;
    expect(test).toMatchObject({
      required: true,
      reason: 'tests gate every change',
      origin: 'gantry/svc@1',
      timeoutMs: 15 * 60_000,
      runsOn: ['linux'],
      env: { A: 'standard', B: 'team' },
      needs: ['lint', 'scan'],
    });
    expect(test.steps.map((s) => [s.id, s.run])).toEqual([
      ['step-1', 'make test'],
      ['step-2', 'make e2e'],
    ]);
    expect(pipeline!.jobs.find((j) => j.id === 'deploy')).toMatchObject({ required: false, origin: FILE });
    expect(pipeline!.jobs.map((j) => j.id)).toEqual(['scan', 'lint', 'test', 'deploy']);
  });

  it('rejects removing a required job, either way, naming the job, the standard and its reason', () => {
    const byNull = errorsOf(['extends: gantry/svc@1', 'jobs:', '  scan: null']);
    expect(byNull).toHaveLength(1);
    expect(byNull[0]).toMatchObject({ code: 'required_job', path: 'jobs.scan', position: { file: FILE, line: 3, column: 9 } });
    expect(byNull[0]?.message).toBe(
      'jobs.scan: job scan is required by gantry/svc@1 (reason: every service is scanned (SEC-3)); it cannot be removed',
    );

    const byRemove = errorsOf(['extends: gantry/svc@1', 'remove: [scan]']);
    expect(byRemove.map((p) => [p.path, p.position?.column])).toEqual([['remove[0]', 10]]);
    expect(byRemove[0]?.message).toContain('job scan is required by gantry/svc@1 (reason: every service is scanned (SEC-3))');
  });

  it('rejects making a required job conditional', () => {
    const problems = errorsOf(['extends: gantry/svc@1', 'jobs:', '  test:', '    if: { branches: [main] }']);
    expect(problems[0]).toMatchObject({ code: 'required_job', path: 'jobs.test.if', position: { line: 4, column: 5 } });
    expect(problems[0]?.message).toBe(
      'jobs.test.if: job test is required by gantry/svc@1 (reason: tests gate every change); its if cannot be set',
    );
  });

  it('removes an optional standard job, and then what needs it is an unknown need', () => {
    const { pipeline } = resolve(['extends: gantry/svc@1', 'remove: [lint]', 'jobs:', '  test: { needs: [] }']);
    // `needs: []` adds nothing: the standard's need of lint stays, and lint is gone.
    expect(pipeline).toBeUndefined();
    const problems = errorsOf(['extends: gantry/svc@1', 'remove: [lint]']);
    expect(problems[0]?.message).toBe('jobs.test.needs[0]: expected a job of this pipeline (scan, test), found "lint" (in gantry/svc@1)');
  });

  it('refuses removing what is not a standard job', () => {
    expect(errorsOf(['extends: gantry/svc@1', 'remove: [deploy]'])[0]?.message).toBe(
      'remove[0]: expected a job of gantry/svc@1 to remove (scan, lint, test), found "deploy"',
    );
    expect(errorsOf(['jobs:', '  a: { steps: [{ run: x }] }', '  b: null'])[0]?.message).toBe(
      'jobs.b: expected a null job only in a file with extends (it removes a job of the standard pipeline)',
    );
  });

  it('lists the known standard pipelines when extends names an unknown one', () => {
    const problems = errorsOf(['extends: gantry/svc@2']);
    expect(problems).toEqual([
      {
        code: 'unknown_extends',
        path: 'extends',
        message: 'extends: unknown standard pipeline "gantry/svc@2"; expected one of: gantry/svc@1',
        position: { file: FILE, line: 1, column: 10 },
        severity: 'error',
      },
    ]);
  });

  it('warns when a team step repeats a standard step of the same job', () => {
    const { pipeline, problems } = resolve(['extends: gantry/svc@1', 'jobs:', '  test:', '    steps: [{ run: make test }]']);
    expect(pipeline).toBeDefined();
    expect(problems).toEqual([
      expect.objectContaining({ code: 'duplicate_step', severity: 'warning', path: 'jobs.test.steps[0]', position: expect.objectContaining({ line: 4 }) }),
    ]);
  });
});

describe('resolvePipeline: needs', () => {
  it('rejects a need of an unknown job, listing the jobs', () => {
    const problems = errorsOf(['jobs:', '  a: { steps: [{ run: x }] }', '  b: { needs: [a, c], steps: [{ run: x }] }']);
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'unknown_job',
        path: 'jobs.b.needs[1]',
        message: 'jobs.b.needs[1]: expected a job of this pipeline (a, b), found "c"',
        position: { file: FILE, line: 3, column: 19 },
      }),
    ]);
  });

  it('names each needs cycle', () => {
    const problems = errorsOf([
      'jobs:',
      '  test: { needs: [build], steps: [{ run: x }] }',
      '  build: { needs: [test], steps: [{ run: x }] }',
      '  a: { needs: [b], steps: [{ run: x }] }',
      '  b: { needs: [c], steps: [{ run: x }] }',
      '  c: { needs: [a], steps: [{ run: x }] }',
      '  self: { needs: [self], steps: [{ run: x }] }',
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'jobs.test.needs[0]: needs form a cycle: test -> build -> test',
      'jobs.a.needs[0]: needs form a cycle: a -> b -> c -> a',
      'jobs.self.needs[0]: needs form a cycle: self -> self',
    ]);
    expect(problems.every((p) => p.code === 'needs_cycle' && p.position)).toBe(true);
  });

  it('puts every job after the jobs it needs, keeping file order otherwise', () => {
    const { pipeline } = resolve([
      'jobs:',
      '  deploy: { needs: [build, test], steps: [{ run: x }] }',
      '  build: { needs: [test], steps: [{ run: x }] }',
      '  lint: { steps: [{ run: x }] }',
      '  test: { steps: [{ run: x }] }',
    ]);
    expect(pipeline!.jobs.map((j) => j.id)).toEqual(['lint', 'test', 'build', 'deploy']);
  });
});

describe('resolvePipeline: matrix and expressions', () => {
  it('expands a matrix into one job per combination and needs into all of them', () => {
    const { pipeline, problems } = resolve([
      'jobs:',
      '  test:',
      '    name: Unit tests',
      '    matrix: { node: ["20", "22"], os: [linux, mac] }',
      '    runsOn: ["${{ matrix.os }}"]',
      '    env: { NODE: "${{ matrix.node }}" }',
      '    cache: { key: [package-lock.json], paths: [node_modules] }',
      '    steps:',
      '      - run: echo "node ${{ matrix.node }} on ${{ branch }} at ${{ sha }}"',
      '  build:',
      '    needs: [test]',
      '    steps: [{ run: make }]',
    ]);
    expect(problems).toEqual([]);
    const ids = pipeline!.jobs.map((j) => j.id);
    expect(ids).toEqual([
      'test (node=20, os=linux)',
      'test (node=20, os=mac)',
      'test (node=22, os=linux)',
      'test (node=22, os=mac)',
      'build',
    ]);
    const first = pipeline!.jobs[0]!;
    expect(first).toMatchObject({
      name: 'Unit tests (node=20, os=linux)',
      matrix: { node: '20', os: 'linux' },
      runsOn: ['linux'],
      env: { NODE: '20' },
      cache: { keyFiles: ['package-lock.json'], paths: ['node_modules'] },
    });
    expect(first.steps[0]?.run).toBe('echo "node 20 on ${{ branch }} at ${{ sha }}"');
    expect(first.steps[0]?.name).toBe('echo "node 20 on ${{ branch }} at ${{ sha }}"');
    expect(pipeline!.jobs[4]?.needs).toEqual(ids.slice(0, 4));
  });

  it('uses a name with matrix expressions as it is', () => {
    const { pipeline } = resolve(['jobs:', '  t:', '    name: "node ${{ matrix.v }}"', '    matrix: { v: ["1"] }', '    steps: [{ run: x }]']);
    expect(pipeline!.jobs[0]).toMatchObject({ id: 't (v=1)', name: 'node 1' });
  });

  it('rejects unknown expressions and run-time ones where they cannot be filled in', () => {
    const problems = errorsOf([
      'jobs:',
      '  a:',
      '    matrix: { node: ["20"] }',
      '    steps:',
      '      - run: echo ${{ matrix.nod }} ${{ secrets.TOKEN }}',
      '      - run: x',
      '        workingDirectory: "${{ branch }}"',
      '  b:',
      '    steps: [{ run: "echo ${{ matrix.node }}" }]',
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'jobs.a.steps[0].run: expected a matrix key of this job (node), found ${{ matrix.nod }}',
      'jobs.a.steps[0].run: expected an expression among matrix.<key>, branch, sha, event, run.id, job.id (secrets go in env as { secret: NAME }), found ${{ secrets.TOKEN }}',
      'jobs.a.steps[1].workingDirectory: expected only matrix.* expressions here (run-time values go in run or env), found ${{ branch }}',
      'jobs.b.steps[0].run: expected no matrix expression (the job has no matrix), found ${{ matrix.node }}',
    ]);
    expect(problems[0]?.position).toEqual({ file: FILE, line: 5, column: 14 });
  });

  it('checks paths again once matrix values are in them', () => {
    const problems = errorsOf(['jobs:', '  a:', '    matrix: { dir: [web, ..] }', '    steps: [{ run: x, workingDirectory: "${{ matrix.dir }}" }]']);
    expect(problems.map((p) => p.message)).toEqual([
      'jobs.a.steps[0].workingDirectory: expected a path inside the checkout, found ".." (after matrix values)',
    ]);
  });
});

describe('resolvePipeline: defaults', () => {
  it('fills in timeouts, step ids and names, triggers and the name', () => {
    const { pipeline } = resolve(['jobs:', '  a:', '    steps:', '      - run: |', '          npm ci', '          npm test', '      - uses: gantry/policy-gate@1', '        timeout: 90s'], {
      defaultName: 'orders-api',
    });
    expect(pipeline).toEqual({
      name: 'orders-api',
      on: { push: {}, manual: true },
      env: {},
      jobs: [
        {
          id: 'a',
          name: 'a',
          needs: [],
          runsOn: [],
          timeoutMs: 30 * 60_000,
          env: {},
          required: false,
          origin: FILE,
          steps: [
            { id: 'step-1', name: 'npm ci', run: 'npm ci\nnpm test\n', env: {}, timeoutMs: 10 * 60_000 },
            { id: 'step-2', name: 'gantry/policy-gate@1', uses: 'gantry/policy-gate@1', env: {}, timeoutMs: 90_000 },
          ],
        },
      ],
    });
  });

  it('takes only the triggers listed when on is given', () => {
    expect(resolve(['on: { manual: true }', 'jobs: { a: { steps: [{ run: x }] } }']).pipeline?.on).toEqual({ manual: true });
    expect(resolve(['on:', '  push:', 'jobs: { a: { steps: [{ run: x }] } }']).pipeline?.on).toEqual({ push: {}, manual: false });
    expect(errorsOf(['on: {}', 'jobs: { a: { steps: [{ run: x }] } }'])[0]?.message).toBe(
      'on: expected at least one trigger (push, or manual: true), found none',
    );
  });

  it('rejects a job that ends up with no steps', () => {
    const problems = errorsOf(['jobs:', '  a: { name: empty }']);
    expect(problems[0]).toMatchObject({ code: 'missing_steps', path: 'jobs.a', position: { line: 2, column: 3 } });
  });
});

describe('resolvePipelineText', () => {
  it('parses and resolves against the built-in standard pipelines', () => {
    const r = resolvePipelineText('extends: gantry/node-service@1\nname: orders-api CI\n', FILE);
    expect(r.problems).toEqual([]);
    expect(r.pipeline!.jobs.map((j) => [j.id, j.required])).toEqual([
      ['secret-scan', true],
      ['dependency-audit', true],
      ['test', true],
      ['build', true],
      ['policy-gate', true],
    ]);
  });

  it('finds a cycle through a standard job and points at the edge in the team file', () => {
    const r = resolvePipelineText('extends: gantry/node-service@1\njobs:\n  test:\n    needs: [build]\n', FILE);
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'needs_cycle',
        message: 'jobs.test.needs[0]: needs form a cycle: test -> build -> test',
        position: { file: FILE, line: 4, column: 13 },
      }),
    ]);
  });

  it('places problems of the merge in the file', () => {
    const r = resolvePipelineText('extends: gantry/node-service@1\njobs:\n  secret-scan: null\n', FILE);
    expect(r.pipeline).toBeUndefined();
    expect(r.problems[0]?.message).toBe(
      'jobs.secret-scan: job secret-scan is required by gantry/node-service@1 (reason: every service is scanned for committed secrets (security standard SEC-3)); it cannot be removed',
    );
    expect(r.problems[0]?.position).toEqual({ file: FILE, line: 3, column: 16 });
  });
});

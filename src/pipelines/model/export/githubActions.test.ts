import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolvePipelineText } from '../effectivePipeline.js';
import type { Condition, EffectivePipeline } from '../types.js';
import { conditionFromGithub, fromGithubActions, githubCondition, toGithubActions } from './githubActions.js';

function pipelineOf(lines: string[]): EffectivePipeline {
  const r = resolvePipelineText(lines.join('\n'), '.gantry/pipeline.yaml');
  expect(r.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
  return r.pipeline!;
}

type Workflow = {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, { name?: string; needs?: string[]; if?: string; 'runs-on': unknown; 'timeout-minutes': number; env: Record<string, string>; steps: Array<Record<string, unknown>> }>;
};

const sample = pipelineOf([
  'name: orders-api CI',
  'on: { push: { branches: [main, "release/*"] }, manual: true }',
  'env: { NODE_ENV: test }',
  'jobs:',
  '  test:',
  '    matrix: { node: ["20", "22"] }',
  '    runsOn: [linux, x64]',
  '    timeout: 90s',
  '    cache: { key: [package-lock.json, .nvmrc], prefix: npm, paths: [node_modules] }',
  '    steps:',
  '      - run: echo "node ${{ matrix.node }} on ${{ branch }} at ${{ sha }}"',
  '        env: { TOKEN: { secret: NPM_TOKEN }, WHERE: "${{ branch }}/${{ run.id }}" }',
  '  scan:',
  '    steps:',
  '      - uses: gantry/secret-scan@1',
  '        with: { paths: ["it\'s here", src] }',
  '  deploy:',
  '    name: Deploy',
  '    needs: [test, scan]',
  '    if: { branches: [main], events: [push, manual] }',
  '    artifacts: { paths: [dist/**] }',
  '    steps:',
  '      - name: Ship it',
  '        run: ./deploy.sh',
  '        workingDirectory: ops',
  '        if: { events: [manual] }',
  '        timeout: 5m',
]);

describe('toGithubActions', () => {
  const text = toGithubActions(sample);
  const wf = parse(text) as Workflow;

  it('maps triggers, runtime values and pipeline env', () => {
    expect(wf.on).toEqual({ push: { branches: ['main', 'release/*'] }, workflow_dispatch: {} });
    expect(wf.env).toMatchObject({ GANTRY_BRANCH: '${{ github.ref_name }}', GANTRY_SHA: '${{ github.sha }}', NODE_ENV: 'test' });
  });

  it('exports matrix jobs expanded, under GitHub-safe keys that carry the Gantry id', () => {
    expect(Object.keys(wf.jobs)).toEqual(['test_node-20', 'test_node-22', 'scan', 'deploy']);
    const job = wf.jobs['test_node-22']!;
    expect(job).toMatchObject({
      name: 'test (node=22)',
      'runs-on': ['linux', 'x64'],
      'timeout-minutes': 2,
      env: { GANTRY_JOB_ID: 'test (node=22)' },
    });
    expect(job.steps[0]).toEqual({ uses: 'actions/checkout@v4' });
    expect(job.steps[1]).toEqual({
      name: 'Restore cache',
      uses: 'actions/cache@v4',
      with: { path: 'node_modules', key: "gantry-npm-test_node-22-${{ hashFiles('package-lock.json', '.nvmrc') }}" },
    });
    // Run-time values reach the shell as variables (no expression injection); env values use GitHub expressions.
    expect(job.steps[2]).toMatchObject({
      run: 'echo "node 22 on ${GANTRY_BRANCH} at ${GANTRY_SHA}"',
      env: { TOKEN: '${{ secrets.NPM_TOKEN }}', WHERE: '${{ github.ref_name }}/${{ github.run_id }}' },
      name: 'echo "node 22 on ${{ github.ref_name }} at ${{ github.sha }}"',
    });
    expect(wf.jobs['scan']?.['runs-on']).toBe('ubuntu-latest');
  });

  it('maps needs, conditions, working directories, artifacts and built-in steps', () => {
    const deploy = wf.jobs['deploy']!;
    expect(deploy.needs).toEqual(['test_node-20', 'test_node-22', 'scan']);
    expect(deploy.if).toBe(
      "(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && (github.ref_name == 'main')",
    );
    expect(deploy.steps[1]).toEqual({
      name: 'Ship it',
      if: "(github.event_name == 'workflow_dispatch')",
      run: './deploy.sh',
      'timeout-minutes': 5,
      'working-directory': 'ops',
    });
    expect(deploy.steps[2]).toEqual({ name: 'Upload artifacts', uses: 'actions/upload-artifact@v4', with: { name: 'deploy', path: 'dist/**' } });
    const scan = wf.jobs['scan']!.steps[1]!;
    expect(scan.run).toBe(`npx --no gantry step gantry/secret-scan@1 --with '{"paths":["it'\\''s here","src"]}'`);
    // The shell hands the step the JSON exactly.
    const args = execFileSync('sh', ['-c', `set -- ${scan.run as string}; printf '%s' "$7"`], { encoding: 'utf8' });
    expect(JSON.parse(args)).toEqual({ paths: ["it's here", 'src'] });
  });

  it('reads back the same jobs, steps, needs and conditions', () => {
    const back = fromGithubActions(text);
    expect(back.on).toEqual(sample.on);
    expect(back.env).toEqual(sample.env);
    expect(back.jobs.map((j) => ({ ...j, required: undefined, origin: undefined, matrix: undefined, timeoutMs: undefined }))).toEqual(
      sample.jobs.map((j) => ({ ...j, required: undefined, origin: undefined, matrix: undefined, timeoutMs: undefined })),
    );
    // Whole minutes: 90s comes back as 2m.
    expect(back.jobs[0]?.timeoutMs).toBe(120_000);
  });
});

describe('githubCondition', () => {
  it('reads back what it writes', () => {
    const conditions: Condition[] = [
      { branches: ['main'] },
      { events: ['webhook'] },
      { branches: ["it's", 'release/*', '*-rc', 'a*b*c', '*'], events: ['push', 'manual'] },
    ];
    for (const c of conditions) expect(conditionFromGithub(githubCondition(c)!)).toEqual(c);
  });

  it('has no glob matching: ** and ? come back as *, and * may cross /', () => {
    expect(githubCondition({ branches: ['feature/**', 'v?'] })).toBe(
      "(startsWith(github.ref_name, 'feature/') || startsWith(github.ref_name, 'v'))",
    );
    expect(conditionFromGithub(githubCondition({ branches: ['feature/**'] })!)).toEqual({ branches: ['feature/*'] });
  });
});

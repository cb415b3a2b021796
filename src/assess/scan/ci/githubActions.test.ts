import { describe, expect, it } from 'vitest';
import type { CiPipeline } from '../../model/scan.js';
import { appliesTo, capabilitiesOf, scanCi } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

function pipeline(pipelines: CiPipeline[], file: string): CiPipeline {
  const p = pipelines.find((x) => x.file === file);
  if (!p) throw new Error(`no pipeline ${file}; found ${pipelines.map((x) => x.file).join(', ')}`);
  return p;
}

function job(p: CiPipeline, name: string) {
  const j = p.jobs.find((x) => x.name === name);
  if (!j) throw new Error(`no job ${name} in ${p.file}; found ${p.jobs.map((x) => x.name).join(', ')}`);
  return j;
}

describe('GitHub Actions: fixtures/node-service', () => {
  const files = fixtureFiles('node-service');
  const { pipelines, problems } = scanCi(files);
  const ci = pipeline(pipelines, '.github/workflows/ci.yml');

  it('reads every workflow, with its name and triggers', () => {
    expect(problems).toEqual([]);
    expect(pipelines.map((p) => [p.system, p.file, p.name, p.triggers])).toEqual([
      ['github-actions', '.github/workflows/ci.yml', 'CI', ['push', 'pull_request']],
      ['github-actions', '.github/workflows/deploy.yml', 'Deploy (reusable)', []],
      ['github-actions', '.github/workflows/release.yml', 'Release', ['push']],
      ['github-actions', '.github/workflows/secret-scan.yml', 'Secret scan (reusable)', []],
    ]);
  });

  it('classifies run steps through package.json scripts, ignoring comments and echo text', () => {
    const build = job(ci, 'build');
    expect(build.evidence).toEqual({ file: '.github/workflows/ci.yml', line: 9, job: 'build' });
    expect(build.steps.map((s) => [s.name, s.kinds, s.evidence.line])).toEqual([
      ['#1', [], 12],
      ['#2', [], 13],
      ['#3', [], 17],
      // "lint": "eslint . --max-warnings=0"
      ['Lint', ['lint'], 19],
      // The comment on line 22 names `npm test`; only line 23 runs something: "build": "tsc -p tsconfig.json".
      ['Build', ['build'], 23],
      // echo "npm test runs in the test job" prints, it does not test.
      ['Explain', [], 25],
    ]);
    expect(build.steps[3]!.evidence).toEqual({ file: '.github/workflows/ci.yml', line: 19, job: 'build', step: 'Lint', excerpt: 'npm run lint' });
    expect(job(ci, 'test').steps[3]).toMatchObject({ name: 'Unit tests', kinds: ['test'], unknown: false, evidence: { line: 37, excerpt: 'npm test' } });
    expect(job(ci, 'audit').steps[1]).toMatchObject({ kinds: ['dependency-scan'], evidence: { line: 44 } });
  });

  it('marks an `if: false` job inactive, and the jobs that need it', () => {
    const codeql = job(ci, 'codeql');
    expect(codeql.active).toBe(false);
    expect(codeql.inactiveReason).toBe('disabled: `if: false` (line 48)');
    expect(codeql.steps[2]).toMatchObject({ kinds: ['sast'], evidence: { line: 57, excerpt: 'uses: github/codeql-action/analyze@v3' } });
    const report = job(ci, 'codeql-report');
    expect(report.active).toBe(false);
    expect(report.inactiveReason).toBe('needs job codeql, which never runs');
  });

  it('does not run a workflow_call-only workflow on its own, and resolves a local reusable workflow into its caller', () => {
    const reusable = pipeline(pipelines, '.github/workflows/deploy.yml');
    expect(job(reusable, 'rollout').active).toBe(false);
    expect(job(reusable, 'rollout').inactiveReason).toMatch(/^reusable workflow/);
    const deploy = job(pipeline(pipelines, '.github/workflows/release.yml'), 'deploy');
    expect(deploy.active).toBe(true);
    expect(deploy.steps.map((s) => s.name)).toEqual(['#1', '#2', 'Helm upgrade']);
    // A folded scalar (`>-`): the command starts on line 19.
    expect(deploy.steps[2]).toMatchObject({ kinds: ['deploy'], evidence: { file: '.github/workflows/deploy.yml', line: 19, job: 'rollout' } });
  });

  it('publishes an image with docker/build-push-action and push: true', () => {
    const image = job(pipeline(pipelines, '.github/workflows/release.yml'), 'image');
    expect(image.steps[3]).toMatchObject({ name: 'Build and push', kinds: ['build', 'publish-image'], evidence: { line: 21 } });
  });

  it('sums the capabilities over active jobs: sast and secret-scan absent', () => {
    const caps = capabilitiesOf(pipelines);
    expect(Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, v.state]))).toEqual({
      build: 'present',
      test: 'present',
      lint: 'present',
      'dependency-scan': 'present',
      sast: 'absent',
      'secret-scan': 'absent',
      'publish-image': 'present',
      deploy: 'present',
    });
    expect(caps.build.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['.github/workflows/ci.yml:23', '.github/workflows/release.yml:21']);
    expect(caps.deploy.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['.github/workflows/deploy.yml:19']);
  });
});

describe('GitHub Actions: fixtures/monorepo', () => {
  const files = fixtureFiles('monorepo');
  const { pipelines } = scanCi(files);

  it('reads make targets from the Makefile of the working directory', () => {
    const check = job(pipeline(pipelines, '.github/workflows/api.yml'), 'check');
    // services/api/Makefile: build → `$(GO) build`, test → `$(GO) test -race ./...` with GO ?= go.
    expect(check.steps[2]).toMatchObject({ kinds: ['build', 'test'], evidence: { line: 24, excerpt: 'make build test' } });
    expect(check.steps[3]).toMatchObject({ kinds: ['lint'], evidence: { line: 25 } });
    expect(check.steps[4]).toMatchObject({ kinds: ['dependency-scan'], evidence: { line: 28 } });
  });

  it('makes a job calling another repository\'s reusable workflow one unknown step', () => {
    const org = job(pipeline(pipelines, '.github/workflows/compliance.yml'), 'org-checks');
    expect(org.steps).toEqual([
      {
        name: 'uses',
        kinds: [],
        unknown: true,
        evidence: { file: '.github/workflows/compliance.yml', line: 14, job: 'org-checks', step: 'uses', excerpt: 'uses: acme/.github/.github/workflows/compliance.yml@v3' },
      },
    ]);
    expect(capabilitiesOf(pipelines).sast).toEqual({ state: 'unknown', evidence: [org.steps[0]!.evidence] });
  });

  it('applies path-filtered workflows only to the services they name', () => {
    const applies = (file: string, service: string) => appliesTo(pipeline(pipelines, file), service, files);
    expect(applies('.github/workflows/api.yml', 'services/api')).toBe(true);
    expect(applies('.github/workflows/api.yml', 'services/web')).toBe(false);
    // paths: services/web/** but not its Markdown; the service has other files.
    expect(applies('.github/workflows/web.yml', 'services/web')).toBe(true);
    expect(applies('.github/workflows/web.yml', 'services/api')).toBe(false);
    // paths-ignore: services/**
    expect(applies('.github/workflows/docs.yml', 'services/api')).toBe(false);
    expect(applies('.github/workflows/docs.yml', 'services/web')).toBe(false);
    // Scheduled, but every command runs after `cd services/web`.
    expect(applies('.github/workflows/nightly-audit.yml', 'services/web')).toBe(true);
    expect(applies('.github/workflows/nightly-audit.yml', 'services/api')).toBe(false);
    // Unfiltered pull_request trigger, no folder: both.
    expect(applies('.github/workflows/compliance.yml', 'services/api')).toBe(true);
    expect(applies('.github/workflows/compliance.yml', 'services/web')).toBe(true);
    // The whole repository: everything.
    expect(pipelines.every((p) => appliesTo(p, '.', files))).toBe(true);
  });

  it('gives each service its own capabilities', () => {
    const forService = (service: string) => capabilitiesOf(pipelines.filter((p) => appliesTo(p, service, files)));
    const api = forService('services/api');
    expect(api['dependency-scan'].evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['.github/workflows/api.yml:28']);
    const web = forService('services/web');
    expect(web['dependency-scan'].evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['.github/workflows/nightly-audit.yml:15']);
    expect(web.lint.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['.github/workflows/web.yml:23']);
  });
});

describe('GitHub Actions: edge cases', () => {
  const scan = (files: Record<string, string>) => scanCi(memoryFiles(files));

  it('reads `on` as a string, a list or a map, and ignores workflows in sub-folders', () => {
    const { pipelines } = scan({
      '.github/workflows/a.yml': 'on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: go test ./...\n',
      '.github/workflows/b.yaml': 'on: [push, workflow_dispatch]\njobs: {}\n',
      '.github/workflows/c.yml': 'on:\n  schedule:\n    - cron: "0 0 * * *"\n  workflow_call:\njobs: {}\n',
      '.github/workflows/d.yml': 'jobs:\n  j:\n    steps:\n      - run: go test\n',
      '.github/workflows/old/e.yml': 'on: push\njobs: {}\n',
    });
    expect(pipelines.map((p) => [p.file, p.triggers])).toEqual([
      ['.github/workflows/a.yml', ['push']],
      ['.github/workflows/b.yaml', ['push', 'workflow_dispatch']],
      ['.github/workflows/c.yml', ['schedule']],
      ['.github/workflows/d.yml', []],
    ]);
    expect(pipelines[3]!.jobs[0]).toMatchObject({ active: false, inactiveReason: 'the workflow has no trigger (no `on`)' });
  });

  it('knows the spellings of a false `if`, and drops `if: false` steps', () => {
    const wf = [
      'on: push',
      'jobs:',
      '  a:',
      '    if: ${{ false }}',
      '    steps: [{ run: make test }]',
      '  b:',
      '    if: "false"',
      '    steps: [{ run: make test }]',
      '  c:',
      "    if: github.ref == 'refs/heads/main'",
      '    steps:',
      '      - run: cargo test',
      '        if: false',
      '      - run: cargo build',
      '  d:',
      '    needs: [a]',
      '    if: always()',
      '    steps: [{ run: cargo clippy }]',
    ].join('\n');
    const { pipelines } = scan({ '.github/workflows/x.yml': wf });
    const jobs = pipelines[0]!.jobs;
    expect(jobs.map((j) => [j.name, j.active])).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
      ['d', true],
    ]);
    expect(jobs[2]!.steps.map((s) => [s.name, s.kinds, s.evidence.line])).toEqual([['#2', ['build'], 14]]);
  });

  it('reads local composite actions and docker:// steps, and reports a missing local workflow', () => {
    const { pipelines, problems } = scan({
      '.github/actions/checks/action.yml': 'runs:\n  using: composite\n  steps:\n    - run: npx eslint .\n      shell: bash\n    - uses: gitleaks/gitleaks-action@v2\n',
      '.github/workflows/x.yml': [
        'on: pull_request',
        'jobs:',
        '  checks:',
        '    steps:',
        '      - uses: ./.github/actions/checks',
        '      - uses: docker://zricethezav/gitleaks:v8.18.0',
        '        with:',
        '          args: detect --source .',
        '  gone:',
        '    uses: ./.github/workflows/missing.yml',
      ].join('\n'),
    });
    expect(pipelines[0]!.jobs[0]!.steps.map((s) => [s.kinds, s.evidence.line])).toEqual([
      [['lint', 'secret-scan'], 5],
      [['secret-scan'], 6],
    ]);
    expect(problems).toEqual([
      { file: '.github/workflows/x.yml', line: 10, message: 'jobs.gone.uses: expected a workflow file in this repository, found no file ./.github/workflows/missing.yml' },
    ]);
  });

  it('does not loop on workflows that call each other', () => {
    const call = (other: string) => `on: [push, workflow_call]\njobs:\n  j:\n    uses: ./.github/workflows/${other}.yml\n`;
    const { pipelines, problems } = scan({ '.github/workflows/a.yml': call('b'), '.github/workflows/b.yml': call('a') });
    expect(pipelines).toHaveLength(2);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('calls itself')]);
  });
});

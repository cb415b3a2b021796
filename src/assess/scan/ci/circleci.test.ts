import { describe, expect, it } from 'vitest';
import { appliesTo, capabilitiesOf, scanCi, scopeToService } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

describe('CircleCI: fixtures/circleci-python', () => {
  const { pipelines, problems } = scanCi(fixtureFiles('circleci-python'));
  const p = pipelines[0]!;

  it('reads jobs, expands commands of the config and knows orb steps and jobs', () => {
    expect(problems).toEqual([]);
    expect([p.system, p.file, p.triggers]).toEqual(['circleci', '.circleci/config.yml', ['push']]);
    expect(p.jobs.map((j) => [j.name, j.evidence.line, j.active])).toEqual([
      ['test', 20, true],
      ['lint', 38, false],
      ['aws-ecr/build_and_push_image', 50, true],
    ]);
    expect(p.jobs[0]!.steps.map((s) => [s.name, s.kinds, s.evidence.line])).toEqual([
      ['checkout', [], 25],
      // `install` and `migrate-check` are commands of this config: their steps, where they are written.
      ['python/install-packages', [], 11],
      ['Check migrations', [], 17],
      ['Unit tests', ['test'], 31],
      ['store_test_results', [], 33],
      ['snyk/scan', ['dependency-scan'], 35],
    ]);
    expect(p.jobs[2]!.steps[0]).toMatchObject({ kinds: ['build', 'publish-image'], unknown: false });
  });

  it('does not count a job that no workflow runs', () => {
    expect(p.jobs[1]!.inactiveReason).toBe('not in any workflow that runs');
    expect(p.jobs[1]!.steps[2]).toMatchObject({ kinds: ['lint'], evidence: { line: 44 } });
    expect(capabilitiesOf(pipelines).lint).toEqual({ state: 'absent', evidence: [] });
  });
});

describe('CircleCI: unknown orbs and path filtering', () => {
  it('makes an unknown orb\'s job and command unknown steps; `when: false` workflows do not run', () => {
    const { pipelines } = scanCi(
      memoryFiles({
        '.circleci/config.yml': [
          'version: 2.1',
          'orbs:',
          '  acme: acme/deploy@1.2.0',
          'jobs:',
          '  build:',
          '    docker: [{ image: cimg/go:1.22 }]',
          '    steps:',
          '      - checkout',
          '      - acme/notify',
          '      - run: go build ./...',
          '  nightly:',
          '    docker: [{ image: cimg/go:1.22 }]',
          '    steps:',
          '      - run: govulncheck ./...',
          'workflows:',
          '  main:',
          '    jobs: [build, acme/deploy-service]',
          '  off:',
          '    when: false',
          '    jobs: [nightly]',
        ].join('\n'),
      }),
    );
    const p = pipelines[0]!;
    expect(p.jobs.map((j) => [j.name, j.active])).toEqual([
      ['build', true],
      ['nightly', false],
      ['acme/deploy-service', true],
    ]);
    expect(p.jobs[0]!.steps.map((s) => [s.name, s.unknown, s.evidence.line])).toEqual([
      ['checkout', false, 8],
      ['acme/notify', true, 9],
      ['#3', false, 10],
    ]);
    expect(p.jobs[2]!.steps[0]!.unknown).toBe(true);
    expect(capabilitiesOf(pipelines)['dependency-scan'].state).toBe('unknown');
  });

  it('limits the continued config\'s workflows to the paths its mapping names', () => {
    const files = memoryFiles({
      '.circleci/config.yml': [
        'version: 2.1',
        'setup: true',
        'orbs:',
        '  path-filtering: circleci/path-filtering@1.0.0',
        'workflows:',
        '  setup:',
        '    jobs:',
        '      - path-filtering/filter:',
        '          base-revision: main',
        '          config-path: .circleci/continue.yml',
        '          mapping: |',
        '            services/api/.* run-api true',
        '            services/web/.* run-web true',
      ].join('\n'),
      '.circleci/continue.yml': [
        'version: 2.1',
        'parameters:',
        '  run-api: { type: boolean, default: false }',
        '  run-web: { type: boolean, default: false }',
        'jobs:',
        '  api-test:',
        '    docker: [{ image: cimg/go:1.22 }]',
        '    steps: [checkout, { run: cd services/api && go test ./... }]',
        '  web-test:',
        '    docker: [{ image: cimg/node:20.15 }]',
        '    steps: [checkout, { run: npm --prefix services/web test }]',
        'workflows:',
        '  api:',
        '    when: << pipeline.parameters.run-api >>',
        '    jobs: [api-test]',
        '  web:',
        '    when: << pipeline.parameters.run-web >>',
        '    jobs: [web-test]',
      ].join('\n'),
      'services/api/go.mod': 'module api\n',
      'services/web/package.json': '{"scripts":{"test":"jest"}}',
    });
    const { pipelines, problems } = scanCi(files);
    expect(problems).toEqual([]);
    expect(pipelines.map((p) => p.file)).toEqual(['.circleci/config.yml', '.circleci/continue.yml']);
    const cont = pipelines[1]!;
    expect(cont.jobs[1]!.steps[1]).toMatchObject({ kinds: ['test'], evidence: { line: 11 } });
    expect(scopeToService(cont, 'services/api', files)?.jobs.map((j) => j.name)).toEqual(['api-test']);
    expect(scopeToService(cont, 'services/web', files)?.jobs.map((j) => j.name)).toEqual(['web-test']);
    expect(appliesTo(pipelines[0]!, 'services/api', files)).toBe(true);
  });
});

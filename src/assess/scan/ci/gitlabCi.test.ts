import { describe, expect, it } from 'vitest';
import type { CiPipeline } from '../../model/scan.js';
import { appliesTo, capabilitiesOf, scanCi, scopeToService } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

function job(p: CiPipeline, name: string) {
  const j = p.jobs.find((x) => x.name === name);
  if (!j) throw new Error(`no job ${name}; found ${p.jobs.map((x) => x.name).join(', ')}`);
  return j;
}

describe('GitLab CI: fixtures/gitlab-java', () => {
  const { pipelines, problems } = scanCi(fixtureFiles('gitlab-java'));
  const p = pipelines[0]!;

  it('reads .gitlab-ci.yml with its local include, jobs and includes of templates and projects', () => {
    expect(problems).toEqual([]);
    expect(pipelines).toHaveLength(1);
    expect([p.system, p.file, p.triggers]).toEqual(['gitlab-ci', '.gitlab-ci.yml', ['push']]);
    expect(p.jobs.map((j) => [j.name, j.active, j.evidence.line])).toEqual([
      ['build', true, 23],
      ['unit-test', true, 29],
      ['checkstyle', false, 35],
      ['image-scan', false, 51],
      ['include template: Security/SAST.gitlab-ci.yml', true, 3],
      ['include template: Security/Secret-Detection.gitlab-ci.yml', false, 4],
      ['include project: acme/platform/ci-templates:/deploy/kubernetes.yml', true, 6],
    ]);
  });

  it('merges a hidden job from an included file into the jobs that extend it', () => {
    // .maven (ci/maven.gitlab-ci.yml) brings its before_script, which replaces the default one.
    expect(job(p, 'build').steps.map((s) => [s.evidence.file, s.evidence.line, s.kinds])).toEqual([
      ['ci/maven.gitlab-ci.yml', 8, []],
      ['ci/maven.gitlab-ci.yml', 9, []],
      ['.gitlab-ci.yml', 27, ['build']],
    ]);
    // The echo names `mvn test`: it is not a test.
    expect(job(p, 'build').steps[1]!.evidence.excerpt).toBe('echo "Running mvn test in $(pwd)"');
  });

  it('resolves !reference tags', () => {
    expect(job(p, 'unit-test').steps[2]).toMatchObject({ name: '#3', kinds: ['build', 'test'], evidence: { file: '.gitlab-ci.yml', line: 49, job: 'unit-test', excerpt: './mvnw -B verify' } });
  });

  it('disables jobs with `when: never` or only never rules; comments are not jobs', () => {
    expect(job(p, 'checkstyle').inactiveReason).toBe('disabled: every rule is `when: never` (.gitlab-ci.yml:41)');
    expect(job(p, 'image-scan').inactiveReason).toBe('disabled: `when: never` (.gitlab-ci.yml:53)');
    expect(p.jobs.some((j) => j.name.includes('dependency-check'))).toBe(false);
  });

  it('knows GitLab security templates; a template switched off by its variable does not count', () => {
    expect(job(p, 'include template: Security/SAST.gitlab-ci.yml').steps[0]).toMatchObject({ kinds: ['sast'], unknown: false, evidence: { line: 3 } });
    expect(job(p, 'include template: Security/Secret-Detection.gitlab-ci.yml').inactiveReason).toBe('disabled: variable SECRET_DETECTION_DISABLED is "true"');
    expect(job(p, 'include project: acme/platform/ci-templates:/deploy/kubernetes.yml').steps[0]).toMatchObject({ kinds: [], unknown: true, evidence: { line: 6 } });
  });

  it('summarises: lint, secret scanning and deploy are unknown because of the other project\'s file', () => {
    const caps = capabilitiesOf(pipelines);
    expect(Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, v.state]))).toEqual({
      build: 'present',
      test: 'present',
      lint: 'unknown',
      'dependency-scan': 'unknown',
      sast: 'present',
      'secret-scan': 'unknown',
      'publish-image': 'unknown',
      deploy: 'unknown',
    });
    expect(caps.lint.evidence).toEqual([{ file: '.gitlab-ci.yml', line: 6, job: 'include project: acme/platform/ci-templates:/deploy/kubernetes.yml', step: 'include project', excerpt: 'project: acme/platform/ci-templates:/deploy/kubernetes.yml' }]);
  });
});

describe('GitLab CI: monorepo rules, child pipelines, workflow rules', () => {
  const files = memoryFiles({
    '.gitlab-ci.yml': [
      'workflow:',
      '  rules:',
      '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
      '    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH',
      'api-test:',
      '  script:',
      '    - cd services/api',
      '    - go test ./...',
      '  rules:',
      '    - changes:',
      '        - services/api/**/*',
      'web-test:',
      '  script: cd services/web && npm test',
      '  rules:',
      '    - changes: [docs/**/*]',
      '      when: never',
      '    - changes: { paths: [services/web/**/*] }',
      'docs:',
      '  trigger:',
      '    include: docs/.gitlab-ci.yml',
      '  rules:',
      '    - changes: [docs/**/*]',
      'release:',
      '  trigger: acme/release-train',
    ].join('\n'),
    'docs/.gitlab-ci.yml': 'pages:\n  script:\n    - npx markdownlint-cli2 "**/*.md"\n',
    'docs/index.md': '# Docs\n',
    'services/api/go.mod': 'module x\n',
    'services/web/package.json': '{"scripts":{"test":"jest"}}',
  });
  const { pipelines, problems } = scanCi(files);

  it('takes triggers from workflow rules and reads a local child pipeline as a pipeline', () => {
    expect(problems).toEqual([]);
    expect(pipelines.map((p) => [p.file, p.triggers])).toEqual([
      ['.gitlab-ci.yml', ['merge_request', 'push']],
      ['docs/.gitlab-ci.yml', ['parent_pipeline']],
    ]);
    expect(job(pipelines[0]!, 'web-test').steps[0]).toMatchObject({ kinds: ['test'], evidence: { line: 13 } });
    expect(job(pipelines[0]!, 'release').steps[0]).toMatchObject({ unknown: true, evidence: { line: 24, excerpt: 'trigger: acme/release-train' } });
    expect(job(pipelines[1]!, 'pages').steps[0]).toMatchObject({ kinds: ['lint'], evidence: { file: 'docs/.gitlab-ci.yml', line: 3 } });
  });

  it('keeps, per service, the jobs whose `rules: changes` can match the service', () => {
    const root = pipelines[0]!;
    expect(scopeToService(root, 'services/api', files)?.jobs.map((j) => j.name)).toEqual(['api-test', 'release']);
    expect(scopeToService(root, 'services/web', files)?.jobs.map((j) => j.name)).toEqual(['web-test', 'release']);
    expect(appliesTo(pipelines[1]!, 'services/api', files)).toBe(false);
    expect(appliesTo(pipelines[1]!, 'docs', files)).toBe(true);
  });

  it('reads YAML anchors and merge keys, and skips a `spec:` header document', () => {
    const text = [
      'spec:',
      '  inputs:',
      '    stage: { default: test }',
      '---',
      '.node: &node',
      '  image: node:20',
      '  before_script:',
      '    - npm ci',
      'test:',
      '  <<: *node',
      '  script:',
      '    - npm test',
      'audit:',
      '  <<: *node',
      '  before_script: []',
      '  script: [npm audit]',
    ].join('\n');
    const { pipelines, problems } = scanCi(memoryFiles({ '.gitlab-ci.yml': text, 'package.json': '{"scripts":{"test":"vitest run"}}' }));
    expect(problems).toEqual([]);
    expect(pipelines[0]!.jobs.map((j) => [j.name, j.steps.map((st) => [st.evidence.line, st.kinds.join('+')])])).toEqual([
      ['test', [[8, ''], [12, 'test']]],
      ['audit', [[16, 'dependency-scan']]],
    ]);
  });

  it('turns a pipeline off when every workflow rule is `when: never`', () => {
    const { pipelines: off } = scanCi(memoryFiles({ '.gitlab-ci.yml': 'workflow:\n  rules:\n    - when: never\nt:\n  script: [make test]\n' }));
    expect(off[0]!.triggers).toEqual([]);
    expect(off[0]!.jobs[0]).toMatchObject({ active: false, inactiveReason: 'workflow: every rule is `when: never`' });
  });

  it('reports a missing include, an unknown extends and a circular extends without throwing', () => {
    const { pipelines: ps, problems: found } = scanCi(
      memoryFiles({
        '.gitlab-ci.yml': 'include: ci/missing.yml\na:\n  extends: .nope\n  script: [make]\n.x:\n  extends: .y\n.y:\n  extends: .x\nb:\n  extends: .x\n  script: [make test]\n',
      }),
    );
    expect(ps[0]!.jobs.map((j) => j.name)).toEqual(['a', 'b']);
    expect(found).toEqual([
      { file: '.gitlab-ci.yml', line: 1, message: 'include: expected a file in this repository, found no file matching ci/missing.yml' },
      { file: '.gitlab-ci.yml', line: 3, message: 'a.extends: expected a job or hidden job named .nope, found none' },
      { file: '.gitlab-ci.yml', line: 8, message: '.y.extends: expected a chain of at most 11 jobs without cycles, found b → .x → .y → .x' },
    ]);
  });
});

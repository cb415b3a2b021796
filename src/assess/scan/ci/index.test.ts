import { describe, expect, it } from 'vitest';
import type { CiPipeline, CiStep } from '../../model/scan.js';
import type { RepoFiles } from '../files.js';
import { appliesTo, capabilitiesOf, scanCi, scopeToService } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

describe('scanCi', () => {
  it('reports broken YAML files with file:line and still reads the good ones', () => {
    const { pipelines, problems } = scanCi(fixtureFiles('broken'));
    expect(problems).toEqual([
      { file: '.github/workflows/broken.yml', line: 8, message: 'expected valid YAML, found an error: Missing closing "quote' },
      { file: '.gitlab-ci.yml', line: 5, message: 'expected valid YAML, found an error: Tabs are not allowed as indentation' },
    ]);
    expect(pipelines.map((p) => p.file)).toEqual(['.github/workflows/ok.yml']);
    expect(pipelines[0]!.jobs[0]!.steps[0]).toMatchObject({ kinds: ['test'], evidence: { line: 7 } });
  });

  it('reports files that cannot be read and files of the wrong shape', () => {
    const files: RepoFiles = {
      paths: () => ['.circleci/config.yml', '.github/workflows/list.yml', 'Jenkinsfile'],
      read: (p) => (p === '.github/workflows/list.yml' ? '- just\n- a list\n' : p === 'Jenkinsfile' ? null : 'version: 2.1\njobs: {}\n'),
    };
    const { pipelines, problems } = scanCi(files);
    expect(problems).toEqual([
      { file: '.github/workflows/list.yml', line: 1, message: 'expected a workflow (a mapping with `on` and `jobs`), found something else' },
      { file: 'Jenkinsfile', message: 'could not be read (missing, binary or larger than 1 MiB)' },
    ]);
    expect(pipelines.map((p) => [p.system, p.jobs.length])).toEqual([['circleci', 0]]);
  });

  it('finds nothing in a repository without CI', () => {
    expect(scanCi(memoryFiles({ 'README.md': '# x\n', 'package.json': '{}' }))).toEqual({ pipelines: [], problems: [] });
  });

  it('finds every system of a repository that has several', () => {
    const files = memoryFiles({
      '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
      '.gitlab-ci.yml': 't:\n  script: [make test]\n',
      Jenkinsfile: "node { stage('x') { sh 'make' } }\n",
      '.circleci/config.yml': 'version: 2.1\njobs: {}\nworkflows: {}\n',
      'pipelines/azure-pipelines.yml': 'steps:\n  - script: make\n',
      'deploy/cloudbuild.json': '{"steps": [{"name": "gcr.io/cloud-builders/docker", "args": ["push", "x"]}]}',
      '.travis.yml': 'language: go\n',
    });
    expect(scanCi(files).pipelines.map((p) => [p.system, p.file])).toEqual([
      ['github-actions', '.github/workflows/ci.yml'],
      ['gitlab-ci', '.gitlab-ci.yml'],
      ['jenkins', 'Jenkinsfile'],
      ['circleci', '.circleci/config.yml'],
      ['azure-pipelines', 'pipelines/azure-pipelines.yml'],
      ['cloud-build', 'deploy/cloudbuild.json'],
      ['travis', '.travis.yml'],
    ]);
  });
});

describe('capabilitiesOf', () => {
  const step = (name: string, kinds: CiStep['kinds'], unknown = false): CiStep => ({ name, kinds, unknown, evidence: { file: 'ci.yml', line: name.length, step: name } });
  const pipeline = (jobs: Array<{ active: boolean; steps: CiStep[] }>): CiPipeline => ({
    system: 'github-actions',
    file: 'ci.yml',
    name: 'ci',
    triggers: ['push'],
    jobs: jobs.map((j, i) => ({ name: `j${i}`, active: j.active, steps: j.steps, evidence: { file: 'ci.yml', line: 1 } })),
  });

  it('is present with the steps that do it, unknown when only hidden logic could, absent otherwise', () => {
    const caps = capabilitiesOf([
      pipeline([
        { active: true, steps: [step('t', ['test']), step('lib', [], true)] },
        { active: false, steps: [step('codeql', ['sast']), step('hidden', [], true)] },
        { active: true, steps: [step('tests', ['test', 'build'])] },
      ]),
    ]);
    expect(caps.test).toEqual({ state: 'present', evidence: [{ file: 'ci.yml', line: 1, step: 't' }, { file: 'ci.yml', line: 5, step: 'tests' }] });
    expect(caps.build.state).toBe('present');
    expect(caps.sast).toEqual({ state: 'unknown', evidence: [{ file: 'ci.yml', line: 3, step: 'lib' }] });
  });

  it('is absent everywhere for no pipelines or only inactive jobs', () => {
    const none = capabilitiesOf([pipeline([{ active: false, steps: [step('x', ['deploy'], true)] }])]);
    expect(Object.values(none).every((c) => c.state === 'absent' && c.evidence.length === 0)).toBe(true);
    expect(Object.keys(capabilitiesOf([]))).toEqual(['build', 'test', 'lint', 'dependency-scan', 'sast', 'secret-scan', 'publish-image', 'deploy']);
  });
});

describe('appliesTo for pipelines read back from storage', () => {
  it('scans again to learn path filters when the pipeline did not come from scanCi', () => {
    const files = fixtureFiles('monorepo');
    const stored = JSON.parse(JSON.stringify(scanCi(files).pipelines)) as CiPipeline[];
    const api = stored.find((p) => p.file === '.github/workflows/api.yml')!;
    expect(appliesTo(api, 'services/api', files)).toBe(true);
    expect(appliesTo(api, 'services/web', files)).toBe(false);
    const compliance = stored.find((p) => p.file === '.github/workflows/compliance.yml')!;
    expect(scopeToService(compliance, 'services/web', files)).toBe(compliance);
  });

  it('is true when unsure: an unknown pipeline, a service without files', () => {
    const files = fixtureFiles('monorepo');
    const stranger: CiPipeline = { system: 'travis', file: '.travis.yml', name: '.travis.yml', triggers: ['push'], jobs: [] };
    expect(appliesTo(stranger, 'services/api', files)).toBe(true);
    // docs.yml ignores services/**, but a folder without files gives the filter nothing to decide on.
    const docs = scanCi(files).pipelines.find((p) => p.file === '.github/workflows/docs.yml')!;
    expect(appliesTo(docs, 'services/does-not-exist', files)).toBe(true);
    expect(appliesTo(docs, 'services/api', files)).toBe(false);
  });
});

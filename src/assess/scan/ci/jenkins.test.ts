import { describe, expect, it } from 'vitest';
import { appliesTo, capabilitiesOf, scanCi, scopeToService } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

const states = (pipelines: Parameters<typeof capabilitiesOf>[0]) =>
  Object.fromEntries(Object.entries(capabilitiesOf(pipelines)).map(([k, v]) => [k, v.state]));

describe('Jenkins: fixtures/jenkins-gradle (declarative, shared library)', () => {
  const { pipelines, problems } = scanCi(fixtureFiles('jenkins-gradle'));
  const p = pipelines[0]!;

  it('makes each stage a job; commented-out stages are not there', () => {
    expect(problems).toEqual([]);
    expect([p.system, p.file, p.triggers]).toEqual(['jenkins', 'Jenkinsfile', ['push', 'schedule']]);
    expect(p.jobs.map((j) => [j.name, j.evidence.line, j.active])).toEqual([
      ['Build', 19, true],
      ['Test', 24, true],
      ['Sonar', 33, false],
      ['Security', 41, true],
      ['Image', 46, true],
      ['Deploy', 57, false],
      ['post', 69, true],
    ]);
  });

  it('classifies sh scripts, positional or named', () => {
    expect(p.jobs[0]!.steps).toEqual([
      { name: '#1', kinds: ['build'], unknown: false, evidence: { file: 'Jenkinsfile', line: 21, job: 'Build', step: '#1', excerpt: './gradlew --no-daemon assemble' } },
    ]);
    expect(p.jobs[1]!.steps.map((s) => [s.name, s.kinds, s.evidence.line])).toEqual([
      ['Unit tests', ['test'], 26],
      ['#2', [], 27],
    ]);
  });

  it('reads `when` conditions that can never hold', () => {
    expect(p.jobs[2]!.inactiveReason).toBe('disabled: `when` is always false (line 34)');
    expect(p.jobs[2]!.steps[0]).toMatchObject({ kinds: ['sast'], evidence: { line: 37 } });
    // allOf { branch 'main'; not { expression { true } } }
    expect(p.jobs[5]!.inactiveReason).toBe('disabled: `when` is always false (line 58)');
    // when { branch 'main' } may hold.
    expect(p.jobs[4]!.active).toBe(true);
  });

  it('makes shared-library calls unknown steps', () => {
    expect(p.jobs[3]!.steps).toEqual([
      { name: '#1', kinds: [], unknown: true, evidence: { file: 'Jenkinsfile', line: 43, job: 'Security', step: '#1', excerpt: "acmeSecurityScan project: 'billing', failOn: 'high'" } },
    ]);
  });

  it('knows the Docker Pipeline build and push', () => {
    expect(p.jobs[4]!.steps.map((s) => [s.kinds, s.evidence.line, s.evidence.excerpt])).toEqual([
      [['build'], 50, 'def image = docker.build("${REGISTRY}/billing:${env.BUILD_NUMBER}")'],
      [['publish-image'], 52, 'image.push()'],
    ]);
  });

  it('summarises: what the library does is unknown, sast is not present', () => {
    expect(states(pipelines)).toEqual({
      build: 'present',
      test: 'present',
      lint: 'unknown',
      'dependency-scan': 'unknown',
      sast: 'unknown',
      'secret-scan': 'unknown',
      'publish-image': 'present',
      deploy: 'unknown',
    });
    expect(capabilitiesOf(pipelines).sast.evidence.map((e) => e.line)).toEqual([43]);
  });
});

describe('Jenkins: fixtures/jenkins-scripted', () => {
  const { pipelines } = scanCi(fixtureFiles('jenkins-scripted'));
  const p = pipelines[0]!;

  it('reads node/stage blocks, parallel branches and functions of the file', () => {
    expect(p.jobs.map((j) => [j.name, j.evidence.line, j.active])).toEqual([
      ['Checkout', 9, true],
      ['Install', 12, true],
      ['Checks', 15, true],
      ['Secrets', 26, false],
      ['Publish', 30, true],
    ]);
    // npm 'run lint' calls `def npm(String args) { sh "npm ${args}" }`: package.json "lint": "eslint .".
    expect(p.jobs[2]!.steps.map((s) => [s.kinds, s.evidence.line, s.evidence.excerpt])).toEqual([
      [['lint'], 18, "npm 'run lint'"],
      [['test'], 21, 'npm test'],
    ]);
    expect(p.jobs[1]!.steps[0]).toMatchObject({ kinds: [], evidence: { line: 13 } });
  });

  it('keeps stages under `if (false)` as inactive jobs', () => {
    expect(p.jobs[3]!.inactiveReason).toBe('disabled: inside `if (false)` (line 25)');
    expect(p.jobs[3]!.steps[0]!.kinds).toEqual(['secret-scan']);
  });

  it('reads multi-line scripts line by line (the echo is not a deploy), and `build job:` is unknown', () => {
    expect(p.jobs[4]!.steps.map((s) => [s.kinds, s.unknown, s.evidence.line, s.evidence.excerpt])).toEqual([
      [['deploy'], false, 34, 'kubectl apply -k overlays/staging'],
      [[], true, 37, "build job: 'worker-e2e', wait: false"],
    ]);
  });
});

describe('Jenkins: files in service folders and odd syntax', () => {
  it('applies a Jenkinsfile in a service folder to that service only', () => {
    const files = memoryFiles({
      'services/web/Jenkinsfile': "pipeline { agent any\n stages { stage('t') { steps { sh 'npm test' } } } }\n",
      'services/web/package.json': '{"scripts":{"test":"jest"}}',
      'services/api/go.mod': 'module api\n',
      'ci/Jenkinsfile.nightly': "node { stage('audit') { sh 'cd services/api && govulncheck ./...' } }\n",
    });
    const { pipelines } = scanCi(files);
    expect(pipelines.map((p) => p.file)).toEqual(['ci/Jenkinsfile.nightly', 'services/web/Jenkinsfile']);
    const [nightly, web] = pipelines as [(typeof pipelines)[0], (typeof pipelines)[0]];
    expect(appliesTo(web, 'services/web', files)).toBe(true);
    expect(appliesTo(web, 'services/api', files)).toBe(false);
    expect(appliesTo(web, '.', files)).toBe(true);
    // ci/ holds no build file: not another service; its steps work in services/api.
    expect(appliesTo(nightly, 'services/api', files)).toBe(true);
    expect(appliesTo(nightly, 'services/web', files)).toBe(false);
    expect(scopeToService(nightly, 'services/api', files)).toBe(nightly);
  });

  it('reads nested and parallel stages, and limits a stage to its `changeset`', () => {
    const text = [
      'pipeline {',
      '  agent any',
      '  stages {',
      "    stage('Services') {",
      '      parallel {',
      "        stage('api') {",
      "          when { changeset 'services/api/**' }",
      "          steps { dir('services/api') { sh 'go test ./...' } }",
      '        }',
      "        stage('web') {",
      "          when { changeset pattern: 'services/web/**', caseSensitive: true }",
      "          steps { sh 'npm --prefix services/web test' }",
      '        }',
      '      }',
      '    }',
      '  }',
      '}',
    ].join('\n');
    const files = memoryFiles({ Jenkinsfile: text, 'services/api/go.mod': 'module api\n', 'services/web/package.json': '{"scripts":{"test":"jest"}}' });
    const [p] = scanCi(files).pipelines;
    expect(p!.jobs.map((j) => [j.name, j.evidence.line, j.steps.map((s) => s.kinds.join('+'))])).toEqual([
      ['Services / api', 6, ['test']],
      ['Services / web', 10, ['test']],
    ]);
    expect(scopeToService(p!, 'services/api', files)?.jobs.map((j) => j.name)).toEqual(['Services / api']);
    expect(scopeToService(p!, 'services/web', files)?.jobs.map((j) => j.name)).toEqual(['Services / web']);
  });

  it('skips CI files that are test data or documentation', () => {
    const files = memoryFiles({
      'test/fixtures/app/Jenkinsfile': "node { sh 'make' }\n",
      'templates/service/skeleton/azure-pipelines.yml': 'steps:\n  - script: make\n',
      'docs/Jenkinsfile.md': '# How our Jenkinsfile works\n',
      'ci/release.jenkinsfile': "node { stage('r') { sh 'make release' } }\n",
    });
    expect(scanCi(files).pipelines.map((p) => p.file)).toEqual(['ci/release.jenkinsfile']);
  });

  it('does not run the bodies of methods that are never called', () => {
    const text = [
      'String version() {',
      "  return sh(script: 'git describe', returnStdout: true).trim()",
      '}',
      'private static void publish(String tag) {',
      '  sh "docker push app:${tag}"',
      '}',
      'node {',
      "  stage('Build') { sh 'make build' }",
      '}',
    ].join('\n');
    const { pipelines } = scanCi(memoryFiles({ Jenkinsfile: text }));
    expect(pipelines[0]!.jobs.map((j) => [j.name, j.steps.map((s) => s.kinds.join('+'))])).toEqual([['Build', ['build']]]);
  });

  it('survives strings with braces, GStrings, slashy strings and unbalanced input', () => {
    const text = [
      'def branches = [:]',
      "def re = /^release\\/.*$/",
      'pipeline {',
      '  stages {',
      "    stage('Odd') {",
      '      steps {',
      '        sh "echo \'}\' && make test ${env.X.collect { it }}"',
      "        sh '''",
      '          set -e',
      '          cargo build --release',
      "        '''",
      '      }',
      '    }',
      '  }',
      '}',
      '}}}',
    ].join('\n');
    const { pipelines, problems } = scanCi(memoryFiles({ Jenkinsfile: text }));
    expect(problems).toEqual([]);
    expect(pipelines[0]!.jobs[0]!.steps.map((s) => [s.kinds, s.evidence.line])).toEqual([
      [['test'], 7],
      [['build'], 10],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { Classifier, taskKinds } from './classify.js';
import { memoryFiles } from './testFiles.js';

const files = memoryFiles({
  'package.json': JSON.stringify({
    scripts: {
      test: 'echo "Error: no test specified" && exit 1',
      lint: 'eslint .',
      'lint:css': 'stylelint "**/*.css"',
      build: 'tsc -p .',
      ci: 'run-s lint:* build',
      check: 'concurrently "npm:lint" "vitest run"',
    },
  }),
  'web/package.json': JSON.stringify({ scripts: { pretest: 'npm run lint', test: 'vitest run', lint: 'next lint', release: 'semantic-release' } }),
  'api/Makefile': 'GO ?= go\nDOCKER := docker\n.DEFAULT_GOAL := all\n.PHONY: all build test image\nall: build test\nbuild:\n\t$(GO) build ./...\ntest:\n\t@$(GO) test -race ./...\nimage: build\n\t$(DOCKER) build -t api .\n\t$(DOCKER) push api\n',
  'scripts/ci.sh': '#!/usr/bin/env bash\nset -euo pipefail\nnpm audit --audit-level=high\n./scripts/scan.sh\n',
  'scripts/scan.sh': '#!/bin/sh\ngitleaks detect --no-banner\n',
  'scripts/report.py': '#!/usr/bin/env python3\nprint("pytest")\n',
});
const cl = new Classifier(files);
const kinds = (script: string, cwd: string | null = '.') => cl.script(script, cwd).kinds;

describe('Classifier', () => {
  it.each([
    ['jest --ci', ['test']],
    ['myjest --ci', []],
    ['echo "npm test" && echo jest', []],
    ['./node_modules/.bin/jest', ['test']],
    ['FORCE_COLOR=1 npx --yes eslint@9 .', ['lint']],
    ['python3 -u -m pytest tests/', ['test']],
    ['python -m build --wheel', ['build']],
    ['coverage run -m pytest', ['test']],
    ['poetry run ruff check .', ['lint']],
    ['black --check src', ['lint']],
    ['black src', []],
    ['mvn -B -ntp verify', ['build', 'test']],
    ['./mvnw -B verify -DskipTests', ['build']],
    ['mvn org.owasp:dependency-check-maven:9.0.9:check', ['dependency-scan']],
    ['mvn compile jib:build -Dimage=registry/app', ['build', 'publish-image']],
    ['./gradlew build -x test', ['build']],
    ['./gradlew check', ['test']],
    ['./gradlew :app:spotlessCheck dependencyCheckAnalyze', ['lint', 'dependency-scan']],
    ['go run github.com/securego/gosec/v2/cmd/gosec@latest ./...', ['sast']],
    ['cargo clippy -- -D warnings && cargo fmt --check', ['lint']],
    ['dotnet test --no-build', ['test']],
    ['docker build -t app . && docker push app', ['build', 'publish-image']],
    ['docker buildx build --platform linux/amd64 --output type=registry -t app .', ['build', 'publish-image']],
    ['docker run --rm -v "$PWD:/src" -w /src returntocorp/semgrep semgrep ci', ['sast']],
    ['docker run --rm -v "$PWD:/app" node:20 npm audit', ['dependency-scan']],
    ['trivy fs --scanners vuln,secret .', ['dependency-scan', 'secret-scan']],
    ['trivy image app:1.0', []],
    ['snyk code test', ['sast']],
    ['ko build ./cmd/api', ['build', 'publish-image']],
    ['ko build --local ./cmd/api', ['build']],
    ['gcloud builds submit --tag gcr.io/p/app', ['build', 'publish-image']],
    ['kubectl -n prod rollout status deploy/app', ['deploy']],
    ['kubectl get pods', []],
    ['helm lint chart && helm upgrade --install app chart', ['lint', 'deploy']],
    ['terraform -chdir=infra apply -auto-approve', ['deploy']],
    ['terraform plan', []],
    ['aws ecs update-service --cluster c --service s --force-new-deployment', ['deploy']],
    ['sudo -E bash -c "go vet ./... && go test ./..."', ['test', 'lint']],
    ['timeout 10m npx playwright test', ['test']],
    ['git secrets --scan-history', ['secret-scan']],
    ['git push heroku main', ['deploy']],
  ])('%s', (script, expected) => {
    expect(kinds(script)).toEqual(expected);
  });

  it('reads npm scripts in the folder the command runs in', () => {
    // The npm init placeholder test script tests nothing.
    expect(kinds('npm test')).toEqual([]);
    expect(kinds('npm run lint')).toEqual(['lint']);
    expect(kinds('npm run ci')).toEqual(['build', 'lint']);
    expect(kinds('npm run check')).toEqual(['test', 'lint']);
    // npm runs `pretest` first: "npm run lint" in web/ → next lint.
    expect(kinds('cd web && npm test')).toEqual(['test', 'lint']);
    expect(kinds('npm --prefix web test')).toEqual(['test', 'lint']);
    expect(kinds('npm test', 'web')).toEqual(['test', 'lint']);
    expect(kinds('yarn --cwd web lint')).toEqual(['lint']);
    expect(kinds('npm run missing')).toEqual([]);
    // Without a package.json the script's name is all there is.
    expect(kinds('npm run test:e2e', 'nowhere')).toEqual(['test']);
    // Several workspaces at once: by name.
    expect(kinds('pnpm -r run lint')).toEqual(['lint']);
  });

  it('reads make targets with their prerequisites and variables', () => {
    expect(kinds('make', 'api')).toEqual(['build', 'test']);
    expect(kinds('make -C api image')).toEqual(['build', 'publish-image']);
    expect(kinds('make -C api test')).toEqual(['test']);
    expect(kinds('make lint-all')).toEqual(['lint']);
  });

  it('reads repository shell scripts, not other languages\' scripts', () => {
    expect(kinds('bash scripts/ci.sh')).toEqual(['dependency-scan', 'secret-scan']);
    expect(kinds('./scripts/ci.sh')).toEqual(['dependency-scan', 'secret-scan']);
    expect(kinds('./scripts/report.py')).toEqual([]);
    expect(kinds('./scripts/missing.sh')).toEqual([]);
  });

  it('follows cd to tell where each command runs', () => {
    const facts = cl.script('npm ci\ncd web\nnpm test\ncd ..\ncd $SERVICE_DIR\nmake', '.');
    expect(facts.commands.map((c) => [c.line, c.dir, c.located])).toEqual([
      [0, '.', true],
      [1, 'web', false],
      [2, 'web', true],
      [3, '.', false],
      [4, null, false],
      [5, null, true],
    ]);
    expect(facts.endDir).toBeNull();
  });
});

describe('taskKinds', () => {
  it('reads a task name word by word', () => {
    expect(taskKinds('test:unit')).toEqual(['test']);
    expect(taskKinds('format:check')).toEqual(['lint']);
    expect(taskKinds('format')).toEqual([]);
    expect(taskKinds('docker-push')).toEqual(['publish-image']);
    expect(taskKinds('latest')).toEqual([]);
  });
});

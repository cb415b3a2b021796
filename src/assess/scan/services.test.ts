import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromDirectory, filesFromMap, scanProblems } from './files.js';
import { aggregatorFolders, findServices, ownFiles } from './services.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));

describe('findServices on the fixture repositories', () => {
  it('node-service: the root is one service, named by its catalog-info.yaml; test/fixtures/package.json is not a service', async () => {
    const files = await fixture('node-service');
    expect(findServices(files)).toEqual([
      {
        path: '.',
        name: 'checkout-api',
        evidence: [{ file: 'catalog-info.yaml', line: 4, excerpt: 'Component checkout-api' }, { file: 'package.json' }],
      },
    ]);
    // The fixture's files still belong to the service (it is scanned with them), but it is no service of its own.
    expect(ownFiles(files, '.')).toContain('test/fixtures/package.json');
  });

  it('java-service: named by the artifactId, not the parent POM', async () => {
    expect(findServices(await fixture('java-service'))).toEqual([{ path: '.', name: 'orders-service', evidence: [{ file: 'pom.xml' }] }]);
  });

  it('go-service: named by the module path without its /v2 major-version suffix', async () => {
    expect(findServices(await fixture('go-service'))).toEqual([{ path: '.', name: 'inventory', evidence: [{ file: 'go.mod' }] }]);
  });

  it('python-service: named by [tool.poetry] name', async () => {
    expect(findServices(await fixture('python-service'))).toEqual([
      { path: '.', name: 'billing-worker', evidence: [{ file: 'pyproject.toml' }, { file: 'requirements.txt' }] },
    ]);
  });

  it('monorepo: three services under services/, the npm workspace root is none', async () => {
    const files = await fixture('monorepo');
    expect(findServices(files).map((s) => [s.path, s.name])).toEqual([
      ['services/api', 'orders-api'], // catalog-info.yaml metadata.name beats package.json "@acme/api"
      ['services/web', 'web'], // "@acme/web" without its scope
      ['services/worker', 'acme-worker'], // pyproject [project] name
    ]);
    expect([...aggregatorFolders(files)]).toEqual(['.']);
    // Root files belong to no service; a service's files exclude nothing of its own.
    expect(ownFiles(files, 'services/web')).toEqual(['services/web/Dockerfile', 'services/web/package.json', 'services/web/src/index.js']);
    expect(ownFiles(files, '.')).toEqual(['.github/CODEOWNERS', '.github/dependabot.yml', 'README.md', 'infra/main.tf', 'package-lock.json', 'package.json']);
  });
});

describe('findServices: roots, aggregators and traps', () => {
  it('a Maven aggregator is no service; its modules are, each named by artifactId', () => {
    const files = filesFromMap({
      'pom.xml': '<project><artifactId>shop-parent</artifactId><packaging>pom</packaging><modules><module>orders</module><module>billing</module></modules></project>',
      'orders/pom.xml': '<project><parent><artifactId>shop-parent</artifactId></parent><artifactId>orders</artifactId></project>',
      'billing/pom.xml': '<project><parent><artifactId>shop-parent</artifactId></parent><artifactId>billing-svc</artifactId></project>',
      'orders/src/test/resources/sample/pom.xml': '<project><artifactId>sample</artifactId></project>',
    });
    expect(findServices(files).map((s) => [s.path, s.name])).toEqual([['billing', 'billing-svc'], ['orders', 'orders']]);
  });

  it('a Gradle build with includes is an aggregator; a single-project settings file is not', () => {
    const multi = filesFromMap({
      'settings.gradle.kts': '// modules\nrootProject.name = "shop"\ninclude(":api", ":worker")\n',
      'build.gradle.kts': 'plugins { java }\n',
      'api/build.gradle.kts': 'plugins { application }\n',
      'worker/build.gradle.kts': 'plugins { application }\n',
    });
    expect(findServices(multi).map((s) => s.path)).toEqual(['api', 'worker']);
    expect(findServices(multi)[0]!.name).toBe('api');
    const single = filesFromMap({ 'settings.gradle': "rootProject.name = 'ledger'\n// include 'old'\n", 'build.gradle': "plugins { id 'java' }\n" });
    expect(findServices(single)).toEqual([{ path: '.', name: 'ledger', evidence: [{ file: 'build.gradle' }] }]);
  });

  it('a Cargo workspace without [package] and a go.work are aggregators; a Cargo.toml with both is a service too', () => {
    const cargo = filesFromMap({
      'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n',
      'crates/gateway/Cargo.toml': '[package]\nname = "gateway"\nversion = "0.1.0"\n',
      'crates/gateway/src/main.rs': 'fn main() {}\n',
    });
    expect(findServices(cargo).map((s) => [s.path, s.name])).toEqual([['crates/gateway', 'gateway']]);
    const both = filesFromMap({ 'Cargo.toml': '[package]\nname = "cli"\n\n[workspace]\nmembers = ["x"]\n', 'x/Cargo.toml': '[package]\nname = "x"\n' });
    expect(findServices(both).map((s) => s.name)).toEqual(['cli', 'x']);
    const gowork = filesFromMap({ 'go.work': 'go 1.22\nuse ./a\n', 'a/go.mod': 'module example.com/a\n' });
    expect(findServices(gowork).map((s) => s.path)).toEqual(['a']);
  });

  it('a workspace root with nothing below it is the service', () => {
    const files = filesFromMap({ 'package.json': '{"name":"tool","workspaces":["packages/*"]}', 'index.js': '' });
    expect(findServices(files).map((s) => [s.path, s.name])).toEqual([['.', 'tool']]);
  });

  it('a pnpm-workspace.yaml makes the root an aggregator', () => {
    const files = filesFromMap({
      'package.json': '{"name":"mono","private":true}',
      'pnpm-workspace.yaml': "packages:\n  - 'apps/*'\n",
      'apps/site/package.json': '{"name":"site"}',
    });
    expect(findServices(files).map((s) => s.path)).toEqual(['apps/site']);
  });

  it('a Dockerfile with no build file above is a service; one below a build file is not', () => {
    const files = filesFromMap({
      'proxy/Dockerfile': 'FROM nginx:1.27\n',
      'app/package.json': '{"name":"app"}',
      'app/docker/Dockerfile': 'FROM node:20\n',
    });
    expect(findServices(files)).toEqual([
      { path: 'app', name: 'app', evidence: [{ file: 'app/package.json' }] },
      { path: 'proxy', name: 'proxy', evidence: [{ file: 'proxy/Dockerfile' }] },
    ]);
    expect(ownFiles(files, 'app')).toEqual(['app/docker/Dockerfile', 'app/package.json']);
  });

  it('a catalog-info.yaml Component alone makes a service; other kinds do not', () => {
    const files = filesFromMap({
      'svc/catalog-info.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: legacy-batch\nspec:\n  owner: ops\n',
      'sys/catalog-info.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: shop\n',
    });
    expect(findServices(files)).toEqual([{ path: 'svc', name: 'legacy-batch', evidence: [{ file: 'svc/catalog-info.yaml', line: 4, excerpt: 'Component legacy-batch' }] }]);
  });

  it('ignores fixtures, docs requirements and option-only package.json files', () => {
    const files = filesFromMap({
      'package.json': '{"name":"site","dependencies":{"express":"4"}}',
      'src/esm/package.json': '{"type":"module"}',
      'docs/requirements.txt': 'mkdocs==1.6\n',
      'docs/index.md': '# Docs\n',
      'test/fixtures/app/package.json': '{"name":"fixture-app"}',
      '__tests__/go/go.mod': 'module example.com/fixture\n',
      'e2e/package.json': '{"name":"e2e","devDependencies":{"@playwright/test":"1"}}',
      'scripts/requirements.txt': 'requests\n',
      'scripts/sync.py': 'import requests\n',
    });
    expect(findServices(files).map((s) => s.path)).toEqual(['.', 'scripts']);
  });

  it('a nested service takes its files away from the service above it', () => {
    const files = filesFromMap({
      'go.mod': 'module example.com/api\n',
      'main.go': 'package main\n',
      'tools/migrate/go.mod': 'module example.com/migrate\n',
      'tools/migrate/main.go': 'package main\n',
    });
    expect(findServices(files).map((s) => s.path)).toEqual(['.', 'tools/migrate']);
    expect(ownFiles(files, '.')).toEqual(['go.mod', 'main.go']);
    expect(ownFiles(files, 'tools')).toEqual([]);
  });

  it('names the root after the repository when nothing names it, and reports a broken catalog-info.yaml', () => {
    const files = filesFromMap({ 'Dockerfile': 'FROM alpine:3.20\n', 'catalog-info.yaml': 'kind: Component\nmetadata:\n  name: [oops\n' }, { name: 'ops-tools' });
    expect(findServices(files)).toEqual([{ path: '.', name: 'ops-tools', evidence: [{ file: 'Dockerfile' }] }]);
    expect(scanProblems(files)).toEqual([{ file: 'catalog-info.yaml', line: 4, message: expect.stringMatching(/^not valid YAML: /) as unknown as string }]);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromDirectory, filesFromMap, findServices, scanProblems, scanService } from './index.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));

describe('scanService', () => {
  it('go-service: every fact with the file and line that shows it', async () => {
    const files = await fixture('go-service');
    const [service] = findServices(files);
    expect(scanService(files, service!)).toEqual({
      path: '.',
      name: 'inventory',
      languages: [
        {
          name: 'go',
          evidence: [{ file: 'go.mod' }, { file: 'internal/stock/handler.go', excerpt: '3 go source files' }, { file: 'main.go' }, { file: 'main_test.go' }],
        },
      ],
      buildTools: [{ name: 'go-modules', evidence: [{ file: 'go.mod' }] }],
      container: {
        dockerfiles: [
          {
            file: 'Dockerfile',
            baseImages: [{ image: 'golang:latest', line: 1, stage: null }],
            pinnedBase: false,
            nonRootFinalStage: false,
            evidence: [{ file: 'Dockerfile', line: 1, excerpt: 'FROM golang:latest' }],
          },
        ],
        builders: [],
      },
      deployment: [{ name: 'compose', evidence: [{ file: 'docker-compose.yml' }] }],
      observability: {
        opentelemetry: [],
        prometheus: [
          { file: 'go.mod', line: 6, excerpt: 'github.com/prometheus/client_golang v1.19.0' },
          { file: 'main.go', line: 10, excerpt: '"github.com/prometheus/client_golang/prometheus/promhttp"' },
        ],
        healthCheck: [
          { file: 'Dockerfile', line: 8, excerpt: 'HEALTHCHECK --interval=30s --timeout=3s \\ CMD wget -qO- http://localhost:8080/healthz || exit 1' },
          { file: 'main.go', line: 21, excerpt: 'mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {' },
        ],
        structuredLogging: [
          { file: 'go.mod', line: 7, excerpt: 'go.uber.org/zap v1.27.0' },
          { file: 'internal/stock/handler.go', line: 7, excerpt: '"go.uber.org/zap"' },
          { file: 'main.go', line: 11, excerpt: '"go.uber.org/zap"' },
        ],
      },
      ownership: { codeowners: null, readme: 'README.md', catalogInfo: null },
      dependencyBots: [],
    });
    expect(scanProblems(files)).toEqual([]);
  });

  it('monorepo: each service with its own facts, repository-level files applied to all', async () => {
    const files = await fixture('monorepo');
    const scans = findServices(files).map((s) => scanService(files, s));
    expect(
      scans.map((s) => ({
        path: s.path,
        name: s.name,
        tools: s.buildTools.map((t) => t.name),
        dockerfiles: s.container.dockerfiles.map((d) => d.file),
        deployment: s.deployment.map((d) => d.name),
        otel: s.observability.opentelemetry.length > 0,
        owners: s.ownership.codeowners?.owners,
        bots: s.dependencyBots.map((b) => `${b.name}:${b.evidence.map((e) => e.line).join(',')}`),
      })),
    ).toEqual([
      { path: 'services/api', name: 'orders-api', tools: ['npm'], dockerfiles: [], deployment: ['kubernetes', 'kustomize'], otel: true, owners: ['@acme/api-team', '@alice'], bots: ['dependabot:3'] },
      { path: 'services/web', name: 'web', tools: ['npm'], dockerfiles: ['services/web/Dockerfile'], deployment: [], otel: false, owners: ['@acme/frontend'], bots: ['dependabot:3,11'] },
      { path: 'services/worker', name: 'acme-worker', tools: ['uv'], dockerfiles: [], deployment: [], otel: true, owners: ['@acme/backend'], bots: ['dependabot:7'] },
    ]);
  });

  it('scans each fixture without problems, and reports broken files without failing', async () => {
    for (const name of ['node-service', 'java-service', 'python-service']) {
      const files = await fixture(name);
      for (const s of findServices(files)) scanService(files, s);
      expect(scanProblems(files)).toEqual([]);
    }
    const broken = filesFromMap({
      'package.json': '{ "name": "x", }',
      'pom.xml': '<html></html>',
      'catalog-info.yaml': 'kind: Component\nmetadata: {name: a\n',
    });
    const services = findServices(broken);
    expect(services.map((s) => s.name)).toEqual(['repository']);
    expect(scanService(broken, services[0]!).buildTools.map((t) => t.name)).toEqual(['npm', 'maven']);
    expect(scanProblems(broken).map((p) => `${p.file}:${p.line ?? ''}`).sort()).toEqual(['catalog-info.yaml:3', 'package.json:1', 'pom.xml:']);
  });
});

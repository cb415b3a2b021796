import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromDirectory, filesFromMap } from './files.js';
import { healthRoutes, importsOf, isTestFile, scanObservability } from './observability.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));
const where = (list: Array<{ file: string; line?: number }>) => list.map((e) => `${e.file}:${e.line ?? ''}`);

describe('scanObservability on the fixtures', () => {
  it('node-service: OpenTelemetry declared and imported, pino, /healthz; prom-client only in devDependencies, a test, a fixture and comments does not count', async () => {
    const o = scanObservability(await fixture('node-service'), '.');
    expect(o.opentelemetry).toEqual([
      { file: 'package.json', line: 12, excerpt: '"@opentelemetry/auto-instrumentations-node": "^0.46.0",' },
      { file: 'package.json', line: 13, excerpt: '"@opentelemetry/sdk-node": "^0.51.0",' },
      { file: 'src/tracing.js', line: 2, excerpt: "import { NodeSDK } from '@opentelemetry/sdk-node';" },
      { file: 'src/tracing.js', line: 3, excerpt: "import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';" },
    ]);
    expect(o.prometheus).toEqual([]);
    expect(o.healthCheck).toEqual([
      { file: 'src/server.js', line: 15, excerpt: "app.get('/healthz', (_req, res) => {" },
      { file: 'deploy/k8s/deployment.yaml', line: 22, excerpt: 'readinessProbe:' },
    ]);
    expect(where(o.structuredLogging)).toEqual(['package.json:15', 'package.json:16', 'src/server.js:3', 'src/server.js:4']);
  });

  it('java-service: micrometer Prometheus registry, actuator, logstash encoder (pom and logback-spring.xml); the commented-out and test-scoped OpenTelemetry do not count', async () => {
    const o = scanObservability(await fixture('java-service'), '.');
    expect(o.opentelemetry).toEqual([]);
    expect(o.prometheus).toEqual([{ file: 'pom.xml', line: 34, excerpt: '<artifactId>micrometer-registry-prometheus</artifactId>' }]);
    expect(o.healthCheck).toEqual([
      { file: 'pom.xml', line: 30, excerpt: '<artifactId>spring-boot-starter-actuator</artifactId>' },
      { file: 'charts/orders/templates/deployment.yaml', line: 23, excerpt: 'livenessProbe:' },
      { file: 'charts/orders/templates/deployment.yaml', line: 27, excerpt: 'readinessProbe:' },
    ]);
    expect(o.structuredLogging).toEqual([
      { file: 'pom.xml', line: 38, excerpt: '<artifactId>logstash-logback-encoder</artifactId>' },
      { file: 'src/main/resources/logback-spring.xml', line: 4, excerpt: '<encoder class="net.logstash.logback.encoder.LogstashEncoder"/>' },
    ]);
  });

  it('go-service: client_golang and zap required and imported, /healthz route and HEALTHCHECK; the indirect otel module, the doc comment, the string constant and the test do not count', async () => {
    const o = scanObservability(await fixture('go-service'), '.');
    expect(o.opentelemetry).toEqual([]);
    expect(o.prometheus).toEqual([
      { file: 'go.mod', line: 6, excerpt: 'github.com/prometheus/client_golang v1.19.0' },
      { file: 'main.go', line: 10, excerpt: '"github.com/prometheus/client_golang/prometheus/promhttp"' },
    ]);
    expect(o.healthCheck).toEqual([
      { file: 'Dockerfile', line: 8, excerpt: 'HEALTHCHECK --interval=30s --timeout=3s \\ CMD wget -qO- http://localhost:8080/healthz || exit 1' },
      { file: 'main.go', line: 21, excerpt: 'mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {' },
    ]);
    expect(where(o.structuredLogging)).toEqual(['go.mod:7', 'internal/stock/handler.go:7', 'main.go:11']);
  });

  it('python-service: structlog, prometheus-client from requirements.txt and the import, /health; "# TODO: add opentelemetry", the docstring, the dev group and the test do not count', async () => {
    const o = scanObservability(await fixture('python-service'), '.');
    expect(o.opentelemetry).toEqual([]);
    expect(o.prometheus).toEqual([
      { file: 'billing/main.py', line: 7, excerpt: 'from prometheus_client import Counter, start_http_server' },
      { file: 'requirements.txt', line: 5, excerpt: 'prometheus-client==0.20.0 ; python_version >= "3.8"' },
    ]);
    expect(o.healthCheck).toEqual([{ file: 'billing/main.py', line: 17, excerpt: '@app.get("/health")' }]);
    expect(where(o.structuredLogging)).toEqual(['billing/main.py:5', 'pyproject.toml:10', 'requirements.txt:3']);
  });

  it('monorepo: winston counts with format.json(), the uv worker with python-json-logger and OpenTelemetry', async () => {
    const files = await fixture('monorepo');
    const web = scanObservability(files, 'services/web');
    expect(web.structuredLogging).toEqual([
      { file: 'services/web/package.json', line: 8, excerpt: '"winston": "^3.13.0"' },
      { file: 'services/web/src/index.js', line: 3, excerpt: "const winston = require('winston');" },
      { file: 'services/web/src/index.js', line: 7, excerpt: 'format: winston.format.combine(winston.format.timestamp(), winston.format.json()),' },
    ]);
    expect(web.healthCheck).toEqual([{ file: 'services/web/src/index.js', line: 13, excerpt: "app.get('/live', (_req, res) => res.sendStatus(204));" }]);
    const worker = scanObservability(files, 'services/worker');
    expect(where(worker.opentelemetry)).toEqual(['services/worker/pyproject.toml:7']);
    expect(where(worker.structuredLogging)).toEqual(['services/worker/acme_worker/tasks.py:4', 'services/worker/pyproject.toml:8']);
    expect(worker.healthCheck).toEqual([]);
  });
});

describe('imports and routes', () => {
  it('reads imports per language, ignoring comments and strings', () => {
    const mods = (text: string, lang: string) => importsOf(text, lang).map((i) => i.module);
    expect(mods("import x from 'a';\n// import 'b'\nconst s = \"require('c')\";\nconst d = require('d');\n", 'typescript')).toEqual(['a', 'd']);
    expect(mods('import os, structlog as sl\nfrom a.b import c\n"""\nimport hidden\n"""\n  # import also_hidden\n', 'python')).toEqual(['os', 'structlog', 'a.b']);
    expect(mods('package x\n\nimport (\n\t"fmt"\n\t// "go.opentelemetry.io/otel"\n\tz "go.uber.org/zap"\n)\nimport "log/slog"\n\nfunc f() { _ = "github.com/prometheus/client_golang" }\n', 'go')).toEqual(['fmt', 'go.uber.org/zap', 'log/slog']);
    expect(mods('import io.opentelemetry.api.GlobalOpenTelemetry;\n/* import io.prometheus.Foo; */\nimport static a.B.c;\n', 'java')).toEqual(['io.opentelemetry.api.GlobalOpenTelemetry', 'a.B.c']);
    expect(mods('using OpenTelemetry.Trace;\nglobal using Prometheus;\nusing Alias = Serilog.Formatting.Compact;\n', 'csharp')).toEqual(['OpenTelemetry.Trace', 'Prometheus', 'Serilog.Formatting.Compact']);
    expect(mods('use opentelemetry::global;\npub use prometheus::Registry;\n// use tracing_opentelemetry::x;\n', 'rust')).toEqual(['opentelemetry::global', 'prometheus::Registry']);
  });

  it.each([
    ["router.get('/healthz', handler)", 'javascript'],
    ['fastify.route({ method: "GET", url: "/readyz", handler })', 'typescript'],
    ['server.route({ method: "GET", path: "/health" })', 'javascript'],
    ['@Get("health")', 'typescript'],
    ['@GetMapping(value = "/livez")', 'java'],
    ['@RequestMapping(path = "/health/ready")', 'kotlin'],
    ['http.HandleFunc("GET /healthz", h)', 'go'],
    ['@app.route("/ready")', 'python'],
    ['path("healthz/", views.health)', 'python'],
    ['app.MapHealthChecks("/health");', 'csharp'],
    ['[HttpGet("healthz")]', 'csharp'],
    ['.route("/health", get(health))', 'rust'],
    ["healthChecks: { '/healthz': check }", 'javascript'],
  ])('%s is a health route', (line, language) => {
    expect(healthRoutes(`${line}\n`, 'f', language)).toEqual([{ file: 'f', line: 1, excerpt: line }]);
  });

  it.each([
    ["// app.get('/healthz', h)", 'javascript'],
    ["logger.info('GET /health failed')", 'javascript'],
    ["app.get('/healthy-snacks', h)", 'javascript'],
    ['# @app.get("/health")', 'python'],
    ["app.get('/orders', h) // see /healthz", 'javascript'],
  ])('%s is none', (line, language) => {
    expect(healthRoutes(`${line}\n`, 'f', language)).toEqual([]);
  });

  it('tells test files from code', () => {
    expect(['src/app.test.ts', 'pkg/x_test.go', 'tests/test_api.py', 'src/test/java/AppTest.java', '__tests__/a.js', 'src/OrderIT.java', 'conftest.py'].every(isTestFile)).toBe(true);
    expect(['src/app.ts', 'pkg/x.go', 'billing/main.py', 'src/main/java/Testament.java', 'src/contest.py'].some(isTestFile)).toBe(false);
  });
});

describe('structured logging that needs configuration', () => {
  it('winston without format.json, slog without JSONHandler and logrus without JSONFormatter are not structured', () => {
    const files = filesFromMap({
      'package.json': '{"name":"a","dependencies":{"winston":"3"}}',
      'src/log.js': "import winston from 'winston';\nexport const log = winston.createLogger({ format: winston.format.simple() });\n",
      'go.mod': 'module x\nrequire github.com/sirupsen/logrus v1.9.3\n',
      'main.go': 'package main\n\nimport "log/slog"\n\nfunc main() { slog.New(slog.NewTextHandler(nil, nil)) }\n',
    });
    expect(scanObservability(files, '.').structuredLogging).toEqual([]);
  });

  it('slog JSONHandler, logrus JSONFormatter, Serilog JSON formatters, tracing-subscriber json, log4j2 JsonTemplateLayout and Spring structured logging are', () => {
    const files = filesFromMap({
      'go/go.mod': 'module x\n',
      'go/main.go': 'package main\n\nimport "log/slog"\n\nfunc main() {\n\tslog.New(slog.NewJSONHandler(os.Stdout, nil))\n\tlogrus.SetFormatter(&logrus.JSONFormatter{})\n}\n',
      'net/Api.csproj': '<Project><ItemGroup><PackageReference Include="Serilog.AspNetCore" Version="8" /></ItemGroup></Project>',
      'net/Program.cs': 'using Serilog;\nLog.Logger = new LoggerConfiguration().WriteTo.Console(new CompactJsonFormatter()).CreateLogger();\n',
      'net/appsettings.json': '{ "Serilog": { "WriteTo": [ { "Name": "Console", "Args": { "formatter": "Serilog.Formatting.Compact.RenderedCompactJsonFormatter, Serilog.Formatting.Compact" } } ] } }',
      'rs/Cargo.toml': '[package]\nname = "r"\n\n[dependencies]\ntracing-subscriber = "0.3"\n',
      'rs/src/main.rs': 'fn main() {\n    tracing_subscriber::fmt().json().init();\n}\n',
      'jvm/build.gradle': "dependencies {\n  implementation 'org.apache.logging.log4j:log4j-core:2.23.1'\n}\n",
      'jvm/src/main/resources/log4j2.xml': '<Configuration>\n  <!-- <JsonLayout/> -->\n  <Appenders><Console name="out"><JsonTemplateLayout eventTemplateUri="classpath:EcsLayout.json"/></Console></Appenders>\n</Configuration>\n',
      'boot/pom.xml': '<project><artifactId>boot</artifactId></project>',
      'boot/src/main/resources/application.properties': '# logging.structured.format.file=ecs\nlogging.structured.format.console=ecs\n',
    });
    expect(where(scanObservability(files, 'go').structuredLogging)).toEqual(['go/main.go:6', 'go/main.go:7']);
    expect(where(scanObservability(files, 'net').structuredLogging)).toEqual(['net/Program.cs:2', 'net/appsettings.json:1']);
    expect(where(scanObservability(files, 'rs').structuredLogging)).toEqual(['rs/Cargo.toml:5', 'rs/src/main.rs:2']);
    expect(where(scanObservability(files, 'jvm').structuredLogging)).toEqual(['jvm/src/main/resources/log4j2.xml:3']);
    expect(where(scanObservability(files, 'boot').structuredLogging)).toEqual(['boot/src/main/resources/application.properties:2']);
  });

  it('OpenTelemetry and Prometheus in .NET, Rust and Gradle declarations', () => {
    const files = filesFromMap({
      'net/Api.csproj': '<Project>\n<ItemGroup>\n<PackageReference Include="OpenTelemetry.Extensions.Hosting" />\n<PackageReference Include="prometheus-net.AspNetCore" />\n</ItemGroup>\n</Project>\n',
      'rs/Cargo.toml': '[package]\nname = "r"\n\n[dependencies]\nopentelemetry = "0.23"\n\n[dev-dependencies]\nprometheus = "0.13"\n',
      'jvm/build.gradle.kts': 'dependencies {\n    implementation("io.opentelemetry.instrumentation:opentelemetry-spring-boot-starter")\n    testImplementation("io.micrometer:micrometer-registry-prometheus")\n}\n',
    });
    expect(where(scanObservability(files, 'net').opentelemetry)).toEqual(['net/Api.csproj:3']);
    expect(where(scanObservability(files, 'net').prometheus)).toEqual(['net/Api.csproj:4']);
    expect(where(scanObservability(files, 'rs').opentelemetry)).toEqual(['rs/Cargo.toml:5']);
    expect(scanObservability(files, 'rs').prometheus).toEqual([]);
    expect(where(scanObservability(files, 'jvm').opentelemetry)).toEqual(['jvm/build.gradle.kts:2']);
    expect(scanObservability(files, 'jvm').prometheus).toEqual([]);
  });
});

/**
 * How a service can be observed: OpenTelemetry and Prometheus clients declared as runtime dependencies or
 * imported in code, health-check endpoints (routes, Spring actuator, Dockerfile HEALTHCHECK, Kubernetes probes)
 * and structured (JSON) logging. Code is read with comments removed, so `# TODO: add opentelemetry` or an
 * example in a doc comment never counts; only import statements and route definitions do.
 */
import type { Evidence, ServiceScan } from '../model/scan.js';
import { dockerHealthchecks, isDockerfileName, readDockerfile } from './containers.js';
import { deploymentHealthChecks } from './deployment.js';
import { baseName, folderOf, LineIndex, type RepoFiles } from './files.js';
import { isTestFolder, ownFiles } from './services.js';
import { declaredDependencies, languageOf, stripComments, type Dependency } from './stack.js';

type Signal = 'opentelemetry' | 'prometheus' | 'structuredLogging' | 'healthCheck';

const REQUIREMENTS_DIR = /(^|\/)requirements\/[^/]+\.txt$/;
const DEPENDENCY_FILE = /^(?:package\.json|composer\.json|pom\.xml|build\.gradle(?:\.kts)?|go\.mod|requirements.*\.txt|pyproject\.toml|Pipfile|Cargo\.toml|Gemfile|[^/]+\.[cf]sproj)$/i;

function normalisePy(name: string): string {
  return name.toLowerCase().replace(/[_.]+/g, '-');
}

/** What a declared dependency signals, by ecosystem and name. */
function dependencySignals(dep: Dependency): Signal[] {
  const n = dep.name;
  switch (dep.ecosystem) {
    case 'npm': {
      const out: Signal[] = [];
      if (n.startsWith('@opentelemetry/')) out.push('opentelemetry');
      if (/^(?:prom-client|express-prom-bundle|fastify-metrics|@willsoto\/nestjs-prometheus|@opentelemetry\/exporter-prometheus)$/.test(n)) out.push('prometheus');
      if (/^(?:pino|pino-http|nestjs-pino|hapi-pino|bunyan)$/.test(n)) out.push('structuredLogging');
      if (n === '@nestjs/terminus') out.push('healthCheck');
      return out;
    }
    case 'maven':
    case 'gradle': {
      const lower = n.toLowerCase();
      const out: Signal[] = [];
      const [group = '', artifact = lower] = lower.includes(':') ? lower.split(':') : ['', lower];
      if (group.startsWith('io.opentelemetry') || /opentelemetry|tracing-bridge-otel|(^|[.-])otel([.-]|$)/.test(artifact)) out.push('opentelemetry');
      if (group.startsWith('io.prometheus') || /prometheus/.test(artifact)) out.push('prometheus');
      if (/logstash-logback-encoder|logback-ecs-encoder|log4j-layout-template-json|log4j2-ecs-layout|(^|[.-])logstash([.-]|$)/.test(artifact)) out.push('structuredLogging');
      if (/spring-boot-starter-actuator|quarkus-smallrye-health|micronaut-management|(^|[.-])actuator([.-]|$)/.test(artifact)) out.push('healthCheck');
      return out;
    }
    case 'go': {
      const out: Signal[] = [];
      if (n.startsWith('go.opentelemetry.io/')) out.push('opentelemetry');
      if (n.startsWith('github.com/prometheus/client_golang')) out.push('prometheus');
      if (n === 'go.uber.org/zap' || n === 'github.com/rs/zerolog') out.push('structuredLogging');
      return out;
    }
    case 'pypi': {
      const p = normalisePy(n);
      const out: Signal[] = [];
      if (p.startsWith('opentelemetry-')) out.push('opentelemetry');
      if (/^(?:prometheus-client|prometheus-flask-exporter|prometheus-fastapi-instrumentator|starlette-exporter|django-prometheus|aioprometheus)$/.test(p)) out.push('prometheus');
      if (/^(?:structlog|python-json-logger|ecs-logging|json-logging)$/.test(p)) out.push('structuredLogging');
      return out;
    }
    case 'nuget': {
      const out: Signal[] = [];
      if (/^OpenTelemetry(\.|$)/i.test(n)) out.push('opentelemetry');
      if (/^prometheus-net(\.|$)/i.test(n) || /^OpenTelemetry\.Exporter\.Prometheus/i.test(n)) out.push('prometheus');
      if (/^Serilog\.Formatting\.(?:Compact|Elasticsearch)$|^Elastic\.CommonSchema\.Serilog$/i.test(n)) out.push('structuredLogging');
      return out;
    }
    case 'cargo': {
      const out: Signal[] = [];
      if (/^(?:opentelemetry[\w-]*|tracing-opentelemetry)$/.test(n)) out.push('opentelemetry');
      if (/^(?:prometheus|prometheus-client|metrics-exporter-prometheus|axum-prometheus|actix-web-prom)$/.test(n)) out.push('prometheus');
      if (n === 'tracing-subscriber' && /["']json["']/.test(dep.detail ?? '')) out.push('structuredLogging');
      return out;
    }
    case 'rubygems': {
      const out: Signal[] = [];
      if (n.startsWith('opentelemetry-')) out.push('opentelemetry');
      if (n === 'prometheus-client') out.push('prometheus');
      return out;
    }
    case 'composer': {
      const out: Signal[] = [];
      if (n.startsWith('open-telemetry/')) out.push('opentelemetry');
      if (/^(?:promphp|jimdo)\/prometheus_client_php$/.test(n)) out.push('prometheus');
      return out;
    }
  }
}

/** What an imported module signals, by the importing file's language. */
function importSignals(language: string, module: string): Signal[] {
  const out: Signal[] = [];
  switch (language) {
    case 'javascript':
    case 'typescript': {
      const pkg = module.startsWith('@') ? module.split('/').slice(0, 2).join('/') : module.split('/')[0]!;
      return dependencySignals({ name: pkg, ecosystem: 'npm', runtime: true, file: '', line: 0, excerpt: '' });
    }
    case 'java':
    case 'kotlin':
    case 'scala':
      if (module.startsWith('io.opentelemetry.')) out.push('opentelemetry');
      if (module.startsWith('io.prometheus.') || /^io\.micrometer\.prometheus(metrics)?\./.test(module)) out.push('prometheus');
      if (module.startsWith('net.logstash.logback.')) out.push('structuredLogging');
      return out;
    case 'go':
      if (module.startsWith('go.opentelemetry.io/otel')) out.push('opentelemetry');
      if (module.startsWith('github.com/prometheus/client_golang')) out.push('prometheus');
      if (module === 'go.uber.org/zap' || module.startsWith('github.com/rs/zerolog')) out.push('structuredLogging');
      if (module.startsWith('google.golang.org/grpc/health')) out.push('healthCheck');
      return out;
    case 'python': {
      const top = module.split('.')[0]!;
      if (top === 'opentelemetry') out.push('opentelemetry');
      if (top === 'prometheus_client' || top === 'prometheus_flask_exporter' || top === 'prometheus_fastapi_instrumentator') out.push('prometheus');
      if (top === 'structlog' || top === 'pythonjsonlogger' || top === 'ecs_logging') out.push('structuredLogging');
      return out;
    }
    case 'csharp':
      if (/^OpenTelemetry(\.|$)/.test(module)) out.push('opentelemetry');
      if (/^Prometheus(\.|$)/.test(module)) out.push('prometheus');
      if (/^Serilog\.Formatting\.(Compact|Json)(\.|$)/.test(module)) out.push('structuredLogging');
      return out;
    case 'rust':
      if (/^(opentelemetry\w*|tracing_opentelemetry)(::|$)/.test(module)) out.push('opentelemetry');
      if (/^(prometheus|prometheus_client|metrics_exporter_prometheus)(::|$)/.test(module)) out.push('prometheus');
      return out;
    default:
      return out;
  }
}

/** A test file: its code does not define what the service runs (a test calling `/healthz` is not a route). */
export function isTestFile(path: string): boolean {
  const slash = path.lastIndexOf('/');
  if (slash !== -1 && isTestFolder(path.slice(0, slash))) return true;
  const name = path.slice(slash + 1);
  return /\.(test|spec)\.[cm]?[jt]sx?$|_test\.go$|^test_[^/]*\.py$|_test\.py$|^conftest\.py$|Tests?\.(java|kt|scala|cs)$|IT\.java$|_spec\.rb$/.test(name);
}

/** The modules a source file imports, each with its offset, comments and ordinary strings ignored. */
export function importsOf(text: string, language: string): Array<{ module: string; offset: number }> {
  const out: Array<{ module: string; offset: number }> = [];
  switch (language) {
    case 'javascript':
    case 'typescript':
      stripComments(text, 'c', 'imports', (s, e) => {
        const module = text.slice(s, e);
        if (module && !/\s/.test(module)) out.push({ module, offset: s });
      });
      return out;
    case 'python': {
      const clean = stripComments(text, 'python', 'blank');
      for (const m of clean.matchAll(/^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*))/gm)) {
        if (m[1]) out.push({ module: m[1], offset: m.index });
        else for (const part of m[2]!.split(',')) out.push({ module: part.trim().split(/[ \t]+/)[0]!, offset: m.index });
      }
      return out;
    }
    case 'java':
    case 'kotlin':
    case 'scala': {
      const clean = stripComments(text, 'c', 'blank');
      for (const m of clean.matchAll(/^[ \t]*import[ \t]+(?:static[ \t]+)?([\w.]+)/gm)) out.push({ module: m[1]!, offset: m.index });
      return out;
    }
    case 'go': {
      const clean = stripComments(text, 'c', 'keep');
      // Imports come before the first declaration; strings after it are never imports.
      const decl = /^(?:func|var|const|type)\b/m.exec(clean);
      const header = decl ? clean.slice(0, decl.index) : clean;
      const importDecl = /\bimport[ \t]*(\(|(?:[\w.]+[ \t]+)?"([^"\n]+)")/g;
      for (let m = importDecl.exec(header); m; m = importDecl.exec(header)) {
        if (m[2] !== undefined) {
          out.push({ module: m[2], offset: m.index });
          continue;
        }
        // An import block: the strings up to its `)`, searched once and skipped (linear however it is written).
        const blockStart = m.index + m[0].length;
        const close = header.indexOf(')', blockStart);
        const block = header.slice(blockStart, close === -1 ? header.length : close);
        for (const spec of block.matchAll(/"([^"\n]+)"/g)) out.push({ module: spec[1]!, offset: blockStart + spec.index });
        if (close === -1) break;
        importDecl.lastIndex = close + 1;
      }
      return out;
    }
    case 'csharp': {
      const clean = stripComments(text, 'c', 'blank');
      for (const m of clean.matchAll(/^[ \t]*(?:global[ \t]+)?using[ \t]+(?:static[ \t]+)?(?:\w+[ \t]*=[ \t]*)?([\w.]+)[ \t]*;/gm)) out.push({ module: m[1]!, offset: m.index });
      return out;
    }
    case 'rust': {
      const clean = stripComments(text, 'c', 'blank');
      for (const m of clean.matchAll(/^[ \t]*(?:pub(?:\([\w ]+\))?[ \t]+)?(?:use[ \t]+(?:::)?([\w:]+)|extern[ \t]+crate[ \t]+(\w+))/gm)) out.push({ module: m[1] ?? m[2]!, offset: m.index });
      return out;
    }
    default:
      return out;
  }
}

const HEALTH_PATH = String.raw`/?(?:api/)?(?:health|healthz|healthcheck|health-check|readyz|livez|ready|live|readiness|liveness)(?:/[\w.-]*)?`;
/** A route registration or handler annotation whose path is a health endpoint (`app.get('/healthz'`, `@GetMapping("/health")`, `http.HandleFunc("/readyz"`, `path("healthz/"`). */
const HEALTH_ROUTE = new RegExp(
  String.raw`\b(?:get|head|all|use|route|handle|handlefunc|getmapping|requestmapping|mapget|maphealthchecks|usehealthchecks|path|re_path|add_route|add_api_route|api_route|resource|httpget|controller)[ \t]*\([ \t\r\n]*(?:(?:value|path)[ \t]*=[ \t]*)?(["'\x60])(?:GET[ \t]+)?${HEALTH_PATH}\1` +
    String.raw`|\b(?:path|url)[ \t]*:[ \t]*(["'\x60])${HEALTH_PATH}\2` +
    String.raw`|(["'\x60])/(?:health|healthz|readyz|livez|ready|live)\3[ \t]*:` +
    String.raw`|@HealthCheck[ \t]*\(`,
  'gi',
);

/** Health-check route definitions in one source file (comments removed, strings kept). */
export function healthRoutes(text: string, file: string, language: string, lines = new LineIndex(text), clean?: string): Evidence[] {
  if (!/health|ready|live/i.test(text)) return [];
  clean ??= stripComments(text, syntaxOf(language), 'keep');
  const out: Evidence[] = [];
  for (const m of clean.matchAll(HEALTH_ROUTE)) {
    const line = lines.lineAt(m.index);
    out.push({ file, line, excerpt: lines.excerpt(line) });
  }
  return out;
}

function syntaxOf(language: string): 'python' | 'hash' | 'c' {
  return language === 'python' ? 'python' : language === 'ruby' ? 'hash' : 'c';
}

/** Code that turns a logger into a JSON one (winston `format.json()`, slog `NewJSONHandler`, logrus `JSONFormatter`, Serilog JSON formatters, tracing-subscriber `.json()`). */
const JSON_LOGGING_CODE: Record<string, RegExp> = {
  javascript: /\bformat\.json[ \t]*\(|\bwinston\.format\.json\b/g,
  typescript: /\bformat\.json[ \t]*\(|\bwinston\.format\.json\b/g,
  go: /\bslog\.NewJSONHandler[ \t]*\(|\bJSONFormatter[ \t]*\{/g,
  csharp: /\bnew[ \t]+(?:Rendered)?(?:Compact)?JsonFormatter[ \t]*\(|\bnew[ \t]+(?:Elasticsearch)?JsonFormatter[ \t]*\(|\bEcsTextFormatter\b/g,
  rust: /\.json[ \t]*\([ \t]*\)/g,
};

/** Logging configuration files that select a JSON layout or encoder. */
const LOGGING_CONFIG: Array<{ file: RegExp; syntax: 'xml' | 'hash' | 'c'; pattern: RegExp }> = [
  { file: /^logback(?:-spring)?\.xml$/, syntax: 'xml', pattern: /LogstashEncoder|LoggingEventCompositeJsonEncoder|LogstashLayout|ch\.qos\.logback\.classic\.encoder\.JsonEncoder|co\.elastic\.logging\.logback\.EcsEncoder/g },
  { file: /^log4j2(?:-spring)?\.xml$/, syntax: 'xml', pattern: /<JsonLayout\b|<JsonTemplateLayout\b|<EcsLayout\b/g },
  { file: /^log4j2(?:-spring)?\.(?:json|ya?ml|properties)$/, syntax: 'hash', pattern: /\bJsonLayout\b|\bJsonTemplateLayout\b|\bEcsLayout\b/g },
  { file: /^application(?:-[\w-]+)?\.properties$/, syntax: 'hash', pattern: /^[ \t]*logging\.structured\.format\.(?:console|file)[ \t]*[=:]/gm },
  { file: /^application(?:-[\w-]+)?\.ya?ml$/, syntax: 'hash', pattern: /^[ \t]*structured:[ \t]*\r?\n[ \t]+format:[ \t]*\r?\n[ \t]+(?:console|file):/gm },
  { file: /^appsettings(?:\.[\w-]+)?\.json$/, syntax: 'c', pattern: /Serilog\.Formatting\.(?:Compact|Json)\.\w*JsonFormatter|CompactJsonFormatter|Elastic\.CommonSchema\.Serilog/g },
];

function dedupe(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const key = `${e.file}\0${e.line ?? ''}\0${e.job ?? ''}\0${e.step ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Words whose absence lets a source file be skipped without tokenising it. */
const INTERESTING = /opentelemetry|otel|prom|health|ready|live|pino|bunyan|winston|structlog|jsonlogger|ecs_logging|zap|zerolog|slog|logrus|JSONFormatter|serilog|JsonFormatter|tracing_subscriber|logstash|terminus/i;

/** Observability of one service folder: every signal with the declarations, imports and lines that show it. */
export function scanObservability(files: RepoFiles, folder: string): ServiceScan['observability'] {
  const found: Record<Signal, Evidence[]> = { opentelemetry: [], prometheus: [], structuredLogging: [], healthCheck: [] };
  const own = ownFiles(files, folder);
  /** winston is structured only when its JSON format is used; remember whether it is declared or imported. */
  const winston: Evidence[] = [];
  const tracingSubscriber: Evidence[] = [];
  const winstonFormats: Evidence[] = [];
  const tracingJson: Evidence[] = [];
  for (const p of own) {
    const name = baseName(p);
    if (DEPENDENCY_FILE.test(name) || REQUIREMENTS_DIR.test(p)) {
      // A fixture's build file inside the service (`test/fixtures/package.json`) declares nothing for it.
      if (isTestFolder(folderOf(p))) continue;
      for (const dep of declaredDependencies(files, p)) {
        if (!dep.runtime) continue;
        const ev: Evidence = { file: dep.file, line: dep.line, excerpt: dep.excerpt };
        for (const s of dependencySignals(dep)) found[s].push(ev);
        if (dep.ecosystem === 'npm' && dep.name === 'winston') winston.push(ev);
        if (dep.ecosystem === 'cargo' && dep.name === 'tracing-subscriber') tracingSubscriber.push(ev);
      }
      continue;
    }
    const config = LOGGING_CONFIG.find((c) => c.file.test(name));
    if (config && !isTestFile(p)) {
      const text = files.read(p);
      if (text === null) continue;
      const clean = stripComments(text, config.syntax, 'keep');
      const lines = new LineIndex(text);
      for (const m of clean.matchAll(config.pattern)) {
        const line = lines.lineAt(m.index + (m[0].length - m[0].trimStart().length));
        found.structuredLogging.push({ file: p, line, excerpt: lines.excerpt(line) });
      }
      continue;
    }
    if (isDockerfileName(name) && !isTestFolder(folderOf(p))) {
      const parsed = readDockerfile(files, p);
      if (parsed) found.healthCheck.push(...dockerHealthchecks(p, parsed));
      continue;
    }
    const language = languageOf(p);
    if (!language || isTestFile(p)) continue;
    const text = files.read(p);
    if (text === null || !INTERESTING.test(text)) continue;
    const lines = new LineIndex(text);
    for (const { module, offset } of importsOf(text, language)) {
      const signals = importSignals(language, module);
      if (signals.length === 0 && module !== 'winston' && !module.startsWith('tracing_subscriber')) continue;
      const line = lines.lineAt(offset);
      const ev: Evidence = { file: p, line, excerpt: lines.excerpt(line) };
      for (const s of signals) found[s].push(ev);
      if (module === 'winston') winston.push(ev);
      if (module.startsWith('tracing_subscriber')) tracingSubscriber.push(ev);
    }
    const jsonCode = JSON_LOGGING_CODE[language];
    const useJsonCode = jsonCode !== undefined && (language !== 'rust' || text.includes('tracing_subscriber'));
    const clean = useJsonCode || /health|ready|live/i.test(text) ? stripComments(text, syntaxOf(language), 'keep') : text;
    found.healthCheck.push(...healthRoutes(text, p, language, lines, clean));
    if (useJsonCode) {
      for (const m of clean.matchAll(jsonCode)) {
        const line = lines.lineAt(m.index);
        const ev: Evidence = { file: p, line, excerpt: lines.excerpt(line) };
        if (language === 'javascript' || language === 'typescript') winstonFormats.push(ev);
        else if (language === 'rust') tracingJson.push(ev);
        else found.structuredLogging.push(ev);
      }
    }
  }
  // The library alone logs text; with its JSON format configured, both the library and the format are evidence.
  if (winston.length && winstonFormats.length) found.structuredLogging.push(...winston, ...winstonFormats);
  if (tracingSubscriber.length && tracingJson.length) found.structuredLogging.push(...tracingSubscriber, ...tracingJson);
  found.healthCheck.push(...deploymentHealthChecks(files, folder));
  return {
    opentelemetry: dedupe(found.opentelemetry),
    prometheus: dedupe(found.prometheus),
    healthCheck: dedupe(found.healthCheck),
    structuredLogging: dedupe(found.structuredLogging),
  };
}

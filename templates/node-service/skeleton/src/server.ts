import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export interface AppOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
}

export interface App {
  server: Server;
  /** Readiness: false makes /readyz answer 503 so the load balancer stops sending traffic (e.g. on SIGTERM). */
  setReady(ready: boolean): void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Probes and scrapes arrive every few seconds; they are logged at debug level only. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** The HTTP service: routes, one server span per request, request metrics and one log line per request. */
export function createApp(options: AppOptions): App {
  const { service, logger, metrics } = options;
  const tracer = trace.getTracer(service);
  let ready = true;

  const routes = new Map<string, Handler>([
    ['/', (_req, res) => sendJson(res, 200, { service, message: `Hello from ${service}` })],
    // Liveness: the process is up and its event loop answers. Never checks dependencies.
    ['/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' })],
    // Readiness: add checks of what the service needs to do useful work (its database, for example).
    ['/readyz', (_req, res) => sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' })],
    [
      '/metrics',
      async (_req, res) => {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
    ],
  ]);

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = routes.get(path);
    // Unknown paths share one label so scanners cannot blow up the metrics' cardinality.
    const route = handler ? path : 'unmatched';
    const parent = propagation.extract(context.active(), req.headers);

    tracer.startActiveSpan(
      `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route, 'url.path': path } },
      parent,
      async (span) => {
        res.on(
          'finish',
          context.bind(context.active(), () => {
            const status = String(res.statusCode);
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            metrics.requests.inc({ method, route, status });
            metrics.duration.observe({ method, route, status }, seconds);
            span.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            const fields = { method, path, status: res.statusCode, duration_ms: Math.round(seconds * 1e6) / 1e3 };
            if (QUIET_ROUTES.has(route)) logger.debug('request', fields);
            else logger.info('request', fields);
            span.end();
          }),
        );
        try {
          if (!handler) sendJson(res, 404, { error: 'not found', path });
          else if (method !== 'GET' && method !== 'HEAD') {
            res.setHeader('allow', 'GET, HEAD');
            sendJson(res, 405, { error: `method ${method} not allowed`, path });
          } else await handler(req, res);
        } catch (err) {
          span.recordException(err as Error);
          logger.error('request failed', { path, err });
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.destroy();
        }
      },
    );
  });

  return { server, setReady: (value) => (ready = value) };
}

import { Agent, createServer, request, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ConflictError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import { hostKeyOf, printableHost } from './hosts.js';

/**
 * The local router (issue #5): one HTTP/1.1 port in front of every workload on this machine, routing by Host
 * (`<component>.<env>.localhost`) to the current instance's port on 127.0.0.1.
 *
 * A switch is one Map write, so every request that starts after `set()` goes to the new backend while requests
 * already sent to the old one finish there: each request counts against the backend it was routed to from the
 * moment of the lookup until its response is done, and `drain(port)` waits for that count to reach zero before
 * the caller stops the old instance. Upgraded connections (WebSocket) are tunnelled but not counted: they cannot
 * move, and end when their backend stops.
 */

export interface RouterOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  log?: Logger;
}

export interface Router {
  readonly port: number;
  readonly host: string;
  /** Routes `host` (a name like `orders.dev.localhost`; case and port ignored) to 127.0.0.1:`backendPort`. */
  set(host: string, backendPort: number): void;
  remove(host: string): void;
  backendOf(host: string): number | undefined;
  /** Requests routed to `backendPort` whose responses are not done yet. */
  inFlight(backendPort: number): number;
  /** Resolves true once nothing is in flight to `backendPort`, or false when `timeoutMs` passes first. */
  drain(backendPort: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Headers that belong to one connection, not the message (RFC 9110 7.6.1), plus `expect`, which the router answers. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

/** Idle time after which the router closes a client's keep-alive connection: longer than clients' own (4-5 s). */
const CLIENT_KEEP_ALIVE_MS = 65_000;
/** Idle time after which the router drops a pooled backend connection: shorter than Node servers' default 5 s. */
const BACKEND_IDLE_MS = 4000;

/** The end-to-end headers of a message: without hop-by-hop ones and those its Connection header names. */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  return out;
}

/** What a request to a backend carries: its end-to-end headers (Host kept) and X-Forwarded-For/Host/Proto. */
export function backendRequestHeaders(headers: IncomingHttpHeaders, clientAddress: string | undefined): OutgoingHttpHeaders {
  const prior = headers['x-forwarded-for'];
  const client = clientAddress ?? '';
  return {
    ...endToEndHeaders(headers),
    'x-forwarded-for': prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client,
    'x-forwarded-host': headers.host ?? '',
    'x-forwarded-proto': 'http',
  };
}

/**
 * Whether a request may be sent again after its pooled backend connection failed before any answer: no body and
 * a safe method. This covers the race where a backend closes an idle keep-alive connection just as a request is
 * written to it (Node's documented `reusedSocket` case).
 */
function retryable(req: IncomingMessage): boolean {
  const bodyless = !req.headers['transfer-encoding'] && (req.headers['content-length'] === undefined || req.headers['content-length'] === '0');
  return bodyless && ['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? '');
}

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text + '\n');
}

function rawHead(status: string, text: string): string {
  return `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(text) + 1}\r\n\r\n${text}\n`;
}

function headerLines(headers: OutgoingHttpHeaders): string {
  let out = '';
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out += `${k}: ${String(one).replace(/[\r\n]/g, ' ')}\r\n`;
  }
  return out;
}

/** Starts the router. A port already in use is a ConflictError naming it, before anything is routed. */
export async function createRouter(o: RouterOptions): Promise<Router> {
  const host = o.host ?? '127.0.0.1';
  const log = o.log ?? silentLogger;
  const routes = new Map<string, number>();
  const inflight = new Map<number, number>();
  const drainWaiters = new Map<number, Set<() => void>>();
  const tunnels = new Set<Socket>();
  const agent = new Agent({ keepAlive: true, timeout: BACKEND_IDLE_MS, maxFreeSockets: 256, scheduling: 'lifo' });

  /** Counts a request against its backend; the returned function (idempotent) ends it. */
  function track(port: number): () => void {
    inflight.set(port, (inflight.get(port) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (inflight.get(port) ?? 1) - 1;
      if (n > 0) {
        inflight.set(port, n);
        return;
      }
      inflight.delete(port);
      const waiters = drainWaiters.get(port);
      drainWaiters.delete(port);
      for (const w of waiters ?? []) w();
    };
  }

  function noRoute(reqHost: string | undefined): string {
    return `no workload is routed at ${printableHost(reqHost)} (expected <component>.<environment>.localhost)`;
  }

  function proxy(req: IncomingMessage, res: ServerResponse): void {
    const key = hostKeyOf(req.headers.host);
    const headers = backendRequestHeaders(req.headers, req.socket.remoteAddress);
    const canRetry = retryable(req);
    let current: ClientRequest | null = null;
    // A client that goes away takes its backend request with it.
    res.once('close', () => {
      if (!res.writableFinished) current?.destroy();
    });

    const send = (attempt: number): void => {
      const port = key === null ? undefined : routes.get(key);
      if (port === undefined) {
        req.resume();
        plain(res, 404, noRoute(req.headers.host));
        return;
      }
      const end = track(port);
      res.once('close', end);
      const preq = request({ agent, host: '127.0.0.1', port, method: req.method, path: req.url, headers });
      current = preq;
      preq.once('response', (pres) => {
        res.writeHead(pres.statusCode ?? 502, pres.statusMessage, endToEndHeaders(pres.headers));
        pres.pipe(res);
        // A backend that dies mid-body: the client must see a cut response, not a short one that looks whole.
        pres.once('close', () => {
          if (!pres.complete) res.destroy();
        });
      });
      preq.once('error', (err: NodeJS.ErrnoException) => {
        end();
        if (res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        if (attempt === 0 && canRetry && preq.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          send(1);
          return;
        }
        log.warn('router: backend did not answer', { host: key, port, error: err.code ?? err.message });
        plain(res, 502, `the workload at ${key} did not answer (${err.code ?? 'error'})`);
      });
      if (canRetry) {
        req.resume();
        preq.end();
      } else req.pipe(preq);
    };
    send(0);
  }

  /** Upgrade (WebSocket): a byte tunnel to the backend after forwarding the request head. */
  function tunnel(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const key = hostKeyOf(req.headers.host);
    const port = key === null ? undefined : routes.get(key);
    if (port === undefined) {
      socket.end(rawHead('404 Not Found', noRoute(req.headers.host)));
      return;
    }
    tunnels.add(socket);
    const upstream = connect(port, '127.0.0.1');
    let connected = false;
    const close = () => {
      tunnels.delete(socket);
      socket.destroy();
      upstream.destroy();
    };
    upstream.once('connect', () => {
      connected = true;
      const headers = { ...backendRequestHeaders(req.headers, req.socket.remoteAddress), connection: 'upgrade', upgrade: req.headers.upgrade ?? '' };
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headerLines(headers)}\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected) socket.end(rawHead('502 Bad Gateway', `the workload at ${key} did not answer (${err.code ?? 'error'})`));
      else close();
    });
    upstream.once('close', close);
    socket.once('error', close);
    socket.once('close', close);
  }

  const server = createServer({ keepAliveTimeout: CLIENT_KEEP_ALIVE_MS }, proxy);
  server.on('upgrade', tunnel);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end(rawHead('400 Bad Request', 'bad request'));
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        const message = `routerPort: port ${o.port} on ${host} is already in use by another process; choose another router port (gantry up --router-port N, or GANTRY_ROUTER_PORT) or stop that process`;
        reject(new ConflictError(message, { problems: [{ code: 'port_in_use', path: 'routerPort', message }] }));
      } else if (e.code === 'EACCES') {
        const message = `routerPort: not allowed to listen on port ${o.port} on ${host} (ports below 1024 need privileges)`;
        reject(new ConflictError(message, { problems: [{ code: 'port_not_allowed', path: 'routerPort', message }] }));
      } else reject(e);
    });
    server.listen(o.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  log.info('router listening', { host, port });

  const keyOf = (h: string) => {
    const k = hostKeyOf(h);
    if (k === null) throw new Error(`router: "${h}" is not a host name`);
    return k;
  };

  return {
    port,
    host,
    set(h, backendPort) {
      routes.set(keyOf(h), backendPort);
    },
    remove(h) {
      routes.delete(keyOf(h));
    },
    backendOf(h) {
      return routes.get(keyOf(h));
    },
    inFlight(backendPort) {
      return inflight.get(backendPort) ?? 0;
    },
    drain(backendPort, timeoutMs) {
      if (!inflight.get(backendPort)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiters = drainWaiters.get(backendPort) ?? new Set();
        drainWaiters.set(backendPort, waiters);
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve(false);
        }, timeoutMs);
        waiters.add(done);
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of tunnels) s.destroy();
      });
      agent.destroy();
    },
  };
}

import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { createRouter, type Router } from '../../src/environments/drivers/local/index.js';
import { httpRequest, waitFor } from './localHelpers.js';

/** The router against real backends on loopback (plain node:http servers started here). */

interface Backend {
  server: Server;
  port: number;
  seen: Array<Record<string, unknown>>;
  /** Answers every `/slow` request held so far (they wait for the test, not for a clock). */
  release(): void;
}

function backend(name: string): Promise<Backend> {
  const seen: Array<Record<string, unknown>> = [];
  let held: Array<() => void> = [];
  const server = createHttpServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', connection: 'keep-alive', 'keep-alive': 'timeout=5' });
      req.pipe(res);
      return;
    }
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
      res.end(`${name}\n`);
    };
    if (req.url?.startsWith('/slow')) held.push(answer);
    else answer();
  });
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  const release = () => {
    for (const answer of held) answer();
    held = [];
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, seen, release })));
}

describe('local router', () => {
  let router: Router;
  let a: Backend;
  let b: Backend;

  beforeAll(async () => {
    router = await createRouter({ port: 0 });
    a = await backend('a');
    b = await backend('b');
  });
  afterAll(async () => {
    await router.close();
    a.server.close();
    b.server.close();
  });

  it('routes by Host, ignoring case and port, and sets the forwarding headers', async () => {
    router.set('orders.dev.localhost', a.port);
    const r = await httpRequest(router.port, `Orders.DEV.localhost:${router.port}`, '/x?y=1');
    expect(r.status).toBe(200);
    expect(r.body).toBe('a\n');
    expect(r.headers['x-backend']).toBe('a');
    const got = a.seen.at(-1)!;
    expect(got.url).toBe('/x?y=1');
    expect(got.headers).toMatchObject({ host: `Orders.DEV.localhost:${router.port}`, 'x-forwarded-for': '127.0.0.1', 'x-forwarded-host': `Orders.DEV.localhost:${router.port}`, 'x-forwarded-proto': 'http' });
  });

  it('answers 404 for an unknown host, naming only that host', async () => {
    router.set('secret-admin.prod.localhost', b.port);
    const r = await httpRequest(router.port, 'nobody.dev.localhost', '/');
    expect(r.status).toBe(404);
    expect(r.body).toContain('nobody.dev.localhost');
    expect(r.body).not.toContain('secret-admin');
    expect((await httpRequest(router.port, '127.0.0.1', '/')).status).toBe(404);
    router.remove('secret-admin.prod.localhost');
    expect((await httpRequest(router.port, 'secret-admin.prod.localhost', '/')).status).toBe(404);
  });

  it('answers 502 when the backend refuses', async () => {
    const closed = await backend('gone');
    const port = closed.port;
    await new Promise((r) => closed.server.close(r));
    router.set('gone.dev.localhost', port);
    const r = await httpRequest(router.port, 'gone.dev.localhost', '/');
    expect(r.status).toBe(502);
    expect(r.body).toContain('ECONNREFUSED');
  });

  it('streams a large request body through and back, without hop-by-hop headers', async () => {
    router.set('echo.dev.localhost', b.port);
    const body = Buffer.alloc(3 * 1024 * 1024, 'x');
    const r = await httpRequest(router.port, 'echo.dev.localhost', '/echo', { method: 'POST', body, headers: { connection: 'keep-alive, x-hop', 'x-hop': 'drop me' } });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(body.length);
    expect(b.seen.at(-1)!.headers).not.toHaveProperty('x-hop');
    expect(r.headers['keep-alive']).toBe('timeout=65');
  });

  it('switches atomically: requests in flight finish on the old backend, new ones go to the new one', async () => {
    router.set('orders.dev.localhost', a.port);
    const slow = httpRequest(router.port, 'orders.dev.localhost', '/slow');
    await waitFor('the slow request to be in flight', () => router.inFlight(a.port) === 1);
    router.set('orders.dev.localhost', b.port);
    expect((await httpRequest(router.port, 'orders.dev.localhost', '/')).body).toBe('b\n');
    expect(router.inFlight(a.port)).toBe(1);
    const draining = router.drain(a.port, 30_000);
    a.release();
    expect((await slow).body).toBe('a\n');
    expect(await draining).toBe(true);
    expect(router.inFlight(a.port)).toBe(0);
    expect(await router.drain(a.port, 10)).toBe(true);
  });

  it('reports a drain that runs past its deadline', async () => {
    router.set('orders.dev.localhost', a.port);
    const slow = httpRequest(router.port, 'orders.dev.localhost', '/slow');
    await waitFor('the slow request to be in flight', () => router.inFlight(a.port) === 1);
    expect(await router.drain(a.port, 20)).toBe(false);
    a.release();
    await slow;
  });

  it('passes an upgrade through as a byte tunnel', async () => {
    router.set('ws.dev.localhost', b.port);
    const sock = connect(router.port, '127.0.0.1');
    let got = '';
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    sock.write('GET /ws HTTP/1.1\r\nhost: ws.dev.localhost\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n');
    await waitFor('the 101 answer', () => got.includes('\r\n\r\n'));
    expect(got).toMatch(/^HTTP\/1\.1 101/);
    sock.write('ping through the tunnel');
    await waitFor('the echo', () => got.endsWith('ping through the tunnel'));
    sock.destroy();
    expect(b.seen.length).toBeGreaterThan(0);
  });

  it('names a router port that is in use, before listening', async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const err = await createRouter({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).message).toContain(`routerPort: port ${port} on 127.0.0.1 is already in use`);
      expect((err as ConflictError).problems[0]).toMatchObject({ code: 'port_in_use', path: 'routerPort' });
    } finally {
      blocker.close();
    }
  });
});

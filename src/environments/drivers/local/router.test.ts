import { describe, expect, it } from 'vitest';
import { backendRequestHeaders, endToEndHeaders } from './router.js';

describe('router headers', () => {
  it('drops hop-by-hop headers and those the Connection header names', () => {
    const out = endToEndHeaders({
      connection: 'keep-alive, X-Trace-Hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'x-trace-hop': '1',
      te: 'trailers',
      upgrade: 'websocket',
      'proxy-authorization': 'Basic x',
      expect: '100-continue',
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(out).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });

  it('keeps Host and sets X-Forwarded-For/Host/Proto, appending to a forwarded chain', () => {
    expect(backendRequestHeaders({ host: 'orders.dev.localhost:7080', accept: '*/*' }, '127.0.0.1')).toEqual({
      host: 'orders.dev.localhost:7080',
      accept: '*/*',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': 'orders.dev.localhost:7080',
      'x-forwarded-proto': 'http',
    });
    expect(backendRequestHeaders({ host: 'h.e.localhost', 'x-forwarded-for': '10.0.0.1' }, '127.0.0.1')['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { createApp, type App } from '../src/server.js';
import { startTracing, type Tracing } from '../src/tracing.js';

describe('HTTP service', () => {
  let app: App;
  let base: string;
  let tracing: Tracing;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    tracing = await startTracing({ service: 'test-service', env: {} });
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
    app = createApp({ service: 'test-service', logger, metrics: createMetrics({ service: 'test-service', defaultMetrics: false }) });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => app.server.close(resolve));
    await tracing.shutdown();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('answers /readyz with 200 when ready and 503 when not', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    app.setReady(false);
    try {
      const res = await fetch(`${base}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'not ready' });
    } finally {
      app.setReady(true);
    }
  });

  it('counts requests in /metrics in the Prometheus text format', async () => {
    await fetch(`${base}/`);
    await fetch(`${base}/no-such-page`);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^http_requests_total\{method="GET",route="\/",status="200",service="test-service"\} 1$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="unmatched",status="404",service="test-service"\} 1$/m);
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
  });

  it('rejects other methods with 405 and an Allow header', async () => {
    const res = await fetch(`${base}/healthz`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  it('continues the caller\'s trace (W3C traceparent) and logs its trace_id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${base}/`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const line = lines.find((l) => l.msg === 'request' && l.path === '/' && l.trace_id === traceId);
    assert.ok(line, `expected a request log line with trace_id ${traceId}, found ${JSON.stringify(lines)}`);
    assert.equal(line.status, 200);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(line.span_id, '00f067aa0ba902b7');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { loadConfig } from '../src/config.js';
import { createLogger, parseLevel } from '../src/log.js';
import { startTracing, type Tracing } from '../src/tracing.js';

describe('structured logs', () => {
  let tracing: Tracing;
  before(async () => {
    tracing = await startTracing({ service: 'test-service', env: {} });
  });
  after(() => tracing.shutdown());

  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const lines: string[] = [];
    const log = createLogger({ base: { service: 'svc' }, write: (l) => lines.push(l) });
    log.info('order placed', { order_id: 'o-1' });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'order placed');
    assert.equal(line.service, 'svc');
    assert.equal(line.order_id, 'o-1');
    assert.ok(!Number.isNaN(Date.parse(String(line.time))));
    assert.equal(line.trace_id, undefined);
  });

  it('drops lines below the level and serialises errors', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('hidden');
    log.error('failed', { err: new Error('boom') });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as { err: { message: string } };
    assert.equal(line.err.message, 'boom');
  });

  it('adds trace_id and span_id inside a span', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    trace.getTracer('test').startActiveSpan('work', (span) => {
      log.info('inside');
      const { traceId, spanId } = span.spanContext();
      span.end();
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.equal(line.trace_id, traceId);
      assert.equal(line.span_id, spanId);
    });
  });

  it('rejects an unknown LOG_LEVEL and a bad PORT with the variable named', () => {
    assert.equal(parseLevel(undefined), 'info');
    assert.throws(() => parseLevel('verbose'), /LOG_LEVEL: expected one of debug, info, warn, error, found "verbose"/);
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT: expected an integer from 0 to 65535, found "eighty"/);
    assert.equal(loadConfig({ PORT: '9090' }).port, 9090);
  });
});

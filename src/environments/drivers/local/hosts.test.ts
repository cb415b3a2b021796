import { describe, expect, it } from 'vitest';
import { hostKeyOf, isDnsLabel, printableHost, routeHostOf } from './hosts.js';

describe('router host names', () => {
  it('names a workload <component>.<env>.localhost', () => {
    expect(routeHostOf('dev', 'orders-api')).toBe('orders-api.dev.localhost');
  });

  it('keys a Host header without case, port or trailing dot', () => {
    expect(hostKeyOf('Orders-API.Dev.localhost:8080')).toBe('orders-api.dev.localhost');
    expect(hostKeyOf('orders.dev.localhost.')).toBe('orders.dev.localhost');
    expect(hostKeyOf('orders.dev.localhost.:80')).toBe('orders.dev.localhost');
  });

  it('has no key for a missing header or an IP literal', () => {
    expect(hostKeyOf(undefined)).toBeNull();
    expect(hostKeyOf('')).toBeNull();
    expect(hostKeyOf('127.0.0.1:8080')).toBeNull();
    expect(hostKeyOf('[::1]:8080')).toBeNull();
  });

  it('checks DNS-1123 labels', () => {
    expect(isDnsLabel('pr-42')).toBe(true);
    expect(isDnsLabel('a')).toBe(true);
    expect(isDnsLabel('Orders')).toBe(false);
    expect(isDnsLabel('-x')).toBe(false);
    expect(isDnsLabel('x-')).toBe(false);
    expect(isDnsLabel('a.b')).toBe(false);
    expect(isDnsLabel('a'.repeat(64))).toBe(false);
  });

  it('makes a Host header safe to echo', () => {
    expect(printableHost('evil\r\nx: y')).toBe('evil??x: y');
    expect(printableHost('a'.repeat(300))).toHaveLength(203);
    expect(printableHost(undefined)).toBe('(no Host header)');
  });
});

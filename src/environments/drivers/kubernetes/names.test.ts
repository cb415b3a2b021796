import { describe, expect, it } from 'vitest';
import {
  checkConfigKey,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkEnvVarName,
  checkLabelValue,
  checkPortName,
  checkQualifiedName,
} from './names.js';

function accepts(fn: (v: string) => string | undefined, values: string[]) {
  for (const v of values) expect(fn(v), v).toBeUndefined();
}
function rejects(fn: (v: string) => string | undefined, values: string[]) {
  for (const v of values) expect(fn(v), v).toMatch(/must/);
}

describe('Kubernetes name syntaxes', () => {
  it('DNS-1123 labels: lower-case alphanumerics and "-", at most 63', () => {
    accepts(checkDns1123Label, ['orders-api', 'a', '0day', 'x'.repeat(63)]);
    rejects(checkDns1123Label, ['Orders-API', '-orders', 'orders-', 'orders_api', 'orders.api', '', 'x'.repeat(64)]);
    expect(checkDns1123Label('x'.repeat(64))).toBe('must be at most 63 characters (found 64)');
  });

  it('DNS-1123 subdomains allow dots between labels, at most 253', () => {
    accepts(checkDns1123Subdomain, ['orders-api', 'orders.api.v2', `${'a'.repeat(63)}.${'b'.repeat(63)}`]);
    rejects(checkDns1123Subdomain, ['Orders', 'orders..api', '.orders', 'orders.', 'a/b', 'x'.repeat(254)]);
  });

  it('DNS-1035 labels (Service names) start with a letter', () => {
    accepts(checkDns1035Label, ['orders-api', 'a1']);
    rejects(checkDns1035Label, ['1orders', 'Orders', 'orders-']);
  });

  it('port names are IANA service names: at most 15, a letter, no "--"', () => {
    accepts(checkPortName, ['http', 'grpc-web', 'h2c', 'metrics-15chars']);
    rejects(checkPortName, ['http-metrics-port', 'HTTP', '8080', 'grpc--web', '-http', 'http_alt']);
    expect(checkPortName('8080')).toBe('must contain at least one letter');
  });

  it('label and annotation keys: optional DNS prefix, a name of at most 63', () => {
    accepts(checkQualifiedName, ['app', 'app.kubernetes.io/name', 'gantry.dev/release', 'Tier_1.x']);
    rejects(checkQualifiedName, ['a/b/c', '/name', 'Example.com/name', 'app.kubernetes.io/', 'bad key', `p/${'n'.repeat(64)}`]);
  });

  it('label values: empty or at most 63 of letters, digits, "-_." with alphanumeric ends', () => {
    accepts(checkLabelValue, ['', 'v1.2.3', 'Production', '0f8c2a3e-8d7b-4e0a-9c35-2f1d8e6b7a10']);
    rejects(checkLabelValue, ['group:default/payments', '-x', 'x-', 'a b', 'x'.repeat(64)]);
  });

  it('env var names and Secret keys', () => {
    accepts(checkEnvVarName, ['DATABASE_URL', 'node.env', '_X']);
    rejects(checkEnvVarName, ['1X', 'A=B', 'A B', '']);
    accepts(checkConfigKey, ['DATABASE_URL', 'tls.crt']);
    rejects(checkConfigKey, ['a/b', '..', '']);
  });
});

/**
 * Realistic inputs for the kubernetes driver's tests (unit tests here and the git tests in test/environments/):
 * a production environment and an orders service with a database password, a worker without ports.
 */
import type { EnvironmentSpec, ResolvedWorkload } from '../../model/types.js';

export const DB_PASSWORD = 'pg-Sup3r-s3cret-Passw0rd-41d8';

export function environment(overrides: Partial<EnvironmentSpec> = {}): EnvironmentSpec {
  return {
    name: 'production',
    type: 'production',
    owner: 'group:default/platform',
    driver: 'kubernetes',
    order: 3,
    requiredApprovals: 1,
    freezeWindows: [],
    settings: { namespacePrefix: 'acme-' },
    ...overrides,
  };
}

export function ordersApi(overrides: Partial<ResolvedWorkload> = {}): ResolvedWorkload {
  return {
    component: 'orders-api',
    environment: 'production',
    releaseId: '0f8c2a3e-8d7b-4e0a-9c35-2f1d8e6b7a10',
    sha: '3f9d2c1b7a6e5d4c3b2a19f8e7d6c5b4a3f2e1d0',
    artifactDigest: 'sha256:7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730',
    annotations: { 'gantry.dev/owner': 'group:default/payments-core', 'gantry.dev/tier': 'critical' },
    containers: [
      {
        name: 'main',
        image: '.',
        command: ['node'],
        args: ['dist/server.js'],
        env: {
          DATABASE_HOST: 'orders-db.internal',
          DATABASE_PASSWORD: DB_PASSWORD,
          DATABASE_URL: `postgres://orders:${DB_PASSWORD}@orders-db.internal:5432/orders`,
          LOG_LEVEL: 'info',
          PORT: '8080',
        },
        secretEnv: ['DATABASE_PASSWORD', 'DATABASE_URL'],
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' } },
      },
      {
        name: 'metrics-sidecar',
        image: 'ghcr.io/acme/metrics-agent:2.4.1',
        env: { TARGET: 'http://127.0.0.1:8080/metrics' },
        secretEnv: [],
        livenessProbe: { exec: { command: ['/bin/agent', 'health'] } },
      },
    ],
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' },
    ],
    resources: {
      db: {
        type: 'postgres',
        outputs: { host: 'orders-db.internal', port: '5432', password: DB_PASSWORD },
        secretOutputs: ['password'],
      },
    },
    ...overrides,
  };
}

export function billingWorker(overrides: Partial<ResolvedWorkload> = {}): ResolvedWorkload {
  return {
    component: 'billing-worker',
    environment: 'production',
    releaseId: '5b1e7c44-2a0d-4f3e-8b6a-91c2d3e4f5a6',
    sha: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
    artifactDigest: null,
    annotations: {},
    containers: [{ name: 'worker', image: 'ghcr.io/acme/billing-worker:1.8.0', env: { QUEUE: 'billing' }, secretEnv: [] }],
    ports: [],
    resources: {},
    ...overrides,
  };
}

/**
 * Hand-built inputs for the scorecard tests (not used by the platform): a ServiceScan as the scanners report a
 * TypeScript service in a monorepo, the catalog subject policies see for it, and DORA metrics.
 */
import type { CapabilityState, ServiceScan, StepKind } from '../model/scan.js';
import type { DoraMetrics, PerformanceLevel } from '../../metrics/model/reports.js';
import type { PolicySubject } from '../../policy/model/types.js';

const WORKFLOW = '.github/workflows/orders.yml';

function capabilities(states: Partial<Record<StepKind, CapabilityState>>): ServiceScan['capabilities'] {
  const evidence = (kind: StepKind) => (states[kind] === 'present' ? [{ file: WORKFLOW, job: 'build', step: kind }] : []);
  const kinds: StepKind[] = ['build', 'test', 'lint', 'dependency-scan', 'sast', 'secret-scan', 'publish-image', 'deploy'];
  return Object.fromEntries(kinds.map((k) => [k, { state: states[k] ?? 'absent', evidence: evidence(k) }])) as ServiceScan['capabilities'];
}

/**
 * `services/orders`: TypeScript with npm, a pinned non-root Dockerfile, a GitHub Actions workflow whose build job
 * builds, tests, scans secrets and audits dependencies, and whose deploy job is disabled (`if: false`); a Score
 * file; pino, prom-client and /healthz but no OpenTelemetry; CODEOWNERS, README, catalog-info.yaml, Dependabot.
 */
export function ordersScan(): ServiceScan {
  return {
    path: 'services/orders',
    name: 'orders-api',
    languages: [{ name: 'typescript', evidence: [{ file: 'services/orders/tsconfig.json' }] }],
    buildTools: [{ name: 'npm', evidence: [{ file: 'services/orders/package-lock.json' }] }],
    container: {
      dockerfiles: [
        {
          file: 'services/orders/Dockerfile',
          baseImages: [{ image: 'node:20.11-alpine', line: 9, stage: null }],
          pinnedBase: true,
          nonRootFinalStage: true,
          evidence: [{ file: 'services/orders/Dockerfile', line: 14, excerpt: 'USER 10001' }],
        },
      ],
      builders: [],
    },
    ci: [
      {
        system: 'github-actions',
        file: WORKFLOW,
        name: 'orders',
        triggers: ['push', 'pull_request'],
        jobs: [
          {
            name: 'build',
            active: true,
            steps: [
              { name: '#1', kinds: [], unknown: false, evidence: { file: WORKFLOW, line: 12, job: 'build', step: '#1', excerpt: 'uses: actions/checkout@v4' } },
              { name: 'install', kinds: ['build'], unknown: false, evidence: { file: WORKFLOW, line: 14, job: 'build', step: 'install', excerpt: 'run: npm ci' } },
              { name: 'test', kinds: ['test'], unknown: false, evidence: { file: WORKFLOW, line: 16, job: 'build', step: 'test', excerpt: 'run: npm test' } },
              { name: 'gitleaks', kinds: ['secret-scan'], unknown: false, evidence: { file: WORKFLOW, line: 18, job: 'build', step: 'gitleaks', excerpt: 'uses: gitleaks/gitleaks-action@v2' } },
              { name: 'audit', kinds: ['dependency-scan'], unknown: false, evidence: { file: WORKFLOW, line: 20, job: 'build', step: 'audit', excerpt: 'run: npm audit --audit-level=high' } },
            ],
            evidence: { file: WORKFLOW, line: 9, job: 'build' },
          },
          {
            name: 'deploy',
            active: false,
            inactiveReason: 'if: false',
            steps: [{ name: 'deploy', kinds: ['deploy'], unknown: false, evidence: { file: WORKFLOW, line: 26, job: 'deploy', step: 'deploy', excerpt: 'run: gantry deploy orders-api --env production' } }],
            evidence: { file: WORKFLOW, line: 22, job: 'deploy' },
          },
        ],
      },
    ],
    capabilities: capabilities({ build: 'present', test: 'present', 'secret-scan': 'present', 'dependency-scan': 'present' }),
    deployment: [{ name: 'score', evidence: [{ file: 'services/orders/score.yaml' }] }],
    observability: {
      opentelemetry: [],
      prometheus: [{ file: 'services/orders/package.json', line: 18, excerpt: '"prom-client": "^15.1.0"' }],
      healthCheck: [{ file: 'services/orders/src/server.ts', line: 31, excerpt: "app.get('/healthz'" }],
      structuredLogging: [{ file: 'services/orders/package.json', line: 17, excerpt: '"pino": "^9.0.0"' }],
    },
    ownership: {
      codeowners: { file: '.github/CODEOWNERS', owners: ['@acme/payments'] },
      readme: 'services/orders/README.md',
      catalogInfo: { file: 'services/orders/catalog-info.yaml', name: 'orders-api', owner: 'group:default/payments' },
    },
    dependencyBots: [{ name: 'dependabot', evidence: [{ file: '.github/dependabot.yml', line: 3 }] }],
  };
}

/** The scan with some step kinds' states changed (a step added, or hidden in a shared library). */
export function withCapabilities(scan: ServiceScan, states: Partial<Record<StepKind, CapabilityState>>): ServiceScan {
  const current = Object.fromEntries(Object.entries(scan.capabilities).map(([k, v]) => [k, v.state])) as Record<StepKind, CapabilityState>;
  return { ...scan, capabilities: capabilities({ ...current, ...states }) };
}

/** The catalog's Component orders-api as policies see it. */
export function ordersSubject(overrides: Partial<PolicySubject> = {}): PolicySubject {
  return {
    ref: 'component:default/orders-api',
    kind: 'component',
    namespace: 'default',
    name: 'orders-api',
    labels: {},
    annotations: { 'github.com/project-slug': 'acme/shop' },
    tags: ['typescript'],
    spec: { type: 'service', lifecycle: 'production', owner: 'group:default/payments', system: 'shop' },
    ...overrides,
  };
}

/** DORA metrics over 90 days with `deployments` production deployments, at `level` overall. */
export function doraMetrics(deployments: number, level: PerformanceLevel | null): DoraMetrics {
  return {
    deploymentFrequency: { deployments, perDay: deployments / 90, perWeek: (deployments * 7) / 90, category: deployments === 0 ? null : 'weekly', level },
    leadTime: { changes: deployments * 2, medianSeconds: deployments === 0 ? null : 86_400, p90Seconds: deployments === 0 ? null : 3 * 86_400, level },
    changeFailureRate: { deployments, failed: 0, rate: deployments === 0 ? null : 0, level },
    recoveryTime: { failures: 0, recovered: 0, medianSeconds: null, p90Seconds: null, level: null },
    reworkRate: { deployments, unplanned: 0, rollbacks: 0, hotfixes: 0, rate: deployments === 0 ? null : 0 },
    level,
  };
}

import { describe, expect, it } from 'vitest';
import { scorecardDoraOf, scorecardFactsOf } from './facts.js';
import { doraMetrics, ordersScan, withCapabilities } from './testFixtures.js';

describe('scorecardFactsOf', () => {
  it('turns a ServiceScan into the plain facts checks read', () => {
    const scan = withCapabilities(ordersScan(), { sast: 'unknown' });
    scan.container.builders = [{ name: 'jib', evidence: [{ file: 'pom.xml', line: 40 }] }];
    expect(scorecardFactsOf(scan, { scannedAt: new Date('2026-03-01T08:00:00Z') })).toEqual({
      scannedAt: '2026-03-01T08:00:00.000Z',
      path: 'services/orders',
      name: 'orders-api',
      languages: ['typescript'],
      buildTools: ['npm'],
      dockerfiles: [{ file: 'services/orders/Dockerfile', baseImages: ['node:20.11-alpine'], pinned: true, nonRoot: true }],
      containerBuilders: ['jib'],
      // Two jobs, one disabled (`if: false`).
      ci: { systems: ['github-actions'], pipelines: 1, activeJobs: 1 },
      capabilities: { build: 'present', test: 'present', lint: 'absent', dependencyScan: 'present', sast: 'unknown', secretScan: 'present', publishImage: 'absent', deploy: 'absent' },
      deployment: ['score'],
      observability: {
        opentelemetry: false,
        prometheus: true,
        healthCheck: true,
        structuredLogging: true,
        evidence: { opentelemetry: 0, prometheus: 1, healthCheck: 1, structuredLogging: 1 },
      },
      ownership: { codeowners: ['@acme/payments'], readme: true, catalogInfo: true, catalogOwner: 'group:default/payments' },
      dependencyBots: ['dependabot'],
    });
  });

  it('reports a repository without CODEOWNERS, README or catalog-info as null and false', () => {
    const scan = ordersScan();
    scan.ownership = { codeowners: null, readme: null, catalogInfo: null };
    expect(scorecardFactsOf(scan).ownership).toEqual({ codeowners: null, readme: false, catalogInfo: false, catalogOwner: null });
    expect(scorecardFactsOf(scan).scannedAt).toBeNull();
  });
});

describe('scorecardDoraOf', () => {
  it('keeps the level, counts and medians, per week', () => {
    expect(scorecardDoraOf(doraMetrics(18, 'high'))).toEqual({
      level: 'high',
      deployments: 18,
      deploymentFrequency: 1.4,
      leadTimeSeconds: 86_400,
      changeFailureRate: 0,
      recoverySeconds: null,
      windowDays: 90,
    });
  });
});

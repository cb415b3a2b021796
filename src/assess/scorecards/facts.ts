import type { ServiceScan, StepKind } from '../model/scan.js';
import type { DoraMetrics } from '../../metrics/model/reports.js';
import { SCORECARD_DORA_WINDOW_DAYS, type CapabilityKey, type ScorecardDora, type ScorecardFacts } from './types.js';

const CAPABILITY_KEYS: Record<StepKind, CapabilityKey> = {
  build: 'build',
  test: 'test',
  lint: 'lint',
  'dependency-scan': 'dependencyScan',
  sast: 'sast',
  'secret-scan': 'secretScan',
  'publish-image': 'publishImage',
  deploy: 'deploy',
};

const uniqueSorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/**
 * The facts a scorecard check reads (`object.facts`) from a component's latest ServiceScan: plain JSON, names
 * only, evidence reduced to counts (the evidence itself stays with the stored scan, for the portal to show).
 */
export function scorecardFactsOf(scan: ServiceScan, opts: { scannedAt?: string | Date } = {}): ScorecardFacts {
  const capabilities = {} as Record<CapabilityKey, ScorecardFacts['capabilities'][CapabilityKey]>;
  for (const [kind, key] of Object.entries(CAPABILITY_KEYS) as Array<[StepKind, CapabilityKey]>) {
    capabilities[key] = scan.capabilities[kind]?.state ?? 'absent';
  }
  const o = scan.observability;
  const scannedAt = opts.scannedAt instanceof Date ? opts.scannedAt.toISOString() : (opts.scannedAt ?? null);
  return {
    scannedAt,
    path: scan.path,
    name: scan.name,
    languages: uniqueSorted(scan.languages.map((l) => l.name)),
    buildTools: uniqueSorted(scan.buildTools.map((b) => b.name)),
    dockerfiles: scan.container.dockerfiles.map((d) => ({
      file: d.file,
      baseImages: d.baseImages.map((b) => b.image),
      pinned: d.pinnedBase,
      nonRoot: d.nonRootFinalStage,
    })),
    containerBuilders: uniqueSorted(scan.container.builders.map((b) => b.name)),
    ci: {
      systems: uniqueSorted(scan.ci.map((p) => p.system)),
      pipelines: scan.ci.length,
      activeJobs: scan.ci.reduce((n, p) => n + p.jobs.filter((j) => j.active).length, 0),
    },
    capabilities,
    deployment: uniqueSorted(scan.deployment.map((d) => d.name)),
    observability: {
      opentelemetry: o.opentelemetry.length > 0,
      prometheus: o.prometheus.length > 0,
      healthCheck: o.healthCheck.length > 0,
      structuredLogging: o.structuredLogging.length > 0,
      evidence: { opentelemetry: o.opentelemetry.length, prometheus: o.prometheus.length, healthCheck: o.healthCheck.length, structuredLogging: o.structuredLogging.length },
    },
    ownership: {
      codeowners: scan.ownership.codeowners ? [...scan.ownership.codeowners.owners] : null,
      readme: scan.ownership.readme !== null,
      catalogInfo: scan.ownership.catalogInfo !== null,
      catalogOwner: scan.ownership.catalogInfo?.owner ?? null,
    },
    dependencyBots: uniqueSorted(scan.dependencyBots.map((b) => b.name)),
  };
}

/** `object.metrics.dora` from a component's DORA metrics; the built-in delivery card expects a 90-day window. */
export function scorecardDoraOf(m: DoraMetrics, windowDays: number = SCORECARD_DORA_WINDOW_DAYS): ScorecardDora {
  return {
    level: m.level,
    deployments: m.deploymentFrequency.deployments,
    deploymentFrequency: m.deploymentFrequency.perWeek,
    leadTimeSeconds: m.leadTime.medianSeconds,
    changeFailureRate: m.changeFailureRate.rate,
    recoverySeconds: m.recoveryTime.medianSeconds,
    windowDays,
  };
}

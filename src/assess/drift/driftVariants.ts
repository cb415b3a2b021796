import { STEP_KINDS, type ServiceScan, type StepKind } from '../model/scan.js';
import type { DriftDimension } from './types.js';

/** The empty set's key. */
export const NO_VARIANT = 'none';

/** Marks an item that could not be told either way (`?lint`: no lint step seen, but a step's logic is elsewhere). */
export const UNKNOWN_MARK = '?';

const MONITORING = ['opentelemetry', 'prometheus', 'structured-logging', 'health-check'] as const;
const SECURITY_SCANS: readonly StepKind[] = ['dependency-scan', 'sast', 'secret-scan'];

/**
 * A service's items per dimension, each list in that dimension's fixed order, so that equal setups give equal
 * keys: CI systems, deployment descriptors, languages and build tools sorted by name; step kinds in STEP_KINDS
 * order (the `?` markers after the present kinds); monitoring and security controls in their listed order.
 */
export function driftVariantsOf(service: ServiceScan): Record<DriftDimension, string[]> {
  return {
    ciSystem: sortedNames(service.ci.filter((p) => p.jobs.some((j) => j.active)).map((p) => p.system)),
    pipelineShape: pipelineShape(service),
    monitoringStack: monitoringStack(service),
    securityControls: securityControls(service),
    buildStack: [...sortedNames(service.languages.map((l) => l.name)), ...sortedNames(service.buildTools.map((t) => t.name))],
    deployment: sortedNames(service.deployment.map((d) => d.name)),
  };
}

/** The key of a variant: its items joined with `+`, or `none`. */
export function variantKey(items: readonly string[]): string {
  return items.length === 0 ? NO_VARIANT : items.join('+');
}

function pipelineShape(service: ServiceScan): string[] {
  const present = STEP_KINDS.filter((k) => service.capabilities[k].state === 'present');
  const unknown = STEP_KINDS.filter((k) => service.capabilities[k].state === 'unknown').map((k) => UNKNOWN_MARK + k);
  return [...present, ...unknown];
}

function monitoringStack(service: ServiceScan): string[] {
  const o = service.observability;
  const has: Record<(typeof MONITORING)[number], boolean> = {
    opentelemetry: o.opentelemetry.length > 0,
    prometheus: o.prometheus.length > 0,
    'structured-logging': o.structuredLogging.length > 0,
    'health-check': o.healthCheck.length > 0,
  };
  return MONITORING.filter((m) => has[m]);
}

function securityControls(service: ServiceScan): string[] {
  const items: string[] = [];
  for (const kind of SECURITY_SCANS) {
    const state = service.capabilities[kind].state;
    if (state === 'present') items.push(kind);
    else if (state === 'unknown') items.push(UNKNOWN_MARK + kind);
  }
  // Every Dockerfile of the service must qualify: one image running as root is enough to lose the control.
  const dockerfiles = service.container.dockerfiles;
  if (dockerfiles.length > 0) {
    if (dockerfiles.every((d) => d.nonRootFinalStage === true)) items.push('non-root-image');
    else if (dockerfiles.every((d) => d.nonRootFinalStage !== false)) items.push(UNKNOWN_MARK + 'non-root-image');
    if (dockerfiles.every((d) => d.pinnedBase)) items.push('pinned-base-image');
  }
  if (service.dependencyBots.length > 0) items.push('dependency-bot');
  return items;
}

function sortedNames(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

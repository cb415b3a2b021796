import { InputError, type Problem } from '../../core/errors.js';
import { STEP_KINDS, type ServiceScan } from '../model/scan.js';
import { driftVariantsOf, UNKNOWN_MARK, variantKey } from './driftVariants.js';
import {
  DRIFT_DIMENSIONS,
  type DriftDeviation,
  type DriftDimension,
  type DriftDimensionReport,
  type DriftReport,
  type DriftServiceRef,
  type DriftTeamDimension,
  type DriftTeamSummary,
  type DriftVariant,
} from './types.js';

/** One service to compare: its scan, the repository it was found in, and the team that owns it (null: unknown). */
export interface DriftInput {
  repository: string;
  team: string | null;
  service: ServiceScan;
}

interface Entry {
  ref: DriftServiceRef;
  items: Record<DriftDimension, string[]>;
}

/**
 * The drift report over a set of services: per dimension, the distinct variants, who uses each, the standard
 * (the most common variant; ties go to the richer one, then the key) and how far each service is from it.
 * Pure: the same input and `generatedAt` give the same report. Throws an InputError listing every malformed entry
 * (by field path) and every service given twice.
 */
export function driftReport(input: readonly DriftInput[], opts: { generatedAt?: string } = {}): DriftReport {
  const problems = inputProblems(input, opts);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`);
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new InputError(`drift report input: ${shown.join('; ')}${more}`, { problems });
  }
  const entries: Entry[] = input
    .map(({ repository, team, service }) => ({
      ref: { repository, path: service.path, name: service.name, team },
      items: driftVariantsOf(service),
    }))
    .sort((a, b) => compareRefs(a.ref, b.ref));

  const dimensions = {} as Record<DriftDimension, DriftDimensionReport>;
  for (const dimension of DRIFT_DIMENSIONS) dimensions[dimension] = dimensionReport(dimension, entries);

  const teams = sortTeams([...new Set(entries.map((e) => e.ref.team))]);
  return {
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    totals: {
      services: entries.length,
      repositories: new Set(entries.map((e) => e.ref.repository)).size,
      teams: teams.filter((t) => t !== null).length,
      unassigned: entries.filter((e) => e.ref.team === null).length,
    },
    dimensions,
    teams: teams.map((team): DriftTeamSummary => {
      const own = entries.filter((e) => e.ref.team === team);
      const matching = {} as Record<DriftDimension, number>;
      for (const d of DRIFT_DIMENSIONS) matching[d] = dimensions[d].teams.find((t) => t.team === team)!.matching;
      return { team, services: own.length, repositories: new Set(own.map((e) => e.ref.repository)).size, matching };
    }),
  };
}

/**
 * How `items` differ from the standard's. A `?x` in the service against an `x` in the standard is neither missing
 * nor extra: it is unknown, since the scan could not tell.
 */
export function deviationFrom(standard: readonly string[], items: readonly string[]): Pick<DriftDeviation, 'missing' | 'extra' | 'unknown' | 'distance'> {
  const have = new Set(items);
  const want = new Set(standard);
  const unknown = standard.filter((x) => !have.has(x) && !x.startsWith(UNKNOWN_MARK) && have.has(UNKNOWN_MARK + x));
  // A `?x` standard is not missed by a service that has `x`: that service is simply ahead (`x` is extra).
  const missing = standard.filter((x) => !have.has(x) && !unknown.includes(x) && !(x.startsWith(UNKNOWN_MARK) && have.has(x.slice(1))));
  const extra = items.filter((x) => !want.has(x) && !(x.startsWith(UNKNOWN_MARK) && unknown.includes(x.slice(1))));
  const known = (x: string) => !x.startsWith(UNKNOWN_MARK);
  return { missing, extra, unknown, distance: missing.filter(known).length + extra.filter(known).length };
}

function dimensionReport(dimension: DriftDimension, entries: readonly Entry[]): DriftDimensionReport {
  const byKey = new Map<string, { items: string[]; services: DriftServiceRef[] }>();
  for (const e of entries) {
    const items = e.items[dimension];
    const key = variantKey(items);
    const group = byKey.get(key) ?? { items, services: [] };
    group.services.push(e.ref);
    byKey.set(key, group);
  }
  const ranked = [...byKey.entries()]
    .map(([key, g]) => ({ key, ...g }))
    .sort((a, b) => b.services.length - a.services.length || richness(b.items) - richness(a.items) || compareText(a.key, b.key));
  const standard = ranked[0] ?? null;
  const variants: DriftVariant[] = ranked.map((g) => ({
    key: g.key,
    items: g.items,
    count: g.services.length,
    standard: g === standard,
    services: g.services,
    teams: sortTeams([...new Set(g.services.map((s) => s.team))]),
  }));

  const teams = sortTeams([...new Set(entries.map((e) => e.ref.team))]).map((team): DriftTeamDimension => {
    const own = entries.filter((e) => e.ref.team === team);
    const counts = new Map<string, number>();
    const deviations = own.map((e): DriftDeviation => {
      const items = e.items[dimension];
      const variant = variantKey(items);
      counts.set(variant, (counts.get(variant) ?? 0) + 1);
      return { service: e.ref, variant, matches: variant === standard?.key, ...deviationFrom(standard?.items ?? [], items) };
    });
    return {
      team,
      services: own.length,
      matching: deviations.filter((d) => d.matches).length,
      variants: [...counts.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || compareText(a.key, b.key)),
      deviations,
    };
  });

  return { dimension, distinct: variants.length, standard: standard?.key ?? null, variants, teams };
}

/** Known items only: `?x` says nothing was seen. */
function richness(items: readonly string[]): number {
  return items.filter((x) => !x.startsWith(UNKNOWN_MARK)).length;
}

// Code-unit order, not locale order: the report must not depend on the machine that renders it.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRefs(a: DriftServiceRef, b: DriftServiceRef): number {
  return compareText(a.repository, b.repository) || compareText(a.path, b.path);
}

function sortTeams(teams: Array<string | null>): Array<string | null> {
  return teams.sort((a, b) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : compareText(a, b)));
}

// ---- input checks: every problem in one pass, each with its field path ----

const CAPABILITY_STATES = new Set(['present', 'absent', 'unknown']);

function inputProblems(input: unknown, opts: { generatedAt?: unknown }): Problem[] {
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ code: 'invalid_input', path, message, severity: 'error' });
  if (opts.generatedAt !== undefined && (typeof opts.generatedAt !== 'string' || Number.isNaN(Date.parse(opts.generatedAt)))) {
    problem('generatedAt', `expected an ISO 8601 date-time, found ${show(opts.generatedAt)}`);
  }
  if (!Array.isArray(input)) {
    problem('input', `expected an array of { repository, team, service }, found ${show(input)}`);
    return problems;
  }
  const seen = new Map<string, number>();
  input.forEach((entry: unknown, i) => {
    const at = `input[${i}]`;
    if (!isObject(entry)) return problem(at, `expected { repository, team, service }, found ${show(entry)}`);
    if (typeof entry.repository !== 'string' || entry.repository === '') problem(`${at}.repository`, `expected a non-empty string, found ${show(entry.repository)}`);
    if (entry.team !== null && (typeof entry.team !== 'string' || entry.team === '')) problem(`${at}.team`, `expected a team name or null, found ${show(entry.team)}`);
    const before = problems.length;
    serviceProblems(entry.service, `${at}.service`, problem);
    if (problems.length > before || typeof entry.repository !== 'string') return;
    const id = `${entry.repository}\u0000${(entry.service as ServiceScan).path}`;
    const first = seen.get(id);
    if (first !== undefined) problem(at, `service ${show((entry.service as ServiceScan).path)} of ${show(entry.repository)} is already input[${first}]`);
    else seen.set(id, i);
  });
  return problems;
}

/** Checks the fields the report reads, no more: a scan from a newer scanner with extra fields is fine. */
function serviceProblems(service: unknown, at: string, problem: (path: string, message: string) => void): void {
  if (!isObject(service)) return problem(at, `expected a service scan, found ${show(service)}`);
  for (const field of ['path', 'name'] as const) {
    if (typeof service[field] !== 'string') problem(`${at}.${field}`, `expected a string, found ${show(service[field])}`);
  }
  for (const field of ['languages', 'buildTools', 'deployment', 'dependencyBots'] as const) {
    const list = service[field];
    if (!Array.isArray(list)) problem(`${at}.${field}`, `expected an array of findings, found ${show(list)}`);
    else {
      list.forEach((f: unknown, i) => {
        if (!isObject(f) || typeof f.name !== 'string') problem(`${at}.${field}[${i}].name`, `expected a string, found ${show(isObject(f) ? f.name : f)}`);
      });
    }
  }
  if (!Array.isArray(service.ci)) problem(`${at}.ci`, `expected an array of CI pipelines, found ${show(service.ci)}`);
  else {
    service.ci.forEach((p: unknown, i) => {
      if (!isObject(p)) return problem(`${at}.ci[${i}]`, `expected a CI pipeline, found ${show(p)}`);
      if (typeof p.system !== 'string') problem(`${at}.ci[${i}].system`, `expected a CI system name, found ${show(p.system)}`);
      if (!Array.isArray(p.jobs)) return problem(`${at}.ci[${i}].jobs`, `expected an array of jobs, found ${show(p.jobs)}`);
      p.jobs.forEach((j: unknown, k) => {
        if (!isObject(j) || typeof j.active !== 'boolean') problem(`${at}.ci[${i}].jobs[${k}].active`, `expected true or false, found ${show(isObject(j) ? j.active : j)}`);
      });
    });
  }
  const caps = service.capabilities;
  if (!isObject(caps)) problem(`${at}.capabilities`, `expected a state per step kind, found ${show(caps)}`);
  else {
    for (const kind of STEP_KINDS) {
      const cap = caps[kind];
      const state = isObject(cap) ? cap.state : undefined;
      if (typeof state !== 'string' || !CAPABILITY_STATES.has(state)) problem(`${at}.capabilities.${kind}.state`, `expected present, absent or unknown, found ${show(state)}`);
    }
  }
  const container = service.container;
  const dockerfiles = isObject(container) ? container.dockerfiles : undefined;
  if (!Array.isArray(dockerfiles)) problem(`${at}.container.dockerfiles`, `expected an array of Dockerfiles, found ${show(dockerfiles)}`);
  else {
    dockerfiles.forEach((d: unknown, i) => {
      const dAt = `${at}.container.dockerfiles[${i}]`;
      if (!isObject(d)) return problem(dAt, `expected a Dockerfile, found ${show(d)}`);
      if (typeof d.pinnedBase !== 'boolean') problem(`${dAt}.pinnedBase`, `expected true or false, found ${show(d.pinnedBase)}`);
      if (d.nonRootFinalStage !== null && typeof d.nonRootFinalStage !== 'boolean') problem(`${dAt}.nonRootFinalStage`, `expected true, false or null, found ${show(d.nonRootFinalStage)}`);
    });
  }
  const o = service.observability;
  if (!isObject(o)) problem(`${at}.observability`, `expected the observability findings, found ${show(o)}`);
  else {
    for (const field of ['opentelemetry', 'prometheus', 'healthCheck', 'structuredLogging'] as const) {
      if (!Array.isArray(o[field])) problem(`${at}.observability.${field}`, `expected an array of evidence, found ${show(o[field])}`);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { deviationFrom, driftReport, type DriftInput } from './driftReport.js';
import { eightServices, serviceScan } from './testFixtures.js';
import type { DriftDimensionReport, DriftReport } from './types.js';

const AT = '2025-03-04T05:06:07.000Z';
const report = (input: DriftInput[] = eightServices()) => driftReport(input, { generatedAt: AT });
const variants = (d: DriftDimensionReport) => d.variants.map((v) => [v.key, v.count, v.teams]);
const deviation = (r: DriftReport, dim: keyof DriftReport['dimensions'], repository: string, path = '.') =>
  r.dimensions[dim].teams.flatMap((t) => t.deviations).find((d) => d.service.repository === repository && d.service.path === path)!;

describe('driftReport over eight services of three teams (worked out in testFixtures.ts)', () => {
  const r = report();

  it('totals', () => {
    expect(r.generatedAt).toBe(AT);
    expect(r.totals).toEqual({ services: 8, repositories: 7, teams: 3, unassigned: 0 });
  });

  it('ciSystem: inactive jobs do not count, two systems are one variant, no CI is none', () => {
    const d = r.dimensions.ciSystem;
    expect(d.distinct).toBe(4);
    expect(d.standard).toBe('github-actions');
    expect(variants(d)).toEqual([
      ['github-actions', 5, ['payments', 'search', 'web']],
      ['circleci+github-actions', 1, ['web']],
      ['jenkins', 1, ['payments']],
      ['none', 1, ['web']],
    ]);
    expect(d.variants[0]!.services.map((s) => `${s.repository}:${s.path}`)).toEqual([
      'acme/indexer:.',
      'acme/payments:services/api',
      'acme/payments:services/worker',
      'acme/search:.',
      'acme/web:.',
    ]);
    expect(d.variants.map((v) => v.standard)).toEqual([true, false, false, false]);
  });

  it('pipelineShape: the standard, and count ties ordered by the richer variant', () => {
    const d = r.dimensions.pipelineShape;
    expect(d.distinct).toBe(5);
    expect(d.standard).toBe('build+test+lint+dependency-scan');
    expect(variants(d)).toEqual([
      ['build+test+lint+dependency-scan', 4, ['payments', 'search', 'web']],
      ['build+test+lint+dependency-scan+publish-image+deploy', 1, ['web']],
      ['build+test', 1, ['payments']],
      ['build+?test+?lint+?dependency-scan+?sast+?secret-scan+?publish-image+?deploy', 1, ['search']],
      ['none', 1, ['web']],
    ]);
  });

  it('monitoringStack and buildStack: equally rich ties ordered by name', () => {
    expect(variants(r.dimensions.monitoringStack)).toEqual([
      ['opentelemetry+prometheus+structured-logging+health-check', 4, ['payments', 'search', 'web']],
      ['opentelemetry+structured-logging', 1, ['payments']],
      ['prometheus+health-check', 1, ['payments']],
      ['structured-logging+health-check', 1, ['web']],
      ['none', 1, ['web']],
    ]);
    expect(variants(r.dimensions.buildStack)).toEqual([
      ['typescript+npm', 3, ['payments', 'web']],
      ['go+go-modules', 2, ['search']],
      ['javascript+typescript+npm', 1, ['web']],
      ['java+maven', 1, ['payments']],
      ['javascript+npm', 1, ['web']],
    ]);
  });

  it('securityControls and deployment', () => {
    expect(r.dimensions.securityControls.standard).toBe('dependency-scan+non-root-image+pinned-base-image+dependency-bot');
    expect(variants(r.dimensions.securityControls)).toEqual([
      ['dependency-scan+non-root-image+pinned-base-image+dependency-bot', 3, ['payments', 'search', 'web']],
      ['dependency-scan+pinned-base-image+dependency-bot', 1, ['payments']],
      ['dependency-scan', 1, ['web']],
      ['?dependency-scan+?sast+?secret-scan', 1, ['search']],
      ['?non-root-image', 1, ['payments']],
      ['none', 1, ['web']],
    ]);
    expect(variants(r.dimensions.deployment)).toEqual([
      ['helm+kubernetes', 4, ['payments', 'search', 'web']],
      ['none', 2, ['search', 'web']],
      ['kubernetes+kustomize', 1, ['web']],
      ['helm', 1, ['payments']],
    ]);
  });

  it('missing and extra per service, measured from the standard', () => {
    expect(deviation(r, 'ciSystem', 'acme/ledger')).toMatchObject({ variant: 'jenkins', matches: false, missing: ['github-actions'], extra: ['jenkins'], unknown: [], distance: 2 });
    expect(deviation(r, 'ciSystem', 'acme/web-admin')).toMatchObject({ missing: [], extra: ['circleci'], distance: 1 });
    expect(deviation(r, 'ciSystem', 'acme/payments', 'services/api')).toMatchObject({ matches: true, missing: [], extra: [], unknown: [], distance: 0 });
    expect(deviation(r, 'pipelineShape', 'acme/docs')).toMatchObject({ variant: 'none', missing: ['build', 'test', 'lint', 'dependency-scan'], extra: [], distance: 4 });
    expect(deviation(r, 'pipelineShape', 'acme/web-admin')).toMatchObject({ missing: [], extra: ['publish-image', 'deploy'], distance: 2 });
    expect(deviation(r, 'pipelineShape', 'acme/ledger')).toMatchObject({ missing: ['lint', 'dependency-scan'], extra: [], distance: 2 });
  });

  it('what the scan could not tell is unknown, neither missing nor a known difference', () => {
    expect(deviation(r, 'pipelineShape', 'acme/indexer')).toMatchObject({
      matches: false,
      missing: [],
      extra: ['?sast', '?secret-scan', '?publish-image', '?deploy'],
      unknown: ['test', 'lint', 'dependency-scan'],
      distance: 0,
    });
    expect(deviation(r, 'securityControls', 'acme/ledger')).toMatchObject({
      missing: ['dependency-scan', 'pinned-base-image', 'dependency-bot'],
      extra: [],
      unknown: ['non-root-image'],
      distance: 3,
    });
    expect(deviation(r, 'securityControls', 'acme/indexer')).toMatchObject({
      missing: ['non-root-image', 'pinned-base-image', 'dependency-bot'],
      extra: ['?sast', '?secret-scan'],
      unknown: ['dependency-scan'],
      distance: 3,
    });
  });

  it("per team: its variants and every service's deviation", () => {
    const payments = r.dimensions.ciSystem.teams[0]!;
    expect(r.dimensions.ciSystem.teams.map((t) => t.team)).toEqual(['payments', 'search', 'web']);
    expect(payments).toMatchObject({ team: 'payments', services: 3, matching: 2, variants: [{ key: 'github-actions', count: 2 }, { key: 'jenkins', count: 1 }] });
    expect(payments.deviations.map((d) => [d.service.name, d.matches])).toEqual([['ledger', false], ['payments-api', true], ['payments-worker', true]]);
    expect(r.dimensions.deployment.teams[2]!.variants).toEqual([{ key: 'helm+kubernetes', count: 1 }, { key: 'kubernetes+kustomize', count: 1 }, { key: 'none', count: 1 }]);
  });

  it('per-team summary: services on the standard in each dimension', () => {
    expect(r.teams).toEqual([
      { team: 'payments', services: 3, repositories: 2, matching: { ciSystem: 2, pipelineShape: 2, monitoringStack: 1, securityControls: 1, buildStack: 2, deployment: 2 } },
      { team: 'search', services: 2, repositories: 2, matching: { ciSystem: 2, pipelineShape: 1, monitoringStack: 2, securityControls: 1, buildStack: 0, deployment: 1 } },
      { team: 'web', services: 3, repositories: 3, matching: { ciSystem: 1, pipelineShape: 1, monitoringStack: 1, securityControls: 1, buildStack: 1, deployment: 1 } },
    ]);
  });

  it('does not depend on the order of its input', () => {
    expect(report(eightServices().reverse())).toEqual(r);
  });
});

describe('driftReport: ties, none and no team', () => {
  const mon = (repository: string, team: string | null, monitoring: Array<'opentelemetry' | 'prometheus' | 'structured-logging' | 'health-check'>) => ({
    repository,
    team,
    service: serviceScan('.', { monitoring }),
  });

  it('a tie on count goes to the richer variant', () => {
    const r = report([mon('a', 't', ['prometheus']), mon('b', 't', ['prometheus']), mon('c', 't', ['opentelemetry', 'health-check']), mon('d', 't', ['opentelemetry', 'health-check'])]);
    expect(r.dimensions.monitoringStack.standard).toBe('opentelemetry+health-check');
    expect(r.dimensions.monitoringStack.variants.map((v) => [v.key, v.standard])).toEqual([['opentelemetry+health-check', true], ['prometheus', false]]);
  });

  it('a tie on count and richness goes to the name; none can be the standard', () => {
    const r = report([mon('a', 't', ['prometheus']), mon('b', 't', ['opentelemetry']), mon('c', 't', [])]);
    expect(r.dimensions.monitoringStack.standard).toBe('opentelemetry');
    const none = report([mon('a', 't', []), mon('b', 't', []), mon('c', 't', ['prometheus'])]);
    expect(none.dimensions.monitoringStack.standard).toBe('none');
    expect(deviation(none, 'monitoringStack', 'c')).toMatchObject({ missing: [], extra: ['prometheus'], distance: 1 });
  });

  it('services without a team are counted apart and listed last', () => {
    const r = report([mon('a', null, ['prometheus']), mon('b', 'ops', ['prometheus']), mon('c', null, [])]);
    expect(r.totals).toEqual({ services: 3, repositories: 3, teams: 1, unassigned: 2 });
    expect(r.teams.map((t) => [t.team, t.services, t.matching.monitoringStack])).toEqual([['ops', 1, 1], [null, 2, 1]]);
    expect(r.dimensions.monitoringStack.variants[0]!.teams).toEqual(['ops', null]);
  });

  it('no services: no variants and no standard', () => {
    const r = report([]);
    expect(r.totals).toEqual({ services: 0, repositories: 0, teams: 0, unassigned: 0 });
    expect(r.dimensions.pipelineShape).toEqual({ dimension: 'pipelineShape', distinct: 0, standard: null, variants: [], teams: [] });
    expect(r.teams).toEqual([]);
  });

  it('generatedAt defaults to now', () => {
    const before = Date.now();
    const at = Date.parse(driftReport([]).generatedAt);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('deviationFrom', () => {
  it('set differences, with ?x against x reported as unknown', () => {
    expect(deviationFrom(['a', 'b', 'c'], ['a', '?b', 'd'])).toEqual({ missing: ['c'], extra: ['d'], unknown: ['b'], distance: 2 });
    // A service that has what the standard could only guess at is ahead of it, not missing anything.
    expect(deviationFrom(['a', '?b'], ['a', 'b'])).toEqual({ missing: [], extra: ['b'], unknown: [], distance: 1 });
    expect(deviationFrom([], [])).toEqual({ missing: [], extra: [], unknown: [], distance: 0 });
  });
});

describe('driftReport: bad input', () => {
  const problemsOf = (input: unknown, opts: { generatedAt?: string } = {}) => {
    try {
      driftReport(input as DriftInput[], opts);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error('expected an InputError');
  };

  it('lists every problem with its field path', () => {
    const broken = serviceScan('.') as unknown as Record<string, unknown>;
    broken.capabilities = { ...(broken.capabilities as object), lint: { state: 'maybe', evidence: [] } };
    broken.ci = [{ system: 'jenkins', jobs: [{ name: 'x' }] }];
    broken.container = { dockerfiles: [{ pinnedBase: 'yes', nonRootFinalStage: null }] };
    expect(problemsOf([{ repository: '', team: 7, service: broken }, 'x'], { generatedAt: 'yesterday' })).toEqual([
      'generatedAt: expected an ISO 8601 date-time, found "yesterday"',
      'input[0].repository: expected a non-empty string, found ""',
      'input[0].team: expected a team name or null, found 7',
      'input[0].service.ci[0].jobs[0].active: expected true or false, found nothing',
      'input[0].service.capabilities.lint.state: expected present, absent or unknown, found "maybe"',
      'input[0].service.container.dockerfiles[0].pinnedBase: expected true or false, found "yes"',
      'input[1]: expected { repository, team, service }, found "x"',
    ]);
    expect(problemsOf({ services: [] })).toEqual(['input: expected an array of { repository, team, service }, found {"services":[]}']);
    expect(problemsOf([{ repository: 'r', team: null, service: { path: '.' } }])).toContain('input[0].service.observability: expected the observability findings, found nothing');
  });

  it('names the first problems in the message', () => {
    expect(() => driftReport([{ repository: 'r', team: null, service: null as unknown as DriftInput['service'] }])).toThrow(
      'drift report input: input[0].service: expected a service scan, found null',
    );
  });

  it('rejects a service given twice', () => {
    const twice = [eightServices()[0]!, eightServices()[1]!, eightServices()[0]!];
    expect(problemsOf(twice)).toEqual(['input[2]: service "services/api" of "acme/payments" is already input[0]']);
  });
});

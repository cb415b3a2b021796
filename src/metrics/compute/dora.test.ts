import { describe, expect, it } from 'vitest';
import type { ChangeRow, DeploymentRow, DoraMetrics, IncidentRow, Window } from '../model/reports.js';
import { SeededRandom } from '../../catalog/sample/seededRandom.js';
import { computeDora, doraReport } from './dora.js';

/** `03-04T10:00` → `2024-03-04T10:00:00.000Z`; longer forms are taken as they are. */
const t = (s: string): string => (s.length === 11 ? `2024-${s}:00.000Z` : s);

const DAY = 86_400;

/** Two whole ISO weeks: Monday 2024-03-04 to Monday 2024-03-18. */
const W: Window = { from: t('03-04T00:00'), to: t('03-18T00:00'), days: 14 };
const NOW = t('03-20T00:00');

function dep(id: string, component: string, status: DeploymentRow['status'], finishedAt: string, extra: Partial<DeploymentRow> = {}): DeploymentRow {
  return { id, component, environment: 'production', sha: null, status, rollback: false, hotfix: false, startedAt: null, finishedAt: t(finishedAt), reverts: null, ...extra };
}

function inc(id: string, components: string[], startedAt: string, resolvedAt: string | null, causeDeployment: string | null): IncidentRow {
  return {
    id,
    source: 'gantry',
    title: id,
    severity: 'sev2',
    status: resolvedAt === null ? 'open' : 'resolved',
    components,
    startedAt: t(startedAt),
    detectedAt: t(startedAt),
    acknowledgedAt: null,
    resolvedAt: resolvedAt === null ? null : t(resolvedAt),
    causeDeployment,
  };
}

function chg(sha: string, deployment: string, committedAt: string, deployedAt: string): ChangeRow {
  return { component: 'api', sha, committedAt: t(committedAt), deployedAt: t(deployedAt), deployment };
}

function dora(deployments: DeploymentRow[], incidents: IncidentRow[] = [], changes: ChangeRow[] = [], window: Window = W, now = NOW): DoraMetrics {
  return computeDora({ deployments, changes, incidents, window, now });
}

/** A week of nothing: what every metric says without rows. */
const EMPTY = {
  deploymentFrequency: { deployments: 0, perDay: 0, perWeek: 0, category: null, level: null },
  leadTime: { changes: 0, medianSeconds: null, p90Seconds: null, level: null },
  changeFailureRate: { deployments: 0, failed: 0, rate: null, level: null },
  recoveryTime: { failures: 0, recovered: 0, medianSeconds: null, p90Seconds: null, level: null },
  reworkRate: { deployments: 0, unplanned: 0, rollbacks: 0, hotfixes: 0, rate: null },
};

describe('computeDora: boundaries', () => {
  it('says nothing without deployments', () => {
    expect(dora([])).toEqual({ ...EMPTY, level: null });
  });

  it('counts one deployment, exactly at window.from', () => {
    const m = dora([dep('d1', 'api', 'success', W.from)]);
    expect(m.deploymentFrequency).toEqual({
      deployments: 1,
      perDay: 1 / 14,
      perWeek: 0.5, // 1 / (14 / 7)
      // weeks 03-04 and 03-11: days_deployed [1, 0] median 0.5 < 3; week_deployed [1, 0] median 0.5 < 1;
      // both Mondays are in March: monthly_deploys [1, 1] median 1 ≥ 1 → monthly
      category: 'monthly',
      level: 'medium',
    });
    expect(m.changeFailureRate).toEqual({ deployments: 1, failed: 0, rate: 0, level: 'elite' }); // 0 / 1
    expect(m.recoveryTime).toEqual(EMPTY.recoveryTime);
    expect(m.reworkRate).toEqual({ deployments: 1, unplanned: 0, rollbacks: 0, hotfixes: 0, rate: 0 });
    expect(m.level).toBe('medium'); // lowest of medium (frequency) and elite (CFR)
  });

  it('leaves out a deployment and a change exactly at window.to, and ones before window.from', () => {
    const m = dora(
      [dep('late', 'api', 'success', W.to), dep('early', 'api', 'failure', '2024-03-03T23:59:59.999Z')],
      [],
      [chg('a', 'late', '03-17T00:00', W.to), chg('b', 'early', '03-03T00:00', '2024-03-03T23:59:59.999Z')],
    );
    expect(m).toEqual({ ...EMPTY, level: null });
  });

  it('counts pending deployments nowhere', () => {
    expect(dora([dep('p', 'api', 'pending', '03-05T10:00')])).toEqual({ ...EMPTY, level: null });
  });

  it('has a level from failures alone when nothing succeeded', () => {
    const m = dora([dep('f', 'api', 'failure', '03-05T10:00')]);
    expect(m.deploymentFrequency.category).toBeNull();
    expect(m.changeFailureRate).toEqual({ deployments: 1, failed: 1, rate: 1, level: 'low' });
    // never recovered: no later success of api
    expect(m.recoveryTime).toEqual({ failures: 1, recovered: 0, medianSeconds: null, p90Seconds: null, level: null });
    expect(m.level).toBe('low');
  });

  it('names the row and field of a bad timestamp', () => {
    expect(() => dora([dep('a', 'api', 'success', '03-05T10:00'), dep('b', 'api', 'success', 'yesterday')])).toThrow(
      'deployments[1].finishedAt: expected an ISO-8601 time such as 2024-03-04T10:00:00.000Z, found "yesterday"',
    );
    expect(() => dora([], [{ ...inc('i', [], '03-05T10:00', null, null), resolvedAt: 'later' }])).toThrow('incidents[0].resolvedAt: expected an ISO-8601 time');
    expect(() => dora([], [], [], { ...W, to: 'x' })).toThrow('window.to: expected an ISO-8601 time');
  });
});

/**
 * Two weeks of api, web and db deployments:
 *
 * week 03-04: d1 api ok · d2 api failure (recovered by d3: 2 h) · d3 api ok hotfix · d4 api rolled_back (30 min)
 *             · d5 api ok reverted by d6 (20 min) · d6 api rollback
 * week 03-11: d7 web ok, caused i1 and i2 (08:30 to 13:00: 4.5 h) · d8 web ok during i1 (a hotfix) · d9 web ok
 *             caused i3 (unresolved) · d10 pending · d11 api failure (recovered by d12 at window.to: 2 h)
 *             · d13 db failure (never recovered)
 */
function scenario(): { deployments: DeploymentRow[]; incidents: IncidentRow[]; changes: ChangeRow[] } {
  return {
    deployments: [
      dep('d0', 'api', 'success', '03-03T20:00'), // before the window
      dep('d1', 'api', 'success', '03-04T10:00'),
      dep('d2', 'api', 'failure', '03-05T10:00', { startedAt: t('03-05T09:50') }),
      dep('d3', 'api', 'success', '03-05T12:00', { hotfix: true }),
      dep('d4', 'api', 'rolled_back', '03-06T10:00', { startedAt: t('03-06T09:30') }),
      dep('d5', 'api', 'success', '03-07T10:00'),
      dep('d6', 'api', 'success', '03-07T10:20', { rollback: true, reverts: 'd5' }),
      dep('d7', 'web', 'success', '03-11T08:00'),
      dep('d8', 'web', 'success', '03-11T11:00'),
      dep('d9', 'web', 'success', '03-12T10:00'),
      dep('d10', 'web', 'pending', '03-13T10:00'),
      dep('d11', 'api', 'failure', '03-17T22:00'),
      dep('d12', 'api', 'success', W.to), // at window.to: not counted, but it recovers d11
      dep('d13', 'db', 'failure', '03-15T10:00'),
    ],
    incidents: [
      inc('i1', ['web'], '03-11T09:00', '03-11T13:00', 'd7'),
      inc('i2', ['web'], '03-11T08:30', '03-11T10:00', 'd7'),
      inc('i3', ['web'], '03-12T11:00', null, 'd9'),
      inc('i4', ['billing'], '03-13T00:00', null, null), // no cause, no deployments of billing
      inc('i5', ['api'], '02-01T00:00', '02-02T00:00', 'gone'), // long before the window, cause unknown here
    ],
    changes: [
      chg('c1', 'd1', '03-04T09:00', '03-04T10:00'), // 1 h = 3600
      chg('c2', 'd3', '03-03T12:00', '03-05T12:00'), // 2 days = 172800
      chg('c3', 'd7', '03-11T09:00', '03-11T08:00'), // committed after deployed (clock skew): max(0, -3600) = 0
      chg('c4', 'd12', '03-17T00:00', W.to), // at window.to: left out
      chg('c5', 'd0', '03-03T10:00', '03-03T20:00'), // before the window: left out
      chg('c6', 'd9', '02-12T10:00', '03-12T10:00'), // 29 days = 2505600
    ],
  };
}

describe('doraReport: two weeks of three components', () => {
  const rows = scenario();
  const report = doraReport({ ...rows, window: W, now: NOW, scope: { kind: 'organisation' } });

  it('deployment frequency', () => {
    expect(report.deploymentFrequency).toEqual({
      deployments: 7, // d1 d3 d5 d6 d7 d8 d9
      perDay: 0.5, // 7 / 14
      perWeek: 3.5, // 7 / 2
      // days_deployed: week 03-04 {03-04, 03-05, 03-07} = 3, week 03-11 {03-11, 03-12} = 2: median 2.5 < 3;
      // week_deployed [1, 1]: median 1 → weekly
      category: 'weekly',
      level: 'high',
    });
  });

  it('lead time', () => {
    expect(report.leadTime).toEqual({
      changes: 4, // c1 c2 c3 c6
      // sorted [0, 3600, 172800, 2505600]: (3600 + 172800) / 2 = 88200 (24.5 h: not under a day)
      medianSeconds: 88_200,
      // rank 0.9 * 3 = 2.7: 172800 + 0.7 * (2505600 - 172800) = 172800 + 1632960
      p90Seconds: expect.closeTo(1_805_760, 6),
      level: 'high',
    });
  });

  it('change failure rate', () => {
    expect(report.changeFailureRate).toEqual({
      deployments: 11, // d1..d13 in the window (12 rows) less the pending d10
      failed: 7, // d2 failure, d4 rolled_back, d5 reverted by d6, d7 and d9 caused incidents, d11 and d13 failures
      rate: 7 / 11,
      level: 'low',
    });
  });

  it('recovery time', () => {
    expect(report.recoveryTime).toEqual({
      failures: 7,
      // d2 7200 (next api success d3), d4 1800 (09:30 → 10:00), d5 1200 (d6 at 10:20), d7 16200 (08:30 → 13:00),
      // d11 7200 (d12 at 03-18T00:00); d9 (i3 open) and d13 (no later db success) not recovered
      recovered: 5,
      medianSeconds: 7200, // sorted [1200, 1800, 7200, 7200, 16200]
      p90Seconds: 12_600, // rank 0.9 * 4 = 3.6: 7200 + 0.6 * (16200 - 7200)
      level: 'high',
    });
  });

  it('rework rate', () => {
    expect(report.reworkRate).toEqual({
      deployments: 11,
      unplanned: 3,
      rollbacks: 1, // d6
      hotfixes: 2, // d3 (flag), d8 (web during i1: 09:00 ≤ 11:00 < 13:00)
      rate: 3 / 11,
    });
  });

  it('levels: the lowest of high, high, low and high', () => {
    expect(report.level).toBe('low');
    expect(report.levels).toEqual({ report: 'Accelerate State of DevOps Report', year: 2024 });
    expect(report.scope).toEqual({ kind: 'organisation' });
    expect(report.window).toEqual(W);
  });

  it('distributions', () => {
    expect(report.distributions.leadTime).toEqual([
      { le: 3600, label: '< 1 hour', count: 1 }, // 0
      { le: 86_400, label: '1 hour – 1 day', count: 1 }, // 3600 (buckets are [previous le, le))
      { le: 604_800, label: '1 day – 1 week', count: 1 }, // 172800
      { le: 2_592_000, label: '1 week – 1 month', count: 1 }, // 2505600 < 30 * 86400
      { le: 15_724_800, label: '1 month – 6 months', count: 0 }, // 182 * 86400
      { le: null, label: '≥ 6 months', count: 0 },
    ]);
    expect(report.distributions.recoveryTime).toEqual([
      { le: 3600, label: '< 1 hour', count: 2 }, // 1200, 1800
      { le: 86_400, label: '1 hour – 1 day', count: 3 }, // 7200, 7200, 16200
      { le: 604_800, label: '1 day – 1 week', count: 0 },
      { le: null, label: '≥ 1 week', count: 0 },
    ]);
  });

  it('trend: each week on its own, recoveries after the week still counted', () => {
    expect(report.trend).toEqual([
      {
        week: '2024-03-04',
        // d1 d3 d5 d6 on 03-04, 03-05, 03-07: 3 days → daily
        deploymentFrequency: { deployments: 4, perDay: 4 / 7, perWeek: 4, category: 'daily', level: 'elite' },
        // [3600, 172800]: median 88200; p90 rank 0.9: 3600 + 0.9 * 169200 = 155880
        leadTime: { changes: 2, medianSeconds: 88_200, p90Seconds: expect.closeTo(155_880, 6), level: 'high' },
        changeFailureRate: { deployments: 6, failed: 3, rate: 0.5, level: 'low' }, // d2 d4 d5 of d1..d6
        // [1200, 1800, 7200]: median 1800; p90 rank 1.8: 1800 + 0.8 * 5400 = 6120
        recoveryTime: { failures: 3, recovered: 3, medianSeconds: 1800, p90Seconds: expect.closeTo(6120, 6), level: 'elite' },
        reworkRate: { deployments: 6, unplanned: 2, rollbacks: 1, hotfixes: 1, rate: 2 / 6 },
      },
      {
        week: '2024-03-11',
        // d7 d8 d9 on 03-11, 03-12: 2 days < 3; deployed → weekly
        deploymentFrequency: { deployments: 3, perDay: 3 / 7, perWeek: 3, category: 'weekly', level: 'high' },
        // [0, 2505600]: median 1252800 (14.5 days); p90 0.9 * 2505600 = 2255040
        leadTime: { changes: 2, medianSeconds: 1_252_800, p90Seconds: expect.closeTo(2_255_040, 6), level: 'medium' },
        changeFailureRate: { deployments: 5, failed: 4, rate: 0.8, level: 'low' }, // d7 d9 d11 d13 of d7 d8 d9 d11 d13
        // d7 16200, d11 7200 (by d12, after the week): median 11700; p90 7200 + 0.9 * 9000 = 15300
        recoveryTime: { failures: 4, recovered: 2, medianSeconds: 11_700, p90Seconds: expect.closeTo(15_300, 6), level: 'high' },
        reworkRate: { deployments: 5, unplanned: 1, rollbacks: 0, hotfixes: 1, rate: 1 / 5 },
      },
    ]);
  });

  it('gives the same numbers for rows in any order', () => {
    const shuffled = {
      deployments: [...rows.deployments].reverse(),
      incidents: [...rows.incidents].reverse(),
      changes: [rows.changes[3]!, rows.changes[0]!, rows.changes[5]!, rows.changes[2]!, rows.changes[4]!, rows.changes[1]!],
    };
    expect(doraReport({ ...shuffled, window: W, now: NOW, scope: { kind: 'organisation' } })).toEqual(report);
  });

  it('computeDora gives the report numbers without the extras', () => {
    const { scope: _s, window: _w, levels: _l, trend: _t, distributions: _d, ...metrics } = report;
    expect(computeDora({ ...rows, window: W, now: NOW })).toEqual(metrics);
  });
});

describe('computeDora: which rule decides recovery', () => {
  it('an incident decides before rolled_back, a rollback before the next deployment', () => {
    const m = dora(
      [
        dep('rb', 'api', 'rolled_back', '03-05T10:00', { startedAt: t('03-05T09:00') }),
        dep('f', 'api', 'failure', '03-06T10:00'),
        dep('mid', 'api', 'success', '03-06T10:05'),
        dep('undo', 'api', 'success', '03-06T10:10', { rollback: true, reverts: 'f' }),
      ],
      [inc('i', ['api'], '03-05T10:05', '03-05T13:05', 'rb')],
    );
    // rb: the incident, 10:05 → 13:05 = 10800 (not its own 09:00 → 10:00 = 3600);
    // f: the rollback, 10:00 → 10:10 = 600 (not the next success, mid: 300)
    expect(m.recoveryTime).toMatchObject({
      failures: 2,
      recovered: 2,
      medianSeconds: 5700, // (600 + 10800) / 2
      p90Seconds: expect.closeTo(9780, 6), // 600 + 0.9 * 10200
    });
  });

  it('the earliest successful rollback counts; a failed rollback neither reverts nor recovers', () => {
    const m = dora([
      dep('s', 'api', 'success', '03-05T10:00'),
      dep('bad', 'api', 'failure', '03-05T10:05', { rollback: true, reverts: 's' }),
      dep('undo2', 'api', 'success', '03-05T11:00', { rollback: true, reverts: 's' }),
      dep('undo1', 'api', 'success', '03-05T10:30', { rollback: true, reverts: 's' }),
      dep('ok', 'web', 'success', '03-06T10:00'),
      dep('notReverted', 'web', 'success', '03-06T11:00'),
      dep('bad2', 'web', 'failure', '03-06T11:30', { rollback: true, reverts: 'notReverted' }),
    ]);
    // failed: s (reverted by undo1 at 10:30: 1800 s), bad (failure; next api success undo1 at 10:30: 1500 s), bad2
    // (failure, no later web success). 7 finished deployments.
    expect(m.changeFailureRate).toEqual({ deployments: 7, failed: 3, rate: 3 / 7, level: 'low' });
    expect(m.recoveryTime).toMatchObject({ failures: 3, recovered: 2, medianSeconds: (1500 + 1800) / 2 });
    expect(m.reworkRate).toMatchObject({ rollbacks: 4, hotfixes: 0, unplanned: 4 }); // bad, undo2, undo1, bad2
  });

  it('a failure is recovered by the next successful deployment of the same component only', () => {
    const m = dora([
      dep('f', 'api', 'failure', '03-05T10:00'),
      dep('other', 'web', 'success', '03-05T10:30'),
      dep('same-time', 'api', 'success', '03-05T10:00'), // not after it
      dep('next', 'api', 'success', '03-05T12:00'),
    ]);
    expect(m.recoveryTime).toMatchObject({ failures: 1, recovered: 1, medianSeconds: 7200 }); // 10:00 → 12:00
  });

  it('with several incidents: latest resolution minus earliest start; any unresolved: not recovered', () => {
    const m = dora(
      [dep('a', 'api', 'success', '03-05T10:00'), dep('b', 'web', 'success', '03-06T10:00')],
      [
        inc('a1', [], '03-05T11:00', '03-05T12:00', 'a'),
        inc('a2', [], '03-05T10:30', '03-05T11:30', 'a'),
        inc('b1', [], '03-06T11:00', '03-06T12:00', 'b'),
        inc('b2', [], '03-06T11:30', null, 'b'),
      ],
    );
    // a: 10:30 → 12:00 = 5400; b: b2 open
    expect(m.recoveryTime).toMatchObject({ failures: 2, recovered: 1, medianSeconds: 5400 });
  });

  it('a rolled_back deployment without startedAt recovered at once', () => {
    expect(dora([dep('rb', 'api', 'rolled_back', '03-05T10:00')]).recoveryTime).toMatchObject({ recovered: 1, medianSeconds: 0 });
  });
});

describe('computeDora: rework', () => {
  it('an incident makes deployments of its components hotfixes while it is open, [startedAt, resolvedAt)', () => {
    const m = dora(
      [
        dep('atStart', 'web', 'success', '03-05T10:00'),
        dep('atEnd', 'web', 'success', '03-05T12:00'),
        dep('otherCase', 'Web', 'success', '03-05T11:00'), // components compare exactly
        dep('rollbackDuring', 'web', 'success', '03-05T11:00', { rollback: true, hotfix: true }),
        dep('pendingDuring', 'web', 'pending', '03-05T11:00'),
        dep('failedDuring', 'web', 'failure', '03-05T11:30'),
        dep('openForever', 'db', 'success', '03-16T11:00'),
      ],
      [inc('i', ['web'], '03-05T10:00', '03-05T12:00', null), inc('j', ['db', 'db'], '03-01T00:00', null, null)],
    );
    // hotfixes: atStart, failedDuring, openForever (j has no end); rollbacks: rollbackDuring (a rollback only)
    expect(m.reworkRate).toEqual({ deployments: 6, unplanned: 4, rollbacks: 1, hotfixes: 3, rate: 4 / 6 });
  });
});

describe('computeDora: as of now', () => {
  it('ignores what happens after now', () => {
    const now = t('03-10T00:00');
    const m = dora(
      [
        dep('reverted', 'api', 'success', '03-05T10:00'),
        dep('undo', 'api', 'success', '2024-03-10T00:00:00.001Z', { rollback: true, reverts: 'reverted' }),
        dep('f', 'web', 'failure', '03-05T10:00'),
        dep('fix', 'web', 'success', '03-10T01:00'),
        dep('caused', 'db', 'success', '03-06T10:00'),
        dep('causedLater', 'queue', 'success', '03-06T10:00'),
        dep('g', 'cache', 'failure', '03-09T23:00'),
        dep('gFix', 'cache', 'success', now), // at now: it has happened
      ],
      [inc('i', ['db'], '03-06T11:00', '03-10T12:00', 'caused'), inc('k', ['queue'], '03-10T01:00', '03-10T02:00', 'causedLater')],
      [],
      W,
      now,
    );
    // undo and fix finish after now: reverted is not failed, f is not recovered; i resolves after now: caused not
    // recovered; k starts after now: causedLater not failed. gFix at now recovers g: 23:00 → 00:00 = 3600
    expect(m.deploymentFrequency.deployments).toBe(4); // reverted, caused, causedLater, gFix
    expect(m.changeFailureRate).toMatchObject({ deployments: 6, failed: 3 }); // f, caused, g
    expect(m.recoveryTime).toMatchObject({ failures: 3, recovered: 1, medianSeconds: 3600 });
  });
});

describe('computeDora: frequency category over twelve weeks', () => {
  // Monday 2024-01-01 to Monday 2024-03-25: weeks of Jan 1, 8, 15, 22, 29 (January), Feb 5, 12, 19, 26, Mar 4, 11, 18
  const Q: Window = { from: '2024-01-01T00:00:00.000Z', to: '2024-03-25T00:00:00.000Z', days: 84 };
  const weekly = (weeks: number) => Array.from({ length: weeks }, (_, k) => dep(`w${k}`, 'api', 'success', new Date(Date.parse('2024-01-03T10:00:00.000Z') + k * 7 * DAY * 1000).toISOString()));
  const category = (deployments: DeploymentRow[]) => dora(deployments, [], [], Q).deploymentFrequency.category;

  it('yearly: one deployment in January', () => {
    // monthly_deploys per week row: January's 5 rows 1, the other 7 rows 0: median of sorted (7 × 0, 5 × 1) = 0
    expect(category([dep('a', 'api', 'success', '01-10T10:00')])).toBe('yearly');
  });

  it('monthly: one deployment in January and one in February', () => {
    // monthly_deploys: 5 + 4 rows of 1, 3 March rows of 0: median 1; week_deployed median 0 (2 of 12)
    expect(category([dep('a', 'api', 'success', '01-10T10:00'), dep('b', 'api', 'success', '02-07T10:00')])).toBe('monthly');
  });

  it('weekly from seven weeks of twelve, not from six', () => {
    // week_deployed sorted: 5 × 0, 7 × 1: (1 + 1) / 2 = 1
    expect(category(weekly(7))).toBe('weekly');
    // 6 × 0, 6 × 1: (0 + 1) / 2 = 0.5 < 1; January (5 rows) and February (first week deployed: 4 rows) have
    // monthly_deploys ≥ 1 and March (3 rows) 0: median 1 → monthly
    expect(category(weekly(6))).toBe('monthly');
  });

  it('daily when the median week has deployments on three distinct dates', () => {
    const days = (week: number, n: number) =>
      Array.from({ length: n }, (_, d) => dep(`${week}-${d}`, 'api', 'success', new Date(Date.parse('2024-01-01T10:00:00.000Z') + (week * 7 + d) * DAY * 1000).toISOString()));
    // 7 weeks with 3 dates, 5 weeks with 2 (two deployments on one date count once): median 3
    const rows = [...[0, 1, 2, 3, 4, 5, 6].flatMap((w) => days(w, 3)), ...[7, 8, 9, 10, 11].flatMap((w) => days(w, 2))];
    rows.push(dep('again', 'api', 'success', '01-01T11:00'));
    expect(category(rows)).toBe('daily');
    // 6 and 6: (2 + 3) / 2 = 2.5 → weekly
    expect(category(rows.filter((r) => !r.id.startsWith('6-')).concat(days(6, 2)))).toBe('weekly');
  });
});

describe('doraReport: generated rows', () => {
  it('keeps its invariants over a few thousand rows', () => {
    const random = new SeededRandom(7);
    const now = Date.parse('2024-06-01T12:34:56.000Z');
    const window: Window = { from: new Date(now - 90 * DAY * 1000).toISOString(), to: new Date(now).toISOString(), days: 90 };
    const iso = (ms: number) => new Date(ms).toISOString();
    const components = ['api', 'web', 'db', 'queue', 'auth', 'search'];
    const deployments: DeploymentRow[] = [];
    for (let i = 0; i < 3000; i++) {
      const at = now - random.next() * 92 * DAY * 1000;
      const status = random.pick(['success', 'success', 'success', 'success', 'failure', 'rolled_back', 'pending'] as const);
      const rollback = random.chance(0.05);
      const reverts = rollback && deployments.length > 0 ? random.pick(deployments).id : null;
      deployments.push(
        dep(`d${i}`, random.pick(components), status, iso(at), {
          rollback,
          reverts,
          hotfix: random.chance(0.05),
          startedAt: random.chance(0.8) ? iso(at - random.int(3600) * 1000) : null,
        }),
      );
    }
    const incidents: IncidentRow[] = Array.from({ length: 150 }, (_, i) => {
      const start = now - random.next() * 100 * DAY * 1000;
      const end = random.chance(0.8) ? iso(start + random.int(3 * DAY) * 1000) : null;
      return inc(`i${i}`, [random.pick(components)], iso(start), end, random.chance(0.6) ? random.pick(deployments).id : null);
    });
    const changes: ChangeRow[] = Array.from({ length: 6000 }, (_, i) => {
      const deployed = now - random.next() * 90 * DAY * 1000;
      return chg(`c${i}`, 'd0', iso(deployed - random.int(40 * DAY) * 1000), iso(deployed));
    });

    const report = doraReport({ deployments, changes, incidents, window, now: iso(now), scope: { kind: 'organisation' } });
    const cfr = report.changeFailureRate;
    expect(cfr.deployments).toBeGreaterThan(2000);
    expect(cfr.failed).toBeLessThanOrEqual(cfr.deployments);
    expect(report.recoveryTime.failures).toBe(cfr.failed);
    expect(report.recoveryTime.recovered).toBeLessThanOrEqual(report.recoveryTime.failures);
    expect(report.reworkRate.unplanned).toBe(report.reworkRate.rollbacks + report.reworkRate.hotfixes);
    expect(report.reworkRate.unplanned).toBeLessThanOrEqual(report.reworkRate.deployments);
    expect(report.leadTime.changes).toBe(6000);
    expect(report.leadTime.p90Seconds!).toBeGreaterThanOrEqual(report.leadTime.medianSeconds!);
    expect(report.recoveryTime.p90Seconds!).toBeGreaterThanOrEqual(report.recoveryTime.medianSeconds!);

    // 90 days from a Saturday afternoon: 14 weeks, the first and last clipped; the weeks add up to the window
    expect(report.trend).toHaveLength(14);
    const sum = (f: (w: (typeof report.trend)[number]) => number) => report.trend.reduce((s, w) => s + f(w), 0);
    expect(sum((w) => w.deploymentFrequency.deployments)).toBe(report.deploymentFrequency.deployments);
    expect(sum((w) => w.changeFailureRate.deployments)).toBe(cfr.deployments);
    expect(sum((w) => w.changeFailureRate.failed)).toBe(cfr.failed);
    expect(sum((w) => w.recoveryTime.recovered)).toBe(report.recoveryTime.recovered);
    expect(sum((w) => w.leadTime.changes)).toBe(report.leadTime.changes);
    expect(sum((w) => w.reworkRate.rollbacks)).toBe(report.reworkRate.rollbacks);
    expect(sum((w) => w.reworkRate.hotfixes)).toBe(report.reworkRate.hotfixes);
    const counts = (buckets: Array<{ count: number }>) => buckets.reduce((s, b) => s + b.count, 0);
    expect(counts(report.distributions.leadTime)).toBe(report.leadTime.changes);
    expect(counts(report.distributions.recoveryTime)).toBe(report.recoveryTime.recovered);

    const reordered = doraReport({
      deployments: [...deployments].reverse(),
      changes: [...changes].reverse(),
      incidents: [...incidents].reverse(),
      window,
      now: iso(now),
      scope: { kind: 'organisation' },
    });
    expect(reordered).toEqual(report);
  });
});

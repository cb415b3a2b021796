import { describe, expect, it } from 'vitest';
import type { AdoptionRow, IncidentRow, ProvisionRow, SurveyRow, Window } from '../model/reports.js';
import type { Severity } from '../model/facts.js';
import { platformReport, type PlatformInput } from './platform.js';

/** `03-04T10:00` → `2024-03-04T10:00:00.000Z`; longer forms are taken as they are. */
const t = (s: string): string => (s.length === 11 ? `2024-${s}:00.000Z` : s);

/** Two whole ISO weeks: Monday 2024-03-04 to Monday 2024-03-18. */
const W: Window = { from: t('03-04T00:00'), to: t('03-18T00:00'), days: 14 };
const NOW = t('03-20T00:00');
const AFTER_NOW = '2024-03-20T00:00:00.001Z';

function component(name: string, fromGoldenPath: boolean, standardPipeline: boolean, createdAt: string): AdoptionRow {
  return { component: name, owner: 'team-a', fromGoldenPath, standardPipeline, createdAt: t(createdAt) };
}

function task(id: string, template: string, status: ProvisionRow['status'], requestedAt: string, firstHealthyAt: string | null = null): ProvisionRow {
  return { task: id, template, owner: 'team-a', requestedAt: t(requestedAt), status, component: null, firstHealthyAt: firstHealthyAt && t(firstHealthyAt) };
}

function incident(id: string, severity: Severity, startedAt: string, detectedAt: string, resolvedAt: string | null, causeDeployment: string | null): IncidentRow {
  return {
    id,
    source: 'gantry',
    title: id,
    severity,
    status: resolvedAt === null ? 'open' : 'resolved',
    components: ['api'],
    startedAt: t(startedAt),
    detectedAt: t(detectedAt),
    acknowledgedAt: null,
    resolvedAt: resolvedAt && t(resolvedAt),
    causeDeployment,
  };
}

function answer(id: string, team: string | null, score: number, at: string): SurveyRow {
  return { id, user: null, team, score, comment: null, at: t(at) };
}

function input(rows: Partial<PlatformInput>): PlatformInput {
  return { adoption: [], provisions: [], incidents: [], survey: [], window: W, now: NOW, scope: { kind: 'organisation' }, ...rows };
}

const rows = {
  adoption: [
    component('a1', true, true, '02-01T00:00'),
    component('a2', true, false, '03-12T00:00'),
    component('a3', false, true, '03-12T00:00'),
    component('a4', true, true, '03-13T00:00'),
    component('a5', false, false, '03-19T00:00'), // after the window, before now
    component('a6', true, true, AFTER_NOW), // after now: not there yet
  ],
  provisions: [
    task('p1', 'service', 'succeeded', '03-04T10:00', '03-04T10:30'), // 1800
    task('p2', 'service', 'succeeded', '03-05T10:00', '03-05T12:00'), // 7200
    task('p3', 'service', 'succeeded', '03-10T23:00', '03-11T03:00'), // 14400, healthy in the second week
    task('p4', 'website', 'running', '03-12T09:00'), // pending
    task('p5', 'website', 'succeeded', '03-12T10:00'), // pending: succeeded, not healthy yet
    task('p6', 'library', 'failed', '03-13T10:00'),
    task('p7', 'website', 'cancelled', '03-14T10:00'),
    task('p8', 'service', 'succeeded', '03-01T10:00', '03-04T09:00'), // requested before the window, healthy in it
    task('p9', 'library', 'succeeded', W.to), // at window.to: left out
    task('p10', 'website', 'succeeded', '03-15T10:00', AFTER_NOW), // healthy after now: pending
    task('p11', 'api', 'failed', '03-16T10:00'),
  ],
  incidents: [
    incident('i1', 'sev1', '03-04T10:00', '03-04T10:05', '03-04T11:00', 'd1'), // detect 300, restore 3600
    incident('i2', 'sev2', '03-06T10:00', '03-06T09:58', '03-06T12:00', null), // detect max(0, -120) = 0, restore 7200
    incident('i3', 'sev2', '03-12T10:00', '03-12T10:10', null, null), // detect 600, open
    incident('i4', 'sev4', '03-13T00:00', '03-13T00:20', AFTER_NOW, 'd9'), // detect 1200, resolved after now: open
    incident('i5', 'sev3', W.to, W.to, null, null), // at window.to: left out
    incident('i6', 'sev3', '03-03T23:00', '03-03T23:10', '03-04T01:00', null), // before the window
  ],
  survey: [
    answer('s1', 'payments', 5, '03-04T12:00'),
    answer('s2', 'payments', 4, '03-05T12:00'),
    answer('s3', null, 2, '03-06T12:00'),
    answer('s4', 'checkout', 3, '03-12T12:00'),
    answer('s5', 'checkout', 5, '03-13T12:00'),
    answer('s6', 'payments', 1, W.to), // at window.to: left out
    answer('s7', 'payments', 1, '03-03T12:00'), // before the window
  ],
};

describe('platformReport', () => {
  const report = platformReport(input({ ...rows, scope: { kind: 'team', team: 'team-a' } }));

  it('echoes the window and scope', () => {
    expect(report.window).toEqual(W);
    expect(report.scope).toEqual({ kind: 'team', team: 'team-a' });
  });

  it('adoption at now', () => {
    // a1..a5 (a6 is created after now); golden path a1 a2 a4; standard pipeline a1 a3 a4; both a1 a4
    expect(report.adoption).toEqual({ components: 5, fromGoldenPath: 3, standardPipeline: 3, adopted: 2, rate: 0.4 });
  });

  it('time to provision over the tasks requested in the window', () => {
    expect(report.timeToProvision).toEqual({
      provisioned: 3, // p1 p2 p3
      pending: 3, // p4 running, p5 succeeded without a healthy deployment, p10 healthy only after now
      medianSeconds: 7200, // [1800, 7200, 14400]
      p90Seconds: expect.closeTo(12_960, 6), // rank 1.8: 7200 + 0.8 * 7200
    });
  });

  it('templates, by tasks then name', () => {
    expect(report.templates).toEqual([
      { template: 'website', tasks: 4, succeeded: 2, failed: 1 }, // p4 p5 p7 p10: p5 p10 succeeded, p7 cancelled
      { template: 'service', tasks: 3, succeeded: 3, failed: 0 }, // p1 p2 p3 (p8 requested before the window)
      { template: 'api', tasks: 1, succeeded: 0, failed: 1 }, // p11
      { template: 'library', tasks: 1, succeeded: 0, failed: 1 }, // p6 (p9 at window.to)
    ]);
  });

  it('incidents started in the window', () => {
    expect(report.incidents).toEqual({
      count: 4, // i1..i4
      open: 2, // i3, i4 (resolved after now)
      bySeverity: { sev1: 1, sev2: 2, sev3: 0, sev4: 1 },
      mttdSeconds: 525, // (300 + 0 + 600 + 1200) / 4
      medianTtdSeconds: 450, // sorted [0, 300, 600, 1200]: (300 + 600) / 2
      mttrSeconds: 5400, // (3600 + 7200) / 2
      medianTtrSeconds: 5400,
      withoutCause: 2, // i2, i3
    });
  });

  it('satisfaction', () => {
    expect(report.satisfaction).toEqual({
      responses: 5, // s1..s5
      average: 3.8, // (5 + 4 + 2 + 3 + 5) / 5 = 19 / 5
      distribution: [0, 1, 1, 1, 2], // scores 1..5
      byTeam: [
        { team: 'checkout', responses: 2, average: 4 }, // (3 + 5) / 2
        { team: 'payments', responses: 2, average: 4.5 }, // (5 + 4) / 2; s3 has no team
      ],
    });
  });

  it('trend by week', () => {
    expect(report.trend).toEqual([
      {
        week: '2024-03-04',
        adoptionRate: 1, // by 03-11 only a1, adopted: 1 / 1
        provisioned: 3, // healthy in the week: p1 1800, p2 7200, p8 255600 (3 days - 1 hour)
        timeToProvisionMedianSeconds: 7200,
        tasks: 3, // p1 p2 p3
        incidents: 2, // i1 i2
        mttrSeconds: 5400, // (3600 + 7200) / 2
        satisfactionResponses: 3, // s1 s2 s3
        satisfactionAverage: 11 / 3, // (5 + 4 + 2) / 3
      },
      {
        week: '2024-03-11',
        adoptionRate: 0.5, // by 03-18: a1..a4, adopted a1 a4
        provisioned: 1, // p3
        timeToProvisionMedianSeconds: 14_400,
        tasks: 6, // p4 p5 p6 p7 p10 p11
        incidents: 2, // i3 i4
        mttrSeconds: null, // both open
        satisfactionResponses: 2, // s4 s5
        satisfactionAverage: 4, // (3 + 5) / 2
      },
    ]);
  });

  it('gives the same report for rows in any order', () => {
    const reversed = { adoption: [...rows.adoption].reverse(), provisions: [...rows.provisions].reverse(), incidents: [...rows.incidents].reverse(), survey: [...rows.survey].reverse() };
    expect(platformReport(input({ ...reversed, scope: { kind: 'team', team: 'team-a' } }))).toEqual(report);
  });
});

describe('platformReport: edges', () => {
  it('has nulls and zeros without rows, and every severity key', () => {
    expect(platformReport(input({}))).toEqual({
      window: W,
      scope: { kind: 'organisation' },
      adoption: { components: 0, fromGoldenPath: 0, standardPipeline: 0, adopted: 0, rate: null },
      timeToProvision: { provisioned: 0, pending: 0, medianSeconds: null, p90Seconds: null },
      templates: [],
      incidents: {
        count: 0,
        open: 0,
        bySeverity: { sev1: 0, sev2: 0, sev3: 0, sev4: 0 },
        mttdSeconds: null,
        medianTtdSeconds: null,
        mttrSeconds: null,
        medianTtrSeconds: null,
        withoutCause: 0,
      },
      satisfaction: { responses: 0, average: null, distribution: [0, 0, 0, 0, 0], byTeam: [] },
      trend: ['2024-03-04', '2024-03-11'].map((week) => ({
        week,
        adoptionRate: null,
        provisioned: 0,
        timeToProvisionMedianSeconds: null,
        tasks: 0,
        incidents: 0,
        mttrSeconds: null,
        satisfactionResponses: 0,
        satisfactionAverage: null,
      })),
    });
  });

  it('counts a row exactly at window.from', () => {
    const report = platformReport(input({ survey: [answer('s', 'x', 4, W.from)], provisions: [task('p', 'svc', 'running', W.from)] }));
    expect(report.satisfaction.responses).toBe(1);
    expect(report.trend[0]!.tasks).toBe(1);
  });

  it('names a bad score or timestamp', () => {
    expect(() => platformReport(input({ survey: [answer('s', null, 4, '03-05T10:00'), answer('s', null, 6, '03-05T10:00')] }))).toThrow(
      'survey[1].score: expected an integer from 1 to 5, found 6',
    );
    expect(() => platformReport(input({ provisions: [{ ...task('p', 'svc', 'running', '03-05T10:00'), requestedAt: 'soon' }] }))).toThrow(
      'provisions[0].requestedAt: expected an ISO-8601 time such as 2024-03-04T10:00:00.000Z, found "soon"',
    );
  });
});

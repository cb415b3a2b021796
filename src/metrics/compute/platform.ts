/**
 * Platform effectiveness from stored rows (already filtered to the scope by the caller): golden-path adoption,
 * time to provision, templates, incidents and developer satisfaction, with a weekly trend. Pure: no clock, no
 * I/O. As in the DORA computations, everything is as of `now`: a time after `now` has not happened yet.
 */
import type { AdoptionRow, IncidentRow, MetricsScope, PlatformReport, ProvisionRow, SurveyRow, Window } from '../model/reports.js';
import type { Severity } from '../model/facts.js';
import { mean, median, percentile, ratio, sortedAscending } from './stats.js';
import { SECOND_MS, WEEK_MS, dateOf, fieldError, mondayOf, parseInstant, parseOptionalTime, parseTime } from './time.js';
import { weekRanges } from './window.js';

export interface PlatformInput {
  adoption: AdoptionRow[];
  provisions: ProvisionRow[];
  incidents: IncidentRow[];
  survey: SurveyRow[];
  window: Window;
  now: string;
  scope: MetricsScope;
}

type PlatformTrendWeek = PlatformReport['trend'][number];

const seconds = (fromMs: number, toMs: number): number => Math.max(0, toMs - fromMs) / SECOND_MS;

/** The platform-effectiveness report for the window. */
export function platformReport(input: PlatformInput): PlatformReport {
  const now = parseInstant(input.now, 'now');
  const from = parseInstant(input.window.from, 'window.from');
  const windowTo = parseInstant(input.window.to, 'window.to');
  const weeks = weekRanges(from, windowTo);
  // In the window and not after now: from ≤ t < to and t ≤ now (times are whole milliseconds).
  const to = Math.min(windowTo, now + 1);
  const firstMonday = weeks[0]?.monday ?? 0;
  /** The trend week holding t, or -1 when t is outside the window (or after now). */
  const weekOf = (t: number): number => (t >= from && t < to ? Math.round((mondayOf(t) - firstMonday) / WEEK_MS) : -1);
  const trend = weeks.map((w) => ({
    week: dateOf(w.monday),
    to: w.to,
    provisionSeconds: [] as number[],
    tasks: 0,
    incidents: 0,
    restoreSeconds: [] as number[],
    scores: [] as number[],
  }));

  // ---- adoption, now and by the end of each week
  const components = input.adoption
    .map((row, i) => ({ at: parseTime(row.createdAt, 'adoption', i, 'createdAt'), row }))
    .filter((c) => c.at <= now)
    .sort((a, b) => a.at - b.at);
  const adoptedNow = components.filter((c) => c.row.fromGoldenPath && c.row.standardPipeline).length;
  const adoptionRates: Array<number | null> = [];
  let seen = 0;
  let adopted = 0;
  for (const week of trend) {
    while (seen < components.length && components[seen]!.at < week.to) {
      const { row } = components[seen++]!;
      if (row.fromGoldenPath && row.standardPipeline) adopted++;
    }
    adoptionRates.push(ratio(adopted, seen));
  }

  // ---- provisioning
  const provisionSeconds: number[] = [];
  let pending = 0;
  const templates = new Map<string, { template: string; tasks: number; succeeded: number; failed: number }>();
  input.provisions.forEach((task, i) => {
    const requested = parseTime(task.requestedAt, 'provisions', i, 'requestedAt');
    const healthyAt = parseOptionalTime(task.firstHealthyAt, 'provisions', i, 'firstHealthyAt');
    const healthy = healthyAt !== null && healthyAt <= now ? healthyAt : null;
    const healthyWeek = healthy === null ? -1 : weekOf(healthy);
    if (healthyWeek >= 0) trend[healthyWeek]!.provisionSeconds.push(seconds(requested, healthy!));
    const week = weekOf(requested);
    if (week < 0) return;
    trend[week]!.tasks++;
    if (healthy !== null) provisionSeconds.push(seconds(requested, healthy));
    else if (task.status === 'running' || task.status === 'succeeded') pending++;
    let t = templates.get(task.template);
    if (!t) templates.set(task.template, (t = { template: task.template, tasks: 0, succeeded: 0, failed: 0 }));
    t.tasks++;
    if (task.status === 'succeeded') t.succeeded++;
    else if (task.status === 'failed' || task.status === 'cancelled') t.failed++;
  });
  const provisioned = sortedAscending(provisionSeconds);

  // ---- incidents
  const bySeverity: Record<Severity, number> = { sev1: 0, sev2: 0, sev3: 0, sev4: 0 };
  const detectSeconds: number[] = [];
  const restoreSeconds: number[] = [];
  let open = 0;
  let withoutCause = 0;
  input.incidents.forEach((incident, i) => {
    const started = parseTime(incident.startedAt, 'incidents', i, 'startedAt');
    const week = weekOf(started);
    if (week < 0) return;
    const detected = parseTime(incident.detectedAt, 'incidents', i, 'detectedAt');
    const resolvedAt = parseOptionalTime(incident.resolvedAt, 'incidents', i, 'resolvedAt');
    if (!(incident.severity in bySeverity)) {
      throw fieldError(`incidents[${i}].severity`, `expected one of sev1, sev2, sev3, sev4, found ${JSON.stringify(incident.severity)}`);
    }
    bySeverity[incident.severity]++;
    detectSeconds.push(seconds(started, detected));
    if (resolvedAt === null || resolvedAt > now) open++;
    else {
      restoreSeconds.push(seconds(started, resolvedAt));
      trend[week]!.restoreSeconds.push(seconds(started, resolvedAt));
    }
    if (incident.causeDeployment === null) withoutCause++;
    trend[week]!.incidents++;
  });
  const detect = sortedAscending(detectSeconds);
  const restore = sortedAscending(restoreSeconds);

  // ---- satisfaction
  const distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  const scores: number[] = [];
  const teams = new Map<string, number[]>();
  input.survey.forEach((answer, i) => {
    const week = weekOf(parseTime(answer.at, 'survey', i, 'at'));
    if (week < 0) return;
    const score = answer.score;
    if (!(Number.isInteger(score) && score >= 1 && score <= 5)) {
      throw fieldError(`survey[${i}].score`, `expected an integer from 1 to 5, found ${JSON.stringify(score)}`);
    }
    distribution[score - 1] = distribution[score - 1]! + 1;
    scores.push(score);
    trend[week]!.scores.push(score);
    if (answer.team !== null) {
      let list = teams.get(answer.team);
      if (!list) teams.set(answer.team, (list = []));
      list.push(score);
    }
  });

  return {
    window: input.window,
    scope: input.scope,
    adoption: {
      components: components.length,
      fromGoldenPath: components.filter((c) => c.row.fromGoldenPath).length,
      standardPipeline: components.filter((c) => c.row.standardPipeline).length,
      adopted: adoptedNow,
      rate: ratio(adoptedNow, components.length),
    },
    timeToProvision: {
      provisioned: provisioned.length,
      pending,
      medianSeconds: median(provisioned),
      p90Seconds: percentile(provisioned, 0.9),
    },
    templates: [...templates.values()].sort((a, b) => b.tasks - a.tasks || compareText(a.template, b.template)),
    incidents: {
      count: detect.length,
      open,
      bySeverity,
      mttdSeconds: mean(detect),
      medianTtdSeconds: median(detect),
      mttrSeconds: mean(restore),
      medianTtrSeconds: median(restore),
      withoutCause,
    },
    satisfaction: {
      responses: scores.length,
      average: mean(scores),
      distribution,
      byTeam: [...teams.entries()]
        .sort(([a], [b]) => compareText(a, b))
        .map(([team, list]) => ({ team, responses: list.length, average: mean(list)! })),
    },
    trend: trend.map(
      (w, k): PlatformTrendWeek => ({
        week: w.week,
        adoptionRate: adoptionRates[k]!,
        provisioned: w.provisionSeconds.length,
        timeToProvisionMedianSeconds: median(sortedAscending(w.provisionSeconds)),
        tasks: w.tasks,
        incidents: w.incidents,
        mttrSeconds: mean(w.restoreSeconds),
        satisfactionResponses: w.scores.length,
        satisfactionAverage: mean(w.scores),
      }),
    ),
  };
}

/** Code-point order: the same on every machine and locale (localeCompare is not). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

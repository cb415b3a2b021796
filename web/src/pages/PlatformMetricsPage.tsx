import type { Metrics, PlatformReport, Severity } from '../../../src/metrics/index.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { Histogram } from '../components/charts/Histogram.js';
import { TrendChart } from '../components/charts/TrendChart.js';
import { formatNumber, formatPercent, formatSeconds, plural } from '../components/charts/formatSeconds.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { SCORE_LABELS } from '../components/SurveyWidget.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { MetricsHeader, metricsQuery, useMetricsScope } from './MetricsPage.js';

/** A survey comment as GET /api/metrics/survey/comments lists it (`user` is null for anonymous answers). */
export type SurveyComment = Awaited<ReturnType<Metrics['surveyComments']>>[number];

const SEVERITIES: Severity[] = ['sev1', 'sev2', 'sev3', 'sev4'];
export const SEVERITY_TONE: Record<Severity, BadgeTone> = { sev1: 'error', sev2: 'warning', sev3: 'info', sev4: 'neutral' };

/**
 * How well the platform serves its teams: adoption of the golden paths and the standard pipeline, time to
 * provision, template use, incidents (MTTD, MTTR) and developer satisfaction, with weekly trends and the survey's
 * recent comments. Scope (`?team=`, `&window=`) lives in the URL, shared with the delivery dashboard.
 */
export function PlatformMetricsPage() {
  const { api } = useSession();
  const scope = useMetricsScope();
  const q = metricsQuery({ team: scope.team, component: scope.component, window: scope.window });
  const report = useAsync((signal) => api.request<PlatformReport>('GET', `/metrics/platform${q}`, { signal }), [api, q]);
  const data = report.data;

  return (
    <div className="page metrics-page">
      <MetricsHeader tab="platform" range={data?.window} />
      {report.error && <ErrorPanel error={report.error} context="Could not compute the platform metrics" onRetry={report.reload} />}
      {!data && !report.error && (
        <p className="muted" role="status">
          Computing the platform metrics…
        </p>
      )}
      {data && (
        <>
          <PlatformTiles report={data} />
          <div className="metrics-chart-grid">
            <TemplatesCard report={data} />
            <IncidentsCard report={data} />
            <SatisfactionCard report={data} component={scope.component} />
            <CommentsCard team={scope.team} component={scope.component} span={scope.window} />
          </div>
          <PlatformTrends report={data} />
        </>
      )}
    </div>
  );
}

function Tile({ title, value, detail, definition, testId }: { title: string; value: string; detail: string; definition: string; testId: string }) {
  return (
    <div className="metrics-tile metrics-tile-static" data-testid={testId}>
      <span className="metrics-tile-title">{title}</span>
      <span className="metrics-tile-value" data-testid="metrics-tile-value">
        {value}
      </span>
      <span className="metrics-tile-detail">{detail}</span>
      <span className="metrics-tile-definition">{definition}</span>
    </div>
  );
}

function PlatformTiles({ report }: { report: PlatformReport }) {
  const a = report.adoption;
  const p = report.timeToProvision;
  const i = report.incidents;
  const s = report.satisfaction;
  return (
    <section className="metrics-tiles" aria-label="Platform effectiveness" data-testid="platform-tiles">
      <Tile
        testId="platform-adoption"
        title="Adoption"
        value={formatPercent(a.rate)}
        detail={`${a.adopted} of ${plural(a.components, 'component')} · ${a.fromGoldenPath} from a golden path · ${a.standardPipeline} on the standard pipeline`}
        definition="Components created from a golden path that run the standard pipeline."
      />
      <Tile
        testId="platform-provision"
        title="Time to provision"
        value={formatSeconds(p.medianSeconds)}
        detail={
          p.provisioned + p.pending === 0
            ? 'no golden path tasks in this window'
            : `median${p.p90Seconds !== null ? ` · p90 ${formatSeconds(p.p90Seconds)}` : ''} · ${p.provisioned} provisioned · ${p.pending} pending`
        }
        definition="From asking a golden path for a component to its first healthy deployment."
      />
      <Tile
        testId="platform-incidents"
        title="Incidents"
        value={String(i.count)}
        detail={`${i.open} open · MTTD ${formatSeconds(i.mttdSeconds)} · MTTR ${formatSeconds(i.mttrSeconds)}`}
        definition="Production incidents whose impact started in the window; mean time to detect and to restore."
      />
      <Tile
        testId="platform-satisfaction"
        title="Developer satisfaction"
        value={s.average === null ? '—' : `${formatNumber(s.average)} / 5`}
        detail={`average of ${plural(s.responses, 'answer')}`}
        definition="The in-portal survey: how well does Gantry work for you, 1 (poor) to 5 (great)."
      />
    </section>
  );
}

function TemplatesCard({ report }: { report: PlatformReport }) {
  const t = [...report.templates].sort((a, b) => b.tasks - a.tasks || a.template.localeCompare(b.template));
  return (
    <section className="card metrics-chart-card" aria-labelledby="platform-templates-title" data-testid="platform-templates">
      <h3 id="platform-templates-title" className="metrics-chart-title">
        Template use <span className="count">{t.length}</span>
      </h3>
      {t.length === 0 ? (
        <p className="muted">
          No golden path was used in this window. Teams start new components from <Link to="/create">Create</Link>.
        </p>
      ) : (
        <>
          <Histogram label="Tasks per template" unit="tasks" buckets={t.map((x) => ({ label: shortRef(x.template, { kind: 'template' }), count: x.tasks }))} />
          <p className="muted small">{t.map((x) => `${shortRef(x.template, { kind: 'template' })}: ${x.succeeded} succeeded, ${x.failed} failed`).join(' · ')}</p>
        </>
      )}
    </section>
  );
}

function IncidentsCard({ report }: { report: PlatformReport }) {
  const i = report.incidents;
  return (
    <section className="card metrics-chart-card" aria-labelledby="platform-incidents-title" data-testid="platform-incidents-card">
      <div className="card-header">
        <h3 id="platform-incidents-title" className="metrics-chart-title">
          Incidents <span className="count">{i.count}</span>
        </h3>
        <Link to="/incidents" className="small">
          All incidents
        </Link>
      </div>
      <p className="platform-severities" data-testid="platform-severities">
        {SEVERITIES.map((s) => (
          <span key={s} className="platform-severity" data-severity={s}>
            <StatusBadge tone={SEVERITY_TONE[s]}>{s}</StatusBadge> {i.bySeverity[s]}
          </span>
        ))}
      </p>
      <dl className="facts platform-facts">
        <div>
          <dt>Open</dt>
          <dd data-testid="platform-incidents-open">{i.open}</dd>
        </div>
        <div>
          <dt>Time to detect</dt>
          <dd>
            mean {formatSeconds(i.mttdSeconds)} · median {formatSeconds(i.medianTtdSeconds)}
          </dd>
        </div>
        <div>
          <dt>Time to restore</dt>
          <dd>
            mean {formatSeconds(i.mttrSeconds)} · median {formatSeconds(i.medianTtrSeconds)}
          </dd>
        </div>
        <div>
          <dt>No known cause</dt>
          <dd>{i.withoutCause}</dd>
        </div>
      </dl>
    </section>
  );
}

function SatisfactionCard({ report, component }: { report: PlatformReport; component: string }) {
  const s = report.satisfaction;
  return (
    <section className="card metrics-chart-card" aria-labelledby="platform-satisfaction-title" data-testid="platform-satisfaction-card">
      <h3 id="platform-satisfaction-title" className="metrics-chart-title">
        Developer satisfaction <span className="count">{s.responses}</span>
      </h3>
      {component ? (
        <p className="muted">Survey answers belong to teams, not components: choose a team to see its satisfaction.</p>
      ) : s.responses === 0 ? (
        <p className="muted">No survey answers in this window yet. Anyone can answer with “Rate Gantry” at the top of every page.</p>
      ) : (
        <>
          <p className="platform-average" data-testid="platform-satisfaction-average">
            <strong>{formatNumber(s.average)}</strong> / 5 average of {plural(s.responses, 'answer')}
          </p>
          <Histogram
            label="Survey answers per score"
            unit="answers"
            buckets={s.distribution.map((count, k) => ({ label: `${k + 1} · ${SCORE_LABELS[k]}`, count }))}
            testId="platform-satisfaction-distribution"
          />
          {s.byTeam.length > 0 && (
            <table className="table compact-table" data-testid="platform-satisfaction-teams">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col" className="num">
                    Answers
                  </th>
                  <th scope="col" className="num">
                    Average
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.byTeam.map((t) => (
                  <tr key={t.team} data-testid="platform-satisfaction-team" data-team={t.team}>
                    <td>{t.team.includes(':') ? <EntityRefLink entityRef={t.team} defaultKind="group" preferTeamPage /> : t.team}</td>
                    <td className="num">{t.responses}</td>
                    <td className="num">{formatNumber(t.average)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function CommentsCard({ team, component, span }: { team: string; component: string; span: string }) {
  const { api } = useSession();
  const comments = useAsync(
    (signal) =>
      component ? Promise.resolve({ items: [] as SurveyComment[] }) : api.request<{ items: SurveyComment[] }>('GET', `/metrics/survey/comments${metricsQuery({ team, window: span, limit: 20 })}`, { signal }),
    [api, team, component, span],
  );
  const items = comments.data?.items ?? [];
  const now = Date.now();
  return (
    <section className="card metrics-chart-card" aria-labelledby="platform-comments-title" data-testid="platform-comments">
      <h3 id="platform-comments-title" className="metrics-chart-title">
        Recent survey comments {comments.data && <span className="count">{items.length}</span>}
      </h3>
      {comments.error && <ErrorPanel error={comments.error} context="Could not load the comments" onRetry={comments.reload} />}
      {component && <p className="muted">Survey answers belong to teams, not components: choose a team to read its comments.</p>}
      {!component && comments.data && items.length === 0 && <p className="muted">No comments in this window.</p>}
      {items.length > 0 && (
        <ul className="plain-list platform-comments">
          {items.map((c, k) => (
            <li key={`${c.at}-${k}`} className="platform-comment" data-testid="platform-comment">
              <p className="platform-comment-text">“{c.comment}”</p>
              <p className="muted small">
                <StatusBadge tone={c.score >= 4 ? 'ok' : c.score <= 2 ? 'error' : 'neutral'}>
                  {c.score} · {SCORE_LABELS[c.score - 1] ?? ''}
                </StatusBadge>{' '}
                {c.user ? shortRef(c.user) : 'anonymous'}
                {c.team ? ` · ${shortRef(c.team, { kind: 'group' })}` : ''} · <span title={formatAbsoluteTime(c.at)}>{formatRelativeTime(c.at, now)}</span>
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PlatformTrends({ report }: { report: PlatformReport }) {
  const t = report.trend;
  const weeks = t.map((w) => w.week);
  return (
    <section aria-labelledby="platform-trends-title" className="metrics-section">
      <h2 id="platform-trends-title">Weekly trends</h2>
      <div className="metrics-chart-grid">
        <section className="card metrics-chart-card" data-testid="trend-adoption">
          <h3 className="metrics-chart-title">Adoption</h3>
          <TrendChart label="Adoption rate at the end of each week" weeks={weeks} series={[{ name: 'adoption rate', unit: 'ratio', values: t.map((w) => w.adoptionRate) }]} />
        </section>
        <section className="card metrics-chart-card" data-testid="trend-provision">
          <h3 className="metrics-chart-title">Time to provision</h3>
          <TrendChart
            label="Median time to provision per week, with the components provisioned"
            weeks={weeks}
            series={[
              { name: 'median time to provision', unit: 'duration', values: t.map((w) => w.timeToProvisionMedianSeconds) },
              { name: 'provisioned', unit: 'count', kind: 'bars', axis: 'right', values: t.map((w) => w.provisioned) },
            ]}
            describe={(i) => plural(t[i]?.tasks ?? 0, 'task')}
          />
        </section>
        <section className="card metrics-chart-card" data-testid="trend-incidents">
          <h3 className="metrics-chart-title">Incidents and time to restore</h3>
          <TrendChart
            label="Mean time to restore per week, with the incidents that started in it"
            weeks={weeks}
            series={[
              { name: 'MTTR', unit: 'duration', values: t.map((w) => w.mttrSeconds) },
              { name: 'incidents', unit: 'count', kind: 'bars', axis: 'right', values: t.map((w) => w.incidents) },
            ]}
          />
        </section>
        <section className="card metrics-chart-card" data-testid="trend-satisfaction">
          <h3 className="metrics-chart-title">Satisfaction</h3>
          <TrendChart
            label="Average survey score per week, with the answers"
            weeks={weeks}
            series={[
              { name: 'average score', unit: 'score', values: t.map((w) => w.satisfactionAverage) },
              { name: 'answers', unit: 'count', kind: 'bars', axis: 'right', values: t.map((w) => w.satisfactionResponses) },
            ]}
          />
        </section>
      </div>
    </section>
  );
}

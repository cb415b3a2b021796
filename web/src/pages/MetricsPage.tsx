import { useEffect, type ReactNode } from 'react';
import type { ApiClient } from '../api.js';
import type { DeploymentDrillRow, DoraMetrics, DoraReport, Metrics, TeamDora, Window } from '../../../src/metrics/index.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { Histogram } from '../components/charts/Histogram.js';
import { LevelBadge } from '../components/charts/LevelBadge.js';
import { TrendChart } from '../components/charts/TrendChart.js';
import { formatNumber, formatPercent, formatSeconds, plural } from '../components/charts/formatSeconds.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

/** One change behind lead time, as GET /api/metrics/changes lists it. */
export type ChangeDrillRow = Awaited<ReturnType<Metrics['changes']>>['items'][number];

// ---- the metrics API (GET /api/metrics/…): typed calls over ApiClient.request ------------------------------------

/** What a report covers: the organisation (neither), a team or a component, over a window (`90d`). */
export interface MetricsScopeQuery {
  team?: string;
  component?: string;
  window?: string;
}

/** `?team=…&window=…` for the metrics endpoints and the portal's own URLs; empty values are left out. */
export function metricsQuery(q: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '' && v !== false) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function fetchDora(api: ApiClient, q: MetricsScopeQuery, signal?: AbortSignal): Promise<DoraReport> {
  return api.request('GET', `/metrics/dora${metricsQuery({ ...q })}`, { signal });
}

function fetchTeams(api: ApiClient, span: string, signal?: AbortSignal): Promise<{ items: TeamDora[] }> {
  return api.request('GET', `/metrics/dora/teams${metricsQuery({ window: span })}`, { signal });
}

function fetchDeployments(api: ApiClient, q: MetricsScopeQuery & { failed?: boolean; unplanned?: boolean }, signal?: AbortSignal) {
  return api.request<{ window: Window; items: DeploymentDrillRow[] }>('GET', `/metrics/deployments${metricsQuery({ ...q })}`, { signal });
}

function fetchChanges(api: ApiClient, q: MetricsScopeQuery, signal?: AbortSignal) {
  return api.request<{ window: Window; items: ChangeDrillRow[] }>('GET', `/metrics/changes${metricsQuery({ ...q })}`, { signal });
}

// ---- scope in the URL --------------------------------------------------------------------------------------------

/**
 * The delivery dashboard's path. Not `/metrics`: the server answers GET /metrics itself (Prometheus), so a page
 * there could not be reloaded or shared; `/metrics` reached inside the portal forwards here.
 */
export const DELIVERY_PATH = '/metrics/delivery';
export const PLATFORM_PATH = '/metrics/platform';

export const WINDOWS = ['30d', '90d', '180d', '365d'] as const;
export const DEFAULT_WINDOW = '90d';

type Drill = 'frequency' | 'lead-time' | 'change-failure' | 'recovery' | 'rework';
const DRILLS: Drill[] = ['frequency', 'lead-time', 'change-failure', 'recovery', 'rework'];

export interface MetricsUrlScope {
  team: string;
  component: string;
  window: string;
}

/** "Last 90 days"; other spellings the API accepts (`12w`, `30`) as written. */
export function windowText(w: string): string {
  const m = /^(\d+)d$/.exec(w);
  return m ? `Last ${m[1]} days` : `Window ${w}`;
}

/** The scope in the URL (`?team=` or `?component=`, `&window=`) and a way to change it. */
export function useMetricsScope(): MetricsUrlScope & { search: URLSearchParams; go: (path: string, next: Partial<MetricsUrlScope> & { drill?: string }) => void } {
  const { search } = useLocation();
  const scope = { team: search.get('team') ?? '', component: search.get('component') ?? '', window: search.get('window') || DEFAULT_WINDOW };
  const go = (path: string, next: Partial<MetricsUrlScope> & { drill?: string }) => {
    const merged = { ...scope, drill: search.get('drill') ?? '', ...next };
    navigate(
      `${path}${metricsQuery({
        team: merged.team,
        component: merged.team && next.team !== undefined ? '' : merged.component,
        window: merged.window === DEFAULT_WINDOW ? '' : merged.window,
        drill: merged.drill,
      })}`,
      { replace: true },
    );
  };
  return { ...scope, search, go };
}

function scopeTitle(scope: MetricsUrlScope, teamTitle: (ref: string) => string): string {
  if (scope.component) return `Component ${shortRef(scope.component, { kind: 'component' })}`;
  if (scope.team) {
    const name = shortRef(scope.team, { kind: 'group' });
    const title = teamTitle(scope.team);
    return title === name ? `Team ${name}` : `${title} (${name})`;
  }
  return 'Organisation';
}

/** A team as the URL may name it (`team-a`, `group:default/team-a`) as a group ref. */
function groupRef(team: string): string {
  const t = team.trim().toLowerCase();
  if (t.startsWith('group:')) return t.includes('/') ? t : `group:default/${t.slice(6)}`;
  return t.includes('/') ? `group:${t}` : `group:default/${t}`;
}

function day(iso: string): string {
  return new Date(iso).toLocaleDateString('en', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

export interface MetricsHeaderProps {
  tab: 'delivery' | 'platform';
  /** The report's window, when loaded, for the dates under the title. */
  range?: Window;
}

/**
 * The metrics pages' header: the title, the tabs (delivery / platform), and the scope: a team (or every team) and
 * a window, kept in the URL so a view can be shared.
 */
export function MetricsHeader({ tab, range }: MetricsHeaderProps) {
  const { api } = useSession();
  const scope = useMetricsScope();
  const groups = useAsync((signal) => api.listEntities({ filter: { kind: ['group'] }, limit: 500 }, signal), [api]);
  const teams = [...(groups.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const teamTitle = (ref: string) => {
    const g = teams.find((t) => t.ref === groupRef(ref));
    return (g && typeof g.entity.metadata.title === 'string' && g.entity.metadata.title) || shortRef(ref, { kind: 'group' });
  };
  const path = tab === 'delivery' ? DELIVERY_PATH : PLATFORM_PATH;
  const tabQuery = metricsQuery({ team: scope.team, component: scope.component, window: scope.window === DEFAULT_WINDOW ? '' : scope.window });
  const teamValue = scope.team ? groupRef(scope.team) : '';

  return (
    <>
      <div className="page-header metrics-header">
        <div>
          <h1>{tab === 'delivery' ? 'Delivery metrics' : 'Platform metrics'}</h1>
          <p className="muted" data-testid="metrics-scope">
            {scopeTitle(scope, teamTitle)} · {windowText(scope.window).toLowerCase()}
            {range && (
              <>
                {' '}
                ({day(range.from)} – {day(range.to)})
              </>
            )}
          </p>
        </div>
        <nav className="segmented metrics-tabs" aria-label="Metrics">
          <Link to={`${DELIVERY_PATH}${tabQuery}`} className={tab === 'delivery' ? 'segment active' : 'segment'} aria-current={tab === 'delivery' ? 'page' : undefined}>
            Delivery (DORA)
          </Link>
          <Link to={`${PLATFORM_PATH}${tabQuery}`} className={tab === 'platform' ? 'segment active' : 'segment'} aria-current={tab === 'platform' ? 'page' : undefined}>
            Platform
          </Link>
        </nav>
      </div>
      <div className="task-filters metrics-filters">
        <div>
          <label htmlFor="metrics-team" className="field-label">
            Team
          </label>
          <select id="metrics-team" className="input" value={teamValue} onChange={(e) => scope.go(path, { team: e.target.value, drill: '' })} data-testid="metrics-team">
            <option value="">Every team (organisation)</option>
            {teams.map((g) => (
              <option key={g.ref} value={g.ref}>
                {typeof g.entity.metadata.title === 'string' && g.entity.metadata.title ? `${g.entity.metadata.title} (${g.name})` : g.name}
              </option>
            ))}
            {teamValue && groups.data && !teams.some((g) => g.ref === teamValue) && <option value={teamValue}>{teamValue}</option>}
          </select>
        </div>
        <div>
          <label htmlFor="metrics-window" className="field-label">
            Window
          </label>
          <select id="metrics-window" className="input" value={scope.window} onChange={(e) => scope.go(path, { window: e.target.value })} data-testid="metrics-window">
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                {windowText(w)}
              </option>
            ))}
            {!(WINDOWS as readonly string[]).includes(scope.window) && <option value={scope.window}>{windowText(scope.window)}</option>}
          </select>
        </div>
        {scope.component && (
          <p className="active-filters small">
            <button type="button" className="chip" onClick={() => scope.go(path, { component: '', drill: '' })} aria-label={`Remove the filter component ${scope.component}`}>
              <span className="chip-key">component:</span> {shortRef(scope.component, { kind: 'component' })} <span className="chip-x">×</span>
            </button>
          </p>
        )}
      </div>
      {groups.error && <ErrorPanel error={groups.error} context="Could not load the teams" onRetry={groups.reload} />}
    </>
  );
}

// ---- the delivery dashboard ------------------------------------------------------------------------------------

function isDrill(v: string | null): v is Drill {
  return v !== null && (DRILLS as string[]).includes(v);
}

/** Whether a report has any production deployment or change to show. */
function hasData(m: DoraMetrics): boolean {
  return m.changeFailureRate.deployments > 0 || m.leadTime.changes > 0 || m.deploymentFrequency.deployments > 0;
}

/** "0.7 / week", or per day from one a day on. */
function frequencyText(f: DoraMetrics['deploymentFrequency']): string {
  if (f.deployments === 0) return 'none';
  return f.perDay >= 1 ? `${formatNumber(f.perDay)} / day` : `${formatNumber(f.perWeek)} / week`;
}

export const NO_DEPLOYMENTS = 'No production deployments in this window. Deploy with gantry deploy, or import history with gantry events import.';

/**
 * Delivery performance (DORA's four keys and rework rate) for the organisation, a team or a component, over a
 * window: the levels, a tile per metric that opens the deployments or changes behind it, weekly trends, the
 * lead-time and recovery distributions, and on the organisation view every team side by side.
 */
export function MetricsPage() {
  const { api } = useSession();
  const scope = useMetricsScope();
  const drill = isDrill(scope.search.get('drill')) ? (scope.search.get('drill') as Drill) : null;
  const q = { team: scope.team, component: scope.component, window: scope.window };
  const report = useAsync((signal) => fetchDora(api, q, signal), [api, scope.team, scope.component, scope.window]);
  const organisation = !scope.team && !scope.component;
  const data = report.data;
  const { pathname } = useLocation();
  useEffect(() => {
    const qs = scope.search.toString();
    if (pathname !== DELIVERY_PATH) navigate(`${DELIVERY_PATH}${qs ? `?${qs}` : ''}`, { replace: true });
  }, [pathname, scope.search]);

  return (
    <div className="page metrics-page">
      <MetricsHeader tab="delivery" range={data?.window} />
      {report.error && <ErrorPanel error={report.error} context="Could not compute the delivery metrics" onRetry={report.reload} />}
      {!data && !report.error && (
        <p className="muted" role="status">
          Computing the delivery metrics…
        </p>
      )}
      {data && !hasData(data) && (
        <section className="card metrics-empty" data-testid="metrics-empty">
          <h2>Nothing to measure yet</h2>
          <p>{NO_DEPLOYMENTS}</p>
          <p className="muted small">
            Deployments to an environment named production (or prod, live) count; so do changes that reached it and the incidents they caused.
          </p>
        </section>
      )}
      {data && hasData(data) && (
        <>
          <OverallLevel report={data} />
          <KeyTiles report={data} drill={drill} onDrill={(d) => scope.go(DELIVERY_PATH, { drill: drill === d ? '' : d })} />
          {drill && <DrillDown drill={drill} scope={q} report={data} onClose={() => scope.go(DELIVERY_PATH, { drill: '' })} />}
          <Trends report={data} />
        </>
      )}
      {organisation && data && <TeamComparison span={scope.window} />}
    </div>
  );
}

function OverallLevel({ report }: { report: DoraReport }) {
  return (
    <section className="card metrics-overall" aria-labelledby="metrics-overall-title" data-testid="metrics-overall">
      <div>
        <h2 id="metrics-overall-title">Overall performance</h2>
        <p className="muted small">
          The lowest level of the four keys that have data. Levels follow the{' '}
          <span data-testid="metrics-levels-source">
            {report.levels.report} {report.levels.year}
          </span>{' '}
          (DORA).
        </p>
      </div>
      <LevelBadge level={report.level} large />
    </section>
  );
}

interface TileSpec {
  drill: Drill;
  title: string;
  value: string;
  /** Shown joined by " · "; each part stays on one line. */
  detail: string[];
  level: DoraMetrics['level'] | 'none';
  definition: string;
}

function tiles(m: DoraMetrics): TileSpec[] {
  const f = m.deploymentFrequency;
  const l = m.leadTime;
  const c = m.changeFailureRate;
  const r = m.recoveryTime;
  const w = m.reworkRate;
  return [
    {
      drill: 'frequency',
      title: 'Deployment frequency',
      value: frequencyText(f),
      detail: [plural(f.deployments, 'deployment'), ...(f.category ? [f.category] : [])],
      level: f.level,
      definition: 'How often changes reach production: successful production deployments, rollbacks included.',
    },
    {
      drill: 'lead-time',
      title: 'Lead time for changes',
      value: formatSeconds(l.medianSeconds),
      detail: [`median of ${plural(l.changes, 'change')}`, ...(l.p90Seconds !== null ? [`p90 ${formatSeconds(l.p90Seconds)}`] : [])],
      level: l.level,
      definition: 'How long a commit takes to run in production: commit to its first production deployment.',
    },
    {
      drill: 'change-failure',
      title: 'Change failure rate',
      value: formatPercent(c.rate),
      detail: [`${c.failed} of ${plural(c.deployments, 'deployment')} failed`],
      level: c.level,
      definition: 'The share of production deployments that failed, were rolled back or caused an incident.',
    },
    {
      drill: 'recovery',
      title: 'Failed deployment recovery time',
      value: formatSeconds(r.medianSeconds),
      detail: r.failures === 0 ? ['no failed deployments'] : [`${r.recovered} of ${r.failures} recovered`, ...(r.p90Seconds !== null ? [`p90 ${formatSeconds(r.p90Seconds)}`] : [])],
      level: r.level,
      definition: 'How long production stays broken after a failed deployment (median), until it is fixed or rolled back.',
    },
    {
      drill: 'rework',
      title: 'Rework rate',
      value: formatPercent(w.rate),
      detail: [`${w.unplanned} of ${plural(w.deployments, 'deployment')}`, plural(w.rollbacks, 'rollback'), plural(w.hotfixes, 'hotfix', 'hotfixes')],
      level: 'none',
      definition: 'The share of production deployments that were unplanned: rollbacks and hotfixes.',
    },
  ];
}

function KeyTiles({ report, drill, onDrill }: { report: DoraReport; drill: Drill | null; onDrill: (d: Drill) => void }) {
  return (
    <section className="metrics-tiles" aria-label="The four keys and rework rate" data-testid="metrics-tiles">
      {tiles(report).map((t) => (
        <button
          type="button"
          key={t.drill}
          className={`metrics-tile${drill === t.drill ? ' active' : ''}`}
          aria-pressed={drill === t.drill}
          aria-controls={drill === t.drill ? 'metrics-drill' : undefined}
          onClick={() => onDrill(t.drill)}
          data-testid={`metrics-tile-${t.drill}`}
        >
          <span className="metrics-tile-title">{t.title}</span>
          <span className="metrics-tile-value" data-testid="metrics-tile-value">
            {t.value}
          </span>
          <span className="metrics-tile-detail">
            {t.detail.map((part, k) => (
              <span key={part}>
                {k > 0 && ' · '}
                <span className="nowrap">{part}</span>
              </span>
            ))}
          </span>
          <span className="metrics-tile-level">
            {t.level === 'none' ? <span className="muted small">DORA publishes no level</span> : <LevelBadge level={t.level} />}
          </span>
          <span className="metrics-tile-definition">{t.definition}</span>
          <span className="metrics-tile-more" aria-hidden="true">
            {drill === t.drill ? 'Hide the list ▴' : t.drill === 'lead-time' ? 'Show the changes ▾' : 'Show the deployments ▾'}
          </span>
        </button>
      ))}
    </section>
  );
}

const DRILL_TITLE: Record<Drill, string> = {
  frequency: 'Production deployments',
  'lead-time': 'Changes behind lead time, slowest first',
  'change-failure': 'Failed deployments',
  recovery: 'Failed deployments and their recovery',
  rework: 'Unplanned deployments: rollbacks and hotfixes',
};

function DrillDown({ drill, scope, report, onClose }: { drill: Drill; scope: MetricsScopeQuery; report: DoraReport; onClose: () => void }) {
  const { api } = useSession();
  const list = useAsync(
    async (signal) =>
      drill === 'lead-time'
        ? { changes: (await fetchChanges(api, scope, signal)).items }
        : { deployments: (await fetchDeployments(api, { ...scope, failed: drill === 'change-failure' || drill === 'recovery', unplanned: drill === 'rework' }, signal)).items },
    [api, drill, scope.team, scope.component, scope.window],
  );
  const count = list.data ? (list.data.changes ?? list.data.deployments ?? []).length : undefined;
  return (
    <section className="card metrics-drill" id="metrics-drill" aria-labelledby="metrics-drill-title" data-testid="metrics-drill" data-drill={drill}>
      <div className="card-header">
        <h2 id="metrics-drill-title">
          {DRILL_TITLE[drill]} {count !== undefined && <span className="count">{count}</span>}
        </h2>
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      {list.error && <ErrorPanel error={list.error} context="Could not load the list" onRetry={list.reload} />}
      {!list.data && !list.error && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {list.data?.changes && <ChangesTable items={list.data.changes} />}
      {list.data?.deployments && <DeploymentsTable items={list.data.deployments} drill={drill} report={report} />}
    </section>
  );
}

const STATUS_TONE: Record<DeploymentDrillRow['status'], BadgeTone> = { success: 'ok', failure: 'error', rolled_back: 'warning', pending: 'pending' };
const STATUS_TEXT: Record<DeploymentDrillRow['status'], string> = { success: 'success', failure: 'failed', rolled_back: 'rolled back', pending: 'pending' };

/** Path of an incident's page. */
export function incidentPath(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

function Sha({ sha }: { sha: string | null }) {
  return sha ? (
    <code className="metrics-sha" title={sha}>
      {sha.slice(0, 10)}
    </code>
  ) : (
    <span className="muted">—</span>
  );
}

function When({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <span title={formatAbsoluteTime(iso)}>
      {formatRelativeTime(iso, now)}
      <span className="entity-sub">{iso.slice(0, 16).replace('T', ' ')} UTC</span>
    </span>
  );
}

function DeploymentsTable({ items, drill, report }: { items: DeploymentDrillRow[]; drill: Drill; report: DoraReport }) {
  const now = Date.now();
  if (items.length === 0) {
    const none: Record<Drill, string> = {
      frequency: 'No production deployments in this window.',
      'lead-time': '',
      'change-failure': 'No failed production deployments in this window.',
      recovery: 'No failed production deployments in this window: nothing to recover from.',
      rework: 'No rollbacks or hotfixes in this window.',
    };
    return <p className="muted">{none[drill]}</p>;
  }
  const failedOnly = drill === 'change-failure' || drill === 'recovery';
  return (
    <>
      {failedOnly && (
        <p className="muted small">
          {report.changeFailureRate.failed} of {plural(report.changeFailureRate.deployments, 'finished production deployment')} failed. A deployment counts as failed when it
          failed or was rolled back, when a rollback reverted it, or when it caused an incident.
        </p>
      )}
      <div className="table-wrap">
        <table className="table compact-table metrics-deployments" data-testid="metrics-deployments">
          <thead>
            <tr>
              <th scope="col">Finished</th>
              <th scope="col">Component</th>
              <th scope="col">Status</th>
              <th scope="col">{failedOnly ? 'Why it counts as failed' : 'Kind'}</th>
              <th scope="col">Incidents</th>
              <th scope="col">Commit</th>
              <th scope="col">Deployment</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-testid="metrics-deployment-row" data-id={d.id} data-failed={d.failed}>
                <td className="nowrap small">
                  <When iso={d.finishedAt} now={now} />
                </td>
                <td className="nowrap">
                  <EntityRefLink entityRef={d.component} defaultKind="component" />
                  {d.owner && <span className="entity-sub">{shortRef(d.owner, { kind: 'group' })}</span>}
                </td>
                <td className="nowrap">
                  <StatusBadge tone={STATUS_TONE[d.status]}>{STATUS_TEXT[d.status]}</StatusBadge>
                </td>
                <td className="small">
                  {(d.rollback || d.hotfix) && (
                    <span className="metrics-kinds">
                      {d.rollback && <StatusBadge tone="warning">rollback</StatusBadge>}
                      {d.hotfix && <StatusBadge tone="info">hotfix</StatusBadge>}
                      {d.reverts && <span className="muted">reverts {d.reverts}</span>}
                    </span>
                  )}
                  {d.failedBecause && <span className="metrics-failed-because">{d.failedBecause}</span>}
                  {!d.rollback && !d.hotfix && !d.failedBecause && <span className="muted">planned</span>}
                </td>
                <td className="small">
                  {d.incidents.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    d.incidents.map((i) => (
                      <Link key={i} to={incidentPath(i)} className="entity-link mono metrics-incident-link">
                        {i}
                      </Link>
                    ))
                  )}
                </td>
                <td>
                  <Sha sha={d.sha} />
                </td>
                <td className="small">
                  {d.url ? (
                    <a href={d.url} target="_blank" rel="noreferrer noopener" className="mono">
                      {d.id}
                    </a>
                  ) : (
                    <span className="mono">{d.id}</span>
                  )}
                  <span className="entity-sub">
                    {d.environment} · {d.source}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length >= 200 && <p className="muted small">The newest 200 are listed.</p>}
    </>
  );
}

function ChangesTable({ items }: { items: ChangeDrillRow[] }) {
  const now = Date.now();
  if (items.length === 0) return <p className="muted">No change reached production in this window.</p>;
  const max = Math.max(1, ...items.map((c) => c.leadTimeSeconds));
  return (
    <>
      <div className="table-wrap">
        <table className="table compact-table metrics-changes" data-testid="metrics-changes">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Commit</th>
              <th scope="col">Committed</th>
              <th scope="col">Reached production</th>
              <th scope="col">Lead time</th>
              <th scope="col">Deployment</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={`${c.component}@${c.sha}`} data-testid="metrics-change-row" data-sha={c.sha} data-lead-time={c.leadTimeSeconds}>
                <td className="nowrap">
                  <EntityRefLink entityRef={c.component} defaultKind="component" />
                </td>
                <td>
                  <Sha sha={c.sha} />
                </td>
                <td className="nowrap small">
                  <When iso={c.committedAt} now={now} />
                </td>
                <td className="nowrap small">
                  <When iso={c.deployedAt} now={now} />
                </td>
                <td className="nowrap metrics-lead">
                  <span className="metrics-lead-bar" style={{ width: `${Math.max(2, (c.leadTimeSeconds / max) * 100)}%` }} aria-hidden="true" />
                  <span className="metrics-lead-text">{formatSeconds(c.leadTimeSeconds)}</span>
                </td>
                <td className="small mono">{c.deployment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length >= 200 && <p className="muted small">The slowest 200 are listed.</p>}
    </>
  );
}

function ChartCard({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="card metrics-chart-card" data-testid={testId}>
      <h3 className="metrics-chart-title">{title}</h3>
      {children}
    </section>
  );
}

function Trends({ report }: { report: DoraReport }) {
  const weeks = report.trend.map((w) => w.week);
  const t = report.trend;
  return (
    <section aria-labelledby="metrics-trends-title" className="metrics-section">
      <h2 id="metrics-trends-title">Weekly trends</h2>
      <div className="metrics-chart-grid">
        <ChartCard title="Deployments per week" testId="trend-frequency">
          <TrendChart
            label="Successful production deployments per week"
            weeks={weeks}
            series={[{ name: 'deployments', unit: 'count', kind: 'bars', values: t.map((w) => w.deploymentFrequency.deployments) }]}
          />
        </ChartCard>
        <ChartCard title="Lead time for changes" testId="trend-lead-time">
          <TrendChart
            label="Median and 90th percentile lead time per week"
            weeks={weeks}
            series={[
              { name: 'median', unit: 'duration', values: t.map((w) => w.leadTime.medianSeconds) },
              { name: 'p90', unit: 'duration', values: t.map((w) => w.leadTime.p90Seconds) },
            ]}
            describe={(i) => plural(t[i]?.leadTime.changes ?? 0, 'change')}
          />
        </ChartCard>
        <ChartCard title="Change failure rate" testId="trend-change-failure">
          <TrendChart
            label="Change failure rate per week, with the deployments it is out of"
            weeks={weeks}
            series={[
              { name: 'failure rate', unit: 'ratio', values: t.map((w) => w.changeFailureRate.rate) },
              { name: 'deployments', unit: 'count', kind: 'bars', axis: 'right', values: t.map((w) => w.changeFailureRate.deployments) },
            ]}
            describe={(i) => `${t[i]?.changeFailureRate.failed ?? 0} of ${plural(t[i]?.changeFailureRate.deployments ?? 0, 'deployment')} failed`}
          />
        </ChartCard>
        <ChartCard title="Failed deployment recovery time" testId="trend-recovery">
          <TrendChart
            label="Median recovery time per week, with the failed deployments"
            weeks={weeks}
            series={[
              { name: 'median recovery', unit: 'duration', values: t.map((w) => w.recoveryTime.medianSeconds) },
              { name: 'failed deployments', unit: 'count', kind: 'bars', axis: 'right', values: t.map((w) => w.recoveryTime.failures) },
            ]}
            describe={(i) => `${t[i]?.recoveryTime.recovered ?? 0} of ${t[i]?.recoveryTime.failures ?? 0} recovered`}
          />
        </ChartCard>
        <ChartCard title="Rework rate" testId="trend-rework">
          <TrendChart
            label="Rework rate per week, with the unplanned deployments"
            weeks={weeks}
            series={[
              { name: 'rework rate', unit: 'ratio', values: t.map((w) => w.reworkRate.rate) },
              { name: 'unplanned deployments', unit: 'count', kind: 'bars', axis: 'right', values: t.map((w) => w.reworkRate.unplanned) },
            ]}
            describe={(i) => `${t[i]?.reworkRate.rollbacks ?? 0} rollbacks, ${t[i]?.reworkRate.hotfixes ?? 0} hotfixes`}
          />
        </ChartCard>
        <section className="card metrics-chart-card metrics-distributions" aria-labelledby="metrics-distributions-title">
          <h3 id="metrics-distributions-title" className="metrics-chart-title">
            Distributions over the window
          </h3>
          <p className="eyebrow">Lead time · {plural(report.leadTime.changes, 'change')}</p>
          <Histogram label="Lead time for changes" unit="changes" buckets={report.distributions.leadTime} testId="histogram-lead-time" />
          <p className="eyebrow">Recovery time · {plural(report.recoveryTime.recovered, 'recovered failure')}</p>
          <Histogram label="Failed deployment recovery time" unit="failures" buckets={report.distributions.recoveryTime} testId="histogram-recovery" />
        </section>
      </div>
    </section>
  );
}

function Metric({ value, level }: { value: string; level?: DoraMetrics['level'] }) {
  return (
    <span className="metrics-cell">
      <span className="metrics-cell-value">{value}</span>
      {level !== undefined && <LevelBadge level={level} />}
    </span>
  );
}

function TeamComparison({ span }: { span: string }) {
  const { api } = useSession();
  const teams = useAsync((signal) => fetchTeams(api, span, signal), [api, span]);
  const items = teams.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="metrics-teams-title">
      <h2 id="metrics-teams-title">
        Teams side by side {teams.data && <span className="count">{items.length}</span>}
      </h2>
      {teams.error && <ErrorPanel error={teams.error} context="Could not compare the teams" onRetry={teams.reload} />}
      {!teams.data && !teams.error && <p className="muted">Loading the teams…</p>}
      {teams.data && items.length === 0 && <p className="muted">No team owns a component yet: set spec.owner on the catalog's components.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table compact-table metrics-teams" data-testid="metrics-teams">
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col" className="num">
                  Components
                </th>
                <th scope="col">Deployment frequency</th>
                <th scope="col">Lead time</th>
                <th scope="col">Change failure rate</th>
                <th scope="col">Recovery time</th>
                <th scope="col">Rework rate</th>
                <th scope="col">Level</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.team} data-testid="metrics-team-row" data-team={t.team} data-level={t.level ?? 'none'}>
                  <td className="nowrap">
                    <Link to={`${DELIVERY_PATH}${metricsQuery({ team: t.team, window: span === DEFAULT_WINDOW ? '' : span })}`} className="entity-link metrics-team-link">
                      {shortRef(t.team, { kind: 'group' })}
                    </Link>
                  </td>
                  <td className="num">{t.components}</td>
                  <td>
                    <Metric value={frequencyText(t.deploymentFrequency)} level={t.deploymentFrequency.level} />
                  </td>
                  <td>
                    <Metric value={formatSeconds(t.leadTime.medianSeconds)} level={t.leadTime.level} />
                  </td>
                  <td>
                    <Metric value={formatPercent(t.changeFailureRate.rate)} level={t.changeFailureRate.level} />
                  </td>
                  <td>
                    <Metric value={formatSeconds(t.recoveryTime.medianSeconds)} level={t.recoveryTime.level} />
                  </td>
                  <td>
                    <Metric value={formatPercent(t.reworkRate.rate)} />
                  </td>
                  <td>
                    <LevelBadge level={t.level} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// ---- the strip on team and component pages ---------------------------------------------------------------------

export interface DeliveryStripProps {
  /** A team's ref (`group:default/payments`) or a component's (`component:default/orders-api`); one of them. */
  team?: string;
  component?: string;
}

/** A compact "Delivery (last 90 days)" summary for a team or component page: the four keys and the level, linking to the dashboard. */
export function DeliveryStrip({ team, component }: DeliveryStripProps) {
  const { api } = useSession();
  const report = useAsync((signal) => fetchDora(api, { team, component, window: DEFAULT_WINDOW }, signal), [api, team, component]);
  const link = `${DELIVERY_PATH}${metricsQuery({ team, component })}`;
  const data = report.data;
  return (
    <section className="card delivery-strip" aria-labelledby="delivery-strip-title" data-testid="delivery-strip">
      <div className="card-header">
        <h2 id="delivery-strip-title">Delivery (last 90 days)</h2>
        <span className="delivery-strip-head">
          {data && hasData(data) && <LevelBadge level={data.level} />}
          <Link to={link} className="small" data-testid="delivery-strip-link">
            Delivery metrics
          </Link>
        </span>
      </div>
      {report.error && <ErrorPanel error={report.error} context="Could not load the delivery metrics" onRetry={report.reload} />}
      {!data && !report.error && <p className="muted small">Loading…</p>}
      {data && !hasData(data) && <p className="muted small">No production deployments in the last 90 days.</p>}
      {data && hasData(data) && (
        <dl className="delivery-strip-keys">
          {tiles(data)
            .slice(0, 4)
            .map((t) => (
              <div key={t.drill} data-testid={`delivery-strip-${t.drill}`}>
                <dt>{t.title}</dt>
                <dd>
                  <span className="delivery-strip-value">{t.value}</span>
                  {t.level !== 'none' && <LevelBadge level={t.level} />}
                </dd>
              </div>
            ))}
        </dl>
      )}
    </section>
  );
}

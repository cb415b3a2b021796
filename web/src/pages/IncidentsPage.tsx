import { useState, type FormEvent } from 'react';
import { toApiError, type ApiError } from '../api.js';
import type { DeploymentRow, IncidentView, Severity } from '../../../src/metrics/index.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { ActionErrorText } from '../components/PolicyRefusal.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { formatSeconds } from '../components/charts/formatSeconds.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { usePlatformEvents } from '../usePlatformEvents.js';
import { DELIVERY_PATH, incidentPath } from './MetricsPage.js';
import { SEVERITY_TONE } from './PlatformMetricsPage.js';

type IncidentStatus = IncidentView['status'];
/** GET /api/incidents/{id}: the incident and the deployment that caused it. */
type IncidentDetail = IncidentView & { causeDetail: DeploymentRow | null };

const SEVERITIES: Severity[] = ['sev1', 'sev2', 'sev3', 'sev4'];
const SEVERITY_TEXT: Record<Severity, string> = { sev1: 'sev1 · critical', sev2: 'sev2 · major', sev3: 'sev3 · minor', sev4: 'sev4 · low' };
const STATUS_TONE: Record<IncidentStatus, BadgeTone> = { open: 'error', acknowledged: 'pending', resolved: 'ok' };
const FILTERS = ['open', 'resolved'] as const;
const INCIDENT_EVENTS = ['incident.opened', 'incident.acknowledged', 'incident.resolved'] as const;

function isFilter(v: string | null): v is (typeof FILTERS)[number] {
  return v !== null && (FILTERS as readonly string[]).includes(v);
}

export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  return <StatusBadge tone={STATUS_TONE[status]}>{status}</StatusBadge>;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <StatusBadge tone={SEVERITY_TONE[severity]}>{severity}</StatusBadge>;
}

/** "2 h 10 min", or for an unresolved incident "ongoing · 3 d" since the impact started. */
function restoreText(i: IncidentView, now: number): string {
  if (i.timeToRestoreSeconds !== null) return formatSeconds(i.timeToRestoreSeconds);
  return `ongoing · ${formatSeconds(Math.max(0, (now - Date.parse(i.startedAt)) / 1000))}`;
}

/**
 * Incidents: production impact, opened by people here or with `gantry incident open`, by GitHub/GitLab issues
 * labelled `incident`, by imports, or by an automatic rollback. Filter by status (`?status=open|resolved`), open
 * one, and follow each to its page to acknowledge and resolve it.
 */
export function IncidentsPage() {
  const { api, user } = useSession();
  const { search } = useLocation();
  const raw = search.get('status');
  const status = isFilter(raw) ? raw : undefined;
  const [opening, setOpening] = useState(false);
  const list = useAsync(
    (signal) => api.request<{ items: IncidentView[] }>('GET', `/incidents${status ? `?status=${status}` : ''}`, { signal }),
    [api, status],
    { coalesce: true },
  );
  usePlatformEvents(api, INCIDENT_EVENTS, list.reload, 'incident.');
  const items = list.data?.items ?? [];
  const now = Date.now();

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Incidents</h1>
          <p className="muted">
            Production impact: when it started, when it was detected, acknowledged and resolved, and which deployment caused it. Incidents feed the change
            failure rate, the recovery time and MTTR on the <Link to={DELIVERY_PATH}>metrics</Link> pages.
          </p>
        </div>
        {user.role !== 'viewer' && !opening && (
          <button type="button" className="btn btn-primary" onClick={() => setOpening(true)} data-testid="incident-open-button">
            Open incident
          </button>
        )}
      </div>

      {opening && <OpenIncidentForm onCancel={() => setOpening(false)} />}

      <section className="card" aria-labelledby="incidents-title">
        <div className="card-header">
          <h2 id="incidents-title">
            {status === 'open' ? 'Open incidents' : status === 'resolved' ? 'Resolved incidents' : 'All incidents'} {list.data && <span className="count">{items.length}</span>}
          </h2>
          <div className="segmented" role="radiogroup" aria-label="Status">
            {([undefined, 'open', 'resolved'] as const).map((s) => (
              <button
                key={s ?? 'all'}
                type="button"
                role="radio"
                aria-checked={status === s}
                className={status === s ? 'segment active' : 'segment'}
                onClick={() => navigate(s ? `/incidents?status=${s}` : '/incidents', { replace: true })}
                data-testid={`incident-filter-${s ?? 'all'}`}
              >
                {s === undefined ? 'All' : s === 'open' ? 'Open' : 'Resolved'}
              </button>
            ))}
          </div>
        </div>
        {list.error && <ErrorPanel error={list.error} context="Could not load the incidents" onRetry={list.reload} />}
        {!list.data && !list.error && (
          <p className="muted" role="status">
            Loading incidents…
          </p>
        )}
        {list.data && items.length === 0 && (
          <p className="muted">{status === 'open' ? 'No open incidents.' : status === 'resolved' ? 'No resolved incidents yet.' : 'No incidents yet.'}</p>
        )}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table incidents-table" data-testid="incidents-table">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Incident</th>
                  <th scope="col">Components</th>
                  <th scope="col">Started</th>
                  <th scope="col">Time to restore</th>
                  <th scope="col">Cause</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id} data-testid="incident-row" data-id={i.id} data-status={i.status} data-severity={i.severity}>
                    <td className="nowrap">
                      <IncidentStatusBadge status={i.status} />
                    </td>
                    <td className="nowrap">
                      <SeverityBadge severity={i.severity} />
                    </td>
                    <td>
                      <Link to={incidentPath(i.id)} className="entity-name">
                        {i.title}
                      </Link>
                      <span className="entity-sub">
                        {i.id} · {i.source}
                      </span>
                    </td>
                    <td>
                      <span className="incident-components">
                        {i.components.map((c) => (
                          <EntityRefLink key={c} entityRef={c} defaultKind="component" />
                        ))}
                      </span>
                    </td>
                    <td className="nowrap" title={formatAbsoluteTime(i.startedAt)}>
                      {formatRelativeTime(i.startedAt, now)}
                    </td>
                    <td className={i.timeToRestoreSeconds === null ? 'nowrap muted' : 'nowrap'} data-testid="incident-restore">
                      {restoreText(i, now)}
                    </td>
                    <td className="small">{i.causeDeployment ? <span className="mono">{i.causeDeployment}</span> : <span className="muted">unknown</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** `2026-05-04T10:30` (a datetime-local value, the browser's time zone) → ISO-8601 UTC; '' stays ''. */
function localToIso(local: string): string {
  if (!local) return '';
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
}

function OpenIncidentForm({ onCancel }: { onCancel: () => void }) {
  const { api } = useSession();
  const components = useAsync((signal) => api.listEntities({ filter: { kind: ['component'] }, limit: 500 }, signal), [api]);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<Severity>('sev3');
  const [list, setList] = useState('');
  const [startedAt, setStartedAt] = useState('');
  const [cause, setCause] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const names = list
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const known = (components.data?.items ?? []).map((c) => c.name).sort();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const started = localToIso(startedAt);
      const opened = await api.request<IncidentView>('POST', '/incidents', {
        body: { title: title.trim(), severity, components: names, ...(started ? { startedAt: started } : {}), ...(cause.trim() ? { cause: cause.trim() } : {}) },
      });
      navigate(incidentPath(opened.id));
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="open-incident-title">
      <h2 id="open-incident-title">Open an incident</h2>
      <form className="register-form incident-form" onSubmit={submit} data-testid="incident-form">
        <div className="form-field grow">
          <label htmlFor="incident-title" className="field-label">
            Title
          </label>
          <input
            id="incident-title"
            className="input"
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="What users see: Checkout fails for card payments"
          />
        </div>
        <div className="form-field incident-severity">
          <label htmlFor="incident-severity" className="field-label">
            Severity
          </label>
          <select id="incident-severity" className="input" value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {SEVERITY_TEXT[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field incident-components-field">
          <label htmlFor="incident-components" className="field-label">
            Components
          </label>
          <input
            id="incident-components"
            className="input mono"
            required
            value={list}
            onChange={(e) => setList(e.target.value)}
            placeholder="shop-api, shop-web"
            aria-describedby="incident-components-help"
          />
          <p id="incident-components-help" className="field-help">
            Affected components, separated by commas{known.length ? `: ${known.slice(0, 4).join(', ')}${known.length > 4 ? '…' : ''}` : ''}.
          </p>
        </div>
        <div className="form-field incident-started">
          <label htmlFor="incident-started" className="field-label">
            Impact started <span className="muted">(optional)</span>
          </label>
          <input id="incident-started" className="input" type="datetime-local" value={startedAt} onChange={(e) => setStartedAt(e.target.value)} aria-describedby="incident-started-help" />
          <p id="incident-started-help" className="field-help">
            Your local time; now when empty.
          </p>
        </div>
        <div className="form-field incident-cause">
          <label htmlFor="incident-cause" className="field-label">
            Cause <span className="muted">(optional)</span>
          </label>
          <input id="incident-cause" className="input mono" value={cause} onChange={(e) => setCause(e.target.value)} placeholder="d-… or a commit sha" aria-describedby="incident-cause-help" />
          <p id="incident-cause-help" className="field-help">
            The deployment or commit that caused it.
          </p>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !title.trim() || names.length === 0} data-testid="incident-submit">
            {busy ? 'Opening…' : 'Open incident'}
          </button>{' '}
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
      {components.error && <ErrorPanel error={components.error} context="Could not load the components" onRetry={components.reload} />}
      {error && (
        <div data-testid="incident-form-error">
          <ErrorPanel error={error} context="The incident was not opened" />
        </div>
      )}
    </section>
  );
}

export interface IncidentPageProps {
  id: string;
}

/** One incident: its timeline, what caused it, and (for its components' teams and its opener) Acknowledge and Resolve. */
export function IncidentPage({ id }: IncidentPageProps) {
  const { api } = useSession();
  const incident = useAsync((signal) => api.request<IncidentDetail>('GET', `/incidents/${encodeURIComponent(id)}`, { signal }), [api, id], { coalesce: true });
  usePlatformEvents(api, INCIDENT_EVENTS, incident.reload, 'incident.');
  const crumbs = (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <Link to="/incidents">Incidents</Link>
      <span aria-hidden="true">/</span>
      <span aria-current="page">{id}</span>
    </nav>
  );
  if (incident.error && !incident.data) {
    return (
      <div className="page">
        {crumbs}
        <ErrorPanel
          error={incident.error}
          context={incident.error.status === 404 ? `There is no incident ${id}` : `Could not load the incident ${id}`}
          onRetry={incident.error.status === 404 ? undefined : incident.reload}
        />
      </div>
    );
  }
  const i = incident.data;
  if (!i) {
    return (
      <div className="page">
        {crumbs}
        <p className="muted" role="status">
          Loading incident {id}…
        </p>
      </div>
    );
  }
  const now = Date.now();
  return (
    <div className="page">
      {crumbs}
      <header className="entity-header card" data-testid="incident-header" data-status={i.status}>
        <div className="entity-header-top">
          <div>
            <p className="eyebrow">Incident · {i.source}</p>
            <h1 data-testid="incident-title">{i.title}</h1>
            <p className="entity-sub">{i.id}</p>
          </div>
          <div className="entity-badges">
            <SeverityBadge severity={i.severity} />
            <span data-testid="incident-status">
              <IncidentStatusBadge status={i.status} />
            </span>
          </div>
        </div>
        {i.summary && <p className="entity-description">{i.summary}</p>}
        <dl className="facts">
          <div>
            <dt>Components</dt>
            <dd>
              {i.components.map((c) => (
                <EntityRefLink key={c} entityRef={c} defaultKind="component" />
              ))}
            </dd>
          </div>
          <div>
            <dt>Opened by</dt>
            <dd title={i.createdBy}>{shortRef(i.createdBy)}</dd>
          </div>
          <div>
            <dt>Time to detect</dt>
            <dd>{formatSeconds(i.timeToDetectSeconds)}</dd>
          </div>
          <div>
            <dt>Time to restore</dt>
            <dd data-testid="incident-time-to-restore">{restoreText(i, now)}</dd>
          </div>
          {i.url && (
            <div>
              <dt>Issue</dt>
              <dd>
                <a href={i.url} target="_blank" rel="noreferrer noopener">
                  {i.url}
                </a>
              </dd>
            </div>
          )}
        </dl>
      </header>

      {i.status !== 'resolved' && <IncidentActions incident={i} onChange={incident.reload} />}

      <div className="team-grid">
        <section className="card" aria-labelledby="incident-timeline-title">
          <h2 id="incident-timeline-title">Timeline</h2>
          <Timeline incident={i} now={now} />
        </section>
        <section className="card" aria-labelledby="incident-cause-title" data-testid="incident-cause">
          <h2 id="incident-cause-title">Cause</h2>
          <Cause incident={i} />
        </section>
      </div>
    </div>
  );
}

/** "+10 min after the start", or "at the start" within a second. */
function sinceStart(ms: number): string {
  return ms < 1000 ? 'at the start' : `+${formatSeconds(ms / 1000)} after the start`;
}

function Timeline({ incident: i, now }: { incident: IncidentDetail; now: number }) {
  const start = Date.parse(i.startedAt);
  const steps: Array<{ key: string; label: string; at: string | null }> = [
    { key: 'started', label: 'Impact started', at: i.startedAt },
    { key: 'detected', label: 'Detected', at: i.detectedAt },
    { key: 'acknowledged', label: 'Acknowledged', at: i.acknowledgedAt },
    { key: 'resolved', label: 'Resolved', at: i.resolvedAt },
  ];
  return (
    <ol className="incident-timeline" data-testid="incident-timeline">
      {steps.map((s) => (
        <li key={s.key} className={s.at ? 'incident-step done' : 'incident-step'} data-step={s.key} data-at={s.at ?? ''}>
          <span className="incident-step-dot" aria-hidden="true" />
          <span className="incident-step-label">{s.label}</span>
          {s.at ? (
            <span className="incident-step-time">
              <span title={formatAbsoluteTime(s.at)}>{formatAbsoluteTime(s.at)}</span>
              <span className="muted small">
                {' '}
                · {s.key === 'started' ? formatRelativeTime(s.at, now) : sinceStart(Date.parse(s.at) - start)}
              </span>
            </span>
          ) : (
            <span className="incident-step-time muted">not yet</span>
          )}
        </li>
      ))}
    </ol>
  );
}

function Cause({ incident: i }: { incident: IncidentDetail }) {
  const d = i.causeDetail;
  if (!d) {
    return (
      <p className="muted">
        {i.causeDeployment ? (
          <>
            Deployment <span className="mono">{i.causeDeployment}</span> (not in the delivery history).
          </>
        ) : (
          'No known cause. Name it when resolving: a deployment id or the commit that broke production.'
        )}
      </p>
    );
  }
  return (
    <dl className="facts incident-cause-facts">
      <div>
        <dt>Deployment</dt>
        <dd className="mono" data-testid="incident-cause-deployment">
          {d.id}
        </dd>
      </div>
      <div>
        <dt>Component</dt>
        <dd>
          <EntityRefLink entityRef={d.component} defaultKind="component" />
        </dd>
      </div>
      <div>
        <dt>Environment</dt>
        <dd>{d.environment}</dd>
      </div>
      <div>
        <dt>Commit</dt>
        <dd>{d.sha ? <code title={d.sha}>{d.sha.slice(0, 10)}</code> : <span className="muted">—</span>}</dd>
      </div>
      <div>
        <dt>Finished</dt>
        <dd title={formatAbsoluteTime(d.finishedAt)}>{formatRelativeTime(d.finishedAt)}</dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>{d.status.replace('_', ' ')}</dd>
      </div>
    </dl>
  );
}

function IncidentActions({ incident: i, onChange }: { incident: IncidentDetail; onChange: () => void }) {
  const { api, user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [resolving, setResolving] = useState(false);
  const [cause, setCause] = useState('');
  const [summary, setSummary] = useState('');
  if (user.role === 'viewer') return null;

  const act = async (verb: 'acknowledge' | 'resolve') => {
    setBusy(true);
    setError(null);
    try {
      const body = verb === 'resolve' ? { ...(cause.trim() ? { cause: cause.trim() } : {}), ...(summary.trim() ? { summary: summary.trim() } : {}) } : undefined;
      await api.request('POST', `/incidents/${encodeURIComponent(i.id)}/${verb}`, body === undefined ? {} : { body });
      setResolving(false);
      onChange();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card incident-actions" aria-label="Actions" data-testid="incident-actions">
      <div className="incident-action-row">
        {i.status === 'open' && (
          <button type="button" className="btn" disabled={busy} onClick={() => void act('acknowledge')} data-testid="incident-acknowledge">
            Acknowledge
          </button>
        )}
        {!resolving && (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setResolving(true)} data-testid="incident-resolve">
            Resolve…
          </button>
        )}
        <span className="muted small">
          {i.status === 'open' ? 'Acknowledge to tell others someone is on it. ' : `Acknowledged ${formatRelativeTime(i.acknowledgedAt)}. `}
          The components' teams and the person who opened it may update it.
        </span>
      </div>
      {resolving && (
        <form
          className="register-form incident-resolve-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act('resolve');
          }}
          data-testid="incident-resolve-form"
        >
          <div className="form-field incident-cause">
            <label htmlFor="resolve-cause" className="field-label">
              Cause <span className="muted">(optional)</span>
            </label>
            <input
              id="resolve-cause"
              className="input mono"
              value={cause}
              onChange={(e) => setCause(e.target.value)}
              placeholder={i.causeDeployment ?? 'd-… or a commit sha'}
              aria-describedby="resolve-cause-help"
            />
            <p id="resolve-cause-help" className="field-help">
              The deployment or commit that caused it{i.causeDeployment ? '; empty keeps the known one' : ''}.
            </p>
          </div>
          <div className="form-field grow">
            <label htmlFor="resolve-summary" className="field-label">
              Summary <span className="muted">(optional)</span>
            </label>
            <textarea id="resolve-summary" className="input textarea" rows={2} value={summary} onChange={(e) => setSummary(e.target.value)} placeholder="What happened and what fixed it" />
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="incident-resolve-submit">
              {busy ? 'Resolving…' : 'Resolve'}
            </button>{' '}
            <button type="button" className="btn" onClick={() => setResolving(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="incident-action-error">
          {error.status === 403 && <strong>Not allowed: </strong>}
          <ActionErrorText error={error} />
        </p>
      )}
    </section>
  );
}

import { useState, type FormEvent, type ReactNode } from 'react';
import { toApiError, type ApiError, type ComplianceReport, type ComplianceRow } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { parseEntityRef, shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { PolicyLink } from '../components/PolicyRefusal.js';
import { ModeBadge } from './PoliciesPage.js';

type Status = ComplianceRow['status'];
type Summary = ComplianceReport['summary'];

const STATUSES: Status[] = ['fail', 'exempt', 'not-evaluated', 'pass'];
const STATUS_TONE: Record<Status, BadgeTone> = { pass: 'ok', fail: 'error', exempt: 'info', 'not-evaluated': 'neutral' };
const STATUS_TEXT: Record<Status, string> = { pass: 'pass', fail: 'fail', exempt: 'exempt', 'not-evaluated': 'not evaluated' };
const SUMMARY_KEYS: Array<{ key: keyof Summary; status: Status }> = [
  { key: 'pass', status: 'pass' },
  { key: 'fail', status: 'fail' },
  { key: 'exempt', status: 'exempt' },
  { key: 'notEvaluated', status: 'not-evaluated' },
];

function isStatus(v: string | null): v is Status {
  return v !== null && (STATUSES as string[]).includes(v);
}

/** A compliance status as a badge. */
export function ComplianceBadge({ status }: { status: Status }) {
  return <StatusBadge tone={STATUS_TONE[status]}>{STATUS_TEXT[status]}</StatusBadge>;
}

/**
 * The compliance report: every control (policy) per component, pass, fail, exempt or not evaluated, with the
 * evidence it rests on (the decision, its pipeline run, deployment and approvals, or the exemption). Filters
 * (`?team=`, `?component=`, `?status=`) live in the URL; the report downloads as CSV.
 */
export function CompliancePage() {
  const { api } = useSession();
  const { search } = useLocation();
  const team = search.get('team') ?? '';
  const component = search.get('component') ?? '';
  const rawStatus = search.get('status');
  const status = isStatus(rawStatus) ? rawStatus : undefined;
  const report = useAsync((signal) => api.compliance({ team: team || undefined, component: component || undefined }, signal), [api, team, component]);
  const groups = useAsync((signal) => api.listEntities({ filter: { kind: ['group'] }, limit: 500 }, signal), [api]);
  const components = useAsync((signal) => api.listEntities({ filter: { kind: ['component'] }, limit: 500 }, signal), [api]);

  const go = (next: { team?: string; component?: string; status?: string }) => {
    const params = new URLSearchParams();
    const t = next.team ?? team;
    const c = next.component ?? component;
    const s = next.status ?? status ?? '';
    if (t) params.set('team', t);
    if (c) params.set('component', c);
    if (s) params.set('status', s);
    const qs = params.toString();
    navigate(qs ? `/compliance?${qs}` : '/compliance', { replace: true });
  };

  const teamOptions = [...(groups.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const data = report.data;
  const scope = [team && `team ${shortRef(team, { kind: 'group' })}`, component && `component ${shortRef(component, { kind: 'component' })}`].filter(Boolean).join(', ');

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Compliance</h1>
          <p className="muted">
            Every control per component: whether it passes, fails or is exempt, and the evidence: the decision, the pipeline run, the deployment and its
            approvals, or the exemption. Catalog controls are evaluated now; the others come from the newest recorded decision per environment.
          </p>
        </div>
        <CsvDownload team={team} component={component} />
      </div>

      <div className="task-filters compliance-filters">
        <div>
          <label htmlFor="compliance-team" className="field-label">
            Team
          </label>
          <select id="compliance-team" className="input" value={team} onChange={(e) => go({ team: e.target.value })} data-testid="compliance-team">
            <option value="">Every team</option>
            {teamOptions.map((g) => (
              <option key={g.ref} value={g.ref}>
                {typeof g.entity.metadata.title === 'string' && g.entity.metadata.title ? `${g.entity.metadata.title} (${g.name})` : g.name}
              </option>
            ))}
            {team && groups.data && !teamOptions.some((g) => g.ref === team) && <option value={team}>{team}</option>}
          </select>
        </div>
        <ComponentFilter
          key={component}
          value={component}
          options={(components.data?.items ?? []).map((c) => c.ref).sort()}
          onApply={(c) => go({ component: c })}
        />
        <div>
          <label htmlFor="compliance-status" className="field-label">
            Status
          </label>
          <select id="compliance-status" className="input" value={status ?? ''} onChange={(e) => go({ status: e.target.value })} data-testid="compliance-status">
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_TEXT[s]}
              </option>
            ))}
          </select>
        </div>
      </div>

      {groups.error && <ErrorPanel error={groups.error} context="Could not load the teams" onRetry={groups.reload} />}
      {report.error && <ErrorPanel error={report.error} context="Could not build the compliance report" onRetry={report.reload} />}
      {!data && !report.error && (
        <p className="muted" role="status">
          Building the report…
        </p>
      )}
      {data && (
        <>
          <section className="compliance-summary" aria-label={`Summary${scope ? ` for ${scope}` : ''}`} data-testid="compliance-summary">
            {SUMMARY_KEYS.map(({ key, status: s }) => (
              <button
                type="button"
                key={key}
                className={`compliance-tile compliance-tile-${s}${status === s ? ' active' : ''}`}
                onClick={() => go({ status: status === s ? '' : s })}
                aria-pressed={status === s}
                data-testid={`compliance-count-${s}`}
              >
                <span className="compliance-tile-count">{data.summary[key]}</span>
                <span className="compliance-tile-label">
                  <ComplianceBadge status={s} />
                </span>
              </button>
            ))}
            <p className="muted small compliance-generated" title={formatAbsoluteTime(data.generatedAt)}>
              {data.components.length} component{data.components.length === 1 ? '' : 's'}
              {scope ? ` · ${scope}` : ''} · generated {formatRelativeTime(data.generatedAt)}
            </p>
          </section>

          {data.teams.length > 0 && <TeamsTable report={data} selected={team} onSelect={(t) => go({ team: t, component: '' })} />}

          <ComponentsTable report={data} status={status} />
        </>
      )}
    </div>
  );
}

/** The component filter: any ref or name, with the catalog's components suggested. */
function ComponentFilter({ value, options, onApply }: { value: string; options: string[]; onApply: (c: string) => void }) {
  const [text, setText] = useState(value);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(text.trim());
  };
  return (
    <form className="compliance-component" onSubmit={submit}>
      <label htmlFor="compliance-component" className="field-label">
        Component
      </label>
      <span className="compliance-component-row">
        <input
          id="compliance-component"
          className="input mono"
          list="compliance-components"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="component:default/orders-api"
          data-testid="compliance-component"
        />
        <datalist id="compliance-components">
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
        <button type="submit" className="btn">
          Show
        </button>
        {value && (
          <button type="button" className="btn btn-link" onClick={() => onApply('')}>
            Clear
          </button>
        )}
      </span>
    </form>
  );
}

/** "Download CSV": the API wants the bearer token, so the file is fetched and handed to the browser as a Blob URL. */
function CsvDownload({ team, component }: { team: string; component: string }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const blob = await api.complianceCsv({ team: team || undefined, component: component || undefined });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      const scope = [team && parseEntityRef(team, { kind: 'group' }).name, component && parseEntityRef(component, { kind: 'component' }).name].filter(Boolean).join('-');
      a.href = url;
      a.download = `compliance${scope ? `-${scope}` : ''}-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      // Revoked after the click has been handled; the download keeps its own copy.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="compliance-download">
      <button type="button" className="btn btn-primary" onClick={() => void download()} disabled={busy} data-testid="compliance-csv">
        {busy ? 'Preparing…' : 'Download CSV'}
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error.detail || error.title}
        </p>
      )}
    </div>
  );
}

function Counts({ summary }: { summary: Summary }) {
  return (
    <>
      {SUMMARY_KEYS.map(({ key, status }) => (
        <td key={key} className={`num compliance-num${summary[key] > 0 ? ` compliance-num-${status}` : ''}`} data-status={status}>
          {summary[key]}
        </td>
      ))}
    </>
  );
}

function CountHeads() {
  return (
    <>
      {SUMMARY_KEYS.map(({ key, status }) => (
        <th key={key} scope="col" className="num">
          {STATUS_TEXT[status]}
        </th>
      ))}
    </>
  );
}

function TeamsTable({ report, selected, onSelect }: { report: ComplianceReport; selected: string; onSelect: (team: string) => void }) {
  return (
    <section className="card" aria-labelledby="compliance-teams-title">
      <h2 id="compliance-teams-title">
        By team <span className="count">{report.teams.length}</span>
      </h2>
      <div className="table-wrap">
        <table className="table compact-table" data-testid="compliance-teams">
          <thead>
            <tr>
              <th scope="col">Team</th>
              <CountHeads />
              <th scope="col">
                <span className="visually-hidden">Filter</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {report.teams.map((t) => (
              <tr key={t.team} data-testid="compliance-team-row" data-team={t.team}>
                <td>{t.team.includes(':') ? <EntityRefLink entityRef={t.team} defaultKind="group" preferTeamPage /> : <span className="muted">{t.team}</span>}</td>
                <Counts summary={t.summary} />
                <td className="actions">
                  {t.team.includes(':') && t.team !== selected && (
                    <button type="button" className="btn btn-small btn-link" onClick={() => onSelect(t.team)}>
                      Only this team
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** One table, a group of rows per component: its summary, then each control with its status, messages and evidence. */
function ComponentsTable({ report, status }: { report: ComplianceReport; status: Status | undefined }) {
  const byComponent = new Map<string, ComplianceRow[]>();
  for (const r of report.rows) {
    if (status && r.status !== status) continue;
    (byComponent.get(r.component) ?? byComponent.set(r.component, []).get(r.component)!).push(r);
  }
  const shown = report.components.filter((c) => !status || byComponent.has(c.component));
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="compliance-components-title">
      <h2 id="compliance-components-title">
        Controls by component <span className="count">{shown.length}</span>
      </h2>
      {shown.length === 0 ? (
        <p className="muted">{report.components.length === 0 ? 'No component in this scope.' : `No control is ${STATUS_TEXT[status ?? 'pass']} here.`}</p>
      ) : (
        <div className="table-wrap">
          <table className="table compliance-table" data-testid="compliance-table">
            <thead>
              <tr>
                <th scope="col">Control</th>
                <th scope="col">Action · environment</th>
                <th scope="col">Status · decided</th>
                <th scope="col">Messages</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            {shown.map((c) => {
              const rows = byComponent.get(c.component) ?? [];
              return (
                <tbody key={c.component} data-testid="compliance-component-group" data-component={c.component}>
                  <tr className="compliance-component-head">
                    <th scope="rowgroup" colSpan={5}>
                      <span className="compliance-component-name">
                        <EntityRefLink entityRef={c.component} />
                        {c.owner && (
                          <span className="muted small">
                            {' '}
                            · <EntityRefLink entityRef={c.owner} defaultKind="group" preferTeamPage />
                          </span>
                        )}
                      </span>
                      <span className="compliance-component-counts">
                        {SUMMARY_KEYS.filter(({ key }) => c.summary[key] > 0).map(({ key, status: s }) => (
                          <span key={key} className="compliance-mini">
                            {c.summary[key]} <ComplianceBadge status={s} />
                          </span>
                        ))}
                      </span>
                    </th>
                  </tr>
                  {rows.length === 0 && (
                    <tr>
                      <td colSpan={5} className="muted">
                        No policy applies to this component.
                      </td>
                    </tr>
                  )}
                  {rows.map((r, i) => (
                    <tr
                      key={`${r.policy}/${r.action}/${r.environment ?? ''}/${i}`}
                      data-testid="compliance-row"
                      data-component={r.component}
                      data-policy={r.policy}
                      data-status={r.status}
                      data-environment={r.environment ?? ''}
                    >
                      <td className="compliance-control">
                        <PolicyLink name={r.policy} />
                        <span className="entity-sub">
                          {r.pack ?? 'catalog'} · <ModeBadge mode={r.mode} />
                        </span>
                      </td>
                      <td>
                        <code className="policy-action">{r.action}</code>
                        {r.environment && <span className="compliance-env small">in {r.environment}</span>}
                      </td>
                      <td className="nowrap">
                        <ComplianceBadge status={r.status} />
                        <span className="compliance-env small muted" title={formatAbsoluteTime(r.decidedAt)}>
                          {r.decidedAt ? formatRelativeTime(r.decidedAt, now) : 'never decided'}
                        </span>
                      </td>
                      <td className="small policy-messages">{r.messages.length ? r.messages.join('; ') : <span className="muted">—</span>}</td>
                      <td className="small">
                        <Evidence row={r} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              );
            })}
          </table>
        </div>
      )}
    </section>
  );
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

/** The evidence a row rests on, as links where the portal has a page: run, deployment, exemption. */
function Evidence({ row }: { row: ComplianceRow }) {
  const e = row.evidence;
  const items: Array<{ key: string; node: ReactNode }> = [];
  const componentName = parseEntityRef(row.component, { kind: 'component' }).name;

  const decision = str(e.decision);
  if (decision) {
    items.push({
      key: 'decision',
      node: (
        <span className="mono" title={`The recorded decision ${decision}`} data-testid="evidence-decision" data-id={decision}>
          decision {decision.slice(0, 11)}
        </span>
      ),
    });
  }
  if (!decision && str(e.evaluatedAt)) items.push({ key: 'evaluated', node: <span className="muted">evaluated now against the catalog entity</span> });

  const deployment = str(e.deployment);
  if (deployment) {
    items.push({
      key: 'deployment',
      node: row.environment ? (
        <Link to={`/environments/${encodeURIComponent(row.environment)}/${encodeURIComponent(componentName)}`} data-testid="evidence-deployment">
          deployment {deployment}
        </Link>
      ) : (
        <span>deployment {deployment}</span>
      ),
    });
  }
  const release = str(e.release);
  if (release) items.push({ key: 'release', node: <span>release <span className="mono">{release.slice(0, 12)}</span></span> });

  const run = e.pipelineRun && typeof e.pipelineRun === 'object' ? (e.pipelineRun as Record<string, unknown>) : null;
  const runId = str(run?.id) ?? str(e.run);
  if (runId) {
    const runStatus = str(run?.status);
    items.push({
      key: 'run',
      node: (
        <Link to={`/pipelines/runs/${encodeURIComponent(runId)}`} data-testid="evidence-run">
          pipeline run {runId.slice(0, 8)}
          {runStatus ? ` (${runStatus})` : ''}
        </Link>
      ),
    });
  } else if ('pipelineRun' in e && e.pipelineRun === null) {
    items.push({ key: 'run', node: <span className="muted">no pipeline run on the release's commit</span> });
  }

  if (Array.isArray(e.approvals)) {
    const by = (e.approvals as Array<{ by?: unknown }>).map((a) => str(a.by)).filter((b): b is string => !!b);
    items.push({ key: 'approvals', node: <span>{by.length ? `approved by ${by.map((b) => shortRef(b)).join(', ')}` : 'no approvals'}</span> });
  }
  const override = str(e.freezeOverride);
  if (override) items.push({ key: 'freeze', node: <span>freeze overridden: {override}</span> });

  const ex = e.exemption;
  const exId = str(ex) ?? (ex && typeof ex === 'object' ? str((ex as Record<string, unknown>).id) : null);
  if (exId) {
    const x = ex && typeof ex === 'object' ? (ex as Record<string, unknown>) : null;
    items.push({
      key: 'exemption',
      node: (
        <Link to={`/exemptions?subject=${encodeURIComponent(row.component)}`} data-testid="evidence-exemption" title={str(x?.reason) ?? undefined}>
          exemption {exId}
          {str(x?.approvedBy) ? ` approved by ${shortRef(str(x?.approvedBy) ?? '')}` : ''}
          {str(x?.expiresAt) ? `, until ${(str(x?.expiresAt) ?? '').slice(0, 10)}` : ''}
        </Link>
      ),
    });
  }
  const task = str(e.task);
  if (task) items.push({ key: 'task', node: <Link to={`/tasks/${encodeURIComponent(task)}`}>task {task.slice(0, 8)}</Link> });
  const location = str(e.location);
  if (location) items.push({ key: 'location', node: <span>location {location.slice(0, 8)}</span> });
  const actor = str(e.actor);
  if (actor) items.push({ key: 'actor', node: <span className="muted">by {shortRef(actor)}</span> });

  if (items.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="plain-list compliance-evidence" data-testid="compliance-evidence">
      {items.map((i) => (
        <li key={i.key}>{i.node}</li>
      ))}
    </ul>
  );
}

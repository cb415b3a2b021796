import { Fragment, useCallback, useState } from 'react';
import { toApiError, type ApiError, type DeploymentView } from '../api.js';
import { DeployDiff } from '../components/DeployDiff.js';
import { useDeploymentEvents } from '../components/DeployEvents.js';
import { DeployLog } from '../components/DeployLog.js';
import { DeployStatusBadge, RuntimeBadge } from '../components/DeployStatusBadge.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { EnvCellActions } from '../components/EnvCellActions.js';
import { ACTION_LABEL, approvalProgress, cellOf, freezeText, isActive, splitReason } from '../components/EnvFormat.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { elapsed, formatBytes, shortSha } from '../pipelineFormat.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { useNow } from '../useNow.js';
import { matrixActive, useReloadWhile } from './EnvironmentsPage.js';
import { ActionErrorText } from '../components/PolicyRefusal.js';

const LIMIT = 50;
const ACTIVE_RELOAD_MS = 3000;

export interface DeploymentsPageProps {
  environment: string;
  /** The component's name. */
  component: string;
}

/**
 * One component in one environment: what runs there now and the actions on it, every deployment (status,
 * release, who asked and approved, how long it took, why it ended), what each changed compared with the release
 * before it, and the workload's live logs.
 */
export function DeploymentsPage({ environment, component }: DeploymentsPageProps) {
  const { api } = useSession();
  const matrix = useAsync((signal) => api.environmentMatrix(signal), [api], { coalesce: true });
  const history = useAsync((signal) => api.listDeployments({ component, environment, limit: LIMIT }, signal), [api, component, environment]);
  const items = history.data?.items ?? [];
  const active = matrixActive(matrix.data) || items.some(isActive);
  const tick = useNow(active);
  const now = active ? tick : Date.now();
  const reloadMatrix = matrix.reload;
  const reloadHistory = history.reload;
  const reload = useCallback(() => {
    reloadMatrix();
    reloadHistory();
  }, [reloadMatrix, reloadHistory]);
  useDeploymentEvents(api, reload);
  useReloadWhile(active, reloadMatrix, ACTIVE_RELOAD_MS);
  useReloadWhile(active, reloadHistory, ACTIVE_RELOAD_MS);
  // The newest deployment's changes are open from the start; others open on demand.
  const [toggled, setToggled] = useState<Set<string>>(new Set());

  const env = matrix.data?.environments.find((e) => e.name === environment);
  const row = matrix.data?.components.find((c) => c.component === component);
  const cell = cellOf(row?.cells, environment);
  const newest = items[0]?.id;
  const isOpen = (id: string) => (id === newest) !== toggled.has(id);
  const toggle = (id: string) =>
    setToggled((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  if (matrix.data && !env) {
    return (
      <div className="page">
        <Breadcrumbs environment={environment} component={component} />
        <div className="error-panel" role="alert">
          <p className="error-title">There is no environment {environment}</p>
          <p className="error-detail">
            It may have been deleted (previews end when their TTL expires). <Link to="/environments">All environments</Link>
          </p>
        </div>
      </div>
    );
  }

  return (
    <div className="page">
      <Breadcrumbs environment={environment} component={component} />
      <header className="card entity-header">
        <div className="entity-header-top">
          <div>
            <p className="eyebrow">Deployments{env ? ` · ${env.type}` : ''}</p>
            <h1 data-testid="deploy-title">
              {component} <span className="run-title-branch">in {env?.title || environment}</span>
            </h1>
          </div>
          <div className="entity-badges">
            {cell.runtime && cell.desired && <RuntimeBadge runtime={cell.runtime} />}
            {cell.latest && <DeployStatusBadge status={cell.latest.status} />}
          </div>
        </div>
        {matrix.error && <ErrorPanel error={matrix.error} context="Could not load the environment" onRetry={reloadMatrix} />}
        <dl className="facts run-facts">
          <div>
            <dt>Component</dt>
            <dd>{row ? <EntityRefLink entityRef={row.componentRef} /> : component}</dd>
          </div>
          <div>
            <dt>Release here</dt>
            <dd className="mono" data-testid="deploy-current" title={cell.desired?.releaseId}>
              {cell.desired ? shortSha(cell.desired.sha) : <span className="muted">none</span>}
            </dd>
          </div>
          <div>
            <dt>Since</dt>
            <dd>
              {cell.desired ? (
                <span title={formatAbsoluteTime(cell.desired.since)}>
                  {formatRelativeTime(cell.desired.since, now)} <span className="muted">by</span> {shortRef(cell.desired.by)}
                </span>
              ) : (
                '—'
              )}
            </dd>
          </div>
          <div>
            <dt>Process</dt>
            <dd className="small">
              {cell.runtime?.pid ? (
                <>
                  pid {cell.runtime.pid}
                  {cell.runtime.memoryBytes !== null && <> · {formatBytes(cell.runtime.memoryBytes)}</>}
                </>
              ) : (
                <span className="muted">—</span>
              )}
            </dd>
          </div>
          {cell.url && /^https?:\/\//.test(cell.url) && (
            <div>
              <dt>URL</dt>
              <dd>
                <a href={cell.url} target="_blank" rel="noreferrer" className="small" data-testid="deploy-url">
                  {cell.url}
                </a>
              </dd>
            </div>
          )}
        </dl>
        {env?.frozen && (
          <div className="notice notice-warning" role="status">
            {env.name} is frozen: {freezeText(env.frozen)}.
          </div>
        )}
        {env && matrix.data && (
          <EnvCellActions component={component} owner={row?.owner ?? null} environment={env} environments={matrix.data.environments} cell={cell} onDone={reload} />
        )}
      </header>

      <section className="card" aria-labelledby="history-title">
        <div className="card-header">
          <h2 id="history-title">
            History {history.data && <span className="count">{items.length === LIMIT ? `${LIMIT}+` : items.length}</span>}
          </h2>
        </div>
        {history.error && <ErrorPanel error={history.error} context="Could not load the deployments" onRetry={reloadHistory} />}
        {!history.data && !history.error && <p className="muted">Loading deployments…</p>}
        {history.data && items.length === 0 && <p className="muted">{component} has not been deployed to {environment} yet.</p>}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table deploy-history" data-testid="deploy-history">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Release</th>
                  <th scope="col">Action</th>
                  <th scope="col">Requested</th>
                  <th scope="col">Approvals</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col">Reason</th>
                  <th scope="col">
                    <span className="visually-hidden">Changes</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <Fragment key={d.id}>
                    <HistoryRow
                      d={d}
                      now={now}
                      open={isOpen(d.id)}
                      onToggle={() => toggle(d.id)}
                      current={cell.desired?.releaseId ?? null}
                      owner={row?.owner ?? null}
                      onChange={reload}
                    />
                    {isOpen(d.id) && (
                      <tr id={`deploy-changes-${d.id}`} className="detail-row" data-testid="deploy-detail" data-id={d.id}>
                        <td colSpan={8}>
                          <DeployDiff releaseId={d.releaseId} fromReleaseId={d.fromReleaseId} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <DeployLog environment={environment} component={component} />
    </div>
  );
}

function HistoryRow(props: {
  d: DeploymentView;
  now: number;
  open: boolean;
  onToggle: () => void;
  current: string | null;
  owner: string | null;
  onChange: () => void;
}) {
  const { d, now, open, onToggle, current, owner, onChange } = props;
  const detailId = `deploy-changes-${d.id}`;
  return (
    <tr data-testid="deploy-row" data-id={d.id} data-status={d.status} data-action={d.action}>
      <td>
        <DeployStatusBadge status={d.status} />
      </td>
      <td className="nowrap">
        <span className="mono small" title={`Release ${d.releaseId}${d.release ? ` (${d.release.sha})` : ''}`} data-testid="deploy-row-sha">
          {d.release ? shortSha(d.release.sha) : d.releaseId.slice(0, 8)}
        </span>
        {d.release && <span className="entity-sub">{d.release.branch}</span>}
      </td>
      <td className="small">{ACTION_LABEL[d.action]}</td>
      <td className="nowrap small">
        <span title={d.requestedBy}>{shortRef(d.requestedBy)}</span>
        <span className="entity-sub" title={formatAbsoluteTime(d.requestedAt)}>
          {formatRelativeTime(d.requestedAt, now)}
        </span>
      </td>
      <td className="small" data-testid="deploy-row-approvals">
        {d.requiredApprovals === 0 && d.approvals.length === 0 ? (
          <span className="muted">not needed</span>
        ) : (
          <>
            {approvalProgress(d)}
            {d.approvals.map((a) => (
              <span key={a.by} className="entity-sub" title={formatAbsoluteTime(a.at)}>
                ✓ {shortRef(a.by)}
              </span>
            ))}
          </>
        )}
      </td>
      <td className="num nowrap small">{elapsed(d, now) || '—'}</td>
      <td className="small deploy-reason">
        {d.reason && <Reason reason={d.reason} />}
        {d.freezeOverride && <span className="entity-sub">Freeze overridden: {d.freezeOverride}</span>}
      </td>
      <td className="deploy-row-actions">
        <button type="button" className="btn btn-small btn-link" aria-expanded={open} aria-controls={detailId} onClick={onToggle} data-testid="deploy-row-toggle">
          {open ? 'Hide changes' : 'Changes'}
        </button>
        {d.status === 'succeeded' && d.releaseId !== current && <RollbackTo d={d} owner={owner} onChange={onChange} />}
      </td>
    </tr>
  );
}

/** The first line of a deployment's reason; the rest (the workload's last log lines, say) on demand. */
function Reason({ reason }: { reason: string }) {
  const { summary, detail } = splitReason(reason);
  return (
    <span data-testid="deploy-row-reason">
      {summary}
      {detail && (
        <details className="deploy-reason-more">
          <summary>Details</summary>
          <pre className="code-block">{detail}</pre>
        </details>
      )}
    </span>
  );
}

/** "Roll back to this": puts an earlier release that succeeded here back in place, after a confirmation. */
function RollbackTo({ d, owner, onChange }: { d: DeploymentView; owner: string | null; onChange: () => void }) {
  const { api, user, canChange } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (user.role === 'viewer' || !canChange(owner)) return null;
  const sha = d.release ? shortSha(d.release.sha) : d.releaseId.slice(0, 8);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.rollback({ component: d.component, environment: d.environment, to: d.releaseId });
      setConfirming(false);
      onChange();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="confirm deploy-rollback-to">
      {confirming ? (
        <>
          <span>Go back to {sha}?</span>
          <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => void go()}>
            Yes, roll back
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-small btn-link" onClick={() => setConfirming(true)} data-testid="deploy-rollback-to">
          Roll back to this
        </button>
      )}
      {error && (
        <span className="field-error" role="alert">
          <ActionErrorText error={error} />
        </span>
      )}
    </span>
  );
}

function Breadcrumbs({ environment, component }: { environment: string; component: string }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <Link to="/environments">Environments</Link>
      <span aria-hidden="true">/</span>
      <span>{environment}</span>
      <span aria-hidden="true">/</span>
      <span aria-current="page">{component}</span>
    </nav>
  );
}

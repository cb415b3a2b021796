import { useEffect } from 'react';
import type { TaskStatus } from '../api.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { TaskStatusBadge } from '../components/TaskStatusBadge.js';
import { shortRef } from '../entityRef.js';
import { durationBetween } from '../formatDuration.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

const LIMIT = 100;
/** While a listed task is queued or running, the list reloads this often (task changes are not on the event stream). */
const ACTIVE_RELOAD_MS = 3000;
const STATUSES: TaskStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function isStatus(v: string | null): v is TaskStatus {
  return v !== null && (STATUSES as string[]).includes(v);
}

/** Recent scaffolder tasks, newest first; filters (`?status=`, `?mine=1`) live in the URL. */
export function TasksPage() {
  const { api, user } = useSession();
  const { search } = useLocation();
  const raw = search.get('status');
  const status = isStatus(raw) ? raw : undefined;
  const mine = search.get('mine') === '1';
  const list = useAsync(
    (signal) => api.listTasks({ status, createdBy: mine ? user.userRef : undefined, limit: LIMIT }, signal),
    [api, status, mine, user.userRef],
  );
  const items = list.data?.items ?? [];
  const active = items.some((t) => t.status === 'queued' || t.status === 'running');
  const { reload } = list;

  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, ACTIVE_RELOAD_MS);
    return () => clearInterval(t);
  }, [active, reload]);

  const go = (next: { status?: string; mine?: boolean }) => {
    const params = new URLSearchParams();
    const s = next.status ?? status ?? '';
    if (s) params.set('status', s);
    if (next.mine ?? mine) params.set('mine', '1');
    const qs = params.toString();
    navigate(qs ? `/tasks?${qs}` : '/tasks', { replace: true });
  };
  const now = Date.now();

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Tasks</h1>
          <p className="muted">Templates run from the portal, the CLI and the API, newest first.</p>
        </div>
        <Link to="/create" className="btn btn-primary">
          Create something
        </Link>
      </div>

      <div className="task-filters">
        <div>
          <label htmlFor="task-status" className="field-label">
            Status
          </label>
          <select id="task-status" className="input" value={status ?? ''} onChange={(e) => go({ status: e.target.value })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox-label">
          <input type="checkbox" checked={mine} onChange={(e) => go({ mine: e.target.checked })} />
          Only mine
        </label>
      </div>

      {list.error && <ErrorPanel error={list.error} context="Could not load the tasks" onRetry={list.reload} />}
      {!list.data && !list.error && (
        <p className="muted" role="status">
          Loading tasks…
        </p>
      )}
      {list.data && items.length === 0 && (
        <div className="card empty">
          {status || mine ? 'No task matches these filters.' : 'No tasks yet. '}
          {!status && !mine && <Link to="/create">Choose a template to run one.</Link>}
        </div>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="tasks-table">
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col">Status</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Task</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id} data-testid="task-row" data-id={t.id}>
                  <td className="name-cell">
                    <Link to={`/tasks/${encodeURIComponent(t.id)}`} className="entity-name">
                      {t.templateTitle}
                    </Link>
                    <span className="entity-sub">
                      {typeof t.parameters.name === 'string' && `${t.parameters.name} · `}
                      {shortRef(t.templateRef)} v{t.templateVersion}
                    </span>
                  </td>
                  <td>
                    <TaskStatusBadge status={t.status} cancelling={t.cancelRequested && (t.status === 'queued' || t.status === 'running')} />
                  </td>
                  <td title={t.createdBy}>{shortRef(t.createdBy)}</td>
                  <td className="nowrap" title={formatAbsoluteTime(t.createdAt)}>
                    {formatRelativeTime(t.createdAt, now)}
                  </td>
                  <td className="num nowrap">{durationBetween(t.startedAt ?? t.createdAt, t.finishedAt, now) || '—'}</td>
                  <td className="mono small">
                    <Link to={`/tasks/${encodeURIComponent(t.id)}`}>{t.id}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

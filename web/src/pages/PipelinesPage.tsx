import { useEffect, useState } from 'react';
import type { RunStatus } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { RunPipelineForm } from '../components/RunPipelineForm.js';
import { RunStatusBadge } from '../components/RunStatusBadge.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { elapsed, eventLabel, shortSha, TERMINAL_RUN } from '../pipelineFormat.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { useNow } from '../useNow.js';
import { usePipelineRunEvents } from '../usePipelineRunEvents.js';

const LIMIT = 100;
/** A fallback for when the event stream is down: while a listed run is active, the list reloads this often. */
const ACTIVE_RELOAD_MS = 5000;
const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function isStatus(v: string | null): v is RunStatus {
  return v !== null && (STATUSES as string[]).includes(v);
}

function runPath(id: string): string {
  return `/pipelines/runs/${encodeURIComponent(id)}`;
}

/** Recent pipeline runs of every repository, newest first; filters (`?status=`, `?repo=`, `?component=`) live in the URL. */
export function PipelinesPage() {
  const { api, user } = useSession();
  const { search } = useLocation();
  const raw = search.get('status');
  const status = isStatus(raw) ? raw : undefined;
  const repo = search.get('repo') ?? '';
  const component = search.get('component') ?? '';
  const [formOpen, setFormOpen] = useState(false);
  const list = useAsync(
    (signal) => api.listPipelineRuns({ status, repo: repo || undefined, component: component || undefined, limit: LIMIT }, signal),
    [api, status, repo, component],
  );
  const repos = useAsync((signal) => api.listRepos(signal), [api]);
  const items = list.data?.items ?? [];
  const active = items.some((r) => !TERMINAL_RUN.has(r.status));
  const tick = useNow(active);
  const now = active ? tick : Date.now();
  const { reload } = list;
  usePipelineRunEvents(api, reload);

  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, ACTIVE_RELOAD_MS);
    return () => clearInterval(t);
  }, [active, reload]);

  const go = (next: { status?: string; repo?: string; component?: string }) => {
    const params = new URLSearchParams();
    const s = next.status ?? status ?? '';
    const r = next.repo ?? repo;
    const c = next.component ?? component;
    if (s) params.set('status', s);
    if (r) params.set('repo', r);
    if (c) params.set('component', c);
    const qs = params.toString();
    navigate(qs ? `/pipelines?${qs}` : '/pipelines', { replace: true });
  };
  const repoNames = (repos.data?.items ?? []).map((r) => r.name);
  if (repo && !repoNames.includes(repo)) repoNames.push(repo);
  const filtered = Boolean(status || repo || component);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Pipelines</h1>
          <p className="muted">Runs of every repository's pipeline, from pushes, webhooks and by hand, newest first.</p>
        </div>
        {user.role !== 'viewer' && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setFormOpen((o) => !o)}
            aria-expanded={formOpen}
            aria-controls="run-form"
            disabled={!repos.data}
          >
            ▶ Run pipeline
          </button>
        )}
      </div>

      {formOpen && repos.data && (
        <div id="run-form">
          <RunPipelineForm
            repos={repos.data.items}
            initialRepo={repo}
            onStarted={(run) => navigate(runPath(run.id))}
            onClose={() => setFormOpen(false)}
          />
        </div>
      )}
      {repos.error && formOpen && <ErrorPanel error={repos.error} context="Could not load the hosted repositories" onRetry={repos.reload} />}

      <div className="task-filters run-filters">
        <div>
          <label htmlFor="run-status-filter" className="field-label">
            Status
          </label>
          <select id="run-status-filter" className="input" value={status ?? ''} onChange={(e) => go({ status: e.target.value })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="run-repo-filter" className="field-label">
            Repository
          </label>
          <select id="run-repo-filter" className="input" value={repo} onChange={(e) => go({ repo: e.target.value })}>
            <option value="">Any repository</option>
            {repoNames.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        {component && (
          <div className="active-filters">
            <span className="chip">
              <span className="chip-key">component</span> {shortRef(component)}
              <button type="button" className="chip-x" aria-label="Remove the component filter" onClick={() => go({ component: '' })}>
                ×
              </button>
            </span>
          </div>
        )}
      </div>

      {list.error && <ErrorPanel error={list.error} context="Could not load the pipeline runs" onRetry={list.reload} />}
      {!list.data && !list.error && (
        <p className="muted" role="status">
          Loading runs…
        </p>
      )}
      {list.data && items.length === 0 && (
        <div className="card empty">
          {filtered
            ? 'No run matches these filters.'
            : 'No pipeline runs yet. A push to a hosted repository with a .gantry/pipeline.yaml starts one; so does Run pipeline.'}
        </div>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Repository</th>
                <th scope="col">Component</th>
                <th scope="col">Branch</th>
                <th scope="col">Commit</th>
                <th scope="col">Trigger</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-testid="run-row" data-id={r.id}>
                  <td>
                    <RunStatusBadge status={r.status} cancelling={r.cancelRequested && !TERMINAL_RUN.has(r.status)} />
                  </td>
                  <td className="name-cell">
                    <Link to={runPath(r.id)} className="entity-name" data-testid="run-link">
                      {r.repo}
                    </Link>
                    <span className="entity-sub">{r.id.slice(0, 8)}</span>
                  </td>
                  <td>{r.componentRef ? <EntityRefLink entityRef={r.componentRef} /> : <span className="muted">—</span>}</td>
                  <td className="mono small">{r.branch}</td>
                  <td className="mono small" title={r.sha} data-testid="run-sha">
                    {shortSha(r.sha)}
                  </td>
                  <td>
                    <span data-testid="run-event">{eventLabel(r.event)}</span>
                    <span className="run-actor" title={r.actor}>
                      {shortRef(r.actor)}
                    </span>
                  </td>
                  <td className="num nowrap">{elapsed(r, now) || '—'}</td>
                  <td className="nowrap" title={formatAbsoluteTime(r.createdAt)}>
                    {formatRelativeTime(r.createdAt, now)}
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

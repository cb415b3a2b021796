import { useSession } from '../session.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { elapsed, eventLabel, shortSha, TERMINAL_RUN } from '../pipelineFormat.js';
import { Link } from '../router.js';
import { useAsync } from '../useAsync.js';
import { useNow } from '../useNow.js';
import { usePipelineRunEvents } from '../usePipelineRunEvents.js';
import { ErrorPanel } from './ErrorPanel.js';
import { RunStatusBadge } from './RunStatusBadge.js';

const LIMIT = 10;

export interface ComponentRunsProps {
  /** The Component's ref (`component:default/orders-api`). */
  entityRef: string;
}

/** The latest pipeline runs of the repository that holds a Component's descriptor, for its entity page. */
export function ComponentRuns({ entityRef }: ComponentRunsProps) {
  const { api } = useSession();
  const runs = useAsync((signal) => api.listPipelineRuns({ component: entityRef, limit: LIMIT }, signal), [api, entityRef]);
  usePipelineRunEvents(api, runs.reload);
  const items = runs.data?.items ?? [];
  const active = items.some((r) => !TERMINAL_RUN.has(r.status));
  const tick = useNow(active);
  const now = active ? tick : Date.now();
  const all = `/pipelines?component=${encodeURIComponent(entityRef)}`;

  return (
    <section className="card" aria-labelledby="component-runs-title" data-testid="component-runs">
      <div className="card-header">
        <h2 id="component-runs-title">
          Pipeline runs {runs.data && <span className="count">{items.length === LIMIT ? `${LIMIT}+` : items.length}</span>}
        </h2>
        {items.length > 0 && (
          <Link to={all} className="small">
            All runs
          </Link>
        )}
      </div>
      {runs.error && <ErrorPanel error={runs.error} context="Could not load the pipeline runs" onRetry={runs.reload} />}
      {!runs.data && !runs.error && <p className="muted">Loading runs…</p>}
      {runs.data && items.length === 0 && (
        <p className="muted">No pipeline runs yet. A push to this component's repository, or Run pipeline on the Pipelines page, starts one.</p>
      )}
      {items.length > 0 && (
        <table className="table compact-table">
          <thead>
            <tr>
              <th scope="col">Status</th>
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
              <tr key={r.id} data-testid="component-run" data-id={r.id}>
                <td>
                  <RunStatusBadge status={r.status} cancelling={r.cancelRequested && !TERMINAL_RUN.has(r.status)} />
                </td>
                <td className="mono small">{r.branch}</td>
                <td className="mono small" title={r.sha}>
                  <Link to={`/pipelines/runs/${encodeURIComponent(r.id)}`} data-testid="component-run-link">
                    {shortSha(r.sha)}
                  </Link>
                </td>
                <td className="small">{eventLabel(r.event)}</td>
                <td className="num nowrap small">{elapsed(r, now) || '—'}</td>
                <td className="nowrap small" title={formatAbsoluteTime(r.createdAt)}>
                  {formatRelativeTime(r.createdAt, now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

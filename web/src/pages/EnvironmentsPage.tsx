import { useEffect } from 'react';
import type { EnvironmentView, MatrixView } from '../api.js';
import { useDeploymentEvents } from '../components/DeployEvents.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { EnvCell } from '../components/EnvCell.js';
import { cellOf, freezeText, isActive, orderedEnvironments, previewEnvironments } from '../components/EnvFormat.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { useLiveUpdates } from '../live.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { useNow } from '../useNow.js';

/** While a deployment is queued or deploying, the matrix reloads this often. */
const ACTIVE_RELOAD_MS = 3000;
/** Columns share the width equally (stable while cells change) but never get narrower than this. */
const COMPONENT_COL_PX = 200;
const ENV_COL_PX = 250;

/** Whether any cell's newest deployment is still moving. */
export function matrixActive(matrix: MatrixView | undefined): boolean {
  return !!matrix?.components.some((c) => Object.values(c.cells).some((cell) => isActive(cell.latest)));
}

/** Reloads every `ms` while `active`: a deployment's start (deploying) comes with no event, and events can be missed. */
export function useReloadWhile(active: boolean, reload: () => void, ms: number): void {
  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, ms);
    return () => clearInterval(t);
  }, [active, reload, ms]);
}

/**
 * The environment matrix: one row per component, one column per environment in promotion order; each cell
 * says which release should run there, what runs, the newest deployment, when and by whom, with deploy,
 * promote, roll back and approve. Preview environments follow in their own table with their branch and expiry.
 */
export function EnvironmentsPage() {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  // Events and polling ask again while a deploy runs; a slow answer must still arrive (see AsyncOptions).
  const matrix = useAsync((signal) => api.environmentMatrix(signal), [api, version], { coalesce: true });
  const active = matrixActive(matrix.data);
  const tick = useNow(active);
  const now = active ? tick : Date.now();
  const { reload } = matrix;
  useReloadWhile(active, reload, ACTIVE_RELOAD_MS);
  useDeploymentEvents(api, reload);

  const environments = matrix.data?.environments ?? [];
  const ordered = orderedEnvironments(environments);
  const previews = previewEnvironments(environments);
  const components = matrix.data?.components ?? [];

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Environments</h1>
          <p className="muted">
            What runs where: each component's release in each environment, in promotion order. Deploy, promote, roll back and approve from a
            cell; its release opens the deployment history.
          </p>
        </div>
        {active && (
          <span className="live-indicator stream-live" role="status" data-testid="matrix-polling">
            <span className="live-dot" aria-hidden="true" />
            Deploying…
          </span>
        )}
      </div>

      {matrix.error && <ErrorPanel error={matrix.error} context="Could not load the environments" onRetry={reload} />}
      {!matrix.data && !matrix.error && (
        <p className="muted" role="status">
          Loading environments…
        </p>
      )}
      {matrix.data && environments.length === 0 && (
        <div className="card empty">
          No environments yet. An admin creates them with <code>gantry env create</code> (or POST /api/environments); a team can create its own
          development and preview environments.
        </div>
      )}

      {ordered.length > 0 && (
        <section aria-labelledby="matrix-title">
          <h2 id="matrix-title" className="visually-hidden">
            Environment matrix
          </h2>
          {components.length === 0 ? (
            <div className="card empty">No component has a release yet. A successful pipeline run on a component's main branch makes one.</div>
          ) : (
            <div className="table-wrap">
              <table className="table env-matrix" data-testid="env-matrix" style={{ minWidth: COMPONENT_COL_PX + ordered.length * ENV_COL_PX }}>
                <colgroup>
                  <col className="env-component-col" />
                  {ordered.map((e) => (
                    <col key={e.name} />
                  ))}
                </colgroup>
                <thead>
                  <tr>
                    <th scope="col">Component</th>
                    {ordered.map((e) => (
                      <th scope="col" key={e.name} data-testid="env-column" data-environment={e.name}>
                        <EnvHeader environment={e} />
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {components.map((c) => (
                    <tr key={c.component} data-testid="env-row" data-component={c.component}>
                      <th scope="row" className="name-cell env-row-head">
                        <EntityRefLink entityRef={c.componentRef} />
                        {c.owner && (
                          <span className="entity-sub">
                            <EntityRefLink entityRef={c.owner} defaultKind="group" preferTeamPage />
                          </span>
                        )}
                      </th>
                      {ordered.map((e) => (
                        <td key={e.name}>
                          <EnvCell
                            component={c.component}
                            owner={c.owner}
                            environment={e}
                            environments={environments}
                            cell={cellOf(c.cells, e.name)}
                            now={now}
                            onChange={reload}
                          />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}

      {previews.length > 0 && <Previews previews={previews} environments={environments} matrix={matrix.data} now={now} onChange={reload} />}
    </div>
  );
}

/** A column's head: the environment, its type and guardrails (approvals, a freeze in force). */
function EnvHeader({ environment: e }: { environment: EnvironmentView }) {
  return (
    <div className="env-head">
      <span className="env-head-name" title={e.description ?? undefined}>
        {e.title || e.name}
      </span>
      <span className="env-head-facts">
        <span className={`env-type env-type-${e.type}`}>{e.type}</span>
        {e.driver !== 'local' && <span className="env-type">{e.driver}</span>}
        {e.requiredApprovals > 0 && (
          <span className="env-type" title="Approvals a deployment here needs, by someone other than the requester">
            {e.requiredApprovals} approval{e.requiredApprovals === 1 ? '' : 's'}
          </span>
        )}
      </span>
      {e.frozen && (
        <span className="env-frozen" data-testid="env-frozen" title={`From ${e.frozen.start} to ${e.frozen.end}`}>
          <StatusBadge tone="warning">Frozen</StatusBadge> {freezeText(e.frozen)}
        </span>
      )}
    </div>
  );
}

/** Preview environments: one row per preview and component deployed (or meant to be deployed) there. */
function Previews(props: { previews: EnvironmentView[]; environments: EnvironmentView[]; matrix: MatrixView | undefined; now: number; onChange: () => void }) {
  const { previews, environments, matrix, now, onChange } = props;
  type Row = MatrixView['components'][number];
  const rows = previews.flatMap((p): Array<{ preview: EnvironmentView; component: Row | null }> => {
    const here = (matrix?.components ?? []).filter((c) => c.component === p.component || c.cells[p.name]?.desired || c.cells[p.name]?.latest);
    return here.length > 0 ? here.map((c) => ({ preview: p, component: c })) : [{ preview: p, component: null }];
  });
  return (
    <section className="card env-previews" aria-labelledby="previews-title" data-testid="env-previews">
      <h2 id="previews-title">
        Preview environments <span className="count">{previews.length}</span>
      </h2>
      <table className="table compact-table">
        <thead>
          <tr>
            <th scope="col">Preview</th>
            <th scope="col">Branch</th>
            <th scope="col">Expires</th>
            <th scope="col">Component</th>
            <th scope="col">Release</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ preview: p, component: c }) => (
            <tr key={`${p.name}/${c?.component ?? ''}`} data-testid="preview-row" data-environment={p.name}>
              <td className="name-cell">
                <span className="entity-name">{p.title || p.name}</span>
                <span className="entity-sub">{p.name}</span>
              </td>
              <td className="mono small">{p.branch ?? <span className="muted">—</span>}</td>
              <td className="nowrap" title={formatAbsoluteTime(p.expiresAt)} data-testid="preview-expires">
                {p.expiresAt ? formatRelativeTime(p.expiresAt, now) : <span className="muted">never</span>}
                {p.ttl && <span className="entity-sub">TTL {p.ttl}</span>}
              </td>
              <td>{c ? <EntityRefLink entityRef={c.componentRef} /> : (p.component ?? <span className="muted">none</span>)}</td>
              <td>
                {c ? (
                  <EnvCell component={c.component} owner={c.owner} environment={p} environments={environments} cell={cellOf(c.cells, p.name)} now={now} onChange={onChange} />
                ) : (
                  <span className="muted">Nothing deployed</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

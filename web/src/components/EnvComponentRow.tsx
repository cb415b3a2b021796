import { parseEntityRef } from '../entityRef.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { useDeploymentEvents } from './DeployEvents.js';
import { EnvCell } from './EnvCell.js';
import { cellOf, orderedEnvironments, previewEnvironments } from './EnvFormat.js';
import { ErrorPanel } from './ErrorPanel.js';

export interface EnvComponentRowProps {
  /** The Component's ref (`component:default/orders-api`). */
  entityRef: string;
}

/**
 * A Component's row of the environment matrix, for its entity page: what runs in each environment (and in the
 * previews made for it), each linking to its deployment history. The actions live on the Environments page.
 */
export function EnvComponentRow({ entityRef }: EnvComponentRowProps) {
  const { api } = useSession();
  const matrix = useAsync((signal) => api.environmentMatrix(signal), [api], { coalesce: true });
  useDeploymentEvents(api, matrix.reload);
  const name = parseEntityRef(entityRef, { kind: 'component' }).name;
  const environments = matrix.data?.environments ?? [];
  const row = matrix.data?.components.find((c) => c.componentRef.toLowerCase() === entityRef.toLowerCase());
  const shown = [
    ...orderedEnvironments(environments),
    ...previewEnvironments(environments).filter((p) => p.component === name || row?.cells[p.name]?.desired),
  ];
  const now = Date.now();

  return (
    <section className="card" aria-labelledby="component-envs-title" data-testid="component-environments">
      <div className="card-header">
        <h2 id="component-envs-title">Environments</h2>
        {environments.length > 0 && (
          <Link to="/environments" className="small">
            All environments
          </Link>
        )}
      </div>
      {matrix.error && <ErrorPanel error={matrix.error} context="Could not load the environments" onRetry={matrix.reload} />}
      {!matrix.data && !matrix.error && <p className="muted">Loading environments…</p>}
      {matrix.data && shown.length === 0 && <p className="muted">There are no environments yet.</p>}
      {matrix.data && shown.length > 0 && !row && <p className="muted">Not deployed anywhere yet: it has no release.</p>}
      {row && shown.length > 0 && (
        <div className="env-row-cards">
          {shown.map((e) => (
            <div key={e.name} className="env-row-card">
              <p className="eyebrow">
                {e.title || e.name}
                {e.type === 'preview' && e.branch ? ` · ${e.branch}` : ''}
              </p>
              <EnvCell
                component={row.component}
                owner={row.owner}
                environment={e}
                environments={environments}
                cell={cellOf(row.cells, e.name)}
                now={now}
                readOnly
                onChange={matrix.reload}
              />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

import { useState } from 'react';
import type { EntityView, Relation } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ComponentRuns } from '../components/ComponentRuns.js';
import { EnvComponentRow } from '../components/EnvComponentRow.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { ProblemList } from '../components/ProblemList.js';
import { RawDocument } from '../components/RawDocument.js';
import { RelationsGraph } from '../components/RelationsGraph.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { TagList } from '../components/TagList.js';
import { ValueView } from '../components/ValueView.js';
import { entityPath, formatEntityRef, teamPath } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { kindLabel } from '../kindLabel.js';
import { useLiveUpdates } from '../live.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { DeliveryStrip } from './MetricsPage.js';

export interface EntityPageProps {
  kind: string;
  namespace: string;
  name: string;
}

/** Everything about one entity: header, relations (list and graph), spec, metadata, source and problems. */
export function EntityPage({ kind, namespace, name }: EntityPageProps) {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  const ref = formatEntityRef({ kind, namespace, name });
  const entity = useAsync((signal) => api.getEntity(kind, namespace, name, signal), [api, ref, version]);

  if (entity.error) {
    return (
      <div className="page">
        <Breadcrumbs kind={kind} name={name} />
        <ErrorPanel
          error={entity.error}
          context={entity.error.status === 404 ? `There is no ${ref} in the catalog` : `Could not load ${ref}`}
          onRetry={entity.error.status === 404 ? undefined : entity.reload}
        />
        <p>
          <Link to="/catalog">Back to the catalog</Link>
        </p>
      </div>
    );
  }
  if (!entity.data) {
    return (
      <div className="page">
        <Breadcrumbs kind={kind} name={name} />
        <p className="muted" role="status">
          Loading {ref}…
        </p>
      </div>
    );
  }
  return <EntityDetails view={entity.data} />;
}

function Breadcrumbs({ kind, name }: { kind: string; name: string }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <Link to="/catalog">Catalog</Link>
      <span aria-hidden="true">/</span>
      <Link to={`/catalog?kind=${encodeURIComponent(kind.toLowerCase())}`}>{kindLabel(kind)}</Link>
      <span aria-hidden="true">/</span>
      <span aria-current="page">{name}</span>
    </nav>
  );
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function groupRelations(relations: Relation[]): [string, Relation[]][] {
  const groups = new Map<string, Relation[]>();
  for (const r of relations) {
    const list = groups.get(r.type) ?? [];
    list.push(r);
    groups.set(r.type, list);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function EntityDetails({ view }: { view: EntityView }) {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  const [depth, setDepth] = useState(1);
  const graph = useAsync((signal) => api.graph(view.ref, depth, signal), [api, view.ref, depth, version]);

  const { entity } = view;
  const meta = entity.metadata;
  const spec = entity.spec ?? {};
  const kind = view.kind || entity.kind;
  const isGroup = kind.toLowerCase() === 'group';
  const owner = view.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? str(spec.owner);
  const lifecycle = str(spec.lifecycle);
  const type = str(spec.type);
  const problems = view.status?.problems ?? [];
  const labels = Object.entries(meta.labels ?? {});
  const annotations = Object.entries(meta.annotations ?? {});
  const links = meta.links ?? [];
  const relations = groupRelations(view.relations);

  return (
    <div className="page">
      <Breadcrumbs kind={kind} name={meta.name} />
      <header className="entity-header card">
        <div className="entity-header-top">
          <div>
            <p className="eyebrow">
              {kindLabel(entity.kind)}
              {type && <> · {type}</>}
              {view.namespace !== 'default' && <> · namespace {view.namespace}</>}
            </p>
            <h1 data-testid="entity-title">{meta.title || meta.name}</h1>
            {meta.title && <p className="entity-sub">{meta.name}</p>}
          </div>
          <div className="entity-badges">
            {lifecycle && <StatusBadge tone={lifecycle === 'production' ? 'ok' : lifecycle === 'deprecated' ? 'warning' : 'info'}>{lifecycle}</StatusBadge>}
            {view.orphan && (
              <StatusBadge tone="warning" title="The location that registered it no longer contains it">
                Orphan
              </StatusBadge>
            )}
            {problems.length > 0 ? (
              <StatusBadge tone={problems.some((p) => p.severity !== 'warning') ? 'error' : 'warning'}>
                {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
              </StatusBadge>
            ) : (
              <StatusBadge tone="ok">No problems</StatusBadge>
            )}
            {isGroup && (
              <Link to={teamPath({ kind: 'group', namespace: view.namespace, name: view.name })} className="btn btn-primary">
                Open team page
              </Link>
            )}
          </div>
        </div>
        {meta.description && <p className="entity-description">{meta.description}</p>}
        <dl className="facts">
          <div>
            <dt>Owner</dt>
            <dd data-testid="entity-owner">
              {owner ? <EntityRefLink entityRef={owner} defaultKind="group" preferTeamPage /> : <span className="muted">none</span>}
            </dd>
          </div>
          <div>
            <dt>Ref</dt>
            <dd>
              <code>{view.ref}</code>
            </dd>
          </div>
          <div>
            <dt>Tags</dt>
            <dd>
              <TagList tags={meta.tags} />
            </dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd title={formatAbsoluteTime(view.updatedAt)}>{formatRelativeTime(view.updatedAt)}</dd>
          </div>
        </dl>
        {links.length > 0 && (
          <ul className="link-list" aria-label="Links">
            {links.map((l) => (
              <li key={l.url}>
                <a href={l.url} target="_blank" rel="noreferrer noopener">
                  {l.title || l.url}
                  <span aria-hidden="true"> ↗</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </header>

      <section className="card" aria-labelledby="graph-title">
        <div className="card-header">
          <h2 id="graph-title">Relations graph</h2>
          <div className="segmented" role="radiogroup" aria-label="Graph depth">
            {[1, 2].map((d) => (
              <button
                key={d}
                type="button"
                role="radio"
                aria-checked={depth === d}
                className={depth === d ? 'segment active' : 'segment'}
                onClick={() => setDepth(d)}
              >
                Depth {d}
              </button>
            ))}
          </div>
        </div>
        {graph.error && <ErrorPanel error={graph.error} context="Could not load the relations graph" onRetry={graph.reload} />}
        {!graph.data && !graph.error && <p className="muted">Loading the graph…</p>}
        {graph.data &&
          (graph.data.edges.length === 0 ? (
            <p className="muted">No relations to draw.</p>
          ) : (
            <RelationsGraph graph={graph.data} centerRef={view.ref} onOpen={(r) => navigate(entityPath(r))} />
          ))}
      </section>

      <div className="entity-grid">
        <div className="entity-main">
          {kind.toLowerCase() === 'component' && <DeliveryStrip component={view.ref} />}
          {kind.toLowerCase() === 'component' && <EnvComponentRow entityRef={view.ref} />}
          {kind.toLowerCase() === 'component' && <ComponentRuns entityRef={view.ref} />}

          <section className="card" aria-labelledby="relations-title">
            <h2 id="relations-title">Relations</h2>
            {relations.length === 0 ? (
              <p className="muted">This entity has no relations.</p>
            ) : (
              <dl className="relations">
                {relations.map(([type, items]) => (
                  <div className="relation-group" key={type} data-relation={type}>
                    <dt>
                      {type} <span className="count">{items.length}</span>
                    </dt>
                    <dd>
                      <ul>
                        {items.map((r) => (
                          <li key={r.targetRef}>
                            <EntityRefLink entityRef={r.targetRef} showKind />
                          </li>
                        ))}
                      </ul>
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </section>

          <section className="card" aria-labelledby="spec-title">
            <h2 id="spec-title">Spec</h2>
            <ValueView value={spec} />
          </section>

          <section className="card" aria-labelledby="raw-title">
            <details className="raw-details">
              <summary>
                <h2 id="raw-title">Raw YAML/JSON</h2>
              </summary>
              <RawDocument document={entity} label={view.ref} />
            </details>
          </section>
        </div>

        <aside className="entity-side">
          <section className="card" aria-labelledby="problems-title">
            <h2 id="problems-title">Status</h2>
            {problems.length === 0 ? (
              <p>
                <StatusBadge tone="ok">No problems</StatusBadge>
              </p>
            ) : (
              <ProblemList problems={problems} label={`Problems of ${view.ref}`} />
            )}
          </section>

          <section className="card" aria-labelledby="source-title">
            <h2 id="source-title">Source</h2>
            {view.source ? (
              <dl className="kv compact">
                <div className="kv-row">
                  <dt>Location</dt>
                  <dd>
                    <Link to="/locations" className="mono">
                      {view.source.locationTarget}
                    </Link>
                  </dd>
                </div>
                <div className="kv-row">
                  <dt>File</dt>
                  <dd className="mono" data-testid="entity-source">
                    {view.source.file}:{view.source.line}
                  </dd>
                </div>
              </dl>
            ) : (
              <p className="muted">Registered directly through the API (no location).</p>
            )}
          </section>

          <section className="card" aria-labelledby="meta-title">
            <h2 id="meta-title">Metadata</h2>
            <h3>Labels</h3>
            {labels.length === 0 ? (
              <p className="muted small">No labels</p>
            ) : (
              <dl className="kv compact">
                {labels.map(([k, v]) => (
                  <div className="kv-row" key={k}>
                    <dt className="mono">{k}</dt>
                    <dd>{v}</dd>
                  </div>
                ))}
              </dl>
            )}
            <h3>Annotations</h3>
            {annotations.length === 0 ? (
              <p className="muted small">No annotations</p>
            ) : (
              <dl className="kv stacked">
                {annotations.map(([k, v]) => (
                  <div className="kv-row" key={k}>
                    <dt className="mono">{k}</dt>
                    <dd className="mono">{v}</dd>
                  </div>
                ))}
              </dl>
            )}
            {meta.uid && (
              <p className="muted small">
                uid <code>{meta.uid}</code>
              </p>
            )}
          </section>
        </aside>
      </div>
    </div>
  );
}

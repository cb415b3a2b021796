import { useEffect, useId, useState } from 'react';
import type { EntityFilter, EntityView, FacetCount } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { TagList } from '../components/TagList.js';
import { entityPath, shortRef } from '../entityRef.js';
import { kindLabel } from '../kindLabel.js';
import { useLiveUpdates } from '../live.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

const PAGE_SIZE = 25;
const SEARCH_DEBOUNCE_MS = 300;
const FACET_PREVIEW = 8;

interface FacetDef {
  field: string;
  label: string;
  display?: (value: string) => string;
}

const FACETS: FacetDef[] = [
  { field: 'kind', label: 'Kind', display: kindLabel },
  { field: 'spec.type', label: 'Type' },
  { field: 'spec.lifecycle', label: 'Lifecycle' },
  { field: 'spec.owner', label: 'Owner', display: (v) => shortRef(v, { kind: 'group' }) },
  { field: 'metadata.tags', label: 'Tags' },
];

type SortField = 'metadata.name' | 'kind';

/**
 * Everything that decides what the catalog shows lives in the URL, so a filtered view is a link:
 * one parameter per facet field (alternatives joined by `,`), `q`, `orderBy`, `order`, and the trail of
 * page cursors (`cursor`, repeated) so "previous" works on a shared link too.
 */
interface CatalogState {
  filter: EntityFilter;
  q: string;
  orderBy: SortField;
  order: 'asc' | 'desc';
  cursors: string[];
}

function readState(search: URLSearchParams): CatalogState {
  const filter: EntityFilter = {};
  for (const f of FACETS) {
    const values = (search.get(f.field) ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    if (values.length) filter[f.field] = values;
  }
  return {
    filter,
    q: search.get('q') ?? '',
    orderBy: search.get('orderBy') === 'kind' ? 'kind' : 'metadata.name',
    order: search.get('order') === 'desc' ? 'desc' : 'asc',
    cursors: search.getAll('cursor').filter(Boolean),
  };
}

function catalogHref(s: CatalogState): string {
  const params = new URLSearchParams();
  for (const f of FACETS) {
    const values = s.filter[f.field];
    if (values?.length) params.set(f.field, values.join(','));
  }
  if (s.q) params.set('q', s.q);
  if (s.orderBy !== 'metadata.name') params.set('orderBy', s.orderBy);
  if (s.order !== 'asc') params.set('order', s.order);
  for (const c of s.cursors) params.append('cursor', c);
  const qs = params.toString();
  return qs ? `/catalog?${qs}` : '/catalog';
}

function withoutField(filter: EntityFilter, field: string): EntityFilter {
  const copy = { ...filter };
  delete copy[field];
  return copy;
}

/** The catalog: faceted, searchable, sortable, paged table of every entity. */
export function CatalogPage() {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  const { search } = useLocation();
  const state = readState(search);
  const stateKey = catalogHref(state);
  const cursor = state.cursors[state.cursors.length - 1];

  const go = (next: Partial<CatalogState>, options: { replace?: boolean } = {}) =>
    navigate(catalogHref({ ...state, cursors: [], ...next }), options);

  const [text, setText] = useState(state.q);
  useEffect(() => setText(state.q), [state.q]);
  useEffect(() => {
    if (text.trim() === state.q) return;
    // Read the URL when the timer fires, not when typing started: a facet clicked meanwhile must survive.
    const t = setTimeout(() => {
      const current = readState(new URLSearchParams(window.location.search));
      navigate(catalogHref({ ...current, q: text.trim(), cursors: [] }), { replace: true });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
    // Only a change of the typed text starts a new search.
  }, [text]);

  const list = useAsync(
    (signal) =>
      api.listEntities(
        { filter: state.filter, q: state.q || undefined, orderBy: state.orderBy, order: state.order, limit: PAGE_SIZE, cursor },
        signal,
      ),
    [api, stateKey, version],
  );

  const filterKey = JSON.stringify([state.filter, state.q]);
  const facets = useAsync(
    async (signal) => {
      // A facet's counts ignore its own selection (so several values of one facet can be picked) but
      // respect every other facet's; facets with nothing selected share one request.
      const free = FACETS.filter((f) => !state.filter[f.field]).map((f) => f.field);
      const picked = FACETS.filter((f) => state.filter[f.field]).map((f) => f.field);
      const q = state.q || undefined;
      const answers = await Promise.all([
        free.length ? api.facets({ facets: free, filter: state.filter, q }, signal) : Promise.resolve({ facets: {} }),
        ...picked.map((field) => api.facets({ facets: [field], filter: withoutField(state.filter, field), q }, signal)),
      ]);
      const merged: Record<string, FacetCount[]> = {};
      for (const a of answers) Object.assign(merged, a.facets);
      return merged;
    },
    [api, filterKey, version],
  );

  const toggle = (field: string, value: string) => {
    const current = state.filter[field] ?? [];
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
    go({ filter: { ...state.filter, [field]: next } });
  };

  const sortBy = (field: SortField) =>
    go({ orderBy: field, order: state.orderBy === field && state.order === 'asc' ? 'desc' : 'asc' });

  const active = FACETS.flatMap((f) => (state.filter[f.field] ?? []).map((value) => ({ f, value })));
  const page = list.data;
  const first = state.cursors.length * PAGE_SIZE + 1;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Catalog</h1>
          <p className="muted">Every service, API, resource, team and system, from descriptors kept in git.</p>
        </div>
      </div>
      <div className="catalog-layout">
        <aside className="facets" aria-label="Filters">
          <div className="search-field">
            <label htmlFor="catalog-search" className="field-label">
              Search
            </label>
            <input
              id="catalog-search"
              type="search"
              className="input"
              placeholder="Name, title, description, tag…"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          {facets.error && <ErrorPanel error={facets.error} context="Could not load the filters" onRetry={facets.reload} />}
          {FACETS.map((f) => (
            <FacetGroup
              key={f.field}
              def={f}
              counts={facets.data?.[f.field]}
              selected={state.filter[f.field] ?? []}
              onToggle={(v) => toggle(f.field, v)}
            />
          ))}
        </aside>
        <section className="catalog-main" aria-label="Entities">
          {active.length > 0 && (
            <div className="active-filters" aria-label="Active filters">
              {active.map(({ f, value }) => (
                <button
                  key={`${f.field}=${value}`}
                  type="button"
                  className="chip"
                  onClick={() => toggle(f.field, value)}
                  aria-label={`Remove filter ${f.label}: ${value}`}
                >
                  <span className="chip-key">{f.label}:</span> {f.display ? f.display(value) : value}
                  <span aria-hidden="true" className="chip-x">
                    ×
                  </span>
                </button>
              ))}
              <button type="button" className="btn btn-link" onClick={() => go({ filter: {}, q: '' })}>
                Clear all
              </button>
            </div>
          )}
          {list.error && <ErrorPanel error={list.error} context="Could not load the catalog" onRetry={list.reload} />}
          {!page && !list.error && (
            <p className="muted" role="status">
              Loading the catalog…
            </p>
          )}
          {page && (
            <>
              <div className="table-meta">
                <span data-testid="total-count">
                  {page.totalCount === 0
                    ? 'No entities'
                    : `Showing ${first}–${first + page.items.length - 1} of ${page.totalCount} ${page.totalCount === 1 ? 'entity' : 'entities'}`}
                </span>
                {list.loading && (
                  <span className="muted" role="status">
                    Updating…
                  </span>
                )}
              </div>
              <div className="table-wrap">
                <table className="table" data-testid="catalog-table">
                  <thead>
                    <tr>
                      <SortHeader label="Name" field="metadata.name" state={state} onSort={sortBy} />
                      <SortHeader label="Kind" field="kind" state={state} onSort={sortBy} />
                      <th scope="col">Type</th>
                      <th scope="col">Owner</th>
                      <th scope="col">Lifecycle</th>
                      <th scope="col">Tags</th>
                      <th scope="col">Problems</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((e) => (
                      <EntityRow key={e.ref} view={e} />
                    ))}
                  </tbody>
                </table>
                {page.items.length === 0 && (
                  <div className="empty">
                    <p>No entities match {active.length || state.q ? 'these filters' : 'yet: register a location to fill the catalog'}.</p>
                    {(active.length > 0 || state.q) && (
                      <button type="button" className="btn" onClick={() => go({ filter: {}, q: '' })}>
                        Clear filters
                      </button>
                    )}
                  </div>
                )}
              </div>
              <div className="pager">
                <button
                  type="button"
                  className="btn"
                  disabled={state.cursors.length === 0}
                  onClick={() => navigate(catalogHref({ ...state, cursors: state.cursors.slice(0, -1) }))}
                >
                  ← Previous
                </button>
                <span className="muted">Page {state.cursors.length + 1}</span>
                <button
                  type="button"
                  className="btn"
                  disabled={!page.nextCursor}
                  onClick={() => page.nextCursor && navigate(catalogHref({ ...state, cursors: [...state.cursors, page.nextCursor] }))}
                >
                  Next →
                </button>
              </div>
            </>
          )}
        </section>
      </div>
    </div>
  );
}

interface SortHeaderProps {
  label: string;
  field: SortField;
  state: CatalogState;
  onSort: (field: SortField) => void;
}

function SortHeader({ label, field, state, onSort }: SortHeaderProps) {
  const sorted = state.orderBy === field;
  const dir = sorted ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={dir}>
      <button type="button" className="sort-button" onClick={() => onSort(field)}>
        {label}
        <span className="sort-indicator" aria-hidden="true">
          {sorted ? (state.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
        <span className="visually-hidden">{sorted ? `, sorted ${dir}` : ', sortable'}</span>
      </button>
    </th>
  );
}

function lifecycleTone(lifecycle: string): 'ok' | 'warning' | 'neutral' | 'info' {
  if (lifecycle === 'production') return 'ok';
  if (lifecycle === 'deprecated') return 'warning';
  if (lifecycle === 'experimental') return 'info';
  return 'neutral';
}

/** One catalog row. */
function EntityRow({ view }: { view: EntityView }) {
  const { entity } = view;
  const spec = entity.spec ?? {};
  const type = typeof spec.type === 'string' ? spec.type : '';
  const lifecycle = typeof spec.lifecycle === 'string' ? spec.lifecycle : '';
  const ownerRel = view.relations.find((r) => r.type === 'ownedBy')?.targetRef;
  const owner = ownerRel ?? (typeof spec.owner === 'string' ? spec.owner : '');
  const problems = view.status?.problems ?? [];
  const errors = problems.filter((p) => p.severity !== 'warning').length;
  return (
    <tr>
      <td className="name-cell">
        <Link to={entityPath(view)} className="entity-name">
          {entity.metadata.title || entity.metadata.name}
        </Link>
        {entity.metadata.title && <span className="entity-sub">{entity.metadata.name}</span>}
        {view.orphan && (
          <StatusBadge tone="warning" title="Its location no longer contains it">
            Orphan
          </StatusBadge>
        )}
      </td>
      <td className="nowrap">{kindLabel(entity.kind || view.kind)}</td>
      <td className="nowrap">{type || <span className="muted">—</span>}</td>
      <td>{owner ? <EntityRefLink entityRef={owner} defaultKind="group" preferTeamPage /> : <span className="muted">—</span>}</td>
      <td>{lifecycle ? <StatusBadge tone={lifecycleTone(lifecycle)}>{lifecycle}</StatusBadge> : <span className="muted">—</span>}</td>
      <td>
        <TagList tags={entity.metadata.tags} max={2} />
      </td>
      <td>
        {problems.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          <StatusBadge tone={errors ? 'error' : 'warning'}>
            {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
          </StatusBadge>
        )}
      </td>
    </tr>
  );
}

interface FacetGroupProps {
  def: FacetDef;
  counts: FacetCount[] | undefined;
  selected: string[];
  onToggle: (value: string) => void;
}

function FacetGroup({ def, counts, selected, onToggle }: FacetGroupProps) {
  const id = useId();
  const [expanded, setExpanded] = useState(false);
  const values = [...(counts ?? [])];
  // A selected value can drop to zero (another filter excludes it); keep it visible so it can be cleared.
  for (const s of selected) if (!values.some((v) => v.value === s)) values.push({ value: s, count: 0 });
  const shown = expanded ? values : values.slice(0, FACET_PREVIEW);
  return (
    <fieldset className="facet" data-facet={def.field}>
      <legend className="facet-title">{def.label}</legend>
      {counts === undefined && <p className="muted small">Loading…</p>}
      {counts !== undefined && values.length === 0 && <p className="muted small">No values</p>}
      <ul className="facet-values">
        {shown.map((v, i) => {
          const checked = selected.includes(v.value);
          const inputId = `${id}-${i}`;
          return (
            <li key={v.value}>
              <input id={inputId} type="checkbox" checked={checked} onChange={() => onToggle(v.value)} />
              <label htmlFor={inputId} className={checked ? 'facet-label checked' : 'facet-label'}>
                <span className="facet-value" title={v.value}>
                  {def.display ? def.display(v.value) : v.value}
                </span>
                <span className="facet-count">{v.count}</span>
              </label>
            </li>
          );
        })}
      </ul>
      {values.length > FACET_PREVIEW && (
        <button type="button" className="btn btn-link small" onClick={() => setExpanded((x) => !x)} aria-expanded={expanded}>
          {expanded ? 'Show fewer' : `Show all ${values.length}`}
        </button>
      )}
    </fieldset>
  );
}

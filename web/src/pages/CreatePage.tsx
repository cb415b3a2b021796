import { useEffect, useState } from 'react';
import type { TemplateSummary } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { shortRef } from '../entityRef.js';
import { useLiveUpdates } from '../live.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

const SEARCH_DEBOUNCE_MS = 300;

/** The gallery's filters live in the URL (`?tag=&owner=&q=`), so a filtered gallery is a link. */
interface GalleryState {
  tag: string;
  owner: string;
  q: string;
}

function readState(search: URLSearchParams): GalleryState {
  return { tag: search.get('tag') ?? '', owner: search.get('owner') ?? '', q: search.get('q') ?? '' };
}

function galleryHref(s: GalleryState): string {
  const params = new URLSearchParams();
  if (s.tag) params.set('tag', s.tag);
  if (s.owner) params.set('owner', s.owner);
  if (s.q) params.set('q', s.q);
  const qs = params.toString();
  return qs ? `/create?${qs}` : '/create';
}

/** Template path in the portal: `/create/<namespace>/<name>`. */
export function templatePath(t: { namespace: string; name: string }): string {
  return `/create/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.name)}`;
}

/** The golden paths gallery: every template in the catalog, filtered by tag, owner and search text. */
export function CreatePage() {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  const { search } = useLocation();
  const state = readState(search);
  const stateKey = galleryHref(state);
  const filtered = Boolean(state.tag || state.owner || state.q);

  const [text, setText] = useState(state.q);
  useEffect(() => setText(state.q), [state.q]);
  useEffect(() => {
    if (text.trim() === state.q) return;
    const t = setTimeout(() => {
      const current = readState(new URLSearchParams(window.location.search));
      navigate(galleryHref({ ...current, q: text.trim() }), { replace: true });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
    // Only a change of the typed text starts a new search.
  }, [text]);

  // Every template, for the tag and owner choices; the shown list is the API's answer to the filters.
  const all = useAsync((signal) => api.listTemplates({}, signal), [api, version]);
  const shown = useAsync(
    (signal) => (filtered ? api.listTemplates({ tag: state.tag, owner: state.owner, q: state.q }, signal) : Promise.resolve(null)),
    [api, stateKey, version],
  );

  const templates = all.data?.items ?? [];
  const items = filtered ? shown.data?.items : all.data?.items;
  const tagCounts = new Map<string, number>();
  for (const t of templates) for (const tag of t.tags) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
  const tags = [...tagCounts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const owners = [...new Set(templates.map((t) => t.owner).filter((o): o is string => !!o))].sort();
  // A shared link may name an owner no listed template has (or by its short name): keep it selectable.
  if (state.owner && !owners.includes(state.owner)) owners.push(state.owner);
  const go = (next: Partial<GalleryState>) => navigate(galleryHref({ ...state, ...next }), { replace: true });
  const error = all.error ?? shown.error;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Create</h1>
          <p className="muted">Golden paths: templates that set up a new service with CI/CD, observability and security built in.</p>
        </div>
        <Link to="/tasks" className="btn">
          Recent tasks
        </Link>
      </div>

      <section className="gallery-filters card" aria-label="Filters">
        <div className="gallery-filter-row">
          <div className="search-field grow">
            <label htmlFor="template-search" className="field-label">
              Search
            </label>
            <input
              id="template-search"
              type="search"
              className="input"
              placeholder="Title, description, tag…"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          <div className="owner-filter">
            <label htmlFor="template-owner" className="field-label">
              Owner
            </label>
            <select id="template-owner" className="input" value={state.owner} onChange={(e) => go({ owner: e.target.value })}>
              <option value="">All owners</option>
              {owners.map((o) => (
                <option key={o} value={o}>
                  {shortRef(o, { kind: 'group' })}
                </option>
              ))}
            </select>
          </div>
        </div>
        {tags.length > 0 && (
          <div className="tag-filter" role="group" aria-label="Filter by tag">
            <span className="field-label">Tags</span>
            <button type="button" className={state.tag ? 'filter-chip' : 'filter-chip active'} aria-pressed={!state.tag} onClick={() => go({ tag: '' })}>
              All
            </button>
            {tags.map(([tag, n]) => (
              <button
                key={tag}
                type="button"
                className={state.tag === tag ? 'filter-chip active' : 'filter-chip'}
                aria-pressed={state.tag === tag}
                data-tag={tag}
                onClick={() => go({ tag: state.tag === tag ? '' : tag })}
              >
                {tag} <span className="filter-chip-count">{n}</span>
              </button>
            ))}
          </div>
        )}
      </section>

      {error && <ErrorPanel error={error} context="Could not load the templates" onRetry={filtered ? shown.reload : all.reload} />}
      {!items && !error && (
        <p className="muted" role="status">
          Loading templates…
        </p>
      )}
      {items && (
        <p className="table-meta" data-testid="template-count">
          {items.length === 0 ? 'No templates' : `${items.length} ${items.length === 1 ? 'template' : 'templates'}`}
          {filtered && items.length < templates.length && ` of ${templates.length}`}
        </p>
      )}
      {items && items.length === 0 && (
        <div className="card empty">
          {filtered ? (
            <>
              No template matches these filters.{' '}
              <button type="button" className="btn btn-link" onClick={() => navigate('/create', { replace: true })}>
                Clear the filters
              </button>
            </>
          ) : (
            'The catalog has no templates yet. Register a location with a template.yaml (kind: Template) on the Locations page.'
          )}
        </div>
      )}
      {items && items.length > 0 && (
        <ul className="template-grid" aria-label="Templates">
          {items.map((t) => (
            <li key={t.ref}>
              <TemplateCard template={t} activeTag={state.tag} onTag={(tag) => go({ tag })} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface TemplateCardProps {
  template: TemplateSummary;
  activeTag: string;
  onTag: (tag: string) => void;
}

function TemplateCard({ template: t, activeTag, onTag }: TemplateCardProps) {
  const titleId = `template-${t.namespace}-${t.name}`;
  return (
    <article className="template-card" data-testid="template-card" data-ref={t.ref} aria-labelledby={titleId}>
      <div className="template-card-top">
        <span className="eyebrow">{t.type || 'template'}</span>
        <span className="template-version" title="Template version">
          v{t.version}
        </span>
      </div>
      <h2 id={titleId}>{t.title}</h2>
      <p className="entity-sub">{t.namespace === 'default' ? t.name : `${t.namespace}/${t.name}`}</p>
      <p className="template-description" title={t.description}>
        {t.description || <span className="muted">No description.</span>}
      </p>
      {t.tags.length > 0 && (
        <ul className="template-tags" aria-label="Tags">
          {t.tags.map((tag) => (
            <li key={tag}>
              <button
                type="button"
                className={activeTag === tag ? 'tag tag-button active' : 'tag tag-button'}
                onClick={() => onTag(tag)}
                title={`Show templates tagged ${tag}`}
              >
                {tag}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="template-card-foot">
        <span className="small">
          <span className="muted">Owner </span>
          {t.owner ? <EntityRefLink entityRef={t.owner} defaultKind="group" preferTeamPage /> : <span className="muted">none</span>}
        </span>
        <Link to={templatePath(t)} className="btn btn-primary" aria-label={`Choose ${t.title}`}>
          Choose
        </Link>
      </div>
    </article>
  );
}

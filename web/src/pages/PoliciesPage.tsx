import { useState } from 'react';
import { toApiError, type ApiError, type DecisionResult, type PolicyDetail, type PolicyMatch, type PolicySummary, type RecordedDecision } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { RawDocument } from '../components/RawDocument.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

const MODE_TONE: Record<string, BadgeTone> = { enforce: 'info', warn: 'warning', audit: 'neutral' };
const MODE_HELP: Record<string, string> = {
  enforce: 'A failed validation refuses the action',
  warn: 'A failed validation lets the action through with a warning',
  audit: 'A failed validation is only recorded',
};
const RESULT_TONE: Record<DecisionResult, BadgeTone> = { allow: 'ok', deny: 'error', warn: 'warning', audit: 'neutral', exempt: 'info' };
const DECISIONS_PAGE = 20;

/** A policy's mode (enforce, warn, audit) as a badge whose title says what it means. */
export function ModeBadge({ mode }: { mode: string }) {
  return (
    <StatusBadge tone={MODE_TONE[mode] ?? 'neutral'} title={MODE_HELP[mode]}>
      {mode}
    </StatusBadge>
  );
}

/** A decision's result (allow, deny, warn, audit, exempt). */
export function ResultBadge({ result }: { result: DecisionResult }) {
  return <StatusBadge tone={RESULT_TONE[result] ?? 'neutral'}>{result}</StatusBadge>;
}

/** `/policies` (the list) or `/policies/:name` (one policy). */
export function PoliciesPage({ name }: { name?: string }) {
  return name ? <PolicyDetailView key={name} name={name} /> : <PolicyList />;
}

function matchesFilter(p: PolicySummary, q: string): boolean {
  if (!q) return true;
  const hay = [p.name, p.title ?? '', p.description ?? '', p.pack ?? '', p.mode, p.source, ...p.actions].join(' ').toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** Every policy the platform applies: built-in packs and the catalog's Policy entities, with a filter box (`?q=`). */
function PolicyList() {
  const { api } = useSession();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const list = useAsync((signal) => api.listPolicies(signal), [api]);
  const all = list.data?.items ?? [];
  const items = all.filter((p) => matchesFilter(p, q));
  const setQ = (v: string) => navigate(v ? `/policies?q=${encodeURIComponent(v)}` : '/policies', { replace: true });

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Policies</h1>
          <p className="muted">
            The organisation's rules, checked where changes enter the platform: catalog entities, template runs, pipeline gates, deployments and
            Kubernetes manifests. Built-in packs and the catalog's Policy entities.
          </p>
        </div>
        <Link to="/exemptions" className="btn">
          Exemptions
        </Link>
      </div>

      <div className="task-filters">
        <div className="search-field grow">
          <label htmlFor="policy-filter" className="field-label">
            Filter
          </label>
          <input
            id="policy-filter"
            className="input"
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="Name, title, pack, action…"
            data-testid="policy-filter"
          />
        </div>
      </div>

      {list.error && <ErrorPanel error={list.error} context="Could not load the policies" onRetry={list.reload} />}
      {!list.data && !list.error && (
        <p className="muted" role="status">
          Loading policies…
        </p>
      )}
      {list.data && items.length === 0 && <div className="card empty">{all.length === 0 ? 'No policies are active.' : `No policy matches “${q}”.`}</div>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="policies-table">
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Mode</th>
                <th scope="col">Pack</th>
                <th scope="col">Actions</th>
                <th scope="col" className="num">
                  Checks
                </th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.name} data-testid="policy-row" data-name={p.name}>
                  <td className="name-cell">
                    <Link to={`/policies/${encodeURIComponent(p.name)}`} className="entity-name">
                      {p.title || p.name}
                    </Link>
                    <span className="entity-sub">{p.name}</span>
                  </td>
                  <td>
                    <ModeBadge mode={p.mode} />
                  </td>
                  <td className="nowrap">{p.pack ?? <span className="muted">—</span>}</td>
                  <td>
                    <ActionList actions={p.actions} />
                  </td>
                  <td className="num">{p.validations}</td>
                  <td className="small">{p.source === 'built-in' ? <span className="muted">built-in</span> : <EntityRefLink entityRef={p.source} showKind />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <p className="muted small table-meta">{q ? `${items.length} of ${all.length} policies` : `${all.length} policies`}</p>}
    </div>
  );
}

function ActionList({ actions }: { actions: string[] }) {
  return (
    <span className="policy-actions">
      {actions.map((a) => (
        <code key={a} className="policy-action">
          {a}
        </code>
      ))}
    </span>
  );
}

/** What a policy's match selects, in words. */
function MatchFacts({ match }: { match: PolicyMatch }) {
  const rows: Array<[string, string]> = [];
  if (match.kinds?.length) rows.push(['Kinds', match.kinds.join(', ')]);
  if (match.labels && Object.keys(match.labels).length) rows.push(['Labels', Object.entries(match.labels).map(([k, v]) => `${k}=${v}`).join(', ')]);
  if (match.tags?.length) rows.push(['Any tag', match.tags.join(', ')]);
  if (match.environmentTypes?.length) rows.push(['Environment types', match.environmentTypes.join(', ')]);
  if (match.environments?.length) rows.push(['Environments', match.environments.join(', ')]);
  return (
    <dl className="kv" data-testid="policy-match">
      <div className="kv-row">
        <dt>Actions</dt>
        <dd>
          <ActionList actions={match.actions} />
        </dd>
      </div>
      {rows.map(([k, v]) => (
        <div className="kv-row" key={k}>
          <dt>{k}</dt>
          <dd className="mono small">{v}</dd>
        </div>
      ))}
      {rows.length === 0 && (
        <div className="kv-row">
          <dt>Subjects</dt>
          <dd className="muted">every subject of these actions</dd>
        </div>
      )}
    </dl>
  );
}

function PolicyDetailView({ name }: { name: string }) {
  const { api } = useSession();
  const detail = useAsync((signal) => api.getPolicy(name, signal), [api, name]);
  const p = detail.data;

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/policies">Policies</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{name}</span>
      </nav>
      {detail.error && (
        <ErrorPanel
          error={detail.error}
          context={detail.error.status === 404 ? `There is no policy ${name}` : `Could not load the policy ${name}`}
          onRetry={detail.error.status === 404 ? undefined : detail.reload}
        />
      )}
      {!p && !detail.error && (
        <p className="muted" role="status">
          Loading the policy…
        </p>
      )}
      {p && (
        <>
          <header className="card entity-header">
            <div className="entity-header-top">
              <div>
                <p className="eyebrow">Policy{p.pack ? ` · ${p.pack} pack` : ''}</p>
                <h1 data-testid="policy-title">{p.title || p.name}</h1>
                <p className="entity-sub">{p.name}</p>
              </div>
              <div className="entity-badges">
                <ModeBadge mode={p.mode} />
                <Link to={`/exemptions?policy=${encodeURIComponent(p.name)}`} className="btn btn-small">
                  Exemptions
                </Link>
              </div>
            </div>
            {p.description && (
              <p className="entity-description" data-testid="policy-description">
                {p.description}
              </p>
            )}
            <dl className="facts">
              <div>
                <dt>Mode</dt>
                <dd>{MODE_HELP[p.mode] ?? p.mode}</dd>
              </div>
              <div>
                <dt>Checks</dt>
                <dd>{p.validations}</dd>
              </div>
              <div>
                <dt>Source</dt>
                <dd>{p.source === 'built-in' ? `built-in${p.pack ? ` (${p.pack})` : ''}` : <EntityRefLink entityRef={p.source} showKind />}</dd>
              </div>
            </dl>
          </header>

          <div className="policy-grid">
            <section className="card" aria-labelledby="match-title">
              <h2 id="match-title">Applies to</h2>
              <MatchFacts match={p.policy.spec.match} />
              <h3>Checks</h3>
              <ol className="policy-checks">
                {p.policy.spec.validations.map((v, i) => (
                  <li key={i} data-testid="policy-check">
                    {v.message ? <span>{v.message}</span> : <span className="muted">Message computed from the input</span>}
                    {v.reason && <span className="policy-reason">{v.reason}</span>}
                    <code className="policy-expression">{v.expression}</code>
                  </li>
                ))}
              </ol>
            </section>
            <section className="card" aria-labelledby="source-title">
              <h2 id="source-title">Source</h2>
              <RawDocument document={p.policy} label={`policy ${p.name}`} />
            </section>
          </div>

          <RecentDecisions policy={p} />
        </>
      )}
    </div>
  );
}

/** The policy's decisions, newest first: the 20 the detail carries, then older pages on demand. */
function RecentDecisions({ policy }: { policy: PolicyDetail }) {
  const { api } = useSession();
  const [older, setOlder] = useState<RecordedDecision[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const items = [...policy.recentDecisions, ...older];
  // Before the first "more", a full first page means there may be more.
  const next = cursor === undefined ? (policy.recentDecisions.length >= DECISIONS_PAGE ? items[items.length - 1]?.id ?? null : null) : cursor;

  const more = async () => {
    if (!next) return;
    setBusy(true);
    setError(null);
    try {
      const page = await api.listPolicyDecisions({ policy: policy.name, before: next, limit: DECISIONS_PAGE });
      setOlder((o) => [...o, ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const now = Date.now();

  return (
    <section className="card" aria-labelledby="decisions-title">
      <h2 id="decisions-title">
        Recent decisions <span className="count">{items.length}</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">No decision recorded yet. Decisions are recorded whenever an action this policy applies to is checked.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="decisions-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Result</th>
                <th scope="col">Subject</th>
                <th scope="col">Action</th>
                <th scope="col">Environment</th>
                <th scope="col">Messages</th>
                <th scope="col">Actor</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-testid="decision-row" data-id={d.id} data-result={d.result} data-subject={d.subject}>
                  <td className="nowrap" title={formatAbsoluteTime(d.time)}>
                    {formatRelativeTime(d.time, now)}
                    <span className="entity-sub">{d.id.slice(0, 11)}</span>
                  </td>
                  <td>
                    <ResultBadge result={d.result} />
                    {d.exemption && <span className="entity-sub">{d.exemption}</span>}
                  </td>
                  <td className="nowrap">
                    <EntityRefLink entityRef={d.subject} showKind />
                  </td>
                  <td>
                    <code className="policy-action">{d.action}</code>
                  </td>
                  <td>{d.environment ?? <span className="muted">—</span>}</td>
                  <td className="small policy-messages">{d.messages.length ? d.messages.join('; ') : <span className="muted">—</span>}</td>
                  <td className="small" title={d.actor}>
                    {shortRef(d.actor)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error && <ErrorPanel error={error} context="Could not load older decisions" />}
      {next && (
        <div className="pager policy-pager">
          <button type="button" className="btn" onClick={() => void more()} disabled={busy} data-testid="decisions-more">
            {busy ? 'Loading…' : 'More'}
          </button>
        </div>
      )}
    </section>
  );
}

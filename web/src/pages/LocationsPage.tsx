import { Fragment, useState, type FormEvent } from 'react';
import { toApiError, type ApiError, type CatalogLocation, type LocationResult, type LocationType } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { ProblemList } from '../components/ProblemList.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { useLiveUpdates } from '../live.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

const STATUS_TONE: Record<CatalogLocation['status'], BadgeTone> = { ok: 'ok', error: 'error', pending: 'pending' };
const STATUS_TEXT: Record<CatalogLocation['status'], string> = { ok: 'OK', error: 'Error', pending: 'Pending' };

function summary(r: LocationResult['refresh']): string {
  const parts = [`${r.added} added`, `${r.updated} updated`, `${r.unchanged} unchanged`];
  if (r.removed) parts.push(`${r.removed} removed`);
  if (r.orphaned) parts.push(`${r.orphaned} orphaned`);
  return parts.join(', ');
}

/** Catalog locations: where descriptors come from, how their last refresh went, and registering new ones. */
export function LocationsPage() {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  const list = useAsync((signal) => api.listLocations(signal), [api, version]);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<{ title: string; result: LocationResult } | null>(null);
  const [actionError, setActionError] = useState<{ id: string; error: ApiError } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const toggle = (id: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const run = async (id: string, action: () => Promise<void>) => {
    setBusy(id);
    setActionError(null);
    try {
      await action();
      list.reload();
    } catch (e) {
      setActionError({ id, error: toApiError(e) });
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  };

  const refresh = (loc: CatalogLocation) =>
    run(loc.id, async () => {
      const result = await api.refreshLocation(loc.id);
      setOutcome({ title: `Refreshed ${loc.target}`, result });
      if (result.location.problems.length) setExpanded((s) => new Set(s).add(loc.id));
    });
  const remove = (loc: CatalogLocation) =>
    run(loc.id, async () => {
      await api.deleteLocation(loc.id);
      setOutcome(null);
    });

  const items = list.data?.items ?? [];
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Locations</h1>
          <p className="muted">Files, folders and git repositories the catalog reads its descriptors from.</p>
        </div>
      </div>

      <RegisterLocationForm
        onSubmit={() => setOutcome(null)}
        onRegistered={(result) => {
          setOutcome({ title: `Registered ${result.location.target}`, result });
          if (result.location.problems.length) setExpanded((s) => new Set(s).add(result.location.id));
          list.reload();
        }}
      />

      {outcome && <Outcome title={outcome.title} result={outcome.result} onDismiss={() => setOutcome(null)} />}

      <section className="card" aria-labelledby="locations-title">
        <h2 id="locations-title">
          Registered locations <span className="count">{items.length}</span>
        </h2>
        {list.error && <ErrorPanel error={list.error} context="Could not load the locations" onRetry={list.reload} />}
        {!list.data && !list.error && <p className="muted">Loading locations…</p>}
        {list.data && items.length === 0 && <p className="muted">No locations yet. Register one above.</p>}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="locations-table">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Type</th>
                  <th scope="col">Target</th>
                  <th scope="col">Owner</th>
                  <th scope="col" className="num">
                    Entities
                  </th>
                  <th scope="col">Last refresh</th>
                  <th scope="col">Problems</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((loc) => (
                  <LocationRow
                    key={loc.id}
                    loc={loc}
                    expanded={expanded.has(loc.id)}
                    onToggle={() => toggle(loc.id)}
                    busy={busy === loc.id}
                    confirming={confirming === loc.id}
                    error={actionError?.id === loc.id ? actionError.error : undefined}
                    onRefresh={() => refresh(loc)}
                    onAskRemove={() => setConfirming(loc.id)}
                    onCancelRemove={() => setConfirming(null)}
                    onRemove={() => remove(loc)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function Outcome({ title, result, onDismiss }: { title: string; result: LocationResult; onDismiss: () => void }) {
  const n = result.refresh.problems.length;
  return (
    <div className={n ? 'notice notice-warning' : 'notice notice-ok'} role="status" data-testid="location-outcome">
      <span>
        <strong>{title}</strong>: {summary(result.refresh)}
        {n > 0 && `; ${n} ${n === 1 ? 'problem' : 'problems'}, listed on the location below`}.
      </span>
      <button type="button" className="btn btn-link" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

interface LocationRowProps {
  loc: CatalogLocation;
  expanded: boolean;
  onToggle: () => void;
  busy: boolean;
  confirming: boolean;
  error: ApiError | undefined;
  onRefresh: () => void;
  onAskRemove: () => void;
  onCancelRemove: () => void;
  onRemove: () => void;
}

function LocationRow(props: LocationRowProps) {
  const { loc, expanded, busy, confirming, error } = props;
  const { canChange } = useSession();
  const allowed = canChange(loc.owner);
  const n = loc.problems.length;
  const detailsId = `location-problems-${loc.id}`;
  return (
    <Fragment>
      <tr data-testid="location-row" data-target={loc.target}>
        <td>
          <StatusBadge tone={STATUS_TONE[loc.status]}>{STATUS_TEXT[loc.status]}</StatusBadge>
        </td>
        <td>{loc.type}</td>
        <td className="mono target-cell">{loc.target}</td>
        <td>{loc.owner ? <EntityRefLink entityRef={loc.owner} defaultKind="group" preferTeamPage /> : <span className="muted" title="Only admins may refresh or remove it">none</span>}</td>
        <td className="num" data-testid="location-entity-count">
          {loc.entityCount}
        </td>
        <td title={formatAbsoluteTime(loc.lastRefreshedAt)}>{formatRelativeTime(loc.lastRefreshedAt)}</td>
        <td>
          {n === 0 ? (
            <span className="muted">None</span>
          ) : (
            <button type="button" className="btn btn-small" aria-expanded={expanded} aria-controls={detailsId} onClick={props.onToggle}>
              <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {n} {n === 1 ? 'problem' : 'problems'}
            </button>
          )}
        </td>
        <td className="actions">
          {allowed &&
            (confirming ? (
              <span className="confirm">
                <span className="small">Remove it and its {loc.entityCount} entities?</span>
                <button type="button" className="btn btn-small btn-danger" onClick={props.onRemove} disabled={busy}>
                  Yes, remove
                </button>
                <button type="button" className="btn btn-small" onClick={props.onCancelRemove} disabled={busy}>
                  Cancel
                </button>
              </span>
            ) : (
              <>
                <button type="button" className="btn btn-small" onClick={props.onRefresh} disabled={busy}>
                  {busy ? 'Working…' : 'Refresh'}
                </button>
                <button type="button" className="btn btn-small btn-danger-outline" onClick={props.onAskRemove} disabled={busy}>
                  Remove
                </button>
              </>
            ))}
        </td>
      </tr>
      {(expanded && n > 0) || error ? (
        <tr className="detail-row">
          <td colSpan={8} id={detailsId}>
            {error && <ErrorPanel error={error} context={`Could not change ${loc.target}`} />}
            {expanded && <ProblemList problems={loc.problems} label={`Problems of ${loc.target}`} />}
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

interface RegisterLocationFormProps {
  onSubmit: () => void;
  onRegistered: (result: LocationResult) => void;
}

function RegisterLocationForm({ onSubmit, onRegistered }: RegisterLocationFormProps) {
  const { api, user } = useSession();
  const [target, setTarget] = useState('');
  const [type, setType] = useState<LocationType | ''>('');
  const [owner, setOwner] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (user.role === 'viewer') return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    onSubmit();
    try {
      const result = await api.registerLocation({
        target: target.trim(),
        ...(type ? { type } : {}),
        ...(owner.trim() ? { owner: owner.trim() } : {}),
      });
      setTarget('');
      setOwner('');
      onRegistered(result);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="register-title">
      <h2 id="register-title">Register a location</h2>
      <form className="register-form" onSubmit={submit}>
        <div className="form-field grow">
          <label htmlFor="loc-target" className="field-label">
            Target
          </label>
          <input
            id="loc-target"
            className="input mono"
            required
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="/srv/catalog/catalog-info.yaml or https://git.example.com/repo.git"
            aria-describedby="loc-target-help"
          />
          <p id="loc-target-help" className="field-help">
            A descriptor file, a directory (with an optional glob) or a git URL.
          </p>
        </div>
        <div className="form-field">
          <label htmlFor="loc-type" className="field-label">
            Type
          </label>
          <select id="loc-type" className="input" value={type} onChange={(e) => setType(e.target.value as LocationType | '')}>
            <option value="">Detect</option>
            <option value="file">file</option>
            <option value="dir">dir</option>
            <option value="git">git</option>
          </select>
        </div>
        <div className="form-field">
          <label htmlFor="loc-owner" className="field-label">
            Owner {user.role === 'admin' && <span className="muted">(optional)</span>}
          </label>
          <input
            id="loc-owner"
            className="input"
            list="loc-owner-teams"
            value={owner}
            onChange={(e) => setOwner(e.target.value)}
            placeholder="group:default/payments"
            required={user.role !== 'admin'}
          />
          <datalist id="loc-owner-teams">
            {user.teams.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !target.trim()}>
            {busy ? 'Registering…' : 'Register'}
          </button>
        </div>
      </form>
      {error && <ErrorPanel error={error} context="The location was not registered" />}
    </section>
  );
}

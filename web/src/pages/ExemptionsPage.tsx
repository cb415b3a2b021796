import { useState, type FormEvent } from 'react';
import { toApiError, type ApiError, type ExemptionStatus, type ExemptionView } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge, type BadgeTone } from '../components/StatusBadge.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { PolicyLink } from '../components/PolicyRefusal.js';

const STATUSES: ExemptionStatus[] = ['requested', 'active', 'expired', 'rejected', 'revoked'];
const STATUS_TONE: Record<ExemptionStatus, BadgeTone> = { requested: 'pending', active: 'ok', expired: 'neutral', rejected: 'error', revoked: 'neutral' };
const DAY_MS = 86_400_000;
/** The API's limit (MAX_EXEMPTION_DAYS). */
const MAX_DAYS = 365;
const DEFAULT_DAYS = 30;

function isStatus(v: string | null): v is ExemptionStatus {
  return v !== null && (STATUSES as string[]).includes(v);
}

/** `YYYY-MM-DD` of a time, in UTC (the expiry is the start of that day, UTC). */
function day(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** `2026-12-31 00:00 UTC`: expiries are days in UTC, shown as such. */
function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Policy exemptions: a team asks for one policy not to apply to one of its entities for a while, with a reason;
 * an admin other than the requester approves or rejects it; the requester or an admin revokes it. Filters
 * (`?status=`, `?policy=`, `?subject=`) live in the URL.
 */
export function ExemptionsPage() {
  const { api } = useSession();
  const { search } = useLocation();
  const raw = search.get('status');
  const status = isStatus(raw) ? raw : undefined;
  const policy = search.get('policy') ?? undefined;
  const subject = search.get('subject') ?? undefined;
  const list = useAsync((signal) => api.listExemptions({ status, policy, subject }, signal), [api, status, policy, subject]);
  const items = list.data?.items ?? [];

  const go = (next: { status?: string; policy?: string | null; subject?: string | null }) => {
    const params = new URLSearchParams();
    const s = next.status ?? status ?? '';
    if (s) params.set('status', s);
    const pol = next.policy === null ? '' : (next.policy ?? policy ?? '');
    if (pol) params.set('policy', pol);
    const sub = next.subject === null ? '' : (next.subject ?? subject ?? '');
    if (sub) params.set('subject', sub);
    const qs = params.toString();
    navigate(qs ? `/exemptions?${qs}` : '/exemptions', { replace: true });
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Exemptions</h1>
          <p className="muted">
            A policy that should not apply to one entity for a while: asked for by its team with a reason and an expiry, approved by an admin
            other than the requester. An active exemption turns that policy's denials for the entity into “exempt”.
          </p>
        </div>
      </div>

      <RequestForm initialPolicy={policy} initialSubject={subject} onRequested={list.reload} />

      <section className="card" aria-labelledby="exemptions-title">
        <div className="card-header">
          <h2 id="exemptions-title">
            Exemptions {list.data && <span className="count">{items.length}</span>}
          </h2>
        </div>
        <div className="task-filters exemption-filters">
          <div>
            <label htmlFor="exemption-status" className="field-label">
              Status
            </label>
            <select id="exemption-status" className="input" value={status ?? ''} onChange={(e) => go({ status: e.target.value })} data-testid="exemption-status-filter">
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          {(policy || subject) && (
            <p className="active-filters small">
              {policy && (
                <button type="button" className="chip" onClick={() => go({ policy: null })} aria-label={`Remove the filter policy ${policy}`}>
                  <span className="chip-key">policy:</span> {policy} <span className="chip-x">×</span>
                </button>
              )}{' '}
              {subject && (
                <button type="button" className="chip" onClick={() => go({ subject: null })} aria-label={`Remove the filter subject ${subject}`}>
                  <span className="chip-key">subject:</span> {subject} <span className="chip-x">×</span>
                </button>
              )}
            </p>
          )}
        </div>
        {list.error && <ErrorPanel error={list.error} context="Could not load the exemptions" onRetry={list.reload} />}
        {!list.data && !list.error && (
          <p className="muted" role="status">
            Loading exemptions…
          </p>
        )}
        {list.data && items.length === 0 && <p className="muted">{status || policy || subject ? 'No exemption matches these filters.' : 'No exemptions yet.'}</p>}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="exemptions-table">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Policy</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Requested</th>
                  <th scope="col">Decided</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((x) => (
                  <ExemptionRow key={x.id} x={x} onChange={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function ExemptionRow({ x, onChange }: { x: ExemptionView; onChange: () => void }) {
  const { api, user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const own = x.requestedBy === user.userRef;
  const canDecide = user.role === 'admin' && x.status === 'requested';
  const canRevoke = (x.status === 'requested' || x.status === 'active') && (own || user.role === 'admin');
  const now = Date.now();

  const act = async (verb: 'approve' | 'reject' | 'revoke') => {
    setBusy(true);
    setError(null);
    try {
      await api.changeExemption(x.id, verb);
      onChange();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr data-testid="exemption-row" data-id={x.id} data-status={x.status} data-policy={x.policy} data-subject={x.subject}>
      <td className="nowrap">
        <StatusBadge tone={STATUS_TONE[x.status]}>{x.status}</StatusBadge>
        <span className="entity-sub">{x.id}</span>
      </td>
      <td className="nowrap">
        <EntityRefLink entityRef={x.subject} showKind />
      </td>
      <td className="nowrap">
        <PolicyLink name={x.policy} />
      </td>
      <td className="small exemption-reason">{x.reason}</td>
      <td className="nowrap small">
        <span title={x.requestedBy}>{shortRef(x.requestedBy)}</span>
        <span className="entity-sub" title={formatAbsoluteTime(x.requestedAt)}>
          {formatRelativeTime(x.requestedAt, now)}
        </span>
      </td>
      <td className="nowrap small">
        {x.decidedBy ? (
          <>
            <span title={x.decidedBy}>{shortRef(x.decidedBy)}</span>
            <span className="entity-sub" title={formatAbsoluteTime(x.decidedAt)}>
              {formatRelativeTime(x.decidedAt, now)}
            </span>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="nowrap small" title={formatAbsoluteTime(x.expiresAt)} data-testid="exemption-expires">
        {utc(x.expiresAt)}
        <span className="entity-sub">{formatRelativeTime(x.expiresAt, now)}</span>
      </td>
      <td className="actions exemption-actions">
        {canDecide && (
          <span title={own ? 'You asked for this exemption; another admin must decide it.' : undefined}>
            <button type="button" className="btn btn-small btn-primary" disabled={busy || own} onClick={() => void act('approve')} data-testid="exemption-approve">
              Approve
            </button>{' '}
            <button type="button" className="btn btn-small" disabled={busy || own} onClick={() => void act('reject')} data-testid="exemption-reject">
              Reject
            </button>
          </span>
        )}{' '}
        {canRevoke && (
          <button type="button" className="btn btn-small btn-danger-outline" disabled={busy} onClick={() => void act('revoke')} data-testid="exemption-revoke">
            Revoke
          </button>
        )}
        {error && (
          <p className="field-error" role="alert" data-testid="exemption-error">
            {error.detail || error.title}
          </p>
        )}
      </td>
    </tr>
  );
}

/** Asking for an exemption: the entity, the policy, why, and until when. Hidden from viewers. */
function RequestForm({ initialPolicy, initialSubject, onRequested }: { initialPolicy?: string; initialSubject?: string; onRequested: () => void }) {
  const { api, user } = useSession();
  const policies = useAsync((signal) => api.listPolicies(signal), [api]);
  const [subject, setSubject] = useState(initialSubject ?? '');
  const [policy, setPolicy] = useState(initialPolicy ?? '');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState(() => day(Date.now() + DEFAULT_DAYS * DAY_MS));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<ExemptionView | null>(null);

  if (user.role === 'viewer') return null;
  const today = Date.now();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const x = await api.requestExemption({ subject: subject.trim(), policy, reason: reason.trim(), expiresAt: `${expires}T00:00:00Z` });
      setDone(x);
      setReason('');
      onRequested();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="request-title">
      <h2 id="request-title">Ask for an exemption</h2>
      <form className="register-form exemption-form" onSubmit={submit} data-testid="exemption-form">
        <div className="form-field grow">
          <label htmlFor="ex-subject" className="field-label">
            Entity
          </label>
          <input
            id="ex-subject"
            className="input mono"
            required
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
            placeholder="component:default/orders-api"
            aria-describedby="ex-subject-help"
          />
          <p id="ex-subject-help" className="field-help">
            An entity ref; your team must own it.
          </p>
        </div>
        <div className="form-field exemption-policy">
          <label htmlFor="ex-policy" className="field-label">
            Policy
          </label>
          <select id="ex-policy" className="input" required value={policy} onChange={(e) => setPolicy(e.target.value)}>
            <option value="">Choose a policy…</option>
            {(policies.data?.items ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
                {p.pack ? ` (${p.pack})` : ''}
              </option>
            ))}
            {policy && policies.data && !policies.data.items.some((p) => p.name === policy) && <option value={policy}>{policy}</option>}
          </select>
        </div>
        <div className="form-field exemption-expiry">
          <label htmlFor="ex-expires" className="field-label">
            Expires
          </label>
          <input
            id="ex-expires"
            className="input"
            type="date"
            required
            value={expires}
            min={day(today + DAY_MS)}
            max={day(today + MAX_DAYS * DAY_MS)}
            onChange={(e) => setExpires(e.target.value)}
            aria-describedby="ex-expires-help"
          />
          <p id="ex-expires-help" className="field-help">
            At most a year; 00:00 UTC that day.
          </p>
        </div>
        <div className="form-field exemption-reason-field">
          <label htmlFor="ex-reason" className="field-label">
            Reason
          </label>
          <textarea
            id="ex-reason"
            className="input textarea"
            required
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Why the policy should not apply, and what will fix it before the expiry"
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !subject.trim() || !policy || !reason.trim()} data-testid="exemption-submit">
            {busy ? 'Asking…' : 'Ask'}
          </button>
        </div>
      </form>
      {policies.error && <ErrorPanel error={policies.error} context="Could not load the policies" onRetry={policies.reload} />}
      {error && (
        <div data-testid="exemption-form-error">
          <ErrorPanel error={error} context="The exemption was not requested" />
        </div>
      )}
      {done && (
        <div className="notice notice-ok" role="status" data-testid="exemption-requested">
          <span>
            Requested {done.id}: <strong>{done.policy}</strong> for {done.subject} until {utc(done.expiresAt)}. An admin other than you
            approves it.
          </span>
          <button type="button" className="btn btn-link" onClick={() => setDone(null)}>
            Dismiss
          </button>
        </div>
      )}
    </section>
  );
}

import { useEffect, useId, useState, type FormEvent } from 'react';
import { toApiError, type ApiError, type DeploymentView, type EnvironmentView, type MatrixCell, type ReleaseView } from '../api.js';
import { formatRelativeTime } from '../formatTime.js';
import { ActionErrorText } from './PolicyRefusal.js';
import { shortSha } from '../pipelineFormat.js';
import { useSession } from '../session.js';
import { freezeText, isRequester, nextEnvironment, rollbackTarget, type RollbackTarget } from './EnvFormat.js';

const RELEASE_LIMIT = 25;
const HISTORY_LIMIT = 100;

type Mode = null | 'deploy' | 'promote' | 'rollback';

export interface EnvCellActionsProps {
  /** The component's name (`orders-api`). */
  component: string;
  /** Its owning group: members of that team deploy it. */
  owner: string | null;
  environment: EnvironmentView;
  /** Every environment, for "Promote to <next>". */
  environments: EnvironmentView[];
  cell: MatrixCell;
  /** Called with the deployment an action created or approved, so the page reloads what it shows. */
  onDone: (d: DeploymentView) => void;
}

/** Says what failed in the API's words, next to the button that failed. */
function ActionError({ error }: { error: ApiError }) {
  return (
    <div className="field-error env-action-error" role="alert" data-testid="env-action-error">
      <ActionErrorText error={error} />
    </div>
  );
}

/**
 * The actions of one matrix cell: deploy a chosen release, promote what runs here to the next environment,
 * roll back to the previous release (after a confirmation) and approve a deployment that waits for approval.
 * Each one's API error shows inline, in the problem's words. During a freeze the deploy and promote forms ask
 * for the reason of the override (only admins may override; the API says so to everybody else).
 */
export function EnvCellActions({ component, owner, environment, environments, cell, onDone }: EnvCellActionsProps) {
  const { api, user, canChange } = useSession();
  const [mode, setMode] = useState<Mode>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (user.role === 'viewer') return null;

  const next = nextEnvironment(environments, environment.name);
  const latest = cell.latest;
  const canDeploy = canChange(owner);
  const canApprove = canDeploy || canChange(environment.owner);
  const awaiting = latest?.status === 'awaiting_approval' ? latest : null;
  const own = awaiting ? isRequester(awaiting, user.userRef) : false;

  const run = async (what: () => Promise<DeploymentView>) => {
    setBusy(true);
    setError(null);
    try {
      const d = await what();
      setMode(null);
      onDone(d);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const open = (m: Mode) => {
    setError(null);
    setMode((old) => (old === m ? null : m));
  };
  const promote = () => {
    if (!next) return;
    if (next.frozen) open('promote');
    else void run(() => api.promote({ component, to: next.name }));
  };

  if (!canDeploy && !(awaiting && canApprove)) return null;
  return (
    <div className="env-actions" data-testid="env-actions">
      <div className="env-action-buttons">
        {awaiting && canApprove && (
          <span title={own ? 'You asked for this deployment; someone else must approve it.' : undefined} data-testid="approve-wrap">
            <button
              type="button"
              className="btn btn-small btn-primary"
              disabled={busy || own}
              onClick={() => void run(() => api.approveDeployment(awaiting.id))}
              data-testid="env-approve"
            >
              Approve
            </button>
          </span>
        )}
        {canDeploy && (
          <button type="button" className="btn btn-small" aria-expanded={mode === 'deploy'} disabled={busy} onClick={() => open('deploy')} data-testid="env-deploy">
            Deploy…
          </button>
        )}
        {canDeploy && next && cell.desired && (
          <button type="button" className="btn btn-small" disabled={busy} onClick={promote} data-testid="env-promote" aria-expanded={next.frozen ? mode === 'promote' : undefined}>
            Promote to {next.title || next.name}
          </button>
        )}
        {canDeploy && cell.desired && (
          <button type="button" className="btn btn-small btn-danger-outline" aria-expanded={mode === 'rollback'} disabled={busy} onClick={() => open('rollback')} data-testid="env-rollback">
            Roll back
          </button>
        )}
      </div>
      {mode === 'deploy' && (
        <DeployForm
          component={component}
          environment={environment}
          current={cell.desired?.releaseId ?? null}
          busy={busy}
          onCancel={() => open(null)}
          onSubmit={(release, overrideFreeze) => void run(() => api.deploy({ component, environment: environment.name, release, overrideFreeze }))}
        />
      )}
      {mode === 'promote' && next && (
        <OverrideForm
          environment={next}
          label={`Promote to ${next.title || next.name}`}
          busy={busy}
          onCancel={() => open(null)}
          onSubmit={(overrideFreeze) => void run(() => api.promote({ component, to: next.name, overrideFreeze }))}
        />
      )}
      {mode === 'rollback' && cell.desired && (
        <RollbackConfirm
          component={component}
          environment={environment.name}
          current={cell.desired}
          busy={busy}
          onCancel={() => open(null)}
          onConfirm={(to) => void run(() => api.rollback({ component, environment: environment.name, to }))}
        />
      )}
      {error && <ActionError error={error} />}
    </div>
  );
}

/** The override reason a frozen environment asks for, and what it means. */
function FreezeField({ environment, value, onChange }: { environment: EnvironmentView; value: string; onChange: (v: string) => void }) {
  const id = useId();
  if (!environment.frozen) return null;
  return (
    <div className="env-freeze-field">
      <label htmlFor={id} className="field-label">
        Override reason
      </label>
      <input id={id} className="input" required minLength={3} maxLength={500} value={value} onChange={(e) => onChange(e.target.value)} placeholder="Hotfix for INC-123" data-testid="env-override-reason" />
      <p className="field-help">
        {environment.name} is frozen: {freezeText(environment.frozen)}. Only an admin may deploy now; the reason is recorded.
      </p>
    </div>
  );
}

function DeployForm(props: {
  component: string;
  environment: EnvironmentView;
  current: string | null;
  busy: boolean;
  onCancel: () => void;
  onSubmit: (release: string, overrideFreeze: string | undefined) => void;
}) {
  const { api } = useSession();
  const { component, environment, current, busy, onCancel, onSubmit } = props;
  const id = useId();
  const [releases, setReleases] = useState<ReleaseView[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [release, setRelease] = useState('');
  const [reason, setReason] = useState('');

  useEffect(() => {
    const controller = new AbortController();
    api.listReleases({ component, limit: RELEASE_LIMIT }, controller.signal).then(
      (r) => {
        setReleases(r.items);
        // The newest release that is not already here is the usual choice.
        setRelease((r.items.find((x) => x.id !== current) ?? r.items[0])?.id ?? '');
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setLoadError(toApiError(e));
      },
    );
    return () => controller.abort();
  }, [api, component, current]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (release) onSubmit(release, environment.frozen ? reason.trim() : undefined);
  };
  return (
    <form className="env-form" onSubmit={submit} data-testid="env-deploy-form">
      {loadError && <ActionError error={loadError} />}
      {!releases && !loadError && <p className="muted small">Loading releases…</p>}
      {releases && releases.length === 0 && <p className="muted small">{component} has no releases yet. A successful pipeline run on its main branch makes one.</p>}
      {releases && releases.length > 0 && (
        <>
          <label htmlFor={id} className="field-label">
            Release
          </label>
          <select id={id} className="input" value={release} onChange={(e) => setRelease(e.target.value)} data-testid="env-release-select">
            {releases.map((r) => (
              <option key={r.id} value={r.id}>
                {shortSha(r.sha)} · {r.branch} · {formatRelativeTime(r.createdAt)}
                {r.id === current ? ' (here now)' : ''}
              </option>
            ))}
          </select>
          <FreezeField environment={environment} value={reason} onChange={setReason} />
          <div className="env-form-actions">
            <button type="submit" className="btn btn-small btn-primary" disabled={busy || !release} data-testid="env-deploy-submit">
              Deploy to {environment.title || environment.name}
            </button>
            <button type="button" className="btn btn-small" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </>
      )}
    </form>
  );
}

function OverrideForm(props: { environment: EnvironmentView; label: string; busy: boolean; onCancel: () => void; onSubmit: (overrideFreeze: string) => void }) {
  const { environment, label, busy, onCancel, onSubmit } = props;
  const [reason, setReason] = useState('');
  return (
    <form
      className="env-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(reason.trim());
      }}
      data-testid="env-promote-form"
    >
      <FreezeField environment={environment} value={reason} onChange={setReason} />
      <div className="env-form-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
          {label}
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Finds the release to go back to in this environment's history, says which, and asks before rolling back. */
function RollbackConfirm(props: {
  component: string;
  environment: string;
  current: NonNullable<MatrixCell['desired']>;
  busy: boolean;
  onCancel: () => void;
  onConfirm: (to: string) => void;
}) {
  const { api } = useSession();
  const { component, environment, current, busy, onCancel, onConfirm } = props;
  const [target, setTarget] = useState<RollbackTarget | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<ApiError | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    api.listDeployments({ component, environment, limit: HISTORY_LIMIT }, controller.signal).then(
      (r) => setTarget(rollbackTarget(r.items, current.releaseId)),
      (e: unknown) => {
        if (!controller.signal.aborted) setLoadError(toApiError(e));
      },
    );
    return () => controller.abort();
  }, [api, component, environment, current.releaseId]);

  if (loadError) return <ActionError error={loadError} />;
  if (target === undefined) return <p className="muted small">Looking for the previous release…</p>;
  if (target === null) {
    return (
      <div className="env-form" data-testid="env-rollback-confirm">
        <p className="small">No earlier release succeeded in {environment}; there is nothing to roll back to.</p>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Close
        </button>
      </div>
    );
  }
  return (
    <div className="env-form" data-testid="env-rollback-confirm">
      <p className="small">
        Roll {component} in {environment} back from <span className="mono">{shortSha(current.sha)}</span> to{' '}
        <span className="mono" data-testid="env-rollback-target">
          {shortSha(target.sha)}
        </span>
        ?
      </p>
      <div className="env-form-actions">
        <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => onConfirm(target.releaseId)} data-testid="env-rollback-confirm-yes">
          Yes, roll back
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Keep it
        </button>
      </div>
    </div>
  );
}

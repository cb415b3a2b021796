import type { DeploymentView, EnvironmentView, MatrixCell } from '../api.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { shortSha } from '../pipelineFormat.js';
import { Link } from '../router.js';
import { DeployStatusBadge, RuntimeBadge } from './DeployStatusBadge.js';
import { EnvCellActions } from './EnvCellActions.js';
import { approvalProgress, splitReason } from './EnvFormat.js';

/** Portal path of one component's deployment history in one environment. */
function historyPath(environment: string, component: string): string {
  return `/environments/${encodeURIComponent(environment)}/${encodeURIComponent(component)}`;
}

export interface EnvCellProps {
  component: string;
  owner: string | null;
  environment: EnvironmentView;
  environments: EnvironmentView[];
  cell: MatrixCell;
  now: number;
  /** Leave out the buttons (the entity page's read-only row). */
  readOnly?: boolean;
  onChange: (d: DeploymentView) => void;
}

/**
 * One component in one environment: the release that should run (a link to its history), what runs now, the
 * newest deployment's status, when and by whom; and the actions on it.
 */
export function EnvCell({ component, owner, environment, environments, cell, now, readOnly, onChange }: EnvCellProps) {
  const { desired, latest, runtime, url } = cell;
  // The newest deployment is about another release while it waits, runs or after it failed.
  const pending = latest && latest.releaseId !== desired?.releaseId ? latest : null;
  const history = historyPath(environment.name, component);
  // Who let the running release in, when it needed approvals.
  const approvedBy = latest && latest.releaseId === desired?.releaseId ? latest.approvals : [];
  return (
    <div
      className="env-cell"
      data-testid="env-cell"
      data-component={component}
      data-environment={environment.name}
      data-status={latest?.status ?? ''}
      data-runtime={runtime?.state ?? ''}
      data-release={desired?.releaseId ?? ''}
    >
      <div className="env-cell-head">
        {desired ? (
          <Link to={history} className="mono env-cell-sha" title={`Release ${desired.releaseId} (${desired.sha}): history`} data-testid="env-cell-release">
            {shortSha(desired.sha)}
          </Link>
        ) : (
          <Link to={history} className="muted env-cell-none" data-testid="env-cell-release">
            not deployed
          </Link>
        )}
        {runtime && desired && <RuntimeBadge runtime={runtime} />}
      </div>
      {latest && (
        <div className="env-cell-status">
          <DeployStatusBadge status={latest.status} title={latest.reason ?? undefined} />
          {pending && (
            <span className="mono small" title={`Release ${pending.releaseId}`}>
              → {pending.release ? shortSha(pending.release.sha) : pending.releaseId.slice(0, 8)}
            </span>
          )}
          {latest.status === 'awaiting_approval' && (
            <span className="small muted" data-testid="env-cell-approvals">
              {approvalProgress(latest)}
            </span>
          )}
        </div>
      )}
      {desired && (
        <p className="env-cell-meta" data-testid="env-cell-meta">
          <span title={formatAbsoluteTime(desired.since)}>{formatRelativeTime(desired.since, now)}</span> <span className="muted">by</span>{' '}
          <span title={desired.by}>{shortRef(desired.by)}</span>
          {approvedBy.length > 0 && (
            <>
              {' '}
              <span className="muted">· approved by</span> {approvedBy.map((a) => shortRef(a.by)).join(', ')}
            </>
          )}
        </p>
      )}
      {pending && <PendingMeta d={pending} now={now} />}
      {url && desired && /^https?:\/\//.test(url) && (
        <a href={url} className="small env-cell-url" target="_blank" rel="noreferrer" data-testid="env-cell-url">
          Open ↗
        </a>
      )}
      {!readOnly && (
        <EnvCellActions component={component} owner={owner} environment={environment} environments={environments} cell={cell} onDone={onChange} />
      )}
    </div>
  );
}

/** Who asked for the newest deployment when it is not (yet) what runs, and why it failed if it did. */
function PendingMeta({ d, now }: { d: DeploymentView; now: number }) {
  return (
    <p className="env-cell-meta" data-testid="env-cell-pending">
      <span className="muted">requested</span> <span title={formatAbsoluteTime(d.requestedAt)}>{formatRelativeTime(d.requestedAt, now)}</span>{' '}
      <span className="muted">by</span> <span title={d.requestedBy}>{shortRef(d.requestedBy)}</span>
      {d.reason && (d.status === 'failed' || d.status === 'rejected' || d.status === 'rolled_back') && (
        <span className="env-cell-reason" title={d.reason} data-testid="env-cell-reason">
          {splitReason(d.reason).summary}
        </span>
      )}
    </p>
  );
}

import type { DeploymentStatus, RuntimeState } from '../api.js';
import { DEPLOYMENT_STATUS_LABEL, DEPLOYMENT_STATUS_TONE, RUNTIME_HELP, RUNTIME_LABEL, RUNTIME_TONE } from './EnvFormat.js';
import { StatusBadge } from './StatusBadge.js';

/** A deployment's status as a badge (text and glyph; colour only helps). */
export function DeployStatusBadge({ status, title }: { status: DeploymentStatus; title?: string }) {
  return (
    <span data-testid="deploy-status" data-status={status}>
      <StatusBadge tone={DEPLOYMENT_STATUS_TONE[status]} title={title}>
        {DEPLOYMENT_STATUS_LABEL[status]}
      </StatusBadge>
    </span>
  );
}

/** What runs now (ready, crashed, …), with restarts when there were any. */
export function RuntimeBadge({ runtime }: { runtime: RuntimeState }) {
  const restarts = runtime.restarts > 0 ? ` · ${runtime.restarts} restart${runtime.restarts === 1 ? '' : 's'}` : '';
  return (
    <span data-testid="runtime-state" data-state={runtime.state}>
      <StatusBadge tone={RUNTIME_TONE[runtime.state]} title={RUNTIME_HELP[runtime.state]}>
        {RUNTIME_LABEL[runtime.state]}
        {restarts}
      </StatusBadge>
    </span>
  );
}

import type { RunStatus } from '../api.js';
import { STATUS_LABEL, STATUS_TONE } from '../pipelineFormat.js';
import { StatusBadge } from './StatusBadge.js';

export interface RunStatusBadgeProps {
  status: RunStatus;
  /** A cancel was asked for and the run has not stopped yet. */
  cancelling?: boolean;
}

/** A pipeline run's status as a badge: text and glyph, colour only as a help. */
export function RunStatusBadge({ status, cancelling }: RunStatusBadgeProps) {
  return (
    <span data-testid="run-status" data-status={status}>
      <StatusBadge tone={cancelling ? 'warning' : STATUS_TONE[status]}>{cancelling ? 'Cancelling…' : STATUS_LABEL[status]}</StatusBadge>
    </span>
  );
}

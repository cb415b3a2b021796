import type { TaskStatus } from '../api.js';
import { StatusBadge, type BadgeTone } from './StatusBadge.js';

const TONE: Record<TaskStatus, BadgeTone> = {
  queued: 'pending',
  running: 'info',
  succeeded: 'ok',
  failed: 'error',
  cancelled: 'warning',
};

const TEXT: Record<TaskStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export interface TaskStatusBadgeProps {
  status: TaskStatus;
  /** A cancel was asked for and the task has not stopped yet. */
  cancelling?: boolean;
}

/** A scaffolder task's status as a badge: text and glyph, colour only as a help. */
export function TaskStatusBadge({ status, cancelling }: TaskStatusBadgeProps) {
  return (
    <span data-testid="task-status" data-status={status}>
      <StatusBadge tone={cancelling ? 'warning' : TONE[status]}>{cancelling ? 'Cancelling…' : TEXT[status]}</StatusBadge>
    </span>
  );
}

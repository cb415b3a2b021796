import type { StepState, StepStatus } from '../api.js';
import { durationBetween } from '../formatDuration.js';

const ICON: Record<StepStatus, string> = {
  pending: '○',
  running: '◐',
  succeeded: '✓',
  failed: '✕',
  skipped: '↷',
  cancelled: '⊘',
};

const LABEL: Record<StepStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

export interface StepListProps {
  steps: StepState[];
  /** For running steps' elapsed time; pass a ticking clock to see it grow. */
  now?: number;
}

/** A task's (or dry run's) steps in order: status icon and word, name, action, duration, and a failed step's error. */
export function StepList({ steps, now }: StepListProps) {
  if (steps.length === 0) return <p className="muted">This template has no steps.</p>;
  return (
    <ol className="step-list" aria-label="Steps">
      {steps.map((s) => (
        <li key={s.id} className={`step-item step-${s.status}`} data-testid="step" data-step={s.id} data-status={s.status}>
          <span className="step-icon" aria-hidden="true">
            {ICON[s.status]}
          </span>
          <div className="step-body">
            <div className="step-head">
              <span className="step-name">{s.name || s.id}</span>
              <code className="step-action">{s.action}</code>
              <span className="step-status">{LABEL[s.status]}</span>
              <span className="step-duration">{s.status === 'skipped' ? '' : durationBetween(s.startedAt, s.finishedAt, now)}</span>
            </div>
            {s.error && <p className="step-error">{s.error}</p>}
          </div>
        </li>
      ))}
    </ol>
  );
}

import type { StepView } from '../api.js';
import { formatDuration } from '../formatDuration.js';
import { STATUS_GLYPH, STATUS_LABEL } from '../pipelineFormat.js';

export interface PipelineStepListProps {
  steps: StepView[];
}

/** A job's steps in order: status icon and word, name, duration, exit code, and why a step failed or was skipped. */
export function PipelineStepList({ steps }: PipelineStepListProps) {
  if (steps.length === 0) return <p className="muted">This job has no steps.</p>;
  return (
    <ol className="step-list" aria-label="Steps">
      {steps.map((s) => (
        <li
          key={s.id}
          className={`step-item step-${s.status === 'timed_out' ? 'failed' : s.status}`}
          data-testid="pipeline-step"
          data-step={s.id}
          data-status={s.status}
        >
          <span className="step-icon" aria-hidden="true">
            {STATUS_GLYPH[s.status]}
          </span>
          <div className="step-body">
            <div className="step-head">
              <span className="step-name">{s.name || s.id}</span>
              {s.exitCode !== null && (
                <code className={s.exitCode === 0 ? 'step-exit' : 'step-exit nonzero'} title="Exit code">
                  exit {s.exitCode}
                </code>
              )}
              <span className="step-status">{STATUS_LABEL[s.status]}</span>
              <span className="step-duration">{s.durationMs === null ? '' : formatDuration(s.durationMs)}</span>
            </div>
            {s.reason && <p className={s.status === 'failed' || s.status === 'timed_out' ? 'step-error' : 'step-reason'}>{s.reason}</p>}
          </div>
        </li>
      ))}
    </ol>
  );
}

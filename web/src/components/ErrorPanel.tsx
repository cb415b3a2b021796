import type { ApiError } from '../api.js';
import { ProblemList } from './ProblemList.js';

export interface ErrorPanelProps {
  error: ApiError;
  /** What the page was trying to do, e.g. "Could not load the catalog". */
  context?: string;
  onRetry?: () => void;
}

/** An API failure as sentences: what failed, the API's title and detail, and any problems. */
export function ErrorPanel({ error, context, onRetry }: ErrorPanelProps) {
  return (
    <div className="error-panel" role="alert">
      <p className="error-title">
        <span className="error-glyph" aria-hidden="true">
          ✕
        </span>
        {context ?? 'Something went wrong'}
      </p>
      <p className="error-detail">
        <strong>{error.title}</strong>
        {error.status > 0 && <span className="muted"> (HTTP {error.status})</span>}
        {error.detail && <>: {error.detail}</>}
      </p>
      <ProblemList problems={error.problems} />
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

import type { Problem } from '../api.js';
import { StatusBadge } from './StatusBadge.js';

/** `file:line:column`, the form editors and terminals jump to. */
export function formatPosition(p: Problem): string | null {
  if (!p.position) return null;
  return `${p.position.file}:${p.position.line}:${p.position.column}`;
}

export interface ProblemListProps {
  problems: Problem[];
  /** Label for screen readers, e.g. "Problems of payments-api". */
  label?: string;
}

/** Validation problems as a readable list: severity, where (file:line:column), field path, code, message. */
export function ProblemList({ problems, label }: ProblemListProps) {
  if (problems.length === 0) return null;
  return (
    <ul className="problem-list" aria-label={label ?? 'Problems'}>
      {problems.map((p, i) => {
        const where = formatPosition(p);
        const warning = p.severity === 'warning';
        return (
          <li key={i} className="problem" data-testid="problem">
            <div className="problem-head">
              <StatusBadge tone={warning ? 'warning' : 'error'}>{warning ? 'Warning' : 'Error'}</StatusBadge>
              {where && <code className="problem-where">{where}</code>}
              {p.path && <code className="problem-path">{p.path}</code>}
              <span className="problem-code">{p.code}</span>
            </div>
            <p className="problem-message">{p.message}</p>
          </li>
        );
      })}
    </ul>
  );
}

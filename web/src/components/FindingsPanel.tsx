import type { FindingView } from '../api.js';
import { StatusBadge, type BadgeTone } from './StatusBadge.js';

const TONE: Record<FindingView['severity'], BadgeTone> = { error: 'error', warning: 'warning', info: 'info' };
const LABEL: Record<FindingView['severity'], string> = { error: 'Error', warning: 'Warning', info: 'Info' };

export interface FindingsPanelProps {
  findings: FindingView[];
  /** Job names by id, for the group headings. */
  jobNames: Record<string, string>;
  onSelectJob: (jobId: string) => void;
}

/** What the run's security steps found (secret scan, dependency audit), grouped by job; secrets arrive masked. */
export function FindingsPanel({ findings, jobNames, onSelectJob }: FindingsPanelProps) {
  const groups = new Map<string, FindingView[]>();
  for (const f of findings) groups.set(f.jobId, [...(groups.get(f.jobId) ?? []), f]);
  return (
    <div className="findings">
      {[...groups].map(([jobId, items]) => (
        <section key={jobId} className="finding-group" data-testid="finding-group" data-job={jobId} aria-label={`Findings of job ${jobNames[jobId] ?? jobId}`}>
          <h3>
            <button type="button" className="btn-link finding-job" onClick={() => onSelectJob(jobId)} title="Show this job's steps and log">
              {jobNames[jobId] ?? jobId}
            </button>
            <span className="count">{items.length}</span>
          </h3>
          <ul className="finding-list">
            {items.map((f, i) => (
              <li key={i} className="finding" data-testid="finding" data-severity={f.severity}>
                <div className="finding-head">
                  <StatusBadge tone={TONE[f.severity]}>{LABEL[f.severity]}</StatusBadge>
                  {f.file && (
                    <code className="finding-where" data-testid="finding-where">
                      {f.file}
                      {f.line !== null ? `:${f.line}` : ''}
                    </code>
                  )}
                  <code className="finding-rule" title={`Reported by ${f.tool}`}>
                    {f.rule}
                  </code>
                </div>
                <p className="finding-message">{f.message}</p>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

import { useLayoutEffect, useRef } from 'react';
import type { TaskLogLine } from '../api.js';

const STICK_PX = 32;
const clock = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

function timeOf(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : clock.format(t);
}

export interface TaskLogProps {
  lines: TaskLogLine[];
  /** Step names by id: a line shows its step's id, and the name on hover. */
  stepNames?: Record<string, string>;
  empty?: string;
}

/**
 * Log lines in a scrolling panel that follows new lines while the reader is at the bottom, and stays put
 * when they scrolled up to read.
 */
export function TaskLog({ lines, stepNames = {}, empty = 'No log lines yet.' }: TaskLogProps) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines.length]);

  return (
    <div
      ref={box}
      className="log-view"
      role="log"
      aria-live="polite"
      aria-label="Task log"
      tabIndex={0}
      data-testid="task-log"
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
      }}
    >
      {lines.length === 0 ? (
        <p className="log-empty">{empty}</p>
      ) : (
        lines.map((l) => (
          <div key={l.seq} className={l.level === 'error' ? 'log-line log-error' : 'log-line'} data-testid="log-line">
            <span className="log-time">{timeOf(l.at)}</span>
            <span className="log-step" title={l.stepId ? stepNames[l.stepId] : undefined}>
              {l.stepId ?? 'task'}
            </span>
            <span className="log-message">{l.message}</span>
          </div>
        ))
      )}
    </div>
  );
}

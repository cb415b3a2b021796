import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { LogChunk } from '../api.js';
import { plainLogText } from '../pipelineFormat.js';

const STICK_PX = 32;
/** Beyond this many characters only the end of a job's output is drawn (a browser slows down on more). */
const MAX_CHARS = 1_000_000;

interface Section {
  key: number;
  stepId: string;
  text: string;
}

/** Consecutive chunks of one step become one section; escapes are removed on the joined text (a chunk may split one). */
function sections(chunks: LogChunk[]): Section[] {
  const out: Section[] = [];
  let raw: string[] = [];
  let current: LogChunk | null = null;
  const flush = () => {
    if (current) out.push({ key: current.seq, stepId: current.stepId, text: plainLogText(raw.join('')) });
    raw = [];
  };
  for (const c of chunks) {
    if (!current || c.stepId !== current.stepId) {
      flush();
      current = c;
    }
    raw.push(c.chunk);
  }
  flush();
  return out;
}

export interface PipelineLogProps {
  chunks: LogChunk[];
  /** Step names by id, for the line that starts each step's output. */
  stepNames: Record<string, string>;
  empty: string;
  label: string;
}

/**
 * A job's output as plain text in a scrolling panel, a heading line where each step's output starts. It
 * follows new output while the reader is at the bottom and stays put when they scrolled up to read.
 */
export function PipelineLog({ chunks, stepNames, empty, label }: PipelineLogProps) {
  const box = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);
  const [behind, setBehind] = useState(false);
  const all = useMemo(() => sections(chunks), [chunks]);

  // Keep the newest output when there is too much of it.
  let shown = all;
  let total = 0;
  for (let i = all.length - 1; i >= 0; i--) {
    total += (all[i] as Section).text.length;
    if (total > MAX_CHARS) {
      shown = all.slice(i + 1);
      break;
    }
  }
  const cut = all.length - shown.length;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (atBottom.current) el.scrollTop = el.scrollHeight;
    else setBehind(true);
  }, [chunks]);

  const toEnd = () => {
    const el = box.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setBehind(false);
  };

  return (
    <div className="pipeline-log-wrap">
      {cut > 0 && <p className="small muted">The first {cut} parts of this output are not shown; the API has all of it (GET …/logs).</p>}
      <pre
        ref={box}
        className="pipeline-log"
        role="log"
        aria-label={label}
        tabIndex={0}
        data-testid="job-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
          if (atBottom.current) setBehind(false);
        }}
      >
        {shown.length === 0 ? (
          <span className="log-empty-line">{empty}</span>
        ) : (
          shown.map((s) => (
            <span key={s.key} className="plog-section" data-step={s.stepId}>
              <span className="plog-step">
                {'▸ '}
                {s.stepId === 'job' ? 'job' : s.stepId === 'checkout' ? 'checkout' : (stepNames[s.stepId] ?? s.stepId)}
                {'\n'}
              </span>
              {s.text.endsWith('\n') || !s.text ? s.text : `${s.text}\n`}
            </span>
          ))
        )}
      </pre>
      {behind && (
        <button type="button" className="btn btn-small plog-jump" onClick={toEnd}>
          ↓ New output below
        </button>
      )}
    </div>
  );
}

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { toApiError, type ApiError, type TaskLogLine, type TaskView } from '../api.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StepList } from '../components/StepList.js';
import { TaskLog } from '../components/TaskLog.js';
import { TaskStatusBadge } from '../components/TaskStatusBadge.js';
import { ValueView } from '../components/ValueView.js';
import { entityPath, parseEntityRef, shortRef } from '../entityRef.js';
import { durationBetween } from '../formatDuration.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { templatePath } from './CreatePage.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

type StreamState = 'connecting' | 'live' | 'ended' | 'lost';

export interface TaskPageProps {
  id: string;
}

/** A clock that ticks once a second while `running`, for elapsed times. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);
  return now;
}

/**
 * One scaffolder task: what ran with which values, its steps, the live log (the task's event stream),
 * and when it is done, its result links or the step that failed and why.
 */
export function TaskPage({ id }: TaskPageProps) {
  const { api } = useSession();
  const first = useAsync((signal) => api.getTask(id, signal), [api, id]);
  const [task, setTask] = useState<TaskView | null>(null);
  const [lines, setLines] = useState<TaskLogLine[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [attempt, setAttempt] = useState(0);
  const lastSeq = useRef(0);
  const loaded = first.data !== undefined;

  useEffect(() => {
    if (first.data) setTask((t) => t ?? first.data ?? null);
  }, [first.data]);

  useEffect(() => {
    if (!loaded) return;
    setStream('connecting');
    // The server replays every line after `after`; after a browser-side reconnect it replays from the
    // URL's `after` again, so lines are kept by sequence number and never twice.
    const source = new EventSource(api.taskStreamUrl(id, lastSeq.current));
    source.onopen = () => setStream('live');
    source.addEventListener('log', (e) => {
      const line = JSON.parse((e as MessageEvent<string>).data) as TaskLogLine;
      if (line.seq <= lastSeq.current) return;
      lastSeq.current = line.seq;
      setLines((old) => [...old, line]);
    });
    source.addEventListener('task', (e) => setTask(JSON.parse((e as MessageEvent<string>).data) as TaskView));
    source.addEventListener('end', () => {
      // The server closes the stream after `end`; without close() the browser would reconnect.
      source.close();
      setStream('ended');
      api.getTask(id).then(setTask, () => undefined);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setStream('lost');
      else setStream('connecting');
    };
    return () => source.close();
  }, [api, id, loaded, attempt]);

  const running = task !== null && !TERMINAL.has(task.status);
  const now = useNow(running);

  if (first.error) {
    return (
      <div className="page">
        <Breadcrumbs id={id} />
        <ErrorPanel
          error={first.error}
          context={first.error.status === 404 ? `There is no task ${id}` : `Could not load task ${id}`}
          onRetry={first.error.status === 404 ? undefined : first.reload}
        />
        <p>
          <Link to="/tasks">All tasks</Link>
        </p>
      </div>
    );
  }
  if (!task) {
    return (
      <div className="page">
        <Breadcrumbs id={id} />
        <p className="muted" role="status">
          Loading the task…
        </p>
      </div>
    );
  }

  const stepNames = Object.fromEntries(task.steps.map((s) => [s.id, s.name]));
  const failedStep = task.error ? task.steps.find((s) => s.id === task.error?.stepId) : undefined;
  const kept = task.resources.filter((r) => r.kept);
  const template = parseEntityRef(task.templateRef, { kind: 'template' });

  return (
    <div className="page">
      <Breadcrumbs id={id} />
      <header className="card entity-header">
        <div className="entity-header-top">
          <div>
            <p className="eyebrow">Task</p>
            <h1 data-testid="task-title">{task.templateTitle}</h1>
            <p className="entity-sub">{task.id}</p>
          </div>
          <div className="entity-badges">
            <TaskStatusBadge status={task.status} cancelling={task.cancelRequested && running} />
            {running && <CancelButton task={task} onCancelled={setTask} />}
          </div>
        </div>
        <dl className="facts">
          <div>
            <dt>Template</dt>
            <dd>
              <Link to={templatePath(template)}>{shortRef(task.templateRef)}</Link>
              <span className="muted">v{task.templateVersion}</span>
            </dd>
          </div>
          <div>
            <dt>Created by</dt>
            <dd title={task.createdBy}>{shortRef(task.createdBy)}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd title={formatAbsoluteTime(task.createdAt)}>{formatRelativeTime(task.createdAt, now)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd data-testid="task-duration">{durationBetween(task.startedAt ?? task.createdAt, task.finishedAt, now) || '—'}</dd>
          </div>
        </dl>
      </header>

      {task.status === 'failed' && task.error && (
        <div className="error-panel" role="alert" data-testid="task-failure">
          <p className="error-title">
            <span className="error-glyph" aria-hidden="true">
              ✕
            </span>
            Failed at step “{failedStep?.name ?? task.error.stepId}”
          </p>
          <p className="error-detail">{task.error.message}</p>
          {kept.length > 0 ? (
            <p className="small">
              Left in place: {kept.map((r) => describeResource(r)).join(', ')}.
            </p>
          ) : (
            <p className="small muted">What the task had created before the failure was removed.</p>
          )}
        </div>
      )}
      {task.status === 'cancelled' && (
        <div className="notice notice-warning" role="status">
          This task was cancelled{task.finishedAt ? ` ${formatRelativeTime(task.finishedAt, now)}` : ''}; what it had created was removed.
        </div>
      )}

      {task.output && (task.output.links.length > 0 || task.output.text.length > 0) && <TaskOutput output={task.output} />}

      <div className="task-grid">
        <section className="card" aria-labelledby="steps-title">
          <h2 id="steps-title">Steps</h2>
          <StepList steps={task.steps} now={now} />
        </section>
        <section className="card" aria-labelledby="params-title">
          <h2 id="params-title">Parameters</h2>
          <ValueView value={task.parameters} />
        </section>
      </div>

      <section className="card" aria-labelledby="log-title">
        <div className="card-header">
          <h2 id="log-title">
            Log <span className="count">{lines.length}</span>
          </h2>
          <StreamIndicator state={stream} onReconnect={() => setAttempt((a) => a + 1)} />
        </div>
        <TaskLog lines={lines} stepNames={stepNames} empty={running ? 'Waiting for the first log line…' : 'This task wrote no log lines.'} />
      </section>
    </div>
  );
}

function Breadcrumbs({ id }: { id: string }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <Link to="/tasks">Tasks</Link>
      <span aria-hidden="true">/</span>
      <span aria-current="page" className="mono">
        {id}
      </span>
    </nav>
  );
}

function describeResource(r: TaskView['resources'][number]): string {
  switch (r.type) {
    case 'repo':
      return `repository ${r.name}`;
    case 'location':
      return `catalog location ${r.id}`;
    case 'github-repo':
      return `GitHub repository ${r.fullName}`;
    case 'gitlab-project':
      return `GitLab project ${r.id}`;
  }
}

function StreamIndicator({ state, onReconnect }: { state: StreamState; onReconnect: () => void }) {
  const text: Record<StreamState, string> = {
    connecting: 'Connecting…',
    live: 'Following live',
    ended: 'Complete',
    lost: 'Live log disconnected',
  };
  return (
    <span className={`live-indicator stream-${state}`} data-testid="log-stream">
      <span className="live-dot" aria-hidden="true" />
      {text[state]}
      {state === 'lost' && (
        <button type="button" className="btn btn-link btn-small" onClick={onReconnect}>
          Reconnect
        </button>
      )}
    </span>
  );
}

function CancelButton({ task, onCancelled }: { task: TaskView; onCancelled: (t: TaskView) => void }) {
  const { api, user } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (user.role !== 'admin' && user.userRef !== task.createdBy) return null;
  if (task.cancelRequested) return null;

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      onCancelled(await api.cancelTask(task.id));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <span className="confirm">
      {confirming ? (
        <>
          <span className="small">Stop it and remove what it created?</span>
          <button type="button" className="btn btn-small btn-danger" onClick={cancel} disabled={busy}>
            Yes, cancel
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)} disabled={busy}>
            Keep running
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
          Cancel task
        </button>
      )}
      {error && <span className="field-error">{error.title}{error.detail ? `: ${error.detail}` : ''}</span>}
    </span>
  );
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** `output.text` content: fenced code blocks as code, the rest as paragraphs (never as HTML). */
function OutputText({ content }: { content: string }) {
  const parts: ReactNode[] = [];
  const fence = /```[^\n]*\n([\s\S]*?)```/g;
  let at = 0;
  let m: RegExpExecArray | null;
  while ((m = fence.exec(content))) {
    const before = content.slice(at, m.index).trim();
    if (before) parts.push(<p key={at} className="output-text">{before}</p>);
    parts.push(
      <pre key={`c${m.index}`} className="code-block">
        {(m[1] ?? '').replace(/\n$/, '')}
      </pre>,
    );
    at = m.index + m[0].length;
  }
  const rest = content.slice(at).trim();
  if (rest) parts.push(<p key={at} className="output-text">{rest}</p>);
  return <>{parts}</>;
}

function TaskOutput({ output }: { output: NonNullable<TaskView['output']> }) {
  return (
    <section className="card task-output" aria-labelledby="output-title" data-testid="task-output">
      <h2 id="output-title">Result</h2>
      {output.links.length > 0 && (
        <ul className="output-links" aria-label="Links">
          {output.links.map((l, i) => {
            const title = str(l.title);
            const url = str(l.url);
            const entityRef = str(l.entityRef);
            if (entityRef) {
              return (
                <li key={i}>
                  <Link to={entityPath(entityRef)} className="output-link" data-testid="output-link">
                    <span className="output-link-title">{title || 'Open in catalog'}</span>
                    <span className="output-link-target mono">{entityRef}</span>
                  </Link>
                </li>
              );
            }
            if (url) {
              return (
                <li key={i}>
                  <a href={url} target="_blank" rel="noreferrer noopener" className="output-link" data-testid="output-link">
                    <span className="output-link-title">
                      {title || url}
                      <span aria-hidden="true"> ↗</span>
                    </span>
                    <span className="output-link-target mono">{url}</span>
                  </a>
                </li>
              );
            }
            return null;
          })}
        </ul>
      )}
      {output.text.map((t, i) => (
        <div key={i} className="output-block">
          {str(t.title) && <h3>{str(t.title)}</h3>}
          <OutputText content={str(t.content)} />
        </div>
      ))}
    </section>
  );
}

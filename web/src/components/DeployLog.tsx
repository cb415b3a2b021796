import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../api.js';
import { plainLogText } from '../pipelineFormat.js';
import { useSession } from '../session.js';
import { ErrorPanel } from './ErrorPanel.js';

/** Lines asked for when the panel opens (and again by the stream after each reconnect). */
const TAIL = 200;
/** Beyond this many lines only the newest are kept: a browser slows down on more. */
const MAX_LINES = 5000;
const STICK_PX = 32;
/** Lines arriving together are applied in one render. */
const BATCH_MS = 60;

type StreamState = 'off' | 'connecting' | 'live' | 'lost';

const STREAM_TEXT: Record<StreamState, string> = {
  off: 'Not following',
  connecting: 'Connecting…',
  live: 'Following live',
  lost: 'Live output disconnected',
};

export interface DeployLogProps {
  environment: string;
  /** The component's name. */
  component: string;
}

/**
 * What a workload writes, live: the last lines, then each new one over server-sent events while "Follow" is on
 * (with it off, the panel stays still and "Refresh" loads the tail again). It sticks to the bottom while the
 * reader is there and stays put when they scrolled up to read.
 */
export function DeployLog({ environment, component }: DeployLogProps) {
  const { api } = useSession();
  const followId = useId();
  const [follow, setFollow] = useState(true);
  const [lines, setLines] = useState<string[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [stream, setStream] = useState<StreamState>('off');
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const box = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);

  const loadTail = useCallback(
    (signal?: AbortSignal) => {
      api.workloadLogs(environment, component, TAIL, signal).then(
        (r) => {
          setLines(r.lines.map((l) => plainLogText(l)));
          setError(null);
          setLoaded(true);
        },
        (e: unknown) => {
          if (signal?.aborted) return;
          setError(toApiError(e));
          setLoaded(true);
        },
      );
    },
    [api, environment, component],
  );

  useEffect(() => {
    if (!follow) {
      setStream('off');
      return;
    }
    setStream('connecting');
    let pending: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const flush = () => {
      timer = undefined;
      const batch = pending;
      pending = [];
      setLines((old) => {
        const next = old.concat(batch);
        return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
      });
    };
    const source = new EventSource(api.workloadLogStreamUrl(environment, component, TAIL));
    source.onopen = () => {
      // Every (re)connection starts with the tail again: start over rather than show it twice.
      clearTimeout(timer);
      timer = undefined;
      pending = [];
      setLines([]);
      setError(null);
      setLoaded(true);
      setStream('live');
    };
    // Each line is one `line` event.
    source.addEventListener('line', (e) => {
      pending.push(plainLogText((e as MessageEvent<string>).data));
      timer ??= setTimeout(flush, BATCH_MS);
    });
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        setStream('connecting');
        return;
      }
      // The browser gave up (the server refused the stream): ask once more without it, for the API's reason.
      setStream('lost');
      loadTail(controller.signal);
    };
    return () => {
      controller.abort();
      source.close();
      clearTimeout(timer);
    };
  }, [api, environment, component, follow, attempt, loadTail]);

  useEffect(() => {
    if (follow) return;
    const controller = new AbortController();
    loadTail(controller.signal);
    return () => controller.abort();
  }, [follow, attempt, loadTail]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <section className="card" aria-labelledby="workload-log-title" data-testid="workload-logs">
      <div className="card-header">
        <h2 id="workload-log-title">Logs</h2>
        <div className="deploy-log-controls">
          <span className={`live-indicator stream-${stream === 'off' ? 'ended' : stream}`} data-testid="workload-log-stream">
            <span className="live-dot" aria-hidden="true" />
            {STREAM_TEXT[stream]}
          </span>
          <label className="checkbox-label" htmlFor={followId}>
            <input id={followId} type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="workload-log-follow" />
            Follow
          </label>
          {(!follow || stream === 'lost') && (
            <button type="button" className="btn btn-small" onClick={() => setAttempt((a) => a + 1)}>
              {follow ? 'Reconnect' : 'Refresh'}
            </button>
          )}
        </div>
      </div>
      {error && <ErrorPanel error={error} context={`Could not read the logs of ${component} in ${environment}`} />}
      <pre
        ref={box}
        className="pipeline-log deploy-log"
        role="log"
        aria-label={`Logs of ${component} in ${environment}`}
        tabIndex={0}
        data-testid="workload-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
        }}
      >
        {lines.length === 0 ? (
          <span className="log-empty-line">{loaded ? 'The workload has written nothing yet.' : 'Loading…'}</span>
        ) : (
          lines.join('\n') + '\n'
        )}
      </pre>
    </section>
  );
}

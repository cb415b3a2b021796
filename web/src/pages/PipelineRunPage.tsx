import { useEffect, useRef, useState } from 'react';
import { toApiError, type ApiError, type JobView, type LogChunk, type RunDetail, type RunView } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { FindingsPanel } from '../components/FindingsPanel.js';
import { JobGraph } from '../components/JobGraph.js';
import { PipelineLog } from '../components/PipelineLog.js';
import { PipelineStepList } from '../components/PipelineStepList.js';
import { ProblemList } from '../components/ProblemList.js';
import { RunStatusBadge } from '../components/RunStatusBadge.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { shortRef } from '../entityRef.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { elapsed, eventLabel, formatBytes, shortSha, STATUS_LABEL, STATUS_TONE, TERMINAL_RUN } from '../pipelineFormat.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { useNow } from '../useNow.js';

/** Output of a run's checkout (before any job) is kept under this job id. */
const CHECKOUT = 'checkout';
/** Chunks arriving together (a replay of a finished run sends thousands) are applied in one render. */
const LOG_BATCH_MS = 60;

type StreamState = 'connecting' | 'live' | 'ended' | 'lost';

export interface PipelineRunPageProps {
  id: string;
}

/** The job to show when the reader has not chosen one: the failed one, else the running one, else the last that ran. */
function defaultJob(run: RunDetail): string {
  const jobs = run.jobs;
  const pick =
    jobs.find((j) => j.status === 'failed') ??
    jobs.find((j) => j.status === 'running') ??
    [...jobs].reverse().find((j) => j.status !== 'pending' && j.status !== 'skipped') ??
    jobs[0];
  return pick?.id ?? CHECKOUT;
}

/**
 * One pipeline run: what ran (repository, commit, trigger), its jobs as a dependency graph, the selected
 * job's steps and live output, the findings of its security steps and the artifacts it kept; cancel and re-run.
 */
export function PipelineRunPage({ id }: PipelineRunPageProps) {
  const { api } = useSession();
  const { search } = useLocation();
  const first = useAsync((signal) => api.getPipelineRun(id, signal), [api, id]);
  const [run, setRun] = useState<RunDetail | null>(null);
  const [logs, setLogs] = useState<Record<string, LogChunk[]>>({});
  const [stream, setStream] = useState<StreamState>('connecting');
  const [attempt, setAttempt] = useState(0);
  const lastSeq = useRef(0);
  const loaded = first.data !== undefined;

  useEffect(() => {
    if (first.data) setRun((r) => r ?? first.data ?? null);
  }, [first.data]);

  useEffect(() => {
    if (!loaded) return;
    setStream('connecting');
    let pending: LogChunk[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const batch = pending;
      pending = [];
      const byJob = new Map<string, LogChunk[]>();
      for (const c of batch) {
        const list = byJob.get(c.jobId);
        if (list) list.push(c);
        else byJob.set(c.jobId, [c]);
      }
      setLogs((old) => {
        const next = { ...old };
        for (const [jobId, chunks] of byJob) next[jobId] = (next[jobId] ?? []).concat(chunks);
        return next;
      });
    };
    // The server replays every chunk after `after` (and after Last-Event-ID when the browser reconnects);
    // chunks are kept by sequence number, so none is shown twice.
    const source = new EventSource(api.pipelineRunStreamUrl(id, lastSeq.current));
    source.onopen = () => setStream('live');
    source.addEventListener('log', (e) => {
      const chunk = JSON.parse((e as MessageEvent<string>).data) as LogChunk;
      if (chunk.seq <= lastSeq.current) return;
      lastSeq.current = chunk.seq;
      pending.push(chunk);
      timer ??= setTimeout(flush, LOG_BATCH_MS);
    });
    source.addEventListener('run', (e) => setRun(JSON.parse((e as MessageEvent<string>).data) as RunDetail));
    source.addEventListener('end', () => {
      // The server closes the stream after `end`; without close() the browser would reconnect.
      source.close();
      setStream('ended');
      api.getPipelineRun(id).then(setRun, () => undefined);
    });
    source.onerror = () => setStream(source.readyState === EventSource.CLOSED ? 'lost' : 'connecting');
    return () => {
      source.close();
      clearTimeout(timer);
      if (pending.length) flush();
    };
  }, [api, id, loaded, attempt]);

  const running = run !== null && !TERMINAL_RUN.has(run.status);
  const now = useNow(running);
  // Findings and artifacts are stored as jobs finish: load them again whenever one does.
  const finished = run ? run.jobs.filter((j) => j.finishedAt !== null).length + (running ? 0 : 1) : 0;
  const findings = useAsync((signal) => api.pipelineRunFindings(id, signal), [api, id, finished]);
  const artifacts = useAsync((signal) => api.pipelineRunArtifacts(id, signal), [api, id, finished]);

  if (first.error) {
    return (
      <div className="page">
        <Breadcrumbs id={id} />
        <ErrorPanel
          error={first.error}
          context={first.error.status === 404 ? `There is no pipeline run ${id}` : `Could not load pipeline run ${id}`}
          onRetry={first.error.status === 404 ? undefined : first.reload}
        />
        <p>
          <Link to="/pipelines">All pipeline runs</Link>
        </p>
      </div>
    );
  }
  if (!run) {
    return (
      <div className="page">
        <Breadcrumbs id={id} />
        <p className="muted" role="status">
          Loading the run…
        </p>
      </div>
    );
  }

  const chosen = search.get('job');
  const selectedId = chosen && (chosen === CHECKOUT || run.jobs.some((j) => j.id === chosen)) ? chosen : defaultJob(run);
  const selectJob = (jobId: string) => navigate(`/pipelines/runs/${encodeURIComponent(id)}?job=${encodeURIComponent(jobId)}`, { replace: true });
  const selected = run.jobs.find((j) => j.id === selectedId) ?? null;
  const jobNames = Object.fromEntries(run.jobs.map((j) => [j.id, j.name]));
  const hasCheckoutLog = (logs[CHECKOUT]?.length ?? 0) > 0;

  return (
    <div className="page">
      <Breadcrumbs id={id} repo={run.repo} />
      <RunHeader run={run} now={now} running={running} onChange={(v) => setRun((r) => (r ? { ...r, ...v } : r))} />

      {run.problems.length > 0 && (
        <section className="card run-problems" aria-labelledby="problems-title" data-testid="run-problems">
          <h2 id="problems-title">
            The pipeline file could not be used <span className="count">{run.problems.length}</span>
          </h2>
          <p className="muted small">Fix these in the repository and push again; nothing ran.</p>
          <ProblemList problems={run.problems} label="Problems of the pipeline file" />
        </section>
      )}

      {run.jobs.length > 0 && (
        <section className="card" aria-labelledby="jobs-title">
          <div className="card-header">
            <h2 id="jobs-title">
              Jobs <span className="count">{run.jobs.length}</span>
            </h2>
            <div className="graph-legend muted small">
              Select a job to see its steps and output.
              {hasCheckoutLog && (
                <button
                  type="button"
                  className={selectedId === CHECKOUT ? 'btn btn-small active' : 'btn btn-small'}
                  aria-pressed={selectedId === CHECKOUT}
                  onClick={() => selectJob(CHECKOUT)}
                  data-testid="checkout-log"
                >
                  Checkout output
                </button>
              )}
            </div>
          </div>
          <JobGraph jobs={run.jobs} selected={selectedId} onSelect={selectJob} now={now} />
        </section>
      )}

      {(run.jobs.length > 0 || hasCheckoutLog) && (
        <section className="card job-detail" aria-labelledby="job-title" data-testid="job-detail" data-job={selectedId}>
          <div className="card-header">
            <h2 id="job-title">{selected ? <>Job {selected.name}</> : 'Checkout'}</h2>
            <StreamIndicator state={stream} onReconnect={() => setAttempt((a) => a + 1)} />
          </div>
          {selected && <JobFacts job={selected} run={run} now={now} />}
          <div className={selected ? 'job-detail-grid' : undefined}>
            {selected && (
              <div>
                <h3 className="job-detail-sub">Steps</h3>
                <PipelineStepList steps={selected.steps} />
              </div>
            )}
            <div className="job-log-col">
              {selected && <h3 className="job-detail-sub">Output</h3>}
              <PipelineLog
                key={selectedId}
                chunks={logs[selectedId] ?? []}
                stepNames={Object.fromEntries((selected?.steps ?? []).map((s) => [s.id, s.name]))}
                label={selected ? `Output of job ${selected.name}` : 'Checkout output'}
                empty={emptyLogText(selected, running)}
              />
            </div>
          </div>
        </section>
      )}

      {run.jobs.length > 0 && (
        <div className="run-results">
          <section className="card" aria-labelledby="findings-title" data-testid="findings">
            <h2 id="findings-title">
              Findings <span className="count">{findings.data?.items.length ?? 0}</span>
            </h2>
            {findings.error && <ErrorPanel error={findings.error} context="Could not load the findings" onRetry={findings.reload} />}
            {findings.data &&
              (findings.data.items.length === 0 ? (
                <p className="muted">{running ? 'No findings so far.' : 'The security steps found nothing (or the pipeline has none).'}</p>
              ) : (
                <FindingsPanel findings={findings.data.items} jobNames={jobNames} onSelectJob={selectJob} />
              ))}
          </section>
          <section className="card" aria-labelledby="artifacts-title" data-testid="artifacts">
            <h2 id="artifacts-title">
              Artifacts <span className="count">{artifacts.data?.items.length ?? 0}</span>
            </h2>
            {artifacts.error && <ErrorPanel error={artifacts.error} context="Could not load the artifacts" onRetry={artifacts.reload} />}
            {artifacts.data &&
              (artifacts.data.items.length === 0 ? (
                <p className="muted">{running ? 'No artifacts kept so far.' : 'This run kept no artifacts.'}</p>
              ) : (
                <table className="table artifact-table">
                  <thead>
                    <tr>
                      <th scope="col">Path</th>
                      <th scope="col">Job</th>
                      <th scope="col" className="num">
                        Size
                      </th>
                      <th scope="col">SHA-256</th>
                    </tr>
                  </thead>
                  <tbody>
                    {artifacts.data.items.map((a) => (
                      <tr key={`${a.jobId}/${a.path}`} data-testid="artifact">
                        <td className="mono">{a.path}</td>
                        <td>{jobNames[a.jobId] ?? a.jobId}</td>
                        <td className="num nowrap">{formatBytes(a.size)}</td>
                        <td className="mono small" title={a.sha256}>
                          {a.sha256.slice(0, 12)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
          </section>
        </div>
      )}
    </div>
  );
}

function emptyLogText(job: JobView | null, running: boolean): string {
  if (!job) return 'The checkout wrote nothing.';
  if (job.status === 'skipped') return `This job was skipped${job.reason ? `: ${job.reason}` : ''}.`;
  if (job.status === 'pending') return running ? 'This job has not started yet.' : 'This job never started.';
  if (job.status === 'running') return 'Waiting for output…';
  return 'This job wrote no output.';
}

function Breadcrumbs({ id, repo }: { id: string; repo?: string }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <Link to="/pipelines">Pipelines</Link>
      {repo && (
        <>
          <span aria-hidden="true">/</span>
          <Link to={`/pipelines?repo=${encodeURIComponent(repo)}`}>{repo}</Link>
        </>
      )}
      <span aria-hidden="true">/</span>
      <span aria-current="page" className="mono">
        {id}
      </span>
    </nav>
  );
}

function RunHeader({ run, now, running, onChange }: { run: RunDetail; now: number; running: boolean; onChange: (v: RunView) => void }) {
  return (
    <>
      <header className="card entity-header">
        <div className="entity-header-top">
          <div>
            <p className="eyebrow">Pipeline run{run.pipeline?.name ? ` · ${run.pipeline.name}` : ''}</p>
            <h1 data-testid="run-title">
              {run.repo}
              <span className="run-title-branch"> @ {run.branch}</span>
            </h1>
            <p className="entity-sub">{run.id}</p>
          </div>
          <div className="entity-badges">
            <RunStatusBadge status={run.status} cancelling={run.cancelRequested && running} />
            <RunActions run={run} running={running} onChange={onChange} />
          </div>
        </div>
        <dl className="facts run-facts">
          <div>
            <dt>Component</dt>
            <dd>{run.componentRef ? <EntityRefLink entityRef={run.componentRef} /> : <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>Commit</dt>
            <dd className="mono" title={run.sha} data-testid="run-sha">
              {shortSha(run.sha)}
            </dd>
          </div>
          <div>
            <dt>Trigger</dt>
            <dd>
              {/* One flex item, so the sentence keeps its spaces. */}
              <span data-testid="run-event">
                {eventLabel(run.event)} <span className="muted">by</span> <span title={run.actor}>{shortRef(run.actor)}</span>
              </span>
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd title={formatAbsoluteTime(run.createdAt)}>{formatRelativeTime(run.createdAt, now)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd data-testid="run-duration">{elapsed(run, now) || '—'}</dd>
          </div>
          <div>
            <dt>Runner</dt>
            <dd className="mono small">
              {run.runner ?? <span className="muted">{running ? 'waiting for one' : 'none'}</span>}
              {run.attempt > 1 && <span className="muted" title="An earlier runner was lost; the run started again from the first job."> · attempt {run.attempt}</span>}
            </dd>
          </div>
        </dl>
      </header>
      {run.status === 'failed' && run.reason && run.problems.length === 0 && (
        <div className="error-panel" role="alert" data-testid="run-reason">
          <p className="error-title">
            <span className="error-glyph" aria-hidden="true">
              ✕
            </span>
            This run failed
          </p>
          <p className="error-detail">{run.reason}</p>
        </div>
      )}
      {run.status === 'cancelled' && (
        <div className="notice notice-warning" role="status" data-testid="run-reason">
          This run was cancelled{run.finishedAt ? ` ${formatRelativeTime(run.finishedAt, now)}` : ''}
          {run.reason && run.reason !== 'cancelled' ? `: ${run.reason}` : '.'}
        </div>
      )}
      {run.status === 'queued' && (
        <div className="notice" role="status">
          Waiting for a runner{run.labels.length > 0 ? ` with the labels ${run.labels.join(', ')}` : ''}…
        </div>
      )}
    </>
  );
}

function JobFacts({ job, run, now }: { job: JobView; run: RunDetail; now: number }) {
  const spec = run.pipeline?.jobs.find((j) => j.id === job.id);
  const time = job.status === 'skipped' ? '' : elapsed(job, now);
  // A job that failed or was cancelled in a step says so in that step's reason too; once is enough.
  const stepSaysIt = job.steps.some((s) => s.reason && job.reason?.endsWith(s.reason));
  return (
    <div className="job-facts">
      <StatusBadge tone={STATUS_TONE[job.status]}>{STATUS_LABEL[job.status]}</StatusBadge>
      {time && <span className="muted small">{time}</span>}
      {job.needs.length > 0 && (
        <span className="small">
          <span className="muted">needs</span> {job.needs.map((n) => run.jobs.find((j) => j.id === n)?.name ?? n).join(', ')}
        </span>
      )}
      {job.cacheHit !== null && <StatusBadge tone="neutral">{job.cacheHit ? 'Cache hit' : 'Cache miss'}</StatusBadge>}
      <span className="small muted">
        from <code>{job.origin}</code>
      </span>
      {job.required && (
        <p className="job-required-note small" data-testid="job-required">
          Required by the standard pipeline{spec?.reason ? `: ${spec.reason}` : ''}.
        </p>
      )}
      {job.reason && !stepSaysIt && (
        <p className={job.status === 'failed' ? 'step-error job-reason' : 'job-reason muted small'} data-testid="job-reason">
          {job.reason}
        </p>
      )}
    </div>
  );
}

function StreamIndicator({ state, onReconnect }: { state: StreamState; onReconnect: () => void }) {
  const text: Record<StreamState, string> = {
    connecting: 'Connecting…',
    live: 'Following live',
    ended: 'Complete',
    lost: 'Live output disconnected',
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

/** Cancel while the run is queued or running (with a confirmation), and Re-run once it has finished. */
function RunActions({ run, running, onChange }: { run: RunDetail; running: boolean; onChange: (v: RunView) => void }) {
  const { api, user } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (user.role === 'viewer') return null;

  const act = async (what: 'cancel' | 'rerun') => {
    setBusy(true);
    setError(null);
    try {
      if (what === 'cancel') onChange(await api.cancelPipelineRun(run.id));
      else navigate(`/pipelines/runs/${encodeURIComponent((await api.rerunPipelineRun(run.id)).id)}`);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <span className="confirm">
      {running && !run.cancelRequested &&
        (confirming ? (
          <>
            <span className="small">Stop every job of this run?</span>
            <button type="button" className="btn btn-small btn-danger" onClick={() => act('cancel')} disabled={busy}>
              Yes, cancel
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirming(false)} disabled={busy}>
              Keep running
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
            Cancel run
          </button>
        ))}
      {!running && (
        <button type="button" className="btn" onClick={() => act('rerun')} disabled={busy} title={`Run ${shortSha(run.sha)} again as a new run`}>
          ↻ Re-run
        </button>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error.title}
          {error.detail ? `: ${error.detail}` : ''}
        </span>
      )}
    </span>
  );
}

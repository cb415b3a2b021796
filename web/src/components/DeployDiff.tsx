import type { ReleaseDiffView, ReleaseView } from '../api.js';
import { formatAbsoluteTime, formatRelativeTime } from '../formatTime.js';
import { shortSha } from '../pipelineFormat.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { diffValue } from './EnvFormat.js';
import { ErrorPanel } from './ErrorPanel.js';

export interface DeployDiffProps {
  /** The release a deployment put in place. */
  releaseId: string;
  /** What the environment ran before it; null for the first deployment there. */
  fromReleaseId: string | null;
}

type Loaded = { kind: 'diff'; diff: ReleaseDiffView } | { kind: 'first'; release: ReleaseView } | { kind: 'same' };

/**
 * What a deployment changed: the commits its release has that the one before it had not, and the workload
 * fields (Score) that differ. The first deployment in an environment lists its release's commits.
 */
export function DeployDiff({ releaseId, fromReleaseId }: DeployDiffProps) {
  const { api } = useSession();
  const loaded = useAsync<Loaded>(async (signal) => {
    if (fromReleaseId === releaseId) return { kind: 'same' };
    if (!fromReleaseId) return { kind: 'first', release: await api.getRelease(releaseId, signal) };
    return { kind: 'diff', diff: await api.releaseDiff(releaseId, fromReleaseId, signal) };
  }, [api, releaseId, fromReleaseId]);

  if (loaded.error) return <ErrorPanel error={loaded.error} context="Could not compare the releases" onRetry={loaded.reload} />;
  const data = loaded.data;
  if (!data) return <p className="muted small">Comparing releases…</p>;
  if (data.kind === 'same') return <p className="muted small" data-testid="deploy-diff">The same release as before: nothing changed.</p>;
  if (data.kind === 'first') {
    return (
      <div className="deploy-diff" data-testid="deploy-diff">
        <div>
          <h3>Commits of release {shortSha(data.release.sha)}</h3>
          <p className="small muted">The first deployment here: nothing to compare with.</p>
          <CommitList commits={data.release.commits.map((c) => ({ sha: c.sha, at: c.at, author: '', subject: '' }))} />
        </div>
      </div>
    );
  }
  const { diff } = data;
  return (
    <div className="deploy-diff" data-testid="deploy-diff">
      <div>
        <h3>
          Commits <span className="mono small muted">{shortSha(diff.from.sha)}</span> → <span className="mono small muted">{shortSha(diff.to.sha)}</span>
        </h3>
        {diff.commits.length === 0 ? (
          <p className="muted small">No new commits (an older release, or the same commit built again).</p>
        ) : (
          <CommitList commits={diff.commits} />
        )}
      </div>
      <div>
        <h3>Workload changes</h3>
        {diff.workload.length === 0 ? (
          <p className="muted small">The Score workload is the same.</p>
        ) : (
          <table className="table compact-table deploy-diff-fields" data-testid="deploy-diff-fields">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {diff.workload.map((w) => (
                <tr key={w.path} data-testid="deploy-diff-field" data-path={w.path}>
                  <td className="mono small">{w.path}</td>
                  <td className="mono small diff-old">{diffValue(w.from)}</td>
                  <td className="mono small diff-new">{diffValue(w.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

function CommitList({ commits }: { commits: ReleaseDiffView['commits'] }) {
  if (commits.length === 0) return <p className="muted small">No commits recorded.</p>;
  return (
    <ul className="deploy-commits">
      {commits.map((c) => (
        <li key={c.sha} data-testid="deploy-diff-commit">
          <span className="mono small" title={c.sha}>
            {shortSha(c.sha)}
          </span>{' '}
          {c.subject && <span className="deploy-commit-subject">{c.subject}</span>}{' '}
          <span className="muted small">
            {c.author && <>{c.author} · </>}
            <span title={formatAbsoluteTime(c.at)}>{formatRelativeTime(c.at)}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

import { useState, type FormEvent } from 'react';
import { toApiError, type ApiError, type RepoView, type RunView } from '../api.js';
import { shortRef } from '../entityRef.js';
import { useSession } from '../session.js';
import { ErrorPanel } from './ErrorPanel.js';

export interface RunPipelineFormProps {
  repos: RepoView[];
  /** Preselected repository. */
  initialRepo?: string;
  onStarted: (run: RunView) => void;
  onClose: () => void;
}

/** Runs a hosted repository's pipeline by hand, at the head of a branch (the default branch when left empty). */
export function RunPipelineForm({ repos, initialRepo, onStarted, onClose }: RunPipelineFormProps) {
  const { api } = useSession();
  const [repo, setRepo] = useState(() => (initialRepo && repos.some((r) => r.name === initialRepo) ? initialRepo : (repos[0]?.name ?? '')));
  const [branch, setBranch] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const chosen = repos.find((r) => r.name === repo);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!repo) return;
    setBusy(true);
    setError(null);
    try {
      onStarted(await api.triggerPipelineRun({ repo, branch: branch.trim() || undefined }));
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  };

  return (
    <form className="card run-form" onSubmit={submit} aria-labelledby="run-form-title" data-testid="run-form">
      <h2 id="run-form-title">Run a pipeline</h2>
      {repos.length === 0 ? (
        <p className="muted">
          There are no hosted repositories yet. Create a service from a golden path, or a repository with <code>POST /api/repos</code>.
        </p>
      ) : (
        <div className="run-form-fields">
          <div className="form-field">
            <label htmlFor="run-repo" className="field-label">
              Repository
            </label>
            <select id="run-repo" className="input" value={repo} onChange={(e) => setRepo(e.target.value)} required>
              {repos.map((r) => (
                <option key={r.name} value={r.name}>
                  {r.name}
                  {r.owner ? ` (${shortRef(r.owner)})` : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="form-field">
            <label htmlFor="run-branch" className="field-label">
              Branch
            </label>
            <input
              id="run-branch"
              className="input mono"
              value={branch}
              onChange={(e) => setBranch(e.target.value)}
              placeholder={chosen?.defaultBranch ?? 'main'}
              aria-describedby="run-branch-help"
              spellCheck={false}
              autoComplete="off"
            />
            <p id="run-branch-help" className="field-help">
              Runs the head of this branch; empty runs the default branch ({chosen?.defaultBranch ?? 'main'}).
            </p>
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy || !repo}>
              {busy ? 'Starting…' : 'Run'}
            </button>
            <button type="button" className="btn" onClick={onClose} disabled={busy}>
              Close
            </button>
          </div>
        </div>
      )}
      {error && <ErrorPanel error={error} context={`Could not run the pipeline of ${repo}`} />}
    </form>
  );
}

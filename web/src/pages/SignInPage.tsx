import { useState, type FormEvent } from 'react';

export interface SignInPageProps {
  /** Why the user is here (signed out, token expired). */
  message?: string;
  /** Checks and stores the token; answers an error message, or null when signed in. */
  onSignIn: (token: string) => Promise<string | null>;
}

/** Start screen: paste an API token, checked with `GET /api/whoami` before it is kept. */
export function SignInPage({ message, onSignIn }: SignInPageProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const failure = await onSignIn(token);
    setBusy(false);
    if (failure) setError(failure);
  };

  return (
    <div className="signin-screen">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="signin-brand">
          <span className="brand-mark" aria-hidden="true">
            G
          </span>
          <span>Gantry</span>
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p className="muted">Paste an API token to open the developer portal.</p>
        {message && !error && (
          <p className="notice" role="status">
            {message}
          </p>
        )}
        <label htmlFor="token" className="field-label">
          API token
        </label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          className="input"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'token-error' : 'token-help'}
          autoFocus
        />
        {error && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <div id="token-help" className="signin-help">
          <h2>Where do I find a token?</h2>
          <ul>
            <li>
              The <strong>admin token</strong> is in <code>.gantry/admin-token</code> in the workspace; <code>gantry up</code>{' '}
              prints where it is when the platform starts.
            </li>
            <li>
              Everyone else uses a personal token: an admin makes one with{' '}
              <code>gantry token create --user user:default/you</code>; with it you can make more with{' '}
              <code>gantry token create</code>.
            </li>
          </ul>
        </div>
      </form>
    </div>
  );
}

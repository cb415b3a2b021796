import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, type ApiError, toApiError, type WhoAmI } from './api.js';

const STORAGE_KEY = 'gantry.token';

export interface Session {
  api: ApiClient;
  user: WhoAmI;
  /** Forgets the token; `message` is shown on the sign-in screen (why the session ended). */
  signOut: (message?: string) => void;
  /** Whether the signed-in user may change something owned by `owner` (mirrors src/auth/authorize.ts). */
  canChange: (owner: string | null | undefined) => boolean;
}

type SessionState =
  | { status: 'checking'; token: string }
  | { status: 'signed-out'; message?: string }
  | { status: 'unreachable'; token: string; error: ApiError }
  | { status: 'signed-in'; token: string; user: WhoAmI };

const SessionContext = createContext<Session | null>(null);

/** The signed-in session; only components rendered inside `SessionGate`'s signed-in branch may call it. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession used outside a signed-in session');
  return s;
}

function readToken(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeToken(token: string | null): void {
  try {
    if (token === null) window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage can be disabled (private mode); the session then lasts until the tab closes.
  }
}

/** Explains a rejected token in words a person can act on. */
export function describeTokenError(e: ApiError, saved: boolean): string {
  if (e.status === 401) {
    const why = e.detail ? ` The API said: ${e.detail}` : '';
    return saved
      ? `Your saved token is no longer accepted: it may have expired or been revoked. Paste a new one.${why}`
      : `That token was not accepted: it is mistyped, expired or revoked.${why}`;
  }
  return `${e.title}${e.detail ? `: ${e.detail}` : ''}`;
}

export interface SessionGateProps {
  /** Rendered when no valid token is known. */
  signIn: (props: { message?: string; onSignIn: (token: string) => Promise<string | null> }) => ReactNode;
  /** Rendered when the saved token could not be checked because the API did not answer. */
  unreachable: (props: { error: ApiError; retry: () => void; signOut: () => void }) => ReactNode;
  children: ReactNode;
}

/**
 * Holds the API token (in localStorage, so a reload keeps the session), checks it with `GET /api/whoami`,
 * and renders the sign-in screen whenever there is no valid token, including after any 401.
 */
export function SessionGate({ signIn, unreachable, children }: SessionGateProps) {
  const [state, setState] = useState<SessionState>(() => {
    const token = readToken();
    return token ? { status: 'checking', token } : { status: 'signed-out' };
  });
  const [attempt, setAttempt] = useState(0);

  const signOut = useCallback((message?: string) => {
    writeToken(null);
    setState({ status: 'signed-out', message });
  }, []);

  const checkingToken = state.status === 'checking' ? state.token : null;
  useEffect(() => {
    if (!checkingToken) return;
    const controller = new AbortController();
    new ApiClient({ token: checkingToken })
      .whoami(controller.signal)
      .then((user) => setState({ status: 'signed-in', token: checkingToken, user }))
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        const error = toApiError(e);
        if (error.status === 401 || error.status === 403) signOut(describeTokenError(error, true));
        else setState({ status: 'unreachable', token: checkingToken, error });
      });
    return () => controller.abort();
  }, [checkingToken, attempt, signOut]);

  const onSignIn = useCallback(async (raw: string): Promise<string | null> => {
    const token = raw.trim();
    if (!token) return 'Paste an API token first.';
    try {
      const user = await new ApiClient({ token }).whoami();
      writeToken(token);
      setState({ status: 'signed-in', token, user });
      return null;
    } catch (e) {
      return describeTokenError(toApiError(e), false);
    }
  }, []);

  const signedInToken = state.status === 'signed-in' ? state.token : null;
  const user = state.status === 'signed-in' ? state.user : null;
  const session = useMemo<Session | null>(() => {
    if (!signedInToken || !user) return null;
    const api = new ApiClient({
      token: signedInToken,
      onUnauthenticated: (e) => signOut(describeTokenError(e, true)),
    });
    const teams = new Set(user.teams.map((t) => t.toLowerCase()));
    return {
      api,
      user,
      signOut,
      canChange: (owner) => user.role === 'admin' || (user.role === 'member' && !!owner && teams.has(owner.toLowerCase())),
    };
  }, [signedInToken, user, signOut]);

  if (state.status === 'checking') {
    return (
      <div className="center-screen" role="status">
        Checking your session…
      </div>
    );
  }
  if (state.status === 'unreachable') {
    return unreachable({
      error: state.error,
      retry: () => {
        setState({ status: 'checking', token: state.token });
        setAttempt((a) => a + 1);
      },
      signOut: () => signOut(),
    });
  }
  if (!session) return signIn({ message: state.status === 'signed-out' ? state.message : undefined, onSignIn });
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

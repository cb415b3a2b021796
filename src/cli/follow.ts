/** What the commands that follow something until it ends (tasks, pipeline runs, deployments) share. */
import { ApiError, UnreachableError } from './client.js';

/** Rejects with the signal's reason when it aborts first. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal);
}

/** A failure worth retrying while following: the server did not answer or said it is briefly unavailable. */
export function transient(e: unknown): boolean {
  return e instanceof UnreachableError || (e instanceof ApiError && (e.status === 502 || e.status === 503 || e.status === 504));
}

/** What the commands that follow something until it ends (tasks, pipeline runs, deployments) share. */
import { ApiError, UnreachableError } from './client.js';
import { SilentFailure } from './errors.js';
import { err, printErr } from './output.js';

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

/** Ctrl-C while following something: it goes on; exit 130 like any interrupted command. */
export class StoppedFollowing extends SilentFailure {
  override readonly exitCode = 130;
}

/** Poll delays while following: quick after news, slower while nothing happens. */
const POLL_MIN_MS = 200;
const POLL_MAX_MS = 1000;
/** How long a server that stopped answering (restart, network) may take before following gives up. */
const RECONNECT_FOR_MS = 30_000;

export interface FollowUntilDone<T, I extends { seq: number }> {
  /** Reads the thing, then its new items after `after` (in that order, so the last items are never missed). */
  poll(after: number, signal: AbortSignal): Promise<{ current: T; items: I[] }>;
  done(current: T): boolean;
  onItem(item: I): void;
  /** Called with each poll's thing after its items went to onItem. */
  onPoll?(current: T): void;
  /** Items with a sequence number above this are new (0: from the start). */
  after?: number;
  /** What to tell someone who pressed Ctrl-C: `run 3f2a…`, and how to follow it again or cancel it. */
  stopped: { what: string; follow: string; cancel: string };
}

/**
 * Follows a task or a run until it ends, polling the API (what its SSE stream does on the server too). A server
 * that stops answering is retried for a while (a restart must not lose the user's place). Ctrl-C stops following,
 * not the thing (`StoppedFollowing`, after saying how to follow again).
 */
export async function followUntilDone<T, I extends { seq: number }>(f: FollowUntilDone<T, I>): Promise<T> {
  const ctrl = new AbortController();
  const onSigint = () => ctrl.abort(new StoppedFollowing('stopped following'));
  process.on('SIGINT', onSigint);
  let after = f.after ?? 0;
  let delay = POLL_MIN_MS;
  let failingSince: number | null = null;
  try {
    for (;;) {
      let current: T;
      let items: I[];
      try {
        ({ current, items } = await abortable(f.poll(after, ctrl.signal), ctrl.signal));
      } catch (e) {
        if (!transient(e)) throw e;
        const now = Date.now();
        if (failingSince === null) {
          failingSince = now;
          printErr(err.yellow(`${(e as Error).message}; trying again for ${RECONNECT_FOR_MS / 1000} s…`));
        } else if (now - failingSince > RECONNECT_FOR_MS) throw e;
        await sleep(POLL_MAX_MS, ctrl.signal);
        continue;
      }
      if (failingSince !== null) printErr(err.green('connected again'));
      failingSince = null;
      for (const item of items) {
        f.onItem(item);
        after = item.seq;
      }
      f.onPoll?.(current);
      if (f.done(current)) return current;
      delay = items.length > 0 ? POLL_MIN_MS : Math.min(POLL_MAX_MS, Math.round(delay * 1.5));
      await sleep(delay, ctrl.signal);
    }
  } catch (e) {
    if (e instanceof StoppedFollowing) {
      const [noun] = f.stopped.what.split(' ');
      printErr();
      printErr(`Stopped following ${f.stopped.what}; the ${noun} goes on.`);
      printErr(`  Follow it again:  ${f.stopped.follow}`);
      printErr(`  Cancel it:        ${f.stopped.cancel}`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

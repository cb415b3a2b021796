import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { toApiError, type ApiError } from './api.js';

export interface AsyncState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True while a load is in flight; `data` keeps the previous answer meanwhile, so refreshes do not flash. */
  loading: boolean;
  reload: () => void;
}

export interface AsyncOptions {
  /**
   * For views refreshed by events and polling (the same question asked again, not a new one): a load in flight
   * is not aborted by the next trigger; triggers meanwhile make one more load when it ends. Without this, a slow
   * answer on a busy server is aborted by every event and the view never updates.
   */
  coalesce?: boolean;
}

/**
 * Runs `load` whenever `deps` change (or `reload` is called), aborting the previous run so a slow answer
 * for old inputs never overwrites a newer one (or, with `coalesce`, letting it finish and loading once more).
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList, opts: AsyncOptions = {}): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const coalesce = opts.coalesce ?? false;
  // coalesce mode: one load at a time, one more queued; everything aborted when the component goes away.
  const inFlight = useRef(false);
  const queued = useRef(false);
  const unmount = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    unmount.current = controller;
    return () => controller.abort();
  }, []);

  useEffect(() => {
    if (coalesce) {
      const start = (): void => {
        const signal = unmount.current?.signal ?? new AbortController().signal;
        inFlight.current = true;
        setLoading(true);
        loadRef
          .current(signal)
          .then((value) => {
            if (signal.aborted) return;
            setData(value);
            setError(undefined);
          })
          .catch((e: unknown) => {
            if (!signal.aborted) setError(toApiError(e));
          })
          .finally(() => {
            inFlight.current = false;
            if (signal.aborted) return;
            if (queued.current) {
              queued.current = false;
              start();
            } else setLoading(false);
          });
      };
      if (inFlight.current) queued.current = true;
      else start();
      return undefined;
    }
    const controller = new AbortController();
    setLoading(true);
    loadRef
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(toApiError(e));
        setLoading(false);
      });
    return () => controller.abort();
    // The caller's deps decide when to load again; `load` itself is read through a ref.
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

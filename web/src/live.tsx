import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiClient } from './api.js';

/**
 * `EventSource` delivers a named event (`event: catalog.entity.updated`) only to a listener registered for
 * exactly that name; there is no wildcard. These are the catalog actions the store appends to the event
 * log; unnamed messages are handled too, and any other `catalog.*` name that arrives unnamed still counts.
 */
export const CATALOG_EVENT_NAMES = [
  'catalog.entity.created',
  'catalog.entity.updated',
  'catalog.entity.deleted',
  'catalog.entity.orphaned',
  'catalog.location.created',
  'catalog.location.refreshed',
  'catalog.location.deleted',
] as const;

const DEBOUNCE_MS = 600;
const TOAST_MS = 3500;
const RECONNECT_MS = 5000;

export type LiveStatus = 'connecting' | 'live' | 'offline';

export interface LiveUpdates {
  /** Increases after a burst of catalog events; pages list it in their load dependencies. */
  version: number;
  status: LiveStatus;
}

const LiveContext = createContext<LiveUpdates>({ version: 0, status: 'offline' });

/** The live-update counter and connection state for the current session. */
export function useLiveUpdates(): LiveUpdates {
  return useContext(LiveContext);
}

function isCatalogEvent(e: MessageEvent): boolean {
  if (e.type.startsWith('catalog.')) return true;
  if (typeof e.data !== 'string') return false;
  try {
    const body = JSON.parse(e.data) as { action?: unknown };
    return typeof body.action === 'string' && body.action.startsWith('catalog.');
  } catch {
    return false;
  }
}

export interface LiveUpdatesProviderProps {
  api: ApiClient;
  children: ReactNode;
}

/**
 * Subscribes to `/api/events/stream`; a burst of catalog events becomes one refresh of the visible data
 * (debounced) and one small "updated" toast.
 */
export function LiveUpdatesProvider({ api, children }: LiveUpdatesProviderProps) {
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [toast, setToast] = useState<string | null>(null);
  const pending = useRef(0);

  useEffect(() => {
    let source: EventSource | null = null;
    let debounce: ReturnType<typeof setTimeout> | undefined;
    let reconnect: ReturnType<typeof setTimeout> | undefined;
    let toastTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;

    const flush = () => {
      const n = pending.current;
      pending.current = 0;
      setVersion((v) => v + 1);
      setToast(n === 1 ? 'Catalog updated: 1 change' : `Catalog updated: ${n} changes`);
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => setToast(null), TOAST_MS);
    };
    const onEvent = (e: MessageEvent) => {
      if (!isCatalogEvent(e)) return;
      pending.current += 1;
      clearTimeout(debounce);
      debounce = setTimeout(flush, DEBOUNCE_MS);
    };
    const connect = () => {
      if (closed) return;
      setStatus('connecting');
      source = new EventSource(api.eventStreamUrl());
      source.onopen = () => setStatus('live');
      source.onmessage = onEvent;
      for (const name of CATALOG_EVENT_NAMES) source.addEventListener(name, onEvent);
      source.onerror = () => {
        // The browser retries dropped connections itself; a refused one (401, 404) ends in CLOSED.
        if (source?.readyState === EventSource.CLOSED) {
          setStatus('offline');
          source.close();
          reconnect = setTimeout(connect, RECONNECT_MS);
        } else setStatus('connecting');
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(reconnect);
      clearTimeout(toastTimer);
      source?.close();
    };
  }, [api]);

  return (
    <LiveContext.Provider value={{ version, status }}>
      {children}
      <div className="toast-region" role="status" aria-live="polite">
        {toast && (
          <div className="toast" data-testid="live-toast">
            <span className="toast-dot" aria-hidden="true" />
            {toast}
          </div>
        )}
      </div>
    </LiveContext.Provider>
  );
}

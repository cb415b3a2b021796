import { useEffect, useRef } from 'react';
import type { ApiClient } from './api.js';

const DEBOUNCE_MS = 300;
const RECONNECT_MS = 5000;

/**
 * Calls `onChange` (once per burst) when any of the named events is appended to the platform's event log, so a
 * page follows other people's actions without a reload. `EventSource` hands a named event only to a listener for
 * exactly that name, so the names are listed; `actionPrefix` narrows what the server sends.
 */
export function usePlatformEvents(api: ApiClient, names: readonly string[], onChange: () => void, actionPrefix?: string): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = names.join(',');

  useEffect(() => {
    let source: EventSource | null = null;
    let debounce: ReturnType<typeof setTimeout> | undefined;
    let reconnect: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const fire = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => callback.current(), DEBOUNCE_MS);
    };
    const connect = () => {
      if (closed) return;
      source = new EventSource(api.eventStreamUrl(actionPrefix));
      for (const name of key.split(',')) source.addEventListener(name, fire);
      source.onerror = () => {
        // A refused stream (401) ends in CLOSED and the browser gives up; try again later.
        if (source?.readyState !== EventSource.CLOSED) return;
        source.close();
        reconnect = setTimeout(connect, RECONNECT_MS);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(reconnect);
      source?.close();
    };
  }, [api, key, actionPrefix]);
}

import { useEffect, useRef } from 'react';
import type { ApiClient } from './api.js';

/** The run lifecycle events the pipelines domain appends to the event log. */
const RUN_EVENTS = ['pipeline.run.created', 'pipeline.run.started', 'pipeline.run.finished'] as const;
const DEBOUNCE_MS = 300;
const RECONNECT_MS = 5000;

/**
 * Calls `onChange` (once per burst) when a pipeline run is created, starts or finishes anywhere on the
 * platform, so run lists follow pushes and other people's runs without polling.
 */
export function usePipelineRunEvents(api: ApiClient, onChange: () => void): void {
  const callback = useRef(onChange);
  callback.current = onChange;

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
      source = new EventSource(api.eventStreamUrl('pipeline.run.'));
      for (const name of RUN_EVENTS) source.addEventListener(name, fire);
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
  }, [api]);
}

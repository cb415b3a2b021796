import { useEffect, useRef } from 'react';
import type { ApiClient } from '../api.js';

/**
 * The events the environments domain appends to the event log that change what the environment pages show.
 * `EventSource` hands a named event only to a listener for exactly that name, so they are listed.
 */
const DEPLOYMENT_EVENTS = [
  'deployment.requested',
  'deployment.approved',
  'deployment.succeeded',
  'deployment.failed',
  'release.created',
  'environment.created',
  'environment.deleted',
  'environment.reconciled',
] as const;
const DEBOUNCE_MS = 300;
const RECONNECT_MS = 5000;

/**
 * Calls `onChange` (once per burst) when anyone deploys, approves, makes a release or changes an environment,
 * so the matrix and the history follow other people's actions without a reload.
 */
export function useDeploymentEvents(api: ApiClient, onChange: () => void): void {
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
      source = new EventSource(api.eventStreamUrl());
      for (const name of DEPLOYMENT_EVENTS) source.addEventListener(name, fire);
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

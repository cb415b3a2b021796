import type { ApiClient } from './api.js';
import { usePlatformEvents } from './usePlatformEvents.js';

/** The run lifecycle events the pipelines domain appends to the event log. */
const RUN_EVENTS = ['pipeline.run.created', 'pipeline.run.started', 'pipeline.run.finished'] as const;

/** Calls `onChange` (once per burst) when a pipeline run is created, starts or finishes anywhere on the platform. */
export function usePipelineRunEvents(api: ApiClient, onChange: () => void): void {
  usePlatformEvents(api, RUN_EVENTS, onChange, 'pipeline.run.');
}

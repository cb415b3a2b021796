import type { ApiClient } from '../api.js';
import { usePlatformEvents } from '../usePlatformEvents.js';

/** The events of the environments domain that change what the environment pages show. */
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

/** Calls `onChange` (once per burst) when anyone deploys, approves, makes a release or changes an environment. */
export function useDeploymentEvents(api: ApiClient, onChange: () => void): void {
  usePlatformEvents(api, DEPLOYMENT_EVENTS, onChange);
}

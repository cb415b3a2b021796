/**
 * The `local` runtime driver (issue #5): each workload runs as supervised processes on this machine, from its
 * unpacked release bundle, behind one HTTP router at `http://<component>.<env>.localhost:<router port>`.
 *
 * - Deploy: allocate a port (PORT), start the release (own process group, cwd = bundle), wait for
 *   `readinessProbe.httpGet.path` (default `/readyz`) to answer 200, switch the route, stop the old instance once
 *   the requests in flight to it are done. A release that exits or never gets ready is stopped and the old one
 *   keeps serving: `{ ok: false, reason }` with the last lines of its log, for the engine to record.
 * - Supervise: a crash after readiness is restarted on the same port with exponential backoff (0.5 s doubling to
 *   30 s, reset after 60 s ready, `failed` after 6 crashes in a row). Output goes to
 *   `<dir>/logs/<env>/<component>/<instance>.log` (capped, rotated once).
 * - Survive a platform restart: `<dir>/state/<env>/<component>.json` names the processes; `recover()` checks each
 *   pid still carries its GANTRY_INSTANCE_ID and adopts or stops it.
 * - Linux is the target (/proc for identity, memory and escaped children); elsewhere identity falls back to
 *   `kill(pid, 0)` and memory is unknown.
 */
export {
  createLocalDriver,
  type DeployFailed,
  type DeployOptions,
  type DeployResult,
  type DeploySucceeded,
  type DesiredWorkload,
  type InstanceStatus,
  type LocalDriver,
  type LocalDriverOptions,
  type RecoverResult,
} from './driver.js';
export { createRouter, backendRequestHeaders, endToEndHeaders, type Router, type RouterOptions } from './router.js';
export { createSupervisor, type Instance, type InstanceState, type LogsOptions, type RecoveredInstance, type Supervisor, type SupervisorOptions } from './supervisor.js';
export { instanceSpecOf, localWorkloadProblems, maskSecrets, DEFAULT_READINESS_PATH, DEFAULT_READINESS_TIMEOUT_MS, type InstanceSpec, type Readiness } from './spec.js';
export { DEFAULT_BACKOFF, crashesAfterExit, givesUp, restartDelay, type BackoffPolicy } from './backoff.js';
export { hostKeyOf, isDnsLabel, routeHostOf } from './hosts.js';
export { DEFAULT_PORT_RANGE, allocatePort, isPortFree } from './ports.js';
export { groupRss, isInstanceProcess, INSTANCE_MARKER } from './procfs.js';
export { tailLog, followLog } from './logFiles.js';
export { readAllStates, stateFileOf, type ComponentState, type StateEntry } from './stateFiles.js';

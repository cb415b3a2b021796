import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GantryError, InputError, NotFoundError, type Problem } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import type { ResolvedWorkload } from '../../model/types.js';
import type { BackoffPolicy } from './backoff.js';
import { isDnsLabel, routeHostOf } from './hosts.js';
import { logDirOf } from './logFiles.js';
import { portRangeProblem } from './ports.js';
import { groupRss } from './procfs.js';
import { createRouter } from './router.js';
import { instanceSpecOf, type InstanceSpec } from './spec.js';
import { createSupervisor, type Instance, type InstanceState, type LogsOptions, type RecoveredInstance } from './supervisor.js';

export interface LocalDriverOptions {
  /** The workspace folder: `logs/` and `state/` go under it. */
  dir: string;
  /** The router's port (0 picks one; see `routerPort` on the driver). */
  routerPort: number;
  routerHost?: string;
  log?: Logger;
  /** Where instance ports come from; default 20000-29999. */
  portRange?: readonly [number, number];
  backoff?: Partial<BackoffPolicy>;
  logCapBytes?: number;
  /** Between SIGTERM and SIGKILL when an instance is stopped; default 5 s. */
  stopGraceMs?: number;
  /** Default readiness deadline per deploy; default 30 s. */
  readinessTimeoutMs?: number;
  /** How long requests in flight to a replaced instance may run before it is stopped anyway; default 30 s. */
  drainTimeoutMs?: number;
}

export interface DeployOptions {
  readinessTimeoutMs?: number;
}

interface DeployBase {
  environment: string;
  component: string;
  release: string;
  /** From the call to the new instance serving behind the router (or to the failure being known). */
  durationMs: number;
}

export interface DeploySucceeded extends DeployBase {
  ok: true;
  /** `http://<component>.<env>.localhost:<router port>`; null for a workload without ports (not routed). */
  url: string | null;
  port: number;
  instanceId: string;
  /** The instance it replaced (stopped after its in-flight requests finished). */
  replaced: { release: string; instanceId: string } | null;
  /** False when the replaced instance still had requests in flight at the drain deadline. */
  drained: boolean;
}

export interface DeployFailed extends DeployBase {
  ok: false;
  instanceId: string;
  /** Why, with the last lines of the instance's log (secret values masked). */
  reason: string;
  logTail: string[];
  /** What keeps serving: the previous instance, untouched (the rollback); null for a first deploy or when it had failed. */
  serving: { release: string; instanceId: string } | null;
}

export type DeployResult = DeploySucceeded | DeployFailed;

export interface InstanceStatus {
  environment: string;
  component: string;
  release: string;
  instanceId: string;
  state: InstanceState;
  pid: number | null;
  port: number;
  restarts: number;
  routed: boolean;
  url: string | null;
  startedAt: string;
  readyAt: string | null;
  /** Resident memory of the instance's whole process group, in bytes; null when not running or unknown. */
  memoryRssBytes: number | null;
  lastError: string | null;
}

/** What should run: a workload and its unpacked release bundle. */
export interface DesiredWorkload {
  workload: ResolvedWorkload;
  bundleDir: string;
}

export interface RecoverResult {
  /** Processes of a previous platform that run a desired release, ready again and routed. */
  adopted: InstanceStatus[];
  /** Desired workloads that had no usable process: deployed afresh. */
  deployed: DeployResult[];
  /** Processes of a previous platform that are not desired (another release, an undeployed component): stopped. */
  stopped: Array<{ environment: string; component: string; release: string; instanceId: string; pid: number }>;
}

export interface LocalDriver {
  readonly routerPort: number;
  /** Starts the release, waits for readiness, switches the route, then stops the old instance once drained. */
  deploy(w: ResolvedWorkload, bundleDir: string, opts?: DeployOptions): Promise<DeployResult>;
  /** Removes the route and stops every instance of the component. Returns how many were stopped. */
  undeploy(environment: string, component: string): Promise<number>;
  status(environment?: string): Promise<InstanceStatus[]>;
  logs(environment: string, component: string, opts?: LogsOptions): AsyncGenerator<string>;
  urlOf(environment: string, component: string): string;
  /** After a platform restart: adopts live processes that run a desired release, stops the rest, deploys what is missing. */
  recover(desired: DesiredWorkload[]): Promise<RecoverResult>;
  /** Stops the router and every process. */
  stop(): Promise<void>;
}

const LOG_TAIL_LINES = 20;
const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

const problem = (code: string, path: string, message: string): Problem => ({ code, path, message: `${path}: ${message}`, severity: 'error' });

/** Whether the bundle is there and the program can be found, so a deploy fails before anything changes. */
async function runProblems(w: ResolvedWorkload, spec: InstanceSpec): Promise<Problem[]> {
  try {
    if (!(await stat(spec.cwd)).isDirectory()) return [problem('invalid_bundle', 'bundleDir', `${spec.cwd} is not a directory`)];
  } catch {
    return [problem('missing_bundle', 'bundleDir', `${spec.cwd} does not exist (the release bundle must be unpacked before a deploy)`)];
  }
  const prog = spec.argv[0]!;
  const at = `containers.${w.containers[0]!.name}.command`;
  const executable = (p: string) =>
    access(p, constants.X_OK).then(
      () => true,
      () => false,
    );
  if (prog.includes('/')) {
    const abs = resolve(spec.cwd, prog);
    return (await executable(abs)) ? [] : [problem('missing_program', at, `${prog} is not an executable file (looked for ${abs})`)];
  }
  for (const d of (spec.env.PATH ?? '').split(':').filter(Boolean)) if (await executable(join(d, prog))) return [];
  return [problem('missing_program', at, `"${prog}" was not found on PATH`)];
}

/**
 * The local driver (issue #5): workloads as supervised processes on this machine behind one router. Deploys of one
 * component run one at a time; different components deploy concurrently. Bad input (a workload the driver cannot
 * run, a missing bundle or program, a router port in use) is an error before anything changes.
 */
export async function createLocalDriver(o: LocalDriverOptions): Promise<LocalDriver> {
  const log = (o.log ?? silentLogger).child({ driver: 'local' });
  if (!Number.isInteger(o.routerPort) || o.routerPort < 0 || o.routerPort > 65_535) {
    const p = problem('invalid_value', 'routerPort', `expected a port number 0-65535, found ${o.routerPort}`);
    throw new InputError(p.message, { problems: [p] });
  }
  const rangeProblem = o.portRange ? portRangeProblem(o.portRange) : null;
  if (rangeProblem) throw new InputError(rangeProblem, { problems: [problem('invalid_value', 'portRange', rangeProblem.replace(/^portRange: /, ''))] });
  const router = await createRouter({ port: o.routerPort, host: o.routerHost, log });
  const supervisor = createSupervisor({ dir: o.dir, log, backoff: o.backoff, portRange: o.portRange, logCapBytes: o.logCapBytes, stopGraceMs: o.stopGraceMs });
  const drainTimeoutMs = o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const queues = new Map<string, Promise<unknown>>();
  let stopped = false;

  const urlOf = (environment: string, component: string) => `http://${routeHostOf(environment, component)}:${router.port}`;

  /** Runs deploys of one component one after another. */
  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return run;
  }

  function assertRunning(): void {
    if (stopped) throw new GantryError('the local driver has been stopped');
  }

  async function specOf(w: ResolvedWorkload, bundleDir: string, readinessTimeoutMs: number | undefined): Promise<InstanceSpec> {
    const spec = instanceSpecOf(w, resolve(bundleDir), { readinessTimeoutMs: readinessTimeoutMs ?? o.readinessTimeoutMs });
    const problems = await runProblems(w, spec);
    if (problems.length) throw new InputError(`${w.component} in ${w.environment} cannot be deployed: ${problems.map((p) => p.message).join('; ')}`, { problems });
    return spec;
  }

  /** Sends the component's traffic to a ready instance (a workload without ports gets no route). */
  function route(inst: Instance, spec: InstanceSpec): void {
    const host = routeHostOf(spec.environment, spec.component);
    if (spec.routable) router.set(host, inst.port);
    else router.remove(host);
    supervisor.setRouted(inst.id);
  }

  /** Stops every other instance of the component, each once the requests in flight to it are done. */
  async function retireOthers(inst: Instance): Promise<boolean> {
    let drained = true;
    for (const other of supervisor.list(inst.environment)) {
      if (other.component !== inst.component || other.id === inst.id) continue;
      // A failed instance has nothing in flight, and its port may already belong to the new one.
      const drains = other.state !== 'failed' && other.port !== inst.port;
      if (drains && !(await router.drain(other.port, drainTimeoutMs))) {
        drained = false;
        log.warn('requests still in flight at the drain deadline; stopping the old instance anyway', { environment: inst.environment, component: inst.component, instanceId: other.id, inFlight: router.inFlight(other.port) });
      }
      await supervisor.stop(other.id);
    }
    return drained;
  }

  async function rollout(spec: InstanceSpec): Promise<DeployResult> {
    const t0 = performance.now();
    const base = { environment: spec.environment, component: spec.component, release: spec.release };
    const previous = supervisor.list(spec.environment).find((i) => i.component === spec.component && i.routed);
    // A previous instance the supervisor gave up on is replaced, but it does not count as serving.
    const serving = previous && previous.state !== 'failed' ? { release: previous.release, instanceId: previous.id } : null;
    const inst = await supervisor.start(spec);
    if (inst.state !== 'ready') {
      const logTail = await supervisor.tail(inst.id, LOG_TAIL_LINES);
      await supervisor.stop(inst.id);
      const why = `release ${spec.release} of ${spec.component} in ${spec.environment} failed: ${inst.lastError ?? `ended ${inst.state}`}`;
      const keeps = serving ? `; release ${serving.release} keeps serving` : '';
      const reason = `${why}${keeps}${logTail.length ? `; last log lines:\n${logTail.map((l) => `  ${l}`).join('\n')}` : ''}`;
      log.warn('deploy failed', { ...base, instanceId: inst.id, reason: inst.lastError, serving: serving?.release ?? null });
      return { ok: false, ...base, durationMs: performance.now() - t0, instanceId: inst.id, reason, logTail, serving };
    }
    route(inst, spec);
    const durationMs = performance.now() - t0;
    const drained = await retireOthers(inst);
    log.info('deployed', { ...base, instanceId: inst.id, port: inst.port, ms: Math.round(durationMs), replaced: previous?.release ?? null });
    const replaced = previous ? { release: previous.release, instanceId: previous.id } : null;
    return { ok: true, ...base, durationMs, url: spec.routable ? urlOf(spec.environment, spec.component) : null, port: inst.port, instanceId: inst.id, replaced, drained };
  }

  async function deploy(w: ResolvedWorkload, bundleDir: string, opts: DeployOptions = {}): Promise<DeployResult> {
    assertRunning();
    const spec = await specOf(w, bundleDir, opts.readinessTimeoutMs);
    return serial(`${spec.environment}/${spec.component}`, () => rollout(spec));
  }

  async function statusOf(list: Instance[]): Promise<InstanceStatus[]> {
    const running = list.filter((i) => (i.state === 'ready' || i.state === 'starting') && i.pgid !== null);
    const rss = await groupRss(running.map((i) => i.pgid!));
    return list.map((i) => {
      const routed = i.routed && router.backendOf(routeHostOf(i.environment, i.component)) === i.port;
      return {
        environment: i.environment,
        component: i.component,
        release: i.release,
        instanceId: i.id,
        state: i.state,
        pid: i.pid,
        port: i.port,
        restarts: i.restarts,
        routed: i.routed,
        url: routed ? urlOf(i.environment, i.component) : null,
        startedAt: i.startedAt,
        readyAt: i.readyAt,
        memoryRssBytes: running.includes(i) ? (rss.get(i.pgid!) ?? null) : null,
        lastError: i.lastError,
      };
    });
  }

  function assertNames(environment: string, component: string): void {
    const problems = [
      ...(isDnsLabel(environment) ? [] : [problem('invalid_name', 'environment', `expected a DNS-1123 label, found "${environment}"`)]),
      ...(isDnsLabel(component) ? [] : [problem('invalid_name', 'component', `expected a DNS-1123 label, found "${component}"`)]),
    ];
    if (problems.length) throw new InputError(problems.map((p) => p.message).join('; '), { problems });
  }

  return {
    routerPort: router.port,

    deploy,

    async undeploy(environment, component) {
      assertRunning();
      assertNames(environment, component);
      return serial(`${environment}/${component}`, async () => {
        router.remove(routeHostOf(environment, component));
        const mine = supervisor.list(environment).filter((i) => i.component === component);
        for (const i of mine) {
          if (i.state !== 'failed') await router.drain(i.port, drainTimeoutMs);
          await supervisor.stop(i.id);
        }
        log.info('undeployed', { environment, component, stopped: mine.length });
        return mine.length;
      });
    },

    async status(environment) {
      return statusOf(supervisor.list(environment));
    },

    async *logs(environment, component, opts = {}) {
      assertNames(environment, component);
      try {
        await stat(logDirOf(o.dir, environment, component));
      } catch {
        throw new NotFoundError(`no logs for ${component} in ${environment}: it has never run on this machine`);
      }
      yield* supervisor.logs(environment, component, opts);
    },

    urlOf(environment, component) {
      assertNames(environment, component);
      return urlOf(environment, component);
    },

    async recover(desired) {
      assertRunning();
      // Every desired workload is checked first: bad input changes nothing, not even the adoption of the others.
      const specs: InstanceSpec[] = [];
      const problems: Problem[] = [];
      for (const [i, d] of desired.entries()) {
        try {
          specs.push(await specOf(d.workload, d.bundleDir, undefined));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          problems.push(...e.problems.map((p) => ({ ...p, path: `desired[${i}].${p.path}`, message: `desired[${i}].${p.message}` })));
        }
      }
      if (problems.length) throw new InputError(`cannot recover: ${problems.map((p) => p.message).join('; ')}`, { problems });

      const found = await supervisor.recover();
      const used = new Set<string>();
      const adopted: InstanceStatus[] = [];
      const missing: DesiredWorkload[] = [];
      for (const [i, d] of desired.entries()) {
        const spec = specs[i]!;
        const running = supervisor.list(spec.environment).find((x) => x.component === spec.component && x.routed && x.release === spec.release && x.state !== 'failed');
        if (running) continue; // this driver already runs it
        // The routed one first (it was serving), then the newest.
        const pick = found
          .filter((f) => f.environment === spec.environment && f.component === spec.component && f.release === spec.release && !used.has(f.id))
          .sort((a, b) => Number(b.routed) - Number(a.routed) || (a.id < b.id ? 1 : -1))[0];
        if (!pick) {
          missing.push(d);
          continue;
        }
        used.add(pick.id);
        const inst = await serial(`${spec.environment}/${spec.component}`, () => supervisor.adopt(pick, spec));
        if (inst.state !== 'ready') {
          await supervisor.stop(inst.id);
          missing.push(d);
          continue;
        }
        route(inst, spec);
        adopted.push(...(await statusOf([supervisor.get(inst.id)!])));
      }
      const stoppedOnes: RecoverResult['stopped'] = [];
      for (const f of found.filter((x: RecoveredInstance) => !used.has(x.id))) {
        await supervisor.discard(f);
        stoppedOnes.push({ environment: f.environment, component: f.component, release: f.release, instanceId: f.id, pid: f.pid });
      }
      const deployed: DeployResult[] = [];
      for (const d of missing) deployed.push(await deploy(d.workload, d.bundleDir));
      log.info('recovered', { adopted: adopted.length, deployed: deployed.length, stopped: stoppedOnes.length });
      return { adopted, deployed, stopped: stoppedOnes };
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      await router.close();
      await supervisor.close();
    },
  };
}

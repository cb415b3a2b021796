import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type Logger } from '../../../core/logger.js';
import { killGroup } from '../../../pipelines/runner/process.js';
import { reapByMarkers } from '../../../pipelines/runner/reaper.js';
import { crashesAfterExit, DEFAULT_BACKOFF, givesUp, restartDelay, type BackoffPolicy } from './backoff.js';
import { appendSupervisorLine, followLog, instanceIdOfLog, logDirOf, logFileOf, newestLog, rotateIfLarger, tailLog } from './logFiles.js';
import { allocatePort, DEFAULT_PORT_RANGE } from './ports.js';
import { probeHttp } from './probe.js';
import { INSTANCE_MARKER, isInstanceProcess } from './procfs.js';
import { maskSecrets, type InstanceSpec } from './spec.js';
import { readAllStates, writeComponentState, type StateEntry } from './stateFiles.js';

export type InstanceState = 'starting' | 'ready' | 'crashed' | 'stopped' | 'failed';

/** One supervised instance: a process (and its group) running one release of one component on one port. */
export interface Instance {
  /** Sorts by start time (`<base36 ms>-<random>`); also the name of its log file. */
  id: string;
  environment: string;
  component: string;
  release: string;
  pid: number | null;
  pgid: number | null;
  /** Allocated once; a restarted process gets the same port, so the route stays valid. */
  port: number;
  state: InstanceState;
  restarts: number;
  startedAt: string;
  readyAt: string | null;
  routed: boolean;
  /** Why the last run ended (exit code or signal, readiness timeout), secrets masked. */
  lastError: string | null;
  logFile: string;
}

/** A process a previous platform started, still alive and still ours, found by `recover()`. */
export interface RecoveredInstance {
  id: string;
  environment: string;
  component: string;
  release: string;
  pid: number;
  pgid: number;
  port: number;
  startedAt: string;
  routed: boolean;
  logFile: string;
}

export interface SupervisorOptions {
  /** The workspace folder for `logs/` and `state/`. */
  dir: string;
  log?: Logger;
  backoff?: Partial<BackoffPolicy>;
  /** Where instance ports come from; default 20000-29999. */
  portRange?: readonly [number, number];
  /** Size at which an instance log is rotated (once, to `<file>.1`); default 10 MiB. */
  logCapBytes?: number;
  /** Between SIGTERM and SIGKILL when an instance is stopped; default 5 s. */
  stopGraceMs?: number;
}

export interface LogsOptions {
  /** Lines from the end to start with; default 100. */
  tail?: number;
  /** Keep yielding lines as they are written, moving on to the next instance's log after a deploy. */
  follow?: boolean;
  /** One instance's log instead of the component's current one (and no moving on). */
  instanceId?: string;
  signal?: AbortSignal;
  pollMs?: number;
}

export interface Supervisor {
  /** Starts an instance and resolves once it is `ready`, or `failed` (exited or not ready in time; nothing left running). */
  start(spec: InstanceSpec): Promise<Instance>;
  /** Takes over a recovered process (watching it by pid) and resolves like `start` after a readiness check. */
  adopt(found: RecoveredInstance, spec: InstanceSpec): Promise<Instance>;
  /** SIGTERM to the process group, SIGKILL after the grace period, then processes that left the group. */
  stop(id: string, opts?: { graceMs?: number }): Promise<void>;
  /** Stops a recovered process that is not adopted. */
  discard(found: RecoveredInstance, opts?: { graceMs?: number }): Promise<void>;
  /** Records which instance of its component the router sends traffic to (kept in the state file). */
  setRouted(id: string): void;
  get(id: string): Instance | undefined;
  /** Instances not stopped (failed ones stay listed until stopped), oldest first. */
  list(environment?: string): Instance[];
  /** Reads the state files; returns live processes that carry their instance id and are not managed yet. */
  recover(): Promise<RecoveredInstance[]>;
  /** Log lines of a component (its routed instance, else its newest), secret values masked. */
  logs(environment: string, component: string, opts?: LogsOptions): AsyncGenerator<string>;
  /** The last `n` lines of one instance's log, secret values masked. */
  tail(id: string, n: number): Promise<string[]>;
  /** Stops every instance and the supervisor's timers. */
  close(): Promise<void>;
}

interface Managed {
  info: Instance;
  spec: InstanceSpec;
  /** Polls an adopted process, which is not our child and sends no exit event. */
  watch: NodeJS.Timeout | null;
  restartTimer: NodeJS.Timeout | null;
  /** Number of the current run (a spawn or an adoption); events of older runs are ignored. */
  run: number;
  endedRun: number;
  runStartedAt: number;
  readySince: number | null;
  everReady: boolean;
  crashes: number;
  stopping: boolean;
  /** Resolves the pending start()/adopt(). */
  settle: (() => void) | null;
}

const LOG_ROTATE_CHECK_MS = 2000;
const ADOPTED_WATCH_MS = 500;
const PROBE_TIMEOUT_MS = 2000;
/** Fast readiness polls at first (a typical service is ready in well under a second), slower after 2 s. */
const pollDelay = (attempt: number) => (attempt < 40 ? 50 : 200);

function newInstanceId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(3).toString('hex')}`;
}

function secs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null, afterMs: number, ready: boolean): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return `${how} ${ready ? 'after' : 'before it was ready, after'} ${secs(afterMs)}`;
}

/**
 * Runs instances as processes on this machine (issue #5). Each process is the leader of a new session (own
 * process group) with cwd = the bundle, its stdout/stderr appended to its log file, and PORT plus the GANTRY_*
 * markers in its environment. A process that exits before its first readiness is `failed` (a bad release: the
 * caller rolls back); one that crashes after being ready is restarted on the same port with exponential backoff,
 * until `maxQuickCrashes` in a row. State files let a restarted platform find the processes again.
 */
export function createSupervisor(o: SupervisorOptions): Supervisor {
  const log = o.log ?? silentLogger;
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...o.backoff };
  const range = o.portRange ?? DEFAULT_PORT_RANGE;
  const capBytes = o.logCapBytes ?? 10 * 1024 * 1024;
  const stopGraceMs = o.stopGraceMs ?? 5000;
  const managed = new Map<string, Managed>();
  /** Found by recover() and not yet adopted or discarded: kept in the state files meanwhile. */
  const foreign = new Map<string, RecoveredInstance>();
  const taken = new Set<number>();

  const rotation = setInterval(() => {
    for (const m of managed.values()) if (m.info.state === 'starting' || m.info.state === 'ready') rotateIfLarger(m.info.logFile, capBytes);
  }, LOG_ROTATE_CHECK_MS);
  rotation.unref();

  const mask = (m: Managed, text: string) => maskSecrets(text, m.spec.env, m.spec.secretEnv);
  const line = (m: Managed, text: string) => appendSupervisorLine(m.info.logFile, mask(m, text));
  const fields = (m: Managed) => ({ environment: m.info.environment, component: m.info.component, release: m.info.release, instanceId: m.info.id });

  function persist(environment: string, component: string): void {
    const entries: StateEntry[] = [];
    for (const m of managed.values()) {
      const i = m.info;
      if (i.environment !== environment || i.component !== component || i.pid === null || i.pgid === null) continue;
      if (i.state === 'stopped' || i.state === 'failed') continue;
      entries.push({ id: i.id, release: i.release, pid: i.pid, pgid: i.pgid, port: i.port, startedAt: i.startedAt, routed: i.routed });
    }
    for (const f of foreign.values()) {
      if (f.environment === environment && f.component === component) entries.push({ id: f.id, release: f.release, pid: f.pid, pgid: f.pgid, port: f.port, startedAt: f.startedAt, routed: f.routed });
    }
    try {
      writeComponentState(o.dir, { environment, component, instances: entries });
    } catch (e) {
      // Supervision goes on; only recovery after a platform restart would miss this change.
      log.error('cannot write instance state', { environment, component, error: (e as Error).message });
    }
  }

  function settle(m: Managed): void {
    const s = m.settle;
    m.settle = null;
    s?.();
  }

  /** Kills what is left of a run: the rest of its group (forked children; a process never ready) and escapees. */
  async function killRemnants(id: string, pgid: number | null, graceMs: number): Promise<void> {
    if (pgid !== null) await killGroup(pgid, graceMs);
    await reapByMarkers({ [INSTANCE_MARKER]: id }, graceMs);
  }

  function launch(m: Managed): void {
    const run = ++m.run;
    const { spec, info } = m;
    m.runStartedAt = Date.now();
    m.readySince = null;
    info.state = 'starting';
    // The previous run's group is gone; its numbers must not be signalled again if this spawn fails.
    info.pid = info.pgid = null;
    const env = { ...spec.env, PORT: String(info.port), [INSTANCE_MARKER]: info.id, GANTRY_ENVIRONMENT: info.environment, GANTRY_COMPONENT: info.component, GANTRY_RELEASE: info.release };
    let child: ChildProcess;
    let fd: number | undefined;
    try {
      fd = openSync(info.logFile, 'a');
      child = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    } catch (e) {
      void endRun(m, run, `could not start ${spec.argv[0]}: ${(e as Error).message}`);
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    child.unref();
    info.pid = child.pid ?? null;
    info.pgid = child.pid ?? null;
    child.once('error', (e) => void endRun(m, run, `could not start ${spec.argv[0]}: ${e.message}`));
    child.once('exit', (code, sig) => void endRun(m, run, describeExit(code, sig, Date.now() - m.runStartedAt, m.readySince !== null)));
    if (info.pid !== null) {
      line(m, `${info.restarts ? `restart ${info.restarts}: ` : ''}pid ${info.pid} started: ${spec.argv.join(' ')} (release ${info.release}, port ${info.port})`);
      persist(info.environment, info.component);
    }
    void awaitReady(m, run);
  }

  async function awaitReady(m: Managed, run: number): Promise<void> {
    const { spec, info } = m;
    const deadline = m.runStartedAt + spec.readinessTimeoutMs;
    const current = () => m.run === run && m.endedRun < run && !m.stopping;
    let last = 'no answer yet';
    for (let attempt = 0; ; attempt++) {
      if (!current()) return;
      if (spec.readiness.kind === 'uptime') {
        if (Date.now() - m.runStartedAt >= spec.readiness.uptimeMs) break;
      } else {
        const r = await probeHttp(info.port, spec.readiness.path, PROBE_TIMEOUT_MS);
        if (!current()) return;
        if ('status' in r && r.status === 200) break;
        last = 'status' in r ? `GET ${spec.readiness.path} answered ${r.status}` : `GET ${spec.readiness.path}: ${r.error}`;
      }
      if (Date.now() >= deadline) {
        await endRun(m, run, `not ready within ${secs(spec.readinessTimeoutMs)} (${last})`);
        return;
      }
      await delay(pollDelay(attempt));
    }
    m.readySince = Date.now();
    m.everReady = true;
    info.state = 'ready';
    info.readyAt = new Date().toISOString();
    info.lastError = null;
    line(m, `ready after ${secs(m.readySince - m.runStartedAt)}`);
    log.info('instance ready', { ...fields(m), port: info.port, restarts: info.restarts, ms: m.readySince - m.runStartedAt });
    persist(info.environment, info.component);
    settle(m);
  }

  function fail(m: Managed, reason: string): void {
    m.info.state = 'failed';
    m.info.lastError = mask(m, reason);
    taken.delete(m.info.port);
    line(m, `failed: ${reason}`);
    log.warn('instance failed', { ...fields(m), reason: m.info.lastError });
    persist(m.info.environment, m.info.component);
    settle(m);
  }

  /** One run ended (exit, spawn error, readiness timeout): fail it, or restart it after the backoff. */
  async function endRun(m: Managed, run: number, reason: string): Promise<void> {
    if (m.endedRun >= run || m.run !== run) return;
    m.endedRun = run;
    if (m.watch) clearInterval(m.watch);
    m.watch = null;
    if (m.stopping) return;
    const readyFor = m.readySince === null ? 0 : Date.now() - m.readySince;
    m.info.state = 'crashed';
    m.info.lastError = mask(m, reason);
    // Nothing of the old run may hold the port or keep working once it counts as ended.
    await killRemnants(m.info.id, m.info.pgid, stopGraceMs);
    if (m.stopping) return;
    if (!m.everReady) return fail(m, reason);
    m.crashes = crashesAfterExit(policy, m.crashes, readyFor);
    if (givesUp(policy, m.crashes)) return fail(m, `${reason}; gave up after ${m.crashes} crashes in a row`);
    const wait = restartDelay(policy, m.crashes);
    line(m, `${reason}; restart ${m.info.restarts + 1} in ${secs(wait)} (crash ${m.crashes} in a row)`);
    log.warn('instance crashed; restarting', { ...fields(m), reason: m.info.lastError, inMs: wait, restarts: m.info.restarts });
    m.restartTimer = setTimeout(() => {
      m.restartTimer = null;
      if (m.stopping) return;
      m.info.restarts++;
      launch(m);
    }, wait);
    m.restartTimer.unref();
  }

  function managedOf(spec: InstanceSpec, id: string, port: number): Managed {
    const info: Instance = {
      id,
      environment: spec.environment,
      component: spec.component,
      release: spec.release,
      pid: null,
      pgid: null,
      port,
      state: 'starting',
      restarts: 0,
      startedAt: new Date().toISOString(),
      readyAt: null,
      routed: false,
      lastError: null,
      logFile: logFileOf(o.dir, spec.environment, spec.component, id),
    };
    return { info, spec, watch: null, restartTimer: null, run: 0, endedRun: 0, runStartedAt: Date.now(), readySince: null, everReady: false, crashes: 0, stopping: false, settle: null };
  }

  const snapshot = (m: Managed): Instance => ({ ...m.info });

  async function stopManaged(m: Managed, graceMs: number): Promise<void> {
    m.stopping = true;
    if (m.restartTimer) clearTimeout(m.restartTimer);
    if (m.watch) clearInterval(m.watch);
    m.restartTimer = m.watch = null;
    const live = m.info.state === 'starting' || m.info.state === 'ready';
    if (live) line(m, `stopping: SIGTERM to process group ${m.info.pgid}, SIGKILL after ${secs(graceMs)}`);
    await killRemnants(m.info.id, m.info.pgid, graceMs);
    if (live) line(m, 'stopped');
    m.info.state = 'stopped';
    taken.delete(m.info.port);
    managed.delete(m.info.id);
    persist(m.info.environment, m.info.component);
    log.info('instance stopped', fields(m));
    settle(m);
  }

  function currentLogOf(environment: string, component: string): string | null {
    const mine = [...managed.values()].filter((m) => m.info.environment === environment && m.info.component === component && m.info.state !== 'failed');
    const pick = mine.find((m) => m.info.routed) ?? mine[mine.length - 1];
    return pick?.info.logFile ?? null;
  }

  /** Masks the secrets of every managed instance of the component (the app may print its own env). */
  function maskerOf(environment: string, component: string): (s: string) => string {
    const mine = [...managed.values()].filter((m) => m.info.environment === environment && m.info.component === component);
    return (s) => mine.reduce((acc, m) => mask(m, acc), s);
  }

  return {
    async start(spec) {
      const id = newInstanceId();
      const port = await allocatePort(range, taken);
      const m = managedOf(spec, id, port);
      mkdirSync(logDirOf(o.dir, spec.environment, spec.component), { recursive: true });
      managed.set(id, m);
      log.info('starting instance', { ...fields(m), port });
      await new Promise<void>((resolve) => {
        m.settle = resolve;
        launch(m);
      });
      return snapshot(m);
    },

    async adopt(found, spec) {
      foreign.delete(found.id);
      taken.add(found.port);
      const m = managedOf(spec, found.id, found.port);
      Object.assign(m.info, { pid: found.pid, pgid: found.pgid, startedAt: found.startedAt, routed: found.routed });
      managed.set(found.id, m);
      line(m, `adopted by a restarted platform (pid ${found.pid}, port ${found.port})`);
      log.info('adopting instance', { ...fields(m), pid: found.pid, port: found.port });
      const run = ++m.run;
      m.runStartedAt = Date.now();
      await new Promise<void>((resolve) => {
        m.settle = resolve;
        let checking = false;
        m.watch = setInterval(() => {
          if (checking) return;
          checking = true;
          void isInstanceProcess(found.pid, found.id).then((alive) => {
            checking = false;
            if (!alive) void endRun(m, run, 'exited (adopted after a platform restart, so its exit status is unknown)');
          });
        }, ADOPTED_WATCH_MS);
        m.watch.unref();
        void awaitReady(m, run);
      });
      return snapshot(m);
    },

    async stop(id, opts = {}) {
      const m = managed.get(id);
      if (m) await stopManaged(m, opts.graceMs ?? stopGraceMs);
    },

    async discard(found, opts = {}) {
      foreign.delete(found.id);
      const grace = opts.graceMs ?? stopGraceMs;
      // Signal the group only while its leader is still the process we started: a pid is reused eventually.
      await killRemnants(found.id, (await isInstanceProcess(found.pid, found.id)) ? found.pgid : null, grace);
      appendSupervisorLine(found.logFile, 'stopped by a restarted platform (not adopted)');
      log.info('stopped a recovered instance', { environment: found.environment, component: found.component, release: found.release, instanceId: found.id });
      persist(found.environment, found.component);
    },

    setRouted(id) {
      const m = managed.get(id);
      if (!m) return;
      for (const other of managed.values()) {
        if (other.info.environment === m.info.environment && other.info.component === m.info.component) other.info.routed = other === m;
      }
      persist(m.info.environment, m.info.component);
    },

    get(id) {
      const m = managed.get(id);
      return m ? snapshot(m) : undefined;
    },

    list(environment) {
      return [...managed.values()]
        .filter((m) => environment === undefined || m.info.environment === environment)
        .map(snapshot)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    },

    async recover() {
      const { states, problems } = await readAllStates(o.dir);
      for (const p of problems) log.warn('skipped an unreadable instance state file', { problem: p });
      const out: RecoveredInstance[] = [];
      for (const s of states) {
        for (const e of s.instances) {
          if (managed.has(e.id) || foreign.has(e.id)) continue;
          if (await isInstanceProcess(e.pid, e.id)) {
            const found: RecoveredInstance = { ...e, environment: s.environment, component: s.component, logFile: logFileOf(o.dir, s.environment, s.component, e.id) };
            foreign.set(e.id, found);
            out.push(found);
          } else {
            // The leader is gone; children it forked may still run (and hold files or ports): they carry the marker.
            await reapByMarkers({ [INSTANCE_MARKER]: e.id }, stopGraceMs);
          }
        }
        persist(s.environment, s.component);
      }
      log.info('recovered instances', { alive: out.length });
      return out;
    },

    async *logs(environment, component, opts = {}) {
      const folder = logDirOf(o.dir, environment, component);
      const file = opts.instanceId ? logFileOf(o.dir, environment, component, opts.instanceId) : (currentLogOf(environment, component) ?? (await newestLog(folder)));
      if (!file) return;
      const { lines, end } = await tailLog(file, opts.tail ?? 100, opts.follow === true);
      const masked = maskerOf(environment, component);
      for (const l of lines) yield masked(l);
      if (!opts.follow) return;
      const next = async (cur: string): Promise<string | null> => {
        if (opts.instanceId) return null;
        const m = managed.get(instanceIdOfLog(cur));
        if (m && m.info.state !== 'failed') return null;
        const newest = await newestLog(folder);
        return newest && newest > cur ? newest : null;
      };
      // The masker is taken again per line: a deploy while following brings a new instance with its own secrets.
      for await (const l of followLog({ file, offset: end, pollMs: opts.pollMs ?? 200, signal: opts.signal, next })) yield maskerOf(environment, component)(l);
    },

    async tail(id, n) {
      const m = managed.get(id);
      if (!m) return [];
      const { lines } = await tailLog(m.info.logFile, n);
      return lines.map((l) => mask(m, l));
    },

    async close() {
      clearInterval(rotation);
      await Promise.all([...managed.values()].map((m) => stopManaged(m, stopGraceMs)));
    },
  };
}

import { InputError, type Problem } from '../../../core/errors.js';
import type { ResolvedWorkload } from '../../model/types.js';
import { isDnsLabel } from './hosts.js';

/** The default readiness path and deadline (issue #5). */
export const DEFAULT_READINESS_PATH = '/readyz';
export const DEFAULT_READINESS_TIMEOUT_MS = 30_000;
/** A workload without ports or an HTTP probe counts as ready once it has stayed up this long. */
export const UPTIME_READINESS_MS = 1000;

/**
 * Variables a workload inherits from the platform's own environment: enough to find programs and behave like a
 * login shell, and nothing else, so the platform's database URL or tokens never reach a workload.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'SHELL'];

/** How the supervisor decides an instance is ready: an HTTP 200 on `path`, or staying up for `uptimeMs`. */
export type Readiness = { kind: 'http'; path: string } | { kind: 'uptime'; uptimeMs: number };

/** Everything the supervisor needs to run (and re-run) one instance. Secret values live only in `env`. */
export interface InstanceSpec {
  environment: string;
  component: string;
  release: string;
  /** Program and arguments; the program is looked up on PATH, or relative to `cwd` when it holds a `/`. */
  argv: string[];
  cwd: string;
  /** The supervisor adds PORT and the GANTRY_* markers per instance, over any value of the same name here. */
  env: Record<string, string>;
  /** Names in `env` whose values are secret: masked in everything the supervisor writes or returns. */
  secretEnv: string[];
  readiness: Readiness;
  readinessTimeoutMs: number;
  /** Whether the router sends traffic to it (the workload has service ports). */
  routable: boolean;
}

function inherited(from: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of INHERITED_ENV) {
    const v = from[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The problems that stop the local driver from running `w`, with field paths, before anything changes. */
export function localWorkloadProblems(w: ResolvedWorkload): Problem[] {
  const problems: Problem[] = [];
  const add = (code: string, path: string, message: string) => problems.push({ code, path, message: `${path}: ${message}`, severity: 'error' });
  if (!isDnsLabel(w.component)) add('invalid_name', 'component', `expected a DNS-1123 label (lower-case letters, digits, '-'), found "${w.component}"`);
  if (!isDnsLabel(w.environment)) add('invalid_name', 'environment', `expected a DNS-1123 label (lower-case letters, digits, '-'), found "${w.environment}"`);
  if (!w.releaseId) add('required', 'releaseId', 'a release id is required');
  if (w.containers.length !== 1) {
    const names = w.containers.map((c) => c.name).join(', ');
    add('unsupported', 'containers', `the local driver runs exactly one container per workload; found ${w.containers.length}${names ? ` (${names})` : ''}`);
    return problems;
  }
  const c = w.containers[0]!;
  const at = `containers.${c.name}`;
  if (!c.command?.length || c.command.some((p) => typeof p !== 'string' || p === '')) add('required', `${at}.command`, 'the local driver needs a command');
  if (c.args?.some((a) => typeof a !== 'string')) add('invalid_type', `${at}.args`, 'expected a list of strings');
  const probe = c.readinessProbe;
  if (probe?.exec) add('unsupported', `${at}.readinessProbe.exec`, 'the local driver supports httpGet readiness probes only');
  if (probe?.httpGet) {
    if (probe.httpGet.scheme === 'HTTPS') add('unsupported', `${at}.readinessProbe.httpGet.scheme`, 'the local driver probes over HTTP only');
    if (!probe.httpGet.path.startsWith('/')) add('invalid_value', `${at}.readinessProbe.httpGet.path`, `expected a path starting with '/', found "${probe.httpGet.path}"`);
  }
  for (const name of c.secretEnv) if (!(name in c.env)) add('invalid_value', `${at}.secretEnv`, `names "${name}", which is not in env`);
  return problems;
}

/**
 * The instance spec of a resolved workload for the local driver: command + args run in `bundleDir` with the
 * container's env (plus PATH and a few basics from the platform), probed on `readinessProbe.httpGet.path`
 * (default `/readyz`). A workload without service ports and without an HTTP probe is a worker: not routed, and
 * ready once it has stayed up for a second. Throws InputError naming every problem's field path.
 */
export function instanceSpecOf(
  w: ResolvedWorkload,
  bundleDir: string,
  opts: { readinessTimeoutMs?: number; platformEnv?: NodeJS.ProcessEnv } = {},
): InstanceSpec {
  const problems = localWorkloadProblems(w);
  const timeout = opts.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) problems.push({ code: 'invalid_value', path: 'readinessTimeoutMs', message: `readinessTimeoutMs: expected a positive number of milliseconds, found ${timeout}`, severity: 'error' });
  if (problems.length) throw new InputError(`${w.component} in ${w.environment} cannot run on the local driver: ${problems.map((p) => p.message).join('; ')}`, { problems });
  const c = w.containers[0]!;
  const httpPath = c.readinessProbe?.httpGet?.path;
  const routable = w.ports.length > 0;
  const readiness: Readiness = httpPath || routable ? { kind: 'http', path: httpPath ?? DEFAULT_READINESS_PATH } : { kind: 'uptime', uptimeMs: UPTIME_READINESS_MS };
  return {
    environment: w.environment,
    component: w.component,
    release: w.releaseId,
    argv: [...c.command!, ...(c.args ?? [])],
    cwd: bundleDir,
    env: { ...inherited(opts.platformEnv ?? process.env), ...c.env },
    secretEnv: [...c.secretEnv],
    readiness,
    readinessTimeoutMs: timeout,
    routable,
  };
}

/** Replaces every secret value in `text` (values of 4+ characters, longest first) with `***`. */
export function maskSecrets(text: string, env: Record<string, string>, secretNames: string[]): string {
  const values = secretNames
    .map((n) => env[n])
    .filter((v): v is string => typeof v === 'string' && v.length >= 4)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) out = out.split(v).join('***');
  return out;
}

import { runtimeEnv } from '../model/expressions.js';
import type { EnvValue, Job, RunContext, Step } from '../model/types.js';
import { matrixEnvName, substituteText } from './expressions.js';

export class EnvError extends Error {}

/** Where the run's processes live: the minimal environment is built from these, never from the platform's. */
export interface RunPlaces {
  home: string;
  tmp: string;
}

/** The PATH steps get: the platform's (so node, npm, git, tar are found), which holds no secret. */
function basePath(): string {
  return process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
}

/**
 * The markers every process of a step carries; the reaper finds escaped processes (double fork + setsid) by them
 * in /proc/<pid>/environ. They are set last so pipeline env cannot override them.
 */
export function markers(ctx: RunContext, jobId: string, stepId: string): Record<string, string> {
  return { ...runtimeEnv({ ...ctx, jobId }), GANTRY_STEP_ID: stepId };
}

/** A minimal environment for the runner's own helper processes (tar, cp). */
export function toolEnv(places: RunPlaces, mark: Record<string, string>): Record<string, string> {
  return { PATH: basePath(), HOME: places.home, TMPDIR: places.tmp, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...mark };
}

function resolveValue(v: EnvValue, where: string, secrets: Record<string, string>, job: Job, ctx: RunContext): string {
  if (typeof v === 'string') return substituteText(v, job, ctx);
  if (!Object.hasOwn(secrets, v.secret)) {
    throw new EnvError(`${where}: the secret ${JSON.stringify(v.secret)} is not available to this run`);
  }
  return secrets[v.secret]!;
}

/**
 * A step's environment: a minimal base (PATH, HOME = the run's home, LANG, CI, TMPDIR), then the pipeline's, the
 * job's and the step's env, then the matrix as `MATRIX_<KEY>` and the `GANTRY_*` values. Nothing else from the
 * platform's own environment (no DATABASE_URL, no tokens). Secrets go in here, never in argv.
 */
export function stepEnv(o: {
  pipelineEnv: Record<string, EnvValue>;
  job: Job;
  step: Step;
  ctx: RunContext;
  secrets: Record<string, string>;
  places: RunPlaces;
}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: basePath(),
    HOME: o.places.home,
    TMPDIR: o.places.tmp,
    LANG: 'C.UTF-8',
    CI: 'true',
  };
  const layers: Array<[string, Record<string, EnvValue>]> = [
    ['env', o.pipelineEnv],
    [`jobs.${o.job.id}.env`, o.job.env],
    [`jobs.${o.job.id}.steps.${o.step.id}.env`, o.step.env],
  ];
  for (const [where, layer] of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new EnvError(`${where}.${k}: expected an environment variable name (letters, digits, _)`);
      env[k] = resolveValue(v, `${where}.${k}`, o.secrets, o.job, o.ctx);
    }
  }
  for (const [k, v] of Object.entries(o.job.matrix ?? {})) env[matrixEnvName(k)] = v;
  Object.assign(env, markers(o.ctx, o.job.id, o.step.id));
  return env;
}

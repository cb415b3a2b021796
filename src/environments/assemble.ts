import { createHmac } from 'node:crypto';
import type { Problem } from '../core/errors.js';
import { InputError } from '../core/errors.js';
import { gitopsLayout, validateLayout } from './drivers/kubernetes/index.js';
import type { LocalDriver } from './drivers/local/index.js';
import type { LocalRuntime, WorkloadTools } from './engine/createEnvironments.js';
import { resolvePlaceholders, resolveResourceParams } from './model/placeholders.js';
import { parseScore } from './model/score.js';
import { RESOURCE_TYPES, type ResourceType } from './model/types.js';
import { createProvisioners } from './resources/index.js';

/**
 * Puts the parts of the domain together for the engine: the Score model, the local provisioners and the
 * kubernetes layout (WorkloadTools), and the local driver (LocalRuntime).
 */
export function environmentTools(opts: { workspaceDir: string; platformKey: Buffer; postgresUrl?: string; redisUrl?: string; routerPort?: number }): WorkloadTools {
  // A key of its own for resource passwords, derived from the platform's key (one secret to back up).
  const secretKey = createHmac('sha256', opts.platformKey).update('gantry/resources/v1').digest();
  const provisioners = createProvisioners({
    workspaceDir: opts.workspaceDir,
    secretKey,
    ...(opts.postgresUrl ? { postgresUrl: opts.postgresUrl } : {}),
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    ...(opts.routerPort ? { routerPort: opts.routerPort } : {}),
  });
  const provisionerOf = (type: string) => {
    if (!(RESOURCE_TYPES as readonly string[]).includes(type)) throw new InputError(`resource type ${JSON.stringify(type)} is not supported (expected one of ${RESOURCE_TYPES.join(', ')})`);
    const p = provisioners[type as ResourceType];
    if (p.unavailable) throw new InputError(`${type}: ${p.unavailable}`);
    return p;
  };
  return {
    parseScore: (text, file) => parseScore(text, file),
    resources(w) {
      const out = resolveResourceParams(w);
      for (const res of Object.values(out)) provisionerOf(res.type);
      return out;
    },
    provision: (key, res) => provisionerOf(res.type).provision(key, res),
    deprovision: (key, res) => provisionerOf(res.type).deprovision(key),
    resolve: (w, provisioned, ctx) => resolvePlaceholders(w, provisioned, ctx),
    kubernetesLayout(env, workloads) {
      const files = gitopsLayout(env, workloads);
      const problems: Problem[] = validateLayout(files);
      return { files, problems };
    },
  };
}

/** The local driver as the engine uses it. */
export function localRuntime(driver: LocalDriver): LocalRuntime {
  return {
    async deploy(w, bundleDir) {
      const r = await driver.deploy(w, bundleDir);
      return r.ok ? { ok: true, url: r.url ?? driver.urlOf(w.environment, w.component) } : { ok: false, reason: r.reason };
    },
    async undeploy(env, component) {
      await driver.undeploy(env, component);
    },
    async status(env) {
      // One line per component: the routed instance, else the newest (a release that is starting or crashed).
      const chosen = new Map<string, Awaited<ReturnType<LocalDriver['status']>>[number]>();
      for (const s of await driver.status(env)) {
        const key = `${s.environment}/${s.component}`;
        const had = chosen.get(key);
        if (!had || (s.routed && !had.routed) || (s.routed === had.routed && s.startedAt > had.startedAt)) chosen.set(key, s);
      }
      return [...chosen.values()]
        .filter((s) => s.state !== 'stopped' || s.routed)
        .map((s) => ({
          environment: s.environment,
          component: s.component,
          releaseId: s.release,
          state: s.state,
          pid: s.pid,
          restarts: s.restarts,
          memoryBytes: s.memoryRssBytes,
          startedAt: s.startedAt,
        }));
    },
    logs: (env, component, o) => driver.logs(env, component, { tail: o.tail, follow: o.follow, ...(o.signal ? { signal: o.signal } : {}) }),
    urlOf: (env, component) => driver.urlOf(env, component),
    async recover(desired) {
      const r = await driver.recover(desired);
      return {
        adopted: r.adopted.length,
        deployed: r.deployed.filter((d) => d.ok).length,
        stopped: r.stopped.length,
        failed: r.deployed.filter((d) => !d.ok).map((d) => `${d.environment}/${d.component}: ${d.ok ? '' : d.reason}`),
      };
    },
  };
}

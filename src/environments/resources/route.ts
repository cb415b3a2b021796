import { InputError } from '../../core/errors.js';
import type { ProvisionedResource, ResourceKey, ScoreResource } from '../model/types.js';
import { SCORE_NAME_PATTERN } from '../model/scoreSchema.js';
import type { Provisioner } from './provisioner.js';

/**
 * route resources (docs/score.md): the address the local router serves a workload at,
 * `http://<component>.<env>.<routerHost>:<routerPort><path>`. Nothing is created; the router reads the
 * deployments, so provisioning only computes the outputs.
 */
export function routeProvisioner(opts: { routerPort?: number; routerHost?: string }): Provisioner {
  const { routerPort } = opts;
  const domain = opts.routerHost ?? 'localhost';
  if (routerPort === undefined) {
    const unavailable = 'route: no router configured (routerPort)';
    return {
      type: 'route',
      unavailable,
      provision: () => Promise.reject(new InputError(unavailable)),
      deprovision: () => Promise.resolve(),
    };
  }
  return {
    type: 'route',
    provision: async (key, res) => routeOutputs(key, res, domain, routerPort),
    deprovision: () => Promise.resolve(),
  };
}

function routeOutputs(key: ResourceKey, res: ScoreResource, domain: string, port: number): ProvisionedResource {
  // Both become DNS labels of the host name.
  for (const [what, value] of [['component', key.component], ['environment', key.environment]] as const) {
    if (!SCORE_NAME_PATTERN.test(value) && !/^[a-z0-9]$/.test(value)) {
      throw new InputError(`route: expected a ${what} name that is a DNS label (lowercase letters, digits and -), found ${JSON.stringify(value)}`);
    }
  }
  const path = res.params?.path ?? '/';
  if (typeof path !== 'string' || !/^\/[^\s?#]*$/.test(path)) {
    throw new InputError(`route: expected params.path to be a URL path starting with /, found ${JSON.stringify(path)}`);
  }
  const host = `${key.component}.${key.environment}.${domain}`;
  return {
    type: 'route',
    outputs: { host, port: String(port), path, url: `http://${host}:${port}${path}` },
    secretOutputs: [],
  };
}

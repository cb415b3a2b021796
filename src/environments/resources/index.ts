import type { ResourceType } from '../model/types.js';
import { environmentProvisioner } from './environment.js';
import { postgresProvisioner } from './postgres.js';
import type { Provisioner, ProvisionerOptions } from './provisioner.js';
import { redisProvisioner } from './redis.js';
import { routeProvisioner } from './route.js';
import { volumeProvisioner } from './volume.js';

/**
 * The resource provisioners of the local driver (docs/score.md, "Resources"): one per resource type, configured
 * from the platform's settings.
 */
export function createProvisioners(opts: ProvisionerOptions): Record<ResourceType, Provisioner> {
  if (opts.secretKey.length < 32) throw new Error('createProvisioners: expected a secret key of at least 32 bytes');
  return {
    postgres: postgresProvisioner(opts),
    redis: redisProvisioner(opts),
    volume: volumeProvisioner(opts),
    route: routeProvisioner(opts),
    environment: environmentProvisioner(),
  };
}

export type { Provisioner, ProvisionerOptions } from './provisioner.js';
export { postgresName, derivePassword } from './names.js';
export { REDIS_NOT_CONFIGURED } from './redis.js';

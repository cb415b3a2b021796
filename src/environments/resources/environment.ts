import type { ProvisionedResource, ScoreResource } from '../model/types.js';
import type { Provisioner } from './provisioner.js';

/**
 * environment resources (docs/score.md): plain settings passed through, `${resources.NAME.KEY}` being the param
 * KEY as a string (numbers and booleans as written, lists and mappings as JSON, null as an empty string).
 */
export function environmentProvisioner(): Provisioner {
  return {
    type: 'environment',
    provision: async (_key, res) => environmentOutputs(res),
    deprovision: () => Promise.resolve(),
  };
}

function environmentOutputs(res: ScoreResource): ProvisionedResource {
  const outputs: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.params ?? {})) {
    outputs[key] = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return { type: 'environment', outputs, secretOutputs: [] };
}

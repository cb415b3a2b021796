import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GantryError, InputError } from '../../core/errors.js';
import { parsePolicies } from '../model/parsePolicies.js';
import type { Policy } from '../model/types.js';

/** The built-in packs, one file each in this folder; all on by default. */
export const BUILT_IN_PACKS = ['ownership', 'delivery', 'security', 'reliability', 'regulated-data'] as const;
export type BuiltInPack = (typeof BUILT_IN_PACKS)[number];

export const PACKS_DIR = fileURLToPath(new URL('.', import.meta.url));

let loaded: ReadonlyMap<BuiltInPack, Policy[]> | undefined;

/** Reads and checks every pack once; a broken built-in pack is a bug in Gantry, so it throws. */
function packs(): ReadonlyMap<BuiltInPack, Policy[]> {
  if (loaded) return loaded;
  const out = new Map<BuiltInPack, Policy[]>();
  for (const pack of BUILT_IN_PACKS) {
    const file = fileURLToPath(new URL(`./${pack}.yaml`, import.meta.url));
    const { policies, problems } = parsePolicies(readFileSync(file, 'utf8'), file);
    if (problems.length > 0) throw new GantryError(`built-in policy pack ${pack} is invalid`, { problems });
    out.set(pack, policies);
  }
  loaded = out;
  return out;
}

/** The built-in policies, except the packs switched off (unknown pack names are refused). */
export function builtInPolicies(opts: { disabledPacks?: readonly string[] } = {}): Policy[] {
  const disabled = new Set(opts.disabledPacks ?? []);
  for (const name of disabled) {
    if (!(BUILT_IN_PACKS as readonly string[]).includes(name)) {
      throw new InputError(`unknown policy pack ${JSON.stringify(name)}; expected one of: ${BUILT_IN_PACKS.join(', ')}`);
    }
  }
  return BUILT_IN_PACKS.filter((p) => !disabled.has(p)).flatMap((p) => packs().get(p)!);
}

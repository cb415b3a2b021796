import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GantryError } from '../../core/errors.js';
import { parseScorecards } from './parseScorecards.js';
import type { Scorecard } from './types.js';

/** The built-in scorecards, one file each in ./builtin (issue #8). */
export const BUILT_IN_SCORECARDS = ['production-readiness', 'security', 'observability', 'delivery'] as const;
export type BuiltInScorecard = (typeof BUILT_IN_SCORECARDS)[number];

export const BUILT_IN_SCORECARDS_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));

let loaded: Scorecard[] | undefined;

/** Reads and checks the built-in scorecards once; a broken one is a bug in Gantry, so it throws. */
export function builtInScorecards(): Scorecard[] {
  if (loaded) return loaded;
  const out: Scorecard[] = [];
  for (const name of BUILT_IN_SCORECARDS) {
    const file = fileURLToPath(new URL(`./builtin/${name}.yaml`, import.meta.url));
    const { scorecards, problems } = parseScorecards(readFileSync(file, 'utf8'), file);
    if (problems.length > 0) throw new GantryError(`built-in scorecard ${name} is invalid`, { problems });
    out.push(...scorecards);
  }
  loaded = out;
  return out;
}

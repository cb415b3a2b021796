import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../../core/errors.js';
import { parseStandardPipelineFile } from './parsePipeline.js';
import type { StandardPipelineFile } from './schema.js';

/** A standard pipeline the platform defines (`gantry/<name>@<major>`). */
export interface StandardPipeline {
  /** `gantry/node-service@1`. */
  ref: string;
  pipeline: StandardPipelineFile;
}

/** Where `extends` is looked up. */
export interface StandardLookup {
  get(ref: string): StandardPipeline | undefined;
  /** Every known ref, for "expected one of" in messages. */
  refs(): string[];
}

/** The folder of the platform's standard pipelines (`<name>@<major>.yaml`). */
export const STANDARD_PIPELINES_DIR = fileURLToPath(new URL('../standard/', import.meta.url));

/** A lookup over standard pipelines given in memory (tests, or a platform that adds its own). */
export function standardLookup(standards: readonly StandardPipeline[]): StandardLookup {
  const byRef = new Map(standards.map((s) => [s.ref, s]));
  return {
    get: (ref) => byRef.get(ref),
    refs: () => [...byRef.keys()].sort(),
  };
}

/**
 * Reads and validates every standard pipeline in a folder. They are platform code: a bad file throws with every
 * problem, file:line:column.
 */
export function loadStandardPipelines(dir: string = STANDARD_PIPELINES_DIR): StandardLookup {
  const standards: StandardPipeline[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = /^([a-z0-9][a-z0-9-]*@[1-9][0-9]*)\.yaml$/.exec(name);
    if (!m) continue;
    const file = `${dir.replace(/\/$/, '')}/${name}`;
    const parsed = parseStandardPipelineFile(readFileSync(file, 'utf8'), file);
    if (parsed.pipeline) standards.push({ ref: `gantry/${m[1]}`, pipeline: parsed.pipeline });
    else problems.push(...parsed.problems.map(formatProblem));
  }
  if (problems.length > 0) throw new Error(`invalid standard pipelines:\n${problems.join('\n')}`);
  return standardLookup(standards);
}

let builtIn: StandardLookup | undefined;

/** The standard pipelines shipped in src/pipelines/standard/, read once. */
export function builtInStandardPipelines(): StandardLookup {
  builtIn ??= loadStandardPipelines();
  return builtIn;
}

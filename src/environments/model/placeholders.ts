import { InputError, type Problem } from '../../core/errors.js';
import { pathOf, type Segment } from '../../pipelines/model/problems.js';
import type { ProvisionedResource, ResourceType, ScoreResource, ScoreWorkload } from './types.js';

/**
 * Score placeholders (docs/score.md, "Placeholders"): `${metadata.name}`, `${metadata.annotations.KEY}` and
 * `${resources.NAME.OUTPUT}` in container variables and file contents, `${resources.NAME}` as a container volume's
 * source, and `${metadata...}` in resource params. `$$` is a literal `$` (so `$${` is a literal `${`), as in the
 * Score reference implementations; a dot inside a key is written `\.`.
 */

/** The outputs each resource type provides; `'any'`: whatever the resource's params name (environment). */
export const RESOURCE_OUTPUTS: Record<ResourceType, readonly string[] | 'any'> = {
  // `path` only without a configured PostgreSQL server (a SQLite file); the others only with one.
  postgres: ['host', 'port', 'name', 'database', 'username', 'password', 'url', 'path'],
  redis: ['host', 'port', 'db', 'url', 'password'],
  volume: ['path'],
  route: ['host', 'path', 'url', 'port'],
  environment: 'any',
};

/** A piece of a value: literal text, or a reference split into its dotted parts (`['resources', 'db', 'host']`). */
export type Piece = { text: string } | { ref: string[]; source: string };

/** Splits a value into text and placeholders; a message when a placeholder is malformed. */
export function splitPlaceholders(value: string): Piece[] | string {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    const next = value[i + 1];
    if (value[i] === '$' && next === '$') {
      text += '$';
      i += 2;
    } else if (value[i] === '$' && next === '{') {
      const end = value.indexOf('}', i + 2);
      if (end === -1) {
        return `unterminated placeholder ${JSON.stringify(value.slice(i, i + 40))}; expected \${...} closed by }, or $\${ for a literal \${`;
      }
      const source = value.slice(i, end + 1);
      const ref = splitRef(value.slice(i + 2, end));
      if (typeof ref === 'string') return `${ref} in ${JSON.stringify(source)}`;
      if (text) pieces.push({ text });
      text = '';
      pieces.push({ ref, source });
      i = end + 1;
    } else {
      text += value[i];
      i += 1;
    }
  }
  if (text) pieces.push({ text });
  return pieces;
}

/** `resources.db.host` to its parts; `\.` is a dot inside a part. */
function splitRef(inner: string): string[] | string {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\' && inner[i + 1] === '.') {
      cur += '.';
      i += 1;
    } else if (inner[i] === '.') {
      parts.push(cur);
      cur = '';
    } else cur += inner[i];
  }
  parts.push(cur);
  if (parts.some((p) => p.trim() === '')) return 'expected a reference such as resources.db.host or metadata.name (no empty parts)';
  if (parts.some((p) => p !== p.trim())) return 'expected a reference without spaces';
  return parts;
}

// ---- checking (pure, at parse time) ------------------------------------------------------------------------------

/** What a placeholder in one place may name. */
export type PlaceholderScope = 'container' | 'params';

/**
 * What is wrong with one reference in a workload, or undefined. Resource outputs are checked against the types'
 * outputs (RESOURCE_OUTPUTS); metadata references against the file's own metadata.
 */
export function checkReference(ref: readonly string[], workload: ScoreWorkload, scope: PlaceholderScope): string | undefined {
  const [root, ...rest] = ref;
  if (root === 'metadata') return metadataValue(workload, rest) === undefined ? noMetadata(workload, rest) : undefined;
  if (root !== 'resources') {
    return `unknown placeholder \${${ref.join('.')}}; expected \${metadata.name}, \${metadata.annotations.KEY} or \${resources.NAME.OUTPUT}`;
  }
  if (scope === 'params') return `resource params can use \${metadata...} placeholders only, found \${${ref.join('.')}}`;
  const [name, ...output] = rest;
  const declared = Object.keys(workload.resources ?? {});
  const resource = name === undefined ? undefined : workload.resources?.[name];
  if (!resource) {
    return `\${${ref.join('.')}} names no declared resource; expected one of: ${declared.length ? declared.join(', ') : '(no resources are declared)'}`;
  }
  const outputs = RESOURCE_OUTPUTS[resource.type as ResourceType];
  if (output.length === 0) {
    const which = outputs === 'any' ? 'any key of its params' : `one of: ${outputs.join(', ')}`;
    return `\${resources.${name}} names a whole resource; expected \${resources.${name}.OUTPUT}, OUTPUT being ${which}`;
  }
  if (outputs === 'any') return undefined;
  if (output.length > 1 || !outputs.includes(output[0] as string)) {
    return `\${${ref.join('.')}}: ${resource.type} resource ${name} has no output ${JSON.stringify(output.join('.'))}; expected one of: ${outputs.join(', ')}`;
  }
  return undefined;
}

function noMetadata(workload: ScoreWorkload, path: readonly string[]): string {
  if (path[0] === 'annotations') {
    const keys = Object.keys(workload.metadata.annotations ?? {});
    return `\${metadata.${path.join('.')}} names no annotation of this workload; expected one of: ${keys.length ? keys.join(', ') : '(no annotations are declared)'}`;
  }
  return `\${metadata.${path.join('.')}} names no text value in metadata (metadata has: ${Object.keys(workload.metadata).join(', ')})`;
}

/**
 * The text of `${metadata.PATH}`: a string, number or boolean in metadata. An annotation key may hold dots
 * (`gantry.dev/owner`), so everything after `annotations.` is one key.
 */
function metadataValue(workload: ScoreWorkload, path: readonly string[]): string | undefined {
  if (path[0] === 'annotations' && path.length > 1) return workload.metadata.annotations?.[path.slice(1).join('.')];
  let cur: unknown = workload.metadata;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? String(cur) : undefined;
}

/**
 * A container volume's source must be `${resources.NAME}` for a declared volume resource; the message when it
 * is not, otherwise the resource's name.
 */
export function volumeSourceResource(source: string, workload: ScoreWorkload): { name: string } | { error: string } {
  const pieces = splitPlaceholders(source);
  const volumes = Object.entries(workload.resources ?? {})
    .filter(([, r]) => r.type === 'volume')
    .map(([n]) => n);
  const expected = `expected \${resources.NAME} naming a volume resource (${volumes.length ? `one of: ${volumes.join(', ')}` : 'none is declared'})`;
  if (typeof pieces === 'string') return { error: `${pieces}; ${expected}` };
  const only = pieces.length === 1 ? pieces[0] : undefined;
  if (!only || !('ref' in only) || only.ref.length !== 2 || only.ref[0] !== 'resources') {
    return { error: `${expected}, found ${JSON.stringify(source)}` };
  }
  const name = only.ref[1] as string;
  if (!volumes.includes(name)) return { error: `${expected}, found ${JSON.stringify(source)}` };
  return { name };
}

// ---- resolving (per environment) -----------------------------------------------------------------------------------

export interface ResolveContext {
  environment: string;
  component: string;
}

/** One container's environment: placeholders resolved, and which names hold a secret output's value. */
export interface ResolvedEnv {
  env: Record<string, string>;
  secretEnv: string[];
}

/**
 * Each container's variables with placeholders replaced by the provisioned outputs. Throws an InputError listing
 * every variable that names an output the provisioned resources lack (e.g. `host` of a postgres resource that is
 * a SQLite file because the environment has no PostgreSQL server).
 */
export function resolvePlaceholders(
  workload: ScoreWorkload,
  provisioned: Record<string, ProvisionedResource>,
  ctx: ResolveContext,
): Record<string, ResolvedEnv> {
  const out: Record<string, ResolvedEnv> = {};
  const problems: Problem[] = [];
  for (const [containerName, container] of Object.entries(workload.containers)) {
    const resolved: ResolvedEnv = { env: {}, secretEnv: [] };
    for (const [name, value] of Object.entries(container.variables ?? {})) {
      const at: Segment[] = ['containers', containerName, 'variables', name];
      const result = resolveValue(value, workload, provisioned, ctx);
      if ('error' in result) {
        problems.push({ code: 'unresolved_placeholder', path: pathOf(at), message: `${pathOf(at)}: ${result.error}`, severity: 'error' });
        continue;
      }
      resolved.env[name] = result.value;
      if (result.secret) resolved.secretEnv.push(name);
    }
    out[containerName] = resolved;
  }
  if (problems.length > 0) {
    throw new InputError(
      `${ctx.component} in ${ctx.environment}: ${problems.length} variable${problems.length === 1 ? '' : 's'} cannot be resolved`,
      { problems },
    );
  }
  return out;
}

/**
 * The workload's resources with `${metadata...}` placeholders in their params' strings replaced: what the
 * provisioners are given.
 */
export function resolveResourceParams(workload: ScoreWorkload): Record<string, ScoreResource> {
  const expand = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const pieces = splitPlaceholders(value);
      if (typeof pieces === 'string') throw new InputError(pieces);
      return pieces.map((p) => ('text' in p ? p.text : (metadataValue(workload, p.ref.slice(1)) ?? p.source))).join('');
    }
    if (Array.isArray(value)) return value.map(expand);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
    }
    return value;
  };
  return Object.fromEntries(
    Object.entries(workload.resources ?? {}).map(([name, res]) => [
      name,
      res.params === undefined ? res : { ...res, params: expand(res.params) as Record<string, unknown> },
    ]),
  );
}

type Resolved = { value: string; secret: boolean } | { error: string };

function resolveValue(
  value: string,
  workload: ScoreWorkload,
  provisioned: Record<string, ProvisionedResource>,
  ctx: ResolveContext,
): Resolved {
  const pieces = splitPlaceholders(value);
  if (typeof pieces === 'string') return { error: pieces };
  let text = '';
  let secret = false;
  for (const piece of pieces) {
    if ('text' in piece) {
      text += piece.text;
      continue;
    }
    const [root, ...rest] = piece.ref;
    if (root === 'metadata') {
      const v = metadataValue(workload, rest);
      if (v === undefined) return { error: noMetadata(workload, rest) };
      text += v;
      continue;
    }
    const [name, ...outputPath] = rest;
    const output = outputPath.join('.');
    const res = root === 'resources' && name !== undefined ? provisioned[name] : undefined;
    if (!res) return { error: `${piece.source}: resource ${String(name)} was not provisioned in ${ctx.environment}` };
    const v = res.outputs[output];
    if (v === undefined) {
      const has = Object.keys(res.outputs);
      return {
        error: `${piece.source}: the ${res.type} resource ${String(name)} has no output ${JSON.stringify(output)} in ${ctx.environment} (it has: ${has.length ? has.join(', ') : 'no outputs'})`,
      };
    }
    text += v;
    if (res.secretOutputs.includes(output)) secret = true;
  }
  return { value: text, secret };
}

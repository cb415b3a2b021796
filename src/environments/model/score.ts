import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { Problem, SourcePosition } from '../../core/errors.js';
import { describeValue, hasErrors, locatorFor, problemAt, shapeAt, valueAt, type Locator, type Segment } from '../../pipelines/model/problems.js';
import { checkReference, splitPlaceholders, volumeSourceResource, type PlaceholderScope } from './placeholders.js';
import { scoreSchema, type ScoreFile } from './scoreSchema.js';
import { RESOURCE_TYPES, type ResourceType, type ScoreWorkload } from './types.js';

/**
 * Reads a workload's Score file (score.dev/v1b1, docs/score.md): YAML 1.2, validated against the schema, then the
 * checks the schema cannot make (supported resource types, placeholders, volume sources, route params). Every
 * problem names its field path and file:line:column, so a developer fixes the file before anything is
 * provisioned or deployed.
 */

/** Score files are small; anything bigger is a mistake. */
export const MAX_SCORE_BYTES = 256 * 1024;

export interface ParsedScore {
  /** Present only when the file has no error problems. Defaults filled: targetPort = port, protocol TCP. */
  workload?: ScoreWorkload;
  /** Every problem, in reading order; warnings do not stop the workload. */
  problems: Problem[];
}

export function parseScore(text: string, file = 'score.yaml'): ParsedScore {
  const fileStart: SourcePosition = { file, line: 1, column: 1 };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SCORE_BYTES) {
    return { problems: [whole('too_large', `expected a Score file of at most ${MAX_SCORE_BYTES} bytes, found ${bytes} bytes`, fileStart)] };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true, version: '1.2' });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const locate = locatorFor(doc, at, fileStart);

  if (doc.errors.length > 0) {
    // Golden path template tags (`{% if %}`, `${{ values.x }}` in flow context) often break the YAML itself.
    const hint = text.includes('${{') ? ' (the file holds template syntax ${{ ... }}: is it an unrendered golden path skeleton?)' : '';
    return {
      problems: doc.errors.map((err) =>
        whole('yaml_syntax', `expected valid YAML, found an error: ${firstLine(err.message)}${hint}`, at(err.pos[0])),
      ),
    };
  }

  const templated = templateProblems(doc, locate);
  if (templated.length > 0) return { problems: templated };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { problems: [whole('yaml_syntax', `expected YAML that can be read as data, found an error: ${firstLine((e as Error).message)}`, fileStart)] };
  }

  const problems = resourceTypeProblems(raw, locate);
  const result = scoreSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...issueProblems(issue, raw, locate));
    return { problems: problems.sort(byPosition) };
  }
  if (problems.length > 0) return { problems: problems.sort(byPosition) };

  const workload = normalise(result.data);
  problems.push(...portProblems(workload, locate), ...placeholderProblems(workload, locate), ...paramProblems(workload, locate));
  problems.sort(byPosition);
  return hasErrors(problems) ? { problems } : { workload, problems };
}

function whole(code: string, message: string, position: SourcePosition): Problem {
  return { code, path: '', message, position, severity: 'error' };
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}

function byPosition(a: Problem, b: Problem): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0);
}

/** The schema's data as the shared ScoreWorkload, with the spec's defaults filled in. */
function normalise(data: ScoreFile): ScoreWorkload {
  const workload: ScoreWorkload = { apiVersion: data.apiVersion, metadata: data.metadata, containers: data.containers };
  if (data.service) {
    const ports = Object.entries(data.service.ports ?? {}).map(([n, p]) => [
      n,
      { port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP' },
    ]);
    workload.service = { ports: Object.fromEntries(ports) };
  }
  if (data.resources) workload.resources = data.resources;
  return workload;
}

// ---- checks beyond the schema -----------------------------------------------------------------------------------

/**
 * `${{ values.name }}` left in the file means a golden path skeleton was committed unrendered; every other
 * problem would be noise, so these are reported alone.
 */
function templateProblems(doc: Document, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  walkScalars(doc.contents, [], (path, value, on) => {
    const start = value.indexOf('${{');
    if (start === -1) return;
    const end = value.indexOf('}}', start);
    const tag = end === -1 ? value.slice(start, start + 40) : value.slice(start, end + 2);
    problems.push(
      problemAt(
        'unrendered_template',
        path,
        `expected a value, found template syntax ${JSON.stringify(tag)}: this looks like an unrendered golden path skeleton (create the service from its golden path so the values are filled in)`,
        locate,
        on,
      ),
    );
  });
  return problems;
}

/** Calls `fn` for every string scalar, keys included, with its path. */
function walkScalars(node: unknown, path: Segment[], fn: (path: Segment[], value: string, on: 'value' | 'key') => void): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (isScalar(pair.key) && typeof pair.key.value === 'string') fn([...path, key], pair.key.value, 'key');
      walkScalars(pair.value, [...path, key], fn);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walkScalars(item, [...path, i], fn));
  } else if (isScalar(node) && typeof node.value === 'string') {
    fn(path, node.value, 'value');
  }
}

/** Unknown resource types, checked on the raw data so they are reported with every schema problem at once. */
function resourceTypeProblems(raw: unknown, locate: Locator): Problem[] {
  const resources = isRecord(raw) ? raw.resources : undefined;
  if (!isRecord(resources)) return [];
  const problems: Problem[] = [];
  for (const [name, res] of Object.entries(resources)) {
    const type = isRecord(res) ? res.type : undefined;
    if (typeof type !== 'string' || type === '' || (RESOURCE_TYPES as readonly string[]).includes(type)) continue;
    problems.push(
      problemAt(
        'unknown_resource_type',
        ['resources', name, 'type'],
        `unknown resource type ${JSON.stringify(type)}; Gantry provisions: ${RESOURCE_TYPES.join(', ')}`,
        locate,
      ),
    );
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Two service ports with one port number would fight over it. */
function portProblems(workload: ScoreWorkload, locate: Locator): Problem[] {
  const seen = new Map<number, string>();
  const problems: Problem[] = [];
  for (const [name, p] of Object.entries(workload.service?.ports ?? {})) {
    const first = seen.get(p.port);
    if (first !== undefined) {
      problems.push(problemAt('duplicate_port', ['service', 'ports', name, 'port'], `expected a port no other service port uses, found ${p.port} (service port ${first} uses it too)`, locate));
    } else seen.set(p.port, name);
  }
  return problems;
}

/** Placeholders in variables, file contents, volume sources and resource params. */
function placeholderProblems(workload: ScoreWorkload, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const check = (value: string, at: Segment[], scope: PlaceholderScope) => {
    const pieces = splitPlaceholders(value);
    if (typeof pieces === 'string') {
      problems.push(problemAt('invalid_placeholder', at, pieces, locate));
      return;
    }
    for (const piece of pieces) {
      if (!('ref' in piece)) continue;
      const message = checkReference(piece.ref, workload, scope);
      if (message) problems.push(problemAt('invalid_placeholder', at, message, locate));
    }
  };
  for (const [cName, c] of Object.entries(workload.containers)) {
    for (const [v, value] of Object.entries(c.variables ?? {})) check(value, ['containers', cName, 'variables', v], 'container');
    c.files?.forEach((f, i) => {
      if (f.content !== undefined && !f.noExpand) check(f.content, ['containers', cName, 'files', i, 'content'], 'container');
    });
    c.volumes?.forEach((v, i) => {
      const found = volumeSourceResource(v.source, workload);
      if ('error' in found) problems.push(problemAt('invalid_volume_source', ['containers', cName, 'volumes', i, 'source'], found.error, locate));
    });
  }
  for (const [rName, r] of Object.entries(workload.resources ?? {})) {
    walkValues(r.params, ['resources', rName, 'params'], (value, at) => check(value, at, 'params'));
  }
  return problems;
}

function walkValues(value: unknown, at: Segment[], fn: (value: string, at: Segment[]) => void): void {
  if (typeof value === 'string') fn(value, at);
  else if (Array.isArray(value)) value.forEach((v, i) => walkValues(v, [...at, i], fn));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walkValues(v, [...at, k], fn);
}

/** The params each type reads; others are reported as warnings, since a Score file may serve other platforms too. */
const KNOWN_PARAMS: Record<ResourceType, readonly string[] | 'any'> = {
  postgres: [],
  redis: [],
  volume: [],
  route: ['path'],
  environment: 'any',
};

function paramProblems(workload: ScoreWorkload, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  for (const [rName, r] of Object.entries(workload.resources ?? {})) {
    const known = KNOWN_PARAMS[r.type as ResourceType];
    for (const [key, value] of Object.entries(r.params ?? {})) {
      const at: Segment[] = ['resources', rName, 'params', key];
      if (known !== 'any' && !known.includes(key)) {
        const problem = problemAt(
          'ignored_param',
          at,
          `${r.type} resources take ${known.length ? `only: ${known.join(', ')}` : 'no params'}; ${JSON.stringify(key)} is ignored`,
          locate,
          'key',
        );
        problems.push({ ...problem, severity: 'warning' });
      } else if (r.type === 'route' && key === 'path' && !(typeof value === 'string' && /^\/[^\s?#]*$/.test(value))) {
        problems.push(problemAt('invalid_value', at, `expected a URL path starting with / (no spaces, ? or #), found ${describeValue(value)}`, locate));
      }
    }
  }
  return problems;
}

// ---- schema issues to problems ------------------------------------------------------------------------------------

type Issue = z.core.$ZodIssue;

function issueProblems(issue: Issue, raw: unknown, locate: Locator): Problem[] {
  const path = issue.path as Segment[];
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(shapeAt(scoreSchema, path) ?? {});
    return issue.keys.map((key) =>
      problemAt('unknown_key', [...path, key], `unknown key ${JSON.stringify(key)}; expected one of: ${known.join(', ')}`, locate, 'key'),
    );
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    const expected = inner?.message.startsWith('expected') ? inner.message : 'expected a valid key';
    return [problemAt('invalid_key', path, `${expected}, found ${describeValue(path[path.length - 1])}`, locate, 'key')];
  }
  const value = valueAt(raw, path);
  const code = issue.code === 'invalid_type' && value === undefined ? 'missing_field' : issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value';
  const message = issue.message.startsWith('expected') ? issue.message : `expected a valid value (${issue.message})`;
  const withFound = message.includes(', found ') ? message : `${message}, found ${describeValue(value)}`;
  // A missing field has no node: point at the mapping that should hold it.
  return [problemAt(code, path, withFound, locate, value === undefined ? 'parent' : 'value')];
}


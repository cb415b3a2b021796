import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Problem, SourcePosition } from '../../core/errors.js';
import { builtInStepInputs, isBuiltInStep } from './builtIns.js';
import { describeValue, locatorFor, problemAt, shapeAt, shapeOf, valueAt, type Locator, type Segment } from './problems.js';
import {
  pipelineFileSchema,
  standardPipelineSchema,
  type PipelineFile,
  type StandardPipelineFile,
} from './schema.js';

/** Pipeline files are small; anything bigger is a mistake (or an attack on the parser). */
export const MAX_PIPELINE_BYTES = 256 * 1024;

export interface ParsedPipelineFile {
  /** Present only when the file has no error problems. */
  pipeline?: PipelineFile;
  /** Every problem, in reading order, each with the file:line:column of the offending node. */
  problems: Problem[];
  /** Where a path is in the file; resolvePipeline uses it to place its own problems. */
  locate: Locator;
}

/** Reads `.gantry/pipeline.yaml` (YAML 1.2) and validates it against the pipeline schema. */
export function parsePipelineFile(text: string, file: string): ParsedPipelineFile {
  return parseWith(pipelineFileSchema, text, file);
}

/** Reads a standard pipeline (src/pipelines/standard/*.yaml): the same format plus `required`/`reason` on jobs. */
export function parseStandardPipelineFile(
  text: string,
  file: string,
): { pipeline?: StandardPipelineFile; problems: Problem[]; locate: Locator } {
  return parseWith(standardPipelineSchema, text, file);
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}

function parseWith<T>(
  schema: z.ZodType<T>,
  text: string,
  file: string,
): { pipeline?: T; problems: Problem[]; locate: Locator } {
  const fileStart: SourcePosition = { file, line: 1, column: 1 };
  const noLocation: Locator = () => fileStart;
  if (text.length > MAX_PIPELINE_BYTES || Buffer.byteLength(text, 'utf8') > MAX_PIPELINE_BYTES) {
    return {
      problems: [
        {
          code: 'too_large',
          path: '',
          message: `expected a pipeline file of at most ${MAX_PIPELINE_BYTES} bytes, found ${Buffer.byteLength(text)} bytes`,
          position: fileStart,
          severity: 'error',
        },
      ],
      locate: noLocation,
    };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true, version: '1.2' });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const locate = locatorFor(doc, at, fileStart);

  const problems: Problem[] = [];
  for (const err of doc.errors) {
    problems.push({
      code: 'yaml_syntax',
      path: '',
      message: `expected valid YAML, found an error: ${firstLine(err.message)}`,
      position: at(err.pos[0]),
      severity: 'error',
    });
  }
  if (problems.length > 0) return { problems, locate };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return {
      problems: [
        {
          code: 'yaml_syntax',
          path: '',
          message: `expected YAML that can be read as data, found an error: ${firstLine((e as Error).message)}`,
          position: fileStart,
          severity: 'error',
        },
      ],
      locate,
    };
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...issueProblems(issue, raw, schema, locate));
    problems.sort(byPosition);
    return { problems, locate };
  }
  const builtInProblems = checkBuiltInInputs(result.data, locate);
  if (builtInProblems.length > 0) return { problems: builtInProblems.sort(byPosition), locate };
  return { pipeline: result.data, problems, locate };
}

function byPosition(a: Problem, b: Problem): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0);
}

/** Inputs of built-in steps are checked against each step's own schema (builtIns.ts). */
function checkBuiltInInputs(data: unknown, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  type StepInputs = { uses?: string; with?: Record<string, unknown> };
  const jobs = (data as { jobs?: Record<string, { steps?: StepInputs[] } | null> }).jobs;
  for (const [jobId, job] of Object.entries(jobs ?? {})) {
    job?.steps?.forEach((step, index) => {
      if (step.uses === undefined || !isBuiltInStep(step.uses)) return;
      const inputs = step.with ?? {};
      const result = builtInStepInputs[step.uses].safeParse(inputs);
      if (result.success) return;
      const base: Segment[] = ['jobs', jobId, 'steps', index, 'with'];
      for (const issue of result.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          const known = Object.keys(shapeOf(builtInStepInputs[step.uses]) ?? {});
          for (const key of issue.keys) {
            problems.push(
              problemAt(
                'unknown_key',
                [...base, ...(issue.path as Segment[]), key],
                `unknown input ${JSON.stringify(key)} of ${step.uses}; ` +
                  `expected ${known.length ? `one of: ${known.join(', ')}` : 'no inputs'}`,
                locate,
                'key',
              ),
            );
          }
          continue;
        }
        const path = [...base, ...(issue.path as Segment[])];
        const found = valueAt(inputs, issue.path as Segment[]);
        problems.push(problemAt(codeOf(issue, found), path, withFound(messageOf(issue), found), locate));
      }
    });
  }
  return problems;
}

type Issue = z.core.$ZodIssue;

function issueProblems(issue: Issue, raw: unknown, schema: z.ZodType, locate: Locator): Problem[] {
  const path = issue.path as Segment[];
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(shapeAt(schema, path) ?? {});
    return issue.keys.map((key) =>
      problemAt(
        'unknown_key',
        [...path, key],
        `unknown key ${JSON.stringify(key)}; expected one of: ${known.join(', ')}`,
        locate,
        'key',
      ),
    );
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    const expected = inner && inner.message.startsWith('expected') ? inner.message : 'expected a valid key';
    const key = path[path.length - 1];
    return [problemAt('invalid_key', path, `${expected}, found ${describeValue(key)}`, locate, 'key')];
  }
  const value = valueAt(raw, path);
  // A missing field has no node: point at the mapping that should hold it.
  const on = value === undefined ? 'parent' : 'value';
  return [problemAt(codeOf(issue, value), path, withFound(messageOf(issue), value), locate, on)];
}

function codeOf(issue: Issue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined) return 'missing_field';
  if (issue.code === 'invalid_union') return 'invalid_type';
  if (issue.code === 'invalid_format') return 'invalid_value';
  if (issue.code === 'too_small' || issue.code === 'too_big') return 'invalid_size';
  if (issue.code === 'custom') return 'invalid_value';
  return issue.code;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null',
};

/** Our schemas carry "expected ..." messages; zod's own defaults are rewritten into the same shape. */
function messageOf(issue: Issue): string {
  if (issue.message.startsWith('expected')) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`
        : `expected at least ${String(issue.minimum)} character${issue.minimum === 1 ? '' : 's'}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${String(issue.maximum)} items`
        : `expected at most ${String(issue.maximum)} characters`;
    default:
      return `expected a valid value (${issue.message})`;
  }
}

function withFound(message: string, value: unknown): string {
  return message.includes(', found ') ? message : `${message}, found ${describeValue(value)}`;
}



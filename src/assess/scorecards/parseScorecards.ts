import { isScalar, LineCounter, parseAllDocuments, Scalar, type Document } from 'yaml';
import type { Problem, SourcePosition } from '../../core/errors.js';
import { describeValue, locatorFor, problemAt, valueAt, type Locator, type Segment } from '../../pipelines/model/problems.js';
import { compilePolicySpec, type PolicyFinding } from '../../policy/model/checkPolicy.js';
import { NO_LEVEL, SCORECARD_ACTION, SCORECARD_API_VERSION, type Scorecard, type ScorecardCheck, type ScorecardMetadata, type ScorecardSpec } from './types.js';

/** Scorecard files are small; anything bigger is a mistake. */
export const MAX_SCORECARD_FILE_BYTES = 256 * 1024;

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'];
const METADATA_KEYS = ['name', 'title', 'description', 'labels', 'annotations'];
const SPEC_KEYS = ['levels', 'appliesTo', 'checks'];
const APPLIES_KEYS = ['kinds', 'types'];
const CHECK_KEYS = ['id', 'level', 'title', 'description', 'howToFix', 'expression', 'message', 'messageExpression'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Reads Scorecard documents (one or more per file, separated by `---`) and checks every check's CEL against the
 * policy environment. Every problem has file:line:column and a field path; an expression error points at the
 * character inside the expression when the YAML scalar allows it (plain, quoted one-line and `|` block scalars) and
 * its message repeats the expression with a caret. A file with any error yields no scorecards.
 */
export function parseScorecards(text: string, file: string): { scorecards: Scorecard[]; problems: Problem[] } {
  const fileStart: SourcePosition = { file, line: 1, column: 1 };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SCORECARD_FILE_BYTES) {
    return { scorecards: [], problems: [{ code: 'too_large', path: '', message: `expected a scorecard file of at most ${MAX_SCORECARD_FILE_BYTES} bytes, found ${bytes} bytes`, position: fileStart, severity: 'error' }] };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const problems: Problem[] = [];
  const scorecards: Scorecard[] = [];
  const names = new Map<string, number>();
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    for (const err of doc.errors) {
      problems.push({ code: 'yaml_syntax', path: '', message: `expected valid YAML, found an error: ${err.message.split('\n')[0]}`, position: at(err.pos[0]), severity: 'error' });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const locate = locatorFor(doc, at, fileStart);
    const card = readScorecard(doc.toJS({ maxAliasCount: 100 }) as unknown, doc, locate, text, at, problems);
    if (!card) continue;
    const seenAt = names.get(card.metadata.name);
    if (seenAt !== undefined) {
      problems.push(problemAt('duplicate_scorecard', ['metadata', 'name'], `expected a scorecard name used once in the file, found ${JSON.stringify(card.metadata.name)} again (first in document ${seenAt + 1})`, locate));
      continue;
    }
    names.set(card.metadata.name, scorecards.length);
    scorecards.push(card);
  }
  if (list.length === 0 || list.every((d) => d.contents === null && d.errors.length === 0)) {
    problems.push({ code: 'empty', path: '', message: 'expected at least one Scorecard document, found none', position: fileStart, severity: 'error' });
  }
  return problems.some((p) => p.severity !== 'warning') ? { scorecards: [], problems } : { scorecards, problems };
}

type Context = { doc: Document; locate: Locator; text: string; at: (offset: number) => SourcePosition; problems: Problem[] };

function readScorecard(raw: unknown, doc: Document, locate: Locator, text: string, at: (offset: number) => SourcePosition, problems: Problem[]): Scorecard | undefined {
  const before = problems.length;
  const ctx: Context = { doc, locate, text, at, problems };
  if (!isRecord(raw)) {
    problems.push(problemAt('wrong_type', [], `expected a Scorecard document (a mapping), found ${describeValue(raw)}`, locate));
    return undefined;
  }
  if (raw.apiVersion !== SCORECARD_API_VERSION) {
    problems.push(problemAt('invalid_value', ['apiVersion'], `expected ${SCORECARD_API_VERSION}, found ${JSON.stringify(raw.apiVersion ?? null)}`, locate, raw.apiVersion === undefined ? 'parent' : 'value'));
  }
  if (raw.kind !== 'Scorecard') {
    problems.push(problemAt('invalid_value', ['kind'], `expected Scorecard, found ${JSON.stringify(raw.kind ?? null)}`, locate, raw.kind === undefined ? 'parent' : 'value'));
  }
  unknownKeys(raw, TOP_KEYS, [], ctx);
  const metadata = readMetadata(raw.metadata, ctx);
  const spec = readSpec(raw.spec, ctx);
  if (problems.slice(before).some((p) => p.severity !== 'warning') || !metadata || !spec) return undefined;
  return { apiVersion: SCORECARD_API_VERSION, kind: 'Scorecard', metadata, spec };
}

function error(ctx: Context, code: string, path: Segment[], message: string, on: 'value' | 'key' | 'parent' = 'value'): void {
  ctx.problems.push(problemAt(code, path, message, ctx.locate, on));
}

function unknownKeys(value: Record<string, unknown>, known: string[], path: Segment[], ctx: Context): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) error(ctx, 'unknown_key', [...path, key], `unknown key ${JSON.stringify(key)}; expected one of: ${known.join(', ')}`, 'key');
  }
}

function readMetadata(raw: unknown, ctx: Context): ScorecardMetadata | undefined {
  if (!isRecord(raw)) {
    error(ctx, 'missing_field', ['metadata'], `expected a mapping with name, found ${describeValue(raw)}`, raw === undefined ? 'parent' : 'value');
    return undefined;
  }
  const ok = ctx.problems.length;
  unknownKeys(raw, METADATA_KEYS, ['metadata'], ctx);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    error(ctx, 'invalid_name', ['metadata', 'name'], `expected a lower-case DNS label such as "production-readiness", found ${describeValue(raw.name)}`, raw.name === undefined ? 'parent' : 'value');
  }
  for (const key of ['title', 'description'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') error(ctx, 'wrong_type', ['metadata', key], `expected a string, found ${describeValue(raw[key])}`);
  }
  for (const key of ['labels', 'annotations'] as const) {
    const m = raw[key];
    if (m !== undefined && (!isRecord(m) || Object.values(m).some((v) => typeof v !== 'string'))) error(ctx, 'wrong_type', ['metadata', key], 'expected a mapping of string to string');
  }
  if (ctx.problems.length > ok) return undefined;
  const out: ScorecardMetadata = { name: raw.name as string };
  for (const key of ['title', 'description'] as const) if (raw[key] !== undefined) out[key] = raw[key] as string;
  for (const key of ['labels', 'annotations'] as const) if (raw[key] !== undefined) out[key] = { ...(raw[key] as Record<string, string>) };
  return out;
}

function readStrings(value: unknown, path: Segment[], ctx: Context, what: string): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    error(ctx, value === undefined ? 'missing_field' : 'wrong_type', path, `expected a non-empty list of ${what}, found ${describeValue(value)}`, value === undefined ? 'parent' : 'value');
    return undefined;
  }
  let ok = true;
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string' || v.trim() === '') {
      error(ctx, 'wrong_type', [...path, i], `expected a non-empty string, found ${describeValue(v)}`);
      ok = false;
    }
  });
  return ok ? (value as string[]) : undefined;
}

function readSpec(raw: unknown, ctx: Context): ScorecardSpec | undefined {
  if (!isRecord(raw)) {
    error(ctx, raw === undefined ? 'missing_field' : 'wrong_type', ['spec'], `expected a mapping with levels and checks, found ${describeValue(raw)}`, raw === undefined ? 'parent' : 'value');
    return undefined;
  }
  const before = ctx.problems.length;
  unknownKeys(raw, SPEC_KEYS, ['spec'], ctx);

  const levels = readStrings(raw.levels, ['spec', 'levels'], ctx, 'level names (lowest first, such as [Bronze, Silver, Gold])');
  levels?.forEach((l, i) => {
    if (levels.indexOf(l) !== i) error(ctx, 'duplicate_level', ['spec', 'levels', i], `expected each level once, found ${JSON.stringify(l)} again`);
    if (l === NO_LEVEL) error(ctx, 'invalid_value', ['spec', 'levels', i], `expected a level name other than ${JSON.stringify(NO_LEVEL)} (reserved for components that reach no level)`);
  });

  let appliesTo: ScorecardSpec['appliesTo'];
  if (raw.appliesTo !== undefined) {
    if (!isRecord(raw.appliesTo)) error(ctx, 'wrong_type', ['spec', 'appliesTo'], `expected a mapping with kinds and/or types, found ${describeValue(raw.appliesTo)}`);
    else {
      unknownKeys(raw.appliesTo, APPLIES_KEYS, ['spec', 'appliesTo'], ctx);
      appliesTo = {};
      const kinds = raw.appliesTo.kinds === undefined ? undefined : readStrings(raw.appliesTo.kinds, ['spec', 'appliesTo', 'kinds'], ctx, 'entity kinds');
      const types = raw.appliesTo.types === undefined ? undefined : readStrings(raw.appliesTo.types, ['spec', 'appliesTo', 'types'], ctx, 'spec.type values');
      if (kinds) appliesTo.kinds = kinds.map((k) => k.toLowerCase());
      if (types) appliesTo.types = [...types];
    }
  }

  const checks: ScorecardCheck[] = [];
  if (!Array.isArray(raw.checks) || raw.checks.length === 0) {
    error(ctx, raw.checks === undefined ? 'missing_field' : 'wrong_type', ['spec', 'checks'], `expected a non-empty list of checks { id, level, title, howToFix, expression }, found ${describeValue(raw.checks)}`, raw.checks === undefined ? 'parent' : 'value');
  } else {
    const ids = new Map<string, number>();
    raw.checks.forEach((c: unknown, i) => {
      const check = readCheck(c, i, levels, ctx);
      // Ids are compared even when a check has other problems, so every duplicate is reported in one pass.
      const id = isRecord(c) && typeof c.id === 'string' ? c.id : undefined;
      if (id === undefined) return;
      const first = ids.get(id);
      if (first !== undefined) return error(ctx, 'duplicate_check', ['spec', 'checks', i, 'id'], `expected a check id used once in the scorecard, found ${JSON.stringify(id)} again (first at spec.checks[${first}])`);
      ids.set(id, i);
      if (check) checks.push(check);
    });
  }

  if (ctx.problems.length > before || !levels) return undefined;
  for (const level of levels) {
    if (!checks.some((c) => c.level === level)) {
      const p = problemAt('empty_level', ['spec', 'levels', levels.indexOf(level)], `level ${JSON.stringify(level)} has no checks: every component that reaches the level below reaches it too`, ctx.locate);
      p.severity = 'warning';
      ctx.problems.push(p);
    }
  }
  return { levels: [...levels], ...(appliesTo ? { appliesTo } : {}), checks };
}

function readCheck(raw: unknown, i: number, levels: string[] | undefined, ctx: Context): ScorecardCheck | undefined {
  const path: Segment[] = ['spec', 'checks', i];
  if (!isRecord(raw)) {
    error(ctx, 'wrong_type', path, `expected a mapping with id, level, title, howToFix and expression, found ${describeValue(raw)}`);
    return undefined;
  }
  const before = ctx.problems.length;
  unknownKeys(raw, CHECK_KEYS, path, ctx);
  if (typeof raw.id !== 'string' || !NAME.test(raw.id)) {
    error(ctx, raw.id === undefined ? 'missing_field' : 'invalid_name', [...path, 'id'], `expected a lower-case DNS label such as "has-owner", found ${describeValue(raw.id)}`, raw.id === undefined ? 'parent' : 'value');
  }
  if (typeof raw.level !== 'string') {
    error(ctx, raw.level === undefined ? 'missing_field' : 'wrong_type', [...path, 'level'], `expected one of the levels${levels ? ` (${levels.join(', ')})` : ''}, found ${describeValue(raw.level)}`, raw.level === undefined ? 'parent' : 'value');
  } else if (levels && !levels.includes(raw.level)) {
    error(ctx, 'unknown_level', [...path, 'level'], `expected one of the levels in spec.levels (${levels.join(', ')}), found ${JSON.stringify(raw.level)}`);
  }
  for (const key of ['title', 'howToFix'] as const) {
    if (typeof raw[key] !== 'string' || raw[key].trim() === '') {
      error(ctx, raw[key] === undefined ? 'missing_field' : 'wrong_type', [...path, key], `expected a non-empty string, found ${describeValue(raw[key])}`, raw[key] === undefined ? 'parent' : 'value');
    }
  }
  if (raw.description !== undefined && typeof raw.description !== 'string') error(ctx, 'wrong_type', [...path, 'description'], `expected a string, found ${describeValue(raw.description)}`);

  // The expression is checked exactly as a Policy validation is: same environment, same limits, same messages.
  const validation: Record<string, unknown> = { expression: raw.expression };
  if (raw.message !== undefined) validation.message = raw.message;
  if (raw.messageExpression !== undefined) validation.messageExpression = raw.messageExpression;
  const { findings } = compilePolicySpec({ match: { actions: [SCORECARD_ACTION] }, validations: [validation] });
  for (const f of findings) ctx.problems.push(placeFinding(f, path, ctx));

  if (ctx.problems.slice(before).some((p) => p.severity !== 'warning')) return undefined;
  const check: ScorecardCheck = { id: raw.id as string, level: raw.level as string, title: raw.title as string, howToFix: raw.howToFix as string, expression: raw.expression as string };
  if (raw.description !== undefined) check.description = raw.description as string;
  if (raw.message !== undefined) check.message = raw.message as string;
  if (raw.messageExpression !== undefined) check.messageExpression = raw.messageExpression as string;
  return check;
}

/** A finding about the one-validation policy a check compiles to, moved onto the check (`validations[0].x` → `spec.checks[i].x`). */
function placeFinding(f: PolicyFinding, checkPath: Segment[], ctx: Context): Problem {
  const rest = f.at[0] === 'validations' && f.at[1] === 0 ? f.at.slice(2) : f.at;
  const path: Segment[] = [...checkPath, ...rest];
  const problem = problemAt(f.code, path, f.message, ctx.locate, f.on ?? 'value');
  problem.severity = f.severity;
  if (f.expression) {
    const inside = positionInScalar(ctx.doc, path, f.expression, ctx.text, ctx.at);
    if (inside) problem.position = inside;
  }
  return problem;
}

// Same placement as src/policy/model/parsePolicies.ts (not exported there).
function positionInScalar(doc: Document, path: Segment[], e: { text: string; line: number; column: number }, text: string, at: (offset: number) => SourcePosition): SourcePosition | undefined {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range || node.value !== valueAt(doc.toJS(), path)) return undefined;
  const start = node.range[0];
  switch (node.type) {
    case Scalar.PLAIN:
    case Scalar.QUOTE_DOUBLE:
    case Scalar.QUOTE_SINGLE: {
      // Only when the source is the expression verbatim (no escapes, one line) is the offset exact.
      const quote = node.type === Scalar.PLAIN ? 0 : 1;
      if (e.text.includes('\n') || text.slice(start + quote, start + quote + e.text.length) !== e.text) return undefined;
      const p = at(start + quote);
      return { ...p, column: p.column + e.column - 1 };
    }
    case Scalar.BLOCK_LITERAL: {
      const header = at(start);
      const lines = text.split('\n');
      const contentLine = header.line + e.line;
      const source = lines[contentLine - 1];
      const line = e.text.split('\n')[e.line - 1];
      if (source === undefined || line === undefined || !source.endsWith(line)) return undefined;
      return { file: header.file, line: contentLine, column: source.length - line.length + e.column };
    }
    default:
      return undefined;
  }
}

import { isScalar, LineCounter, parseAllDocuments, Scalar, type Document } from 'yaml';
import type { Problem, SourcePosition } from '../../core/errors.js';
import { locatorFor, problemAt, valueAt, type Locator, type Segment } from '../../pipelines/model/problems.js';
import { compilePolicySpec, type PolicyFinding } from './checkPolicy.js';
import { PACK_LABEL, POLICY_API_VERSION, type Policy, type PolicyMetadata } from './types.js';

/** Policy files are small; anything bigger is a mistake. */
export const MAX_POLICY_FILE_BYTES = 256 * 1024;

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const METADATA_KEYS = ['name', 'title', 'description', 'labels', 'annotations'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Reads Policy documents (one or more per file, separated by `---`). Every problem has file:line:column; an
 * expression error points at the character inside the expression when the YAML scalar allows it (plain, quoted
 * one-line and `|` block scalars), else at the scalar. A file with any problem yields no policies.
 */
export function parsePolicies(text: string, file: string): { policies: Policy[]; problems: Problem[] } {
  const fileStart: SourcePosition = { file, line: 1, column: 1 };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_FILE_BYTES) {
    return { policies: [], problems: [{ code: 'too_large', path: '', message: `expected a policy file of at most ${MAX_POLICY_FILE_BYTES} bytes, found ${bytes} bytes`, position: fileStart, severity: 'error' }] };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const problems: Problem[] = [];
  const policies: Policy[] = [];
  const names = new Map<string, number>();
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    for (const err of doc.errors) {
      problems.push({ code: 'yaml_syntax', path: '', message: `expected valid YAML, found an error: ${err.message.split('\n')[0]}`, position: at(err.pos[0]), severity: 'error' });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const locate = locatorFor(doc, at, fileStart);
    const policy = readPolicy(doc.toJS({ maxAliasCount: 100 }) as unknown, doc, locate, text, at, problems);
    if (!policy) continue;
    const seenAt = names.get(policy.metadata.name);
    if (seenAt !== undefined) {
      problems.push(problemAt('duplicate_policy', ['metadata', 'name'], `expected a policy name used once in the file, found ${JSON.stringify(policy.metadata.name)} again (first in document ${seenAt + 1})`, locate));
      continue;
    }
    names.set(policy.metadata.name, policies.length);
    policies.push(policy);
  }
  if (list.length === 0 || list.every((d) => d.contents === null && d.errors.length === 0)) {
    problems.push({ code: 'empty', path: '', message: 'expected at least one Policy document, found none', position: fileStart, severity: 'error' });
  }
  return problems.some((p) => p.severity !== 'warning') ? { policies: [], problems } : { policies, problems };
}

function readPolicy(raw: unknown, doc: Document, locate: Locator, text: string, at: (offset: number) => SourcePosition, problems: Problem[]): Policy | undefined {
  const before = problems.length;
  if (!isRecord(raw)) {
    problems.push(problemAt('wrong_type', [], `expected a Policy document (a mapping), found ${Array.isArray(raw) ? 'a list' : typeof raw}`, locate));
    return undefined;
  }
  if (raw.apiVersion !== POLICY_API_VERSION) {
    problems.push(problemAt('invalid_value', ['apiVersion'], `expected ${POLICY_API_VERSION}, found ${JSON.stringify(raw.apiVersion ?? null)}`, locate, raw.apiVersion === undefined ? 'parent' : 'value'));
  }
  if (raw.kind !== 'Policy') {
    problems.push(problemAt('invalid_value', ['kind'], `expected Policy, found ${JSON.stringify(raw.kind ?? null)}`, locate, raw.kind === undefined ? 'parent' : 'value'));
  }
  for (const key of Object.keys(raw)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key)) problems.push(problemAt('unknown_key', [key], `unknown key ${JSON.stringify(key)}; expected one of: apiVersion, kind, metadata, spec`, locate, 'key'));
  }
  const metadata = readMetadata(raw.metadata, locate, problems);
  const { compiled, findings } = compilePolicySpec(raw.spec);
  for (const f of findings) problems.push(placeFinding(f, doc, locate, text, at));
  if (problems.length > before || !metadata || !compiled) return undefined;
  return { apiVersion: POLICY_API_VERSION, kind: 'Policy', metadata, spec: compiled.spec };
}

function readMetadata(raw: unknown, locate: Locator, problems: Problem[]): PolicyMetadata | undefined {
  if (!isRecord(raw)) {
    problems.push(problemAt('missing_field', ['metadata'], 'expected a mapping with name, found nothing', locate, 'parent'));
    return undefined;
  }
  const ok = problems.length;
  for (const key of Object.keys(raw)) {
    if (!METADATA_KEYS.includes(key)) problems.push(problemAt('unknown_key', ['metadata', key], `unknown key ${JSON.stringify(key)}; expected one of: ${METADATA_KEYS.join(', ')}`, locate, 'key'));
  }
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    problems.push(problemAt('invalid_name', ['metadata', 'name'], `expected a lower-case DNS label such as "production-needs-green-pipeline", found ${JSON.stringify(raw.name ?? null)}`, locate, raw.name === undefined ? 'parent' : 'value'));
  }
  for (const key of ['title', 'description'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') problems.push(problemAt('wrong_type', ['metadata', key], 'expected a string', locate));
  }
  for (const key of ['labels', 'annotations'] as const) {
    const m = raw[key];
    if (m === undefined) continue;
    if (!isRecord(m) || Object.values(m).some((v) => typeof v !== 'string')) problems.push(problemAt('wrong_type', ['metadata', key], 'expected a mapping of string to string', locate));
  }
  if (problems.length > ok) return undefined;
  const out: PolicyMetadata = { name: raw.name as string };
  for (const key of ['title', 'description'] as const) if (raw[key] !== undefined) out[key] = raw[key] as string;
  for (const key of ['labels', 'annotations'] as const) if (raw[key] !== undefined) out[key] = raw[key] as Record<string, string>;
  return out;
}

/** Places a spec finding; an expression error points at the character inside the scalar when it can be found. */
function placeFinding(f: PolicyFinding, doc: Document, locate: Locator, text: string, at: (offset: number) => SourcePosition): Problem {
  const path: Segment[] = ['spec', ...f.at];
  const problem = problemAt(f.code, path, f.message, locate, f.on ?? 'value');
  problem.severity = f.severity;
  if (f.expression) {
    const inside = positionInScalar(doc, path, f.expression, text, at);
    if (inside) problem.position = inside;
  }
  return problem;
}

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

/** The pack a policy belongs to, from its label. */
export function packOf(policy: Policy): string | undefined {
  return policy.metadata.labels?.[PACK_LABEL];
}

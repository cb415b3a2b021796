import { isGantryError, type Problem, type SourcePosition } from '../../core/errors.js';
import { parseEntityRef } from '../../catalog/index.js';
import type { ChangeFact, DeliveryFact, DeploymentFact, DeploymentFactStatus, IncidentFact } from '../model/facts.js';
import { readCsv } from './csv.js';
import { parseSeverity } from './labels.js';
import { describeValue, isRecord } from './payload.js';
import { normalizeTime, TIME_EXPECTED } from './time.js';

export type ImportFormat = 'jsonl' | 'csv';

/** Problems listed at most; past it one `too_many_problems` entry says how many more there were. */
export const MAX_IMPORT_PROBLEMS = 100;

type RecordType = 'deployment' | 'change' | 'incident';

/** The fields of each record type, in the order messages list them. */
const FIELDS: Record<RecordType, readonly string[]> = {
  deployment: ['type', 'id', 'component', 'environment', 'status', 'sha', 'startedAt', 'finishedAt', 'rollback', 'hotfix', 'production', 'reverts', 'commits'],
  change: ['type', 'id', 'component', 'sha', 'committedAt'],
  incident: ['type', 'id', 'title', 'severity', 'startedAt', 'detectedAt', 'acknowledgedAt', 'resolvedAt', 'components', 'causeDeployment', 'causeSha'],
};
const TYPES = Object.keys(FIELDS) as RecordType[];
const STATUSES: readonly DeploymentFactStatus[] = ['success', 'failure', 'rolled_back', 'pending'];

/** `finished_at`, `Finished At`, `FINISHEDAT` → `finishedAt`. */
const CANONICAL = new Map<string, string>();
for (const f of new Set(Object.values(FIELDS).flat())) CANONICAL.set(squash(f), f);
function squash(name: string): string {
  return name.replace(/[\s_-]/g, '').toLowerCase();
}

/** One field of one record as read from the file, before it is checked. */
interface RawValue {
  value: unknown;
  at: SourcePosition;
}

/** A record of either format: its fields by name, where each is, and where a missing one should point. */
interface RawRecord {
  line: number;
  csv: boolean;
  fields: Map<string, RawValue>;
  /** Position of a nested value (`commits[0].sha`, JSON lines only). */
  nested(path: string): SourcePosition | undefined;
  /** Where to point for a field that is missing or empty. */
  missingAt(name: string): SourcePosition;
}

/**
 * Reads a bulk import of delivery facts: JSON lines (one object per line; blank and `#` lines skipped) or CSV
 * with a header row (camelCase or snake_case). The format is `format`, else the file's extension (`.jsonl`,
 * `.ndjson`, `.json` → JSON lines; `.csv`), else guessed from the first line. Every record has a `type`
 * (deployment, change, incident) and an `id`; the fact's id is `import:<id>`, so importing a file again changes
 * nothing. Every problem is collected, each with file:line:column of the offending value and the field path
 * (`deployment.finishedAt`); a file with any problem gives no facts.
 */
export function parseImport(text: string, file: string, format?: ImportFormat): { facts: DeliveryFact[]; problems: Problem[] } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const fmt = format ?? formatOfName(file) ?? sniff(body);
  const problems: Problem[] = [];
  const records = fmt === 'csv' ? readCsvRecords(body, file, problems) : readJsonLines(body, file, problems);
  if (records.length === 0 && problems.length === 0) {
    problems.push(problem('empty', '', `expected at least one record, found none`, { file, line: 1, column: 1 }));
  }
  const facts: DeliveryFact[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const fact = checkRecord(record, problems, seen);
    if (fact) facts.push(fact);
  }
  problems.sort((a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0));
  if (problems.length > MAX_IMPORT_PROBLEMS) {
    const more = problems.length - MAX_IMPORT_PROBLEMS;
    problems.length = MAX_IMPORT_PROBLEMS;
    problems.push(problem('too_many_problems', '', `${more} more problem${more === 1 ? '' : 's'} not listed; fix these and import again`, { file, line: 1, column: 1 }));
  }
  return problems.some((p) => p.severity !== 'warning') ? { facts: [], problems } : { facts, problems };
}

function formatOfName(file: string): ImportFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

function sniff(text: string): ImportFormat {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    return t.startsWith('{') ? 'jsonl' : 'csv';
  }
  return 'jsonl';
}

function problem(code: string, path: string, message: string, position: SourcePosition): Problem {
  return { code, path, message: path ? `${path}: ${message}` : message, position, severity: 'error' };
}

// ---- JSON lines ------------------------------------------------------------------------------------------------

function readJsonLines(text: string, file: string, problems: Problem[]): RawRecord[] {
  const records: RawRecord[] = [];
  const lines = text.split(/\r?\n/);
  if (text.trimStart().startsWith('[')) {
    const at = { file, line: 1 + (text.slice(0, text.indexOf('[')).match(/\n/g)?.length ?? 0), column: 1 };
    problems.push(problem('json_lines', '', 'expected one JSON object per line (JSON lines), found a JSON list; write one record per line', at));
    return records;
  }
  lines.forEach((source, index) => {
    const line = index + 1;
    const trimmed = source.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const pos = /at position (\d+)/.exec(message);
      const column = pos?.[1] ? Number(pos[1]) + 1 : 1;
      const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
      problems.push(problem('json_syntax', '', `expected a JSON object, found invalid JSON: ${reason}`, { file, line, column }));
      return;
    }
    const lineStart = { file, line, column: source.length - source.trimStart().length + 1 };
    if (!isRecord(value)) {
      problems.push(problem('invalid_record', '', `expected a JSON object, found ${describeValue(value)}`, lineStart));
      return;
    }
    const offsets = valueOffsets(source);
    const at = (path: string): SourcePosition | undefined => {
      const offset = offsets.get(path);
      return offset === undefined ? undefined : { file, line, column: offset + 1 };
    };
    const fields = new Map<string, RawValue>();
    for (const [key, v] of Object.entries(value)) fields.set(key, { value: v, at: at(key) ?? { file, line, column: 1 } });
    records.push({ line, csv: false, fields, nested: at, missingAt: () => ({ file, line, column: 1 }) });
  });
  return records;
}

/**
 * Offsets in `line` (valid JSON) where values start, by path: `finishedAt`, `commits[0].sha`. Only the top
 * levels are mapped (records are shallow); deeper values are skipped without recursion.
 */
function valueOffsets(line: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  const ws = (): void => {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r' || line[i] === '\n')) i++;
  };
  const string = (): string => {
    const start = i++;
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(line.slice(start, i)) as string;
  };
  const skip = (): void => {
    let depth = 0;
    do {
      const c = line[i];
      if (c === '"') {
        string();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      else if (depth === 0 && (c === ',' || c === undefined)) return;
      i++;
    } while (depth > 0 && i < line.length);
  };
  const value = (path: string, depth: number): void => {
    ws();
    if (path) out.set(path, i);
    const c = line[i];
    if ((c === '{' || c === '[') && depth >= 3) return skip();
    if (c === '{') {
      i++;
      ws();
      while (i < line.length && line[i] !== '}') {
        const key = string();
        ws();
        i++; // ':'
        value(path ? `${path}.${key}` : key, depth + 1);
        ws();
        if (line[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      ws();
      for (let n = 0; i < line.length && line[i] !== ']'; n++) {
        value(`${path}[${n}]`, depth + 1);
        ws();
        if (line[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      string();
    } else {
      while (i < line.length && !',]} \t\r\n'.includes(line[i] ?? '')) i++;
    }
  };
  value('', 0);
  return out;
}

// ---- CSV -------------------------------------------------------------------------------------------------------

function readCsvRecords(text: string, file: string, problems: Problem[]): RawRecord[] {
  const { records: rows, errors } = readCsv(text);
  for (const e of errors) problems.push(problem('csv_syntax', '', e.message, { file, line: e.line, column: e.column }));
  const [header, ...data] = rows;
  if (!header) return [];
  const columns: Array<string | undefined> = [];
  const seenColumns = new Map<string, number>();
  for (const [index, cell] of header.cells.entries()) {
    const name = CANONICAL.get(squash(cell.value.trim()));
    const at = { file, line: cell.line, column: cell.column };
    if (!name) {
      problems.push(
        problem('unknown_column', '', `expected a column named after a field (${[...CANONICAL.values()].join(', ')}), found ${describeValue(cell.value)}`, at),
      );
    } else if (seenColumns.has(name)) {
      problems.push(problem('duplicate_column', '', `expected each column once, found ${describeValue(cell.value)} again (it is column ${(seenColumns.get(name) ?? 0) + 1})`, at));
      columns.push(undefined);
      continue;
    } else {
      seenColumns.set(name, index);
    }
    columns.push(name);
  }
  return data.map((row) => {
    const fields = new Map<string, RawValue>();
    for (const [index, cell] of row.cells.entries()) {
      const at = { file, line: cell.line, column: cell.column };
      if (index >= header.cells.length) {
        problems.push(problem('extra_cell', '', `expected at most ${header.cells.length} cells (one per column), found ${describeValue(cell.value)} in cell ${index + 1}`, at));
        continue;
      }
      const name = columns[index];
      const value = cell.value.trim();
      if (name && value !== '') fields.set(name, { value, at });
    }
    const missingAt = (name: string): SourcePosition => {
      const index = columns.indexOf(name);
      const cell = index === -1 ? undefined : row.cells[index];
      return cell ? { file, line: cell.line, column: cell.column } : { file, line: row.line, column: 1 };
    };
    return { line: row.line, csv: true, fields, nested: () => undefined, missingAt };
  });
}

// ---- records ---------------------------------------------------------------------------------------------------

/** Checks one record's fields and builds its fact; undefined when it has a problem. */
function checkRecord(record: RawRecord, problems: Problem[], seen: Map<string, number>): DeliveryFact | undefined {
  const before = problems.length;
  const rawType = record.fields.get('type');
  const typeName = typeof rawType?.value === 'string' ? rawType.value.trim().toLowerCase() : undefined;
  const type = TYPES.find((t) => t === typeName);
  if (!type) {
    const at = rawType?.at ?? record.missingAt('type');
    problems.push(problem(rawType ? 'invalid_value' : 'missing_field', 'type', `expected one of ${TYPES.join(', ')}, found ${describeValue(rawType?.value)}`, at));
    return undefined;
  }
  const f = new FieldReader(record, type, problems);
  for (const [key, raw] of record.fields) {
    if (FIELDS[type].includes(key)) continue;
    const known = CANONICAL.get(squash(key));
    const hint = known && FIELDS[type].includes(known) ? ` (field names are camelCase: ${known})` : '';
    problems.push(problem('unknown_field', `${type}.${key}`, `expected only the fields ${FIELDS[type].join(', ')}, found "${key}"${hint}`, raw.at));
  }
  const id = f.id('id');
  if (id !== undefined) {
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push(problem('duplicate_id', `${type}.id`, `expected each id once in the file, found ${JSON.stringify(id)} again (first on line ${first})`, f.at('id')));
    } else {
      seen.set(id, record.line);
    }
  }
  const fact = type === 'deployment' ? deployment(f, id) : type === 'change' ? change(f, id) : incident(f, id);
  return problems.length === before ? fact : undefined;
}

function deployment(f: FieldReader, id: string | undefined): DeploymentFact | undefined {
  const component = f.component('component');
  const environment = f.text('environment', true);
  const status = f.oneOf('status', STATUSES) ?? 'success';
  const sha = f.sha('sha', false);
  const startedAt = f.time('startedAt', false);
  const finishedAt = f.time('finishedAt', true);
  f.notBefore('finishedAt', finishedAt, 'startedAt', startedAt);
  const rollback = f.bool('rollback') ?? false;
  const hotfix = f.bool('hotfix') ?? false;
  const production = f.bool('production');
  const reverts = f.id('reverts');
  const commits = f.commits('commits');
  if (id === undefined || component === undefined || environment === undefined || finishedAt === undefined) return undefined;
  return {
    kind: 'deployment',
    id: `import:${id}`,
    source: 'import',
    component,
    repo: null,
    environment,
    production: production ?? null,
    sha: sha ?? null,
    status,
    rollback,
    hotfix,
    startedAt: startedAt ?? null,
    finishedAt,
    commits: commits ?? null,
    reverts: reverts === undefined ? null : `import:${reverts}`,
    url: null,
  };
}

function change(f: FieldReader, id: string | undefined): ChangeFact | undefined {
  const component = f.component('component');
  const sha = f.sha('sha', true);
  const committedAt = f.time('committedAt', true);
  if (id === undefined || component === undefined || sha === undefined || committedAt === undefined) return undefined;
  return { kind: 'change', id: `import:${id}`, source: 'import', component, repo: null, sha, committedAt };
}

function incident(f: FieldReader, id: string | undefined): IncidentFact | undefined {
  const title = f.text('title', true);
  const severity = f.severity('severity') ?? 'sev3';
  const startedAt = f.time('startedAt', true);
  const detectedAt = f.time('detectedAt', false) ?? startedAt;
  const acknowledgedAt = f.time('acknowledgedAt', false);
  const resolvedAt = f.time('resolvedAt', false);
  f.notBefore('detectedAt', f.has('detectedAt') ? detectedAt : undefined, 'startedAt', startedAt);
  f.notBefore('resolvedAt', resolvedAt, 'startedAt', startedAt);
  const components = f.list('components') ?? [];
  const causeDeployment = f.id('causeDeployment');
  const causeSha = f.sha('causeSha', false);
  if (id === undefined || title === undefined || startedAt === undefined || detectedAt === undefined) return undefined;
  return {
    kind: 'incident',
    id: `import:${id}`,
    source: 'import',
    title,
    severity,
    startedAt,
    detectedAt,
    acknowledgedAt: acknowledgedAt ?? null,
    resolvedAt: resolvedAt ?? null,
    components,
    repo: null,
    causeDeployment: causeDeployment === undefined ? null : `import:${causeDeployment}`,
    causeSha: causeSha ?? null,
    url: null,
  };
}

const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * Reads one record's fields with the rules of its format: JSON values must have the JSON type (a boolean is
 * `true`, not `"true"`); CSV cells are text, read as booleans (true/false/yes/no/1/0) or `;`-separated lists
 * where the field needs it. Each check that fails adds a problem and gives undefined.
 */
class FieldReader {
  constructor(
    private readonly record: RawRecord,
    private readonly type: RecordType,
    private readonly problems: Problem[],
  ) {}

  has(name: string): boolean {
    return this.record.fields.has(name) && this.record.fields.get(name)?.value !== null;
  }

  at(name: string): SourcePosition {
    return this.record.fields.get(name)?.at ?? this.record.missingAt(name);
  }

  private raw(name: string): unknown {
    const v = this.record.fields.get(name)?.value;
    return v === null ? undefined : v;
  }

  private fail(name: string, code: string, expected: string, found: unknown = this.raw(name), at = this.at(name)): undefined {
    this.problems.push(problem(code, `${this.type}.${name}`, `expected ${expected}, found ${describeValue(found)}`, at));
    return undefined;
  }

  private missing(name: string, expected: string): undefined {
    return this.fail(name, 'missing_field', expected, undefined);
  }

  /** A non-empty string. */
  text(name: string, required: boolean): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return required ? this.missing(name, 'a non-empty string') : undefined;
    if (typeof v !== 'string' || v.trim() === '') return this.fail(name, 'invalid_type', 'a non-empty string');
    return v.trim();
  }

  /** A record id (a string, or an integer in JSON); the fact id prefixes it with `import:`. */
  id(name: string): string | undefined {
    const v = this.raw(name);
    const required = name === 'id';
    if (v === undefined) return required ? this.missing(name, 'an id (a non-empty string)') : undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v !== 'string' || v.trim() === '' || v.length > 200) return this.fail(name, 'invalid_type', 'an id (a non-empty string of at most 200 characters)');
    return v.trim();
  }

  /** A catalog name (`orders-api`) or an entity ref (`component:default/orders-api`), kept as written. */
  component(name: string): string | undefined {
    const v = this.text(name, true);
    if (v === undefined) return undefined;
    try {
      parseEntityRef(v, { defaultKind: 'component' });
      return v;
    } catch (e) {
      const reason = isGantryError(e) && e.problems[0] ? e.problems[0].message : String(e);
      this.problems.push(problem('invalid_ref', `${this.type}.${name}`, reason, this.at(name)));
      return undefined;
    }
  }

  time(name: string, required: boolean): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return required ? this.missing(name, TIME_EXPECTED) : undefined;
    const t = typeof v === 'string' ? normalizeTime(v) : undefined;
    return t ?? this.fail(name, 'invalid_time', TIME_EXPECTED);
  }

  /** Adds a problem when `later` is before `earlier` (both already read). */
  notBefore(laterName: string, later: string | undefined, earlierName: string, earlier: string | undefined): void {
    if (later !== undefined && earlier !== undefined && later < earlier) {
      this.fail(laterName, 'invalid_time', `a time not before ${earlierName} (${earlier})`, this.raw(laterName));
    }
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (this.record.csv && typeof v === 'string') {
      const s = v.toLowerCase();
      if (['true', 'yes', '1'].includes(s)) return true;
      if (['false', 'no', '0'].includes(s)) return false;
      return this.fail(name, 'invalid_value', 'true or false (or yes/no, 1/0)');
    }
    return this.fail(name, 'invalid_type', 'true or false');
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
    const found = allowed.find((a) => a === s);
    return found ?? this.fail(name, 'invalid_value', `one of ${allowed.join(', ')}`);
  }

  severity(name: string): IncidentFact['severity'] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const sev = typeof v === 'string' ? parseSeverity(v, { bareNumber: true }) : typeof v === 'number' ? parseSeverity(String(v), { bareNumber: true }) : null;
    return sev ?? this.fail(name, 'invalid_value', 'sev1, sev2, sev3 or sev4 (or 1–4, p1–p4, critical, high, medium, low)');
  }

  /** A commit sha of 7–64 hex digits, lower-cased. */
  sha(name: string, required: boolean): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return required ? this.missing(name, 'a commit sha (7–40 hex digits)') : undefined;
    if (typeof v !== 'string' || !SHA.test(v.trim())) return this.fail(name, 'invalid_sha', 'a commit sha (7–40 hex digits)');
    return v.trim().toLowerCase();
  }

  /** A list of non-empty strings: a JSON list, or `;`-separated in CSV. */
  list(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (this.record.csv && typeof v === 'string') {
      return v.split(';').map((s) => s.trim()).filter((s) => s !== '');
    }
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.trim() === '')) {
      return this.fail(name, 'invalid_type', 'a list of non-empty strings');
    }
    return (v as string[]).map((s) => s.trim());
  }

  /** `[{ sha, committedAt }]`, JSON lines only. */
  commits(name: string): Array<{ sha: string; committedAt: string }> | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (this.record.csv) return this.fail(name, 'invalid_value', 'no commits column in CSV (commits can be given in JSON lines files only)');
    if (!Array.isArray(v)) return this.fail(name, 'invalid_type', 'a list of { "sha", "committedAt" } objects');
    const out: Array<{ sha: string; committedAt: string }> = [];
    let ok = true;
    v.forEach((item: unknown, index) => {
      const path = `${name}[${index}]`;
      const at = (sub?: string): SourcePosition => this.record.nested(sub ? `${path}.${sub}` : path) ?? this.at(name);
      const report = (sub: string | undefined, code: string, expected: string, found: unknown): void => {
        ok = false;
        this.problems.push(problem(code, `${this.type}.${path}${sub ? `.${sub}` : ''}`, `expected ${expected}, found ${describeValue(found)}`, at(sub)));
      };
      if (!isRecord(item)) return report(undefined, 'invalid_type', 'an object { "sha", "committedAt" }', item);
      for (const key of Object.keys(item)) {
        if (key !== 'sha' && key !== 'committedAt') report(key, 'unknown_field', 'only the fields sha, committedAt', key);
      }
      const sha = typeof item.sha === 'string' && SHA.test(item.sha) ? item.sha.toLowerCase() : undefined;
      if (!sha) report('sha', item.sha === undefined ? 'missing_field' : 'invalid_sha', 'a commit sha (7–40 hex digits)', item.sha);
      const committedAt = typeof item.committedAt === 'string' ? normalizeTime(item.committedAt) : undefined;
      if (!committedAt) report('committedAt', item.committedAt === undefined ? 'missing_field' : 'invalid_time', TIME_EXPECTED, item.committedAt);
      if (sha && committedAt) out.push({ sha, committedAt });
    });
    return ok ? out : undefined;
  }
}

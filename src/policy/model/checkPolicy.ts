import { compileExpression, caret, environmentWith, ExpressionError, type CompiledExpression } from './cel.js';
import { ADMISSION_ACTIONS, POLICY_MODES, type PolicyMatch, type PolicyMode, type PolicySpec } from './types.js';

/** A problem in a Policy spec, with its path relative to `spec` (the catalog and the file parser place it). */
export interface PolicyFinding {
  code: string;
  at: Array<string | number>;
  message: string;
  severity: 'error' | 'warning';
  on?: 'value' | 'key' | 'parent';
  /** Expression errors: where in the expression (1-based line and column inside it). */
  expression?: { text: string; line: number; column: number };
}

/** A spec whose expressions all type-checked, ready to run. */
export interface CompiledPolicySpec {
  spec: PolicySpec;
  variables: Array<{ name: string; compiled: CompiledExpression }>;
  validations: Array<{ compiled: CompiledExpression; message?: CompiledExpression }>;
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SPEC_KEYS = ['mode', 'match', 'variables', 'validations'];
const MATCH_KEYS = ['actions', 'kinds', 'labels', 'tags', 'environmentTypes', 'environments'];
const VARIABLE_KEYS = ['name', 'expression'];
const VALIDATION_KEYS = ['expression', 'message', 'messageExpression', 'reason'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${String(value)}`;
}

class Findings {
  readonly items: PolicyFinding[] = [];
  error(code: string, at: Array<string | number>, message: string, on?: PolicyFinding['on']): void {
    this.items.push({ code, at, message, severity: 'error', ...(on ? { on } : {}) });
  }
  unknownKeys(value: Record<string, unknown>, known: string[], at: Array<string | number>): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.error('unknown_key', [...at, key], `unknown key ${JSON.stringify(key)}; expected one of: ${known.join(', ')}`, 'key');
    }
  }
}

function actionPattern(a: string): boolean {
  if (a.endsWith('.*')) return ADMISSION_ACTIONS.some((known) => known.startsWith(a.slice(0, -1)));
  return (ADMISSION_ACTIONS as readonly string[]).includes(a);
}

function checkStrings(value: unknown, at: Array<string | number>, out: Findings, required = false): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) {
    out.error(value === undefined ? 'missing_field' : 'wrong_type', at, `expected a${required ? ' non-empty' : ''} list of strings, found ${describe(value)}`, value === undefined ? 'parent' : 'value');
    return [];
  }
  const good: string[] = [];
  value.forEach((v, i) => {
    if (typeof v === 'string' && v) good.push(v);
    else out.error('wrong_type', [...at, i], `expected a non-empty string, found ${describe(v)}`);
  });
  return good;
}

function checkMatch(value: unknown, out: Findings): PolicyMatch {
  const at = ['match'];
  if (!isRecord(value)) {
    out.error(value === undefined ? 'missing_field' : 'wrong_type', at, `expected a mapping with at least \`actions\`, found ${describe(value)}`, value === undefined ? 'parent' : 'value');
    return { actions: [] };
  }
  out.unknownKeys(value, MATCH_KEYS, at);
  const actions = checkStrings(value.actions, [...at, 'actions'], out, true);
  actions.forEach((a, i) => {
    if (!actionPattern(a)) out.error('unknown_action', [...at, 'actions', i], `expected an admission point (${ADMISSION_ACTIONS.join(', ')}) or a prefix such as deployment.*, found ${JSON.stringify(a)}`);
  });
  const match: PolicyMatch = { actions };
  for (const key of ['kinds', 'tags', 'environmentTypes', 'environments'] as const) {
    if (value[key] !== undefined) match[key] = checkStrings(value[key], [...at, key], out);
  }
  if (match.kinds) match.kinds = match.kinds.map((k) => k.toLowerCase());
  if (value.labels !== undefined) {
    if (!isRecord(value.labels)) out.error('wrong_type', [...at, 'labels'], `expected a mapping of label to value, found ${describe(value.labels)}`);
    else {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(value.labels)) {
        if (typeof v === 'string') labels[k] = v;
        else out.error('wrong_type', [...at, 'labels', k], `expected a string label value, found ${describe(v)}`);
      }
      match.labels = labels;
    }
  }
  return match;
}

function expressionFinding(e: unknown, text: string, at: Array<string | number>, what: string): PolicyFinding {
  if (!(e instanceof ExpressionError)) throw e;
  const where = e.position ? ` at line ${e.position.line}, column ${e.position.column} of the expression` : '';
  const pointer = e.position ? `\n${caret(text, e.position)}` : `\n${text}`;
  return {
    code: e.code === 'too_costly' ? 'too_costly' : 'invalid_expression',
    at,
    message: `expected ${what}, found an error${where}: ${e.summary}${pointer}`,
    severity: 'error',
    ...(e.position ? { expression: { text, line: e.position.line, column: e.position.column } } : {}),
  };
}

function compileAs(
  env: ReturnType<typeof environmentWith>,
  text: string,
  at: Array<string | number>,
  want: 'bool' | 'string' | 'any',
  out: Findings,
): CompiledExpression | undefined {
  const what = want === 'bool' ? 'a CEL expression returning bool' : want === 'string' ? 'a CEL expression returning string' : 'a CEL expression';
  try {
    const compiled = compileExpression(env, text);
    if (want !== 'any' && compiled.type !== want && compiled.type !== 'dyn') {
      out.error('wrong_result_type', at, `expected ${what}, found one returning ${compiled.type}:\n${text}`);
      return undefined;
    }
    return compiled;
  } catch (e) {
    out.items.push(expressionFinding(e, text, at, what));
    return undefined;
  }
}

function expressionText(value: unknown, at: Array<string | number>, out: Findings): string | undefined {
  if (typeof value === 'string' && value.trim()) return value;
  out.error(value === undefined ? 'missing_field' : 'wrong_type', at, `expected a CEL expression (a string), found ${describe(value)}`, value === undefined ? 'parent' : 'value');
  return undefined;
}

/**
 * Checks a Policy spec completely: its shape, and every expression parsed and type-checked against the declared
 * input (a variable sees only the variables before it). The compiled form is returned when nothing is wrong.
 */
export function compilePolicySpec(spec: unknown): { compiled?: CompiledPolicySpec; findings: PolicyFinding[] } {
  const out = new Findings();
  if (!isRecord(spec)) {
    out.error('wrong_type', [], `expected a mapping with match and validations, found ${describe(spec)}`);
    return { findings: out.items };
  }
  out.unknownKeys(spec, SPEC_KEYS, []);
  let mode: PolicyMode = 'enforce';
  if (spec.mode !== undefined) {
    if (typeof spec.mode === 'string' && (POLICY_MODES as readonly string[]).includes(spec.mode)) mode = spec.mode as PolicyMode;
    else out.error('invalid_value', ['mode'], `expected one of ${POLICY_MODES.join(', ')}, found ${describe(spec.mode)}`);
  }
  const match = checkMatch(spec.match, out);

  const variables: CompiledPolicySpec['variables'] = [];
  const declared: Array<{ name: string; type: string }> = [];
  const rawVariables = spec.variables ?? [];
  if (!Array.isArray(rawVariables)) out.error('wrong_type', ['variables'], `expected a list of { name, expression }, found ${describe(rawVariables)}`);
  else {
    rawVariables.forEach((v: unknown, i) => {
      const at = ['variables', i];
      if (!isRecord(v)) return out.error('wrong_type', at, `expected a mapping with name and expression, found ${describe(v)}`);
      out.unknownKeys(v, VARIABLE_KEYS, at);
      const name = v.name;
      if (typeof name !== 'string' || !NAME.test(name)) {
        return out.error(name === undefined ? 'missing_field' : 'invalid_value', [...at, 'name'], `expected an identifier such as "green", found ${describe(name)}`, name === undefined ? 'parent' : 'value');
      }
      if (declared.some((d) => d.name === name)) return out.error('duplicate_variable', [...at, 'name'], `expected a variable name used once, found ${JSON.stringify(name)} again`);
      const text = expressionText(v.expression, [...at, 'expression'], out);
      // A broken variable is still declared (as dyn) so later expressions are checked without cascading errors.
      const compiled = text === undefined ? undefined : compileAs(environmentWith(declared), text, [...at, 'expression'], 'any', out);
      declared.push({ name, type: compiled?.type ?? 'dyn' });
      if (compiled) variables.push({ name, compiled });
    });
  }

  const env = environmentWith(declared);
  const validations: CompiledPolicySpec['validations'] = [];
  const rawValidations = spec.validations;
  if (!Array.isArray(rawValidations) || rawValidations.length === 0) {
    out.error(rawValidations === undefined ? 'missing_field' : 'wrong_type', ['validations'], `expected a non-empty list of { expression, message }, found ${describe(rawValidations)}`, rawValidations === undefined ? 'parent' : 'value');
  } else {
    rawValidations.forEach((v: unknown, i) => {
      const at = ['validations', i];
      if (!isRecord(v)) return out.error('wrong_type', at, `expected a mapping with expression and message, found ${describe(v)}`);
      out.unknownKeys(v, VALIDATION_KEYS, at);
      for (const key of ['message', 'reason'] as const) {
        if (v[key] !== undefined && typeof v[key] !== 'string') out.error('wrong_type', [...at, key], `expected a string, found ${describe(v[key])}`);
      }
      const text = expressionText(v.expression, [...at, 'expression'], out);
      const compiled = text === undefined ? undefined : compileAs(env, text, [...at, 'expression'], 'bool', out);
      let message: CompiledExpression | undefined;
      if (v.messageExpression !== undefined) {
        const mtext = expressionText(v.messageExpression, [...at, 'messageExpression'], out);
        message = mtext === undefined ? undefined : compileAs(env, mtext, [...at, 'messageExpression'], 'string', out);
      }
      if (compiled) validations.push({ compiled, ...(message ? { message } : {}) });
    });
  }

  if (out.items.some((f) => f.severity === 'error')) return { findings: out.items };
  const normalised: PolicySpec = {
    mode,
    match,
    variables: (rawVariables as Array<{ name: string; expression: string }>).map((v) => ({ name: v.name, expression: v.expression })),
    validations: (rawValidations as Array<Record<string, string>>).map((v) => ({
      expression: v.expression!,
      ...(v.message !== undefined ? { message: v.message } : {}),
      ...(v.messageExpression !== undefined ? { messageExpression: v.messageExpression } : {}),
      ...(v.reason !== undefined ? { reason: v.reason } : {}),
    })),
  };
  return { compiled: { spec: normalised, variables, validations }, findings: out.items };
}

/** The catalog's check of a Policy entity's spec (src/catalog/model/kinds.ts): every problem, paths relative to spec. */
export function checkPolicySpec(spec: Record<string, unknown>): PolicyFinding[] {
  return compilePolicySpec(spec).findings;
}

import { Environment, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';

/**
 * The CEL environment policies are checked and run in. `subject` and `actor` are declared field by field (a
 * misspelt field is a type error when the policy is saved); `object` differs per admission point and is a
 * `map<string, dyn>`; `variables` is declared per policy from the types its variable expressions check to.
 */

/** Parse-time limits of one expression. */
export const EXPRESSION_LIMITS = { maxAstNodes: 1000, maxDepth: 64, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 16 };
/** Comprehensions (all, exists, map, filter) nested deeper than this are refused: their cost grows as size^depth. */
export const MAX_COMPREHENSION_DEPTH = 3;

const SUBJECT_SCHEMA = {
  ref: 'string',
  kind: 'string',
  namespace: 'string',
  name: 'string',
  labels: 'map<string, string>',
  annotations: 'map<string, string>',
  tags: 'list<string>',
  spec: 'map<string, dyn>',
};
const ACTOR_SCHEMA = { ref: 'string', role: 'string', teams: 'list<string>' };
const TIMESTAMP = 'google.protobuf.Timestamp';

let base: Environment | undefined;

/** Built once: an Environment is expensive to make; it is frozen by its first clone and cloned per policy. */
function baseEnvironment(): Environment {
  base ??= new Environment({ enableOptionalTypes: true, limits: EXPRESSION_LIMITS })
    .registerVariable('object', 'map<string, dyn>', { description: 'The admission point\'s input object' })
    .registerVariable({ name: 'subject', schema: SUBJECT_SCHEMA })
    .registerVariable({ name: 'actor', schema: ACTOR_SCHEMA })
    .registerVariable('now', TIMESTAMP, { description: 'The time of the admission' });
  return base;
}

const DECLARABLE = new Set(['bool', 'int', 'uint', 'double', 'string', 'bytes', 'dyn', 'null_type', 'list', 'map', TIMESTAMP, 'google.protobuf.Duration']);

/** A checked type usable in a declaration; anything else (a generated schema type) is declared as dyn. */
function declarable(type: string | undefined): string {
  if (!type) return 'dyn';
  return type.split(/[<>, ]+/).filter(Boolean).every((t) => DECLARABLE.has(t)) ? type : 'dyn';
}

/** An environment where `variables.<name>` has the given types (in declaration order). */
export function environmentWith(variableTypes: ReadonlyArray<{ name: string; type: string }>): Environment {
  const schema: Record<string, string> = {};
  for (const v of variableTypes) schema[v.name] = declarable(v.type);
  return baseEnvironment().clone().registerVariable({ name: 'variables', schema });
}

/** Where an error is inside an expression, 1-based, for the caret. */
export interface ExpressionPosition {
  offset: number;
  line: number;
  column: number;
}

export class ExpressionError extends Error {
  constructor(
    /** The library's one-line summary, e.g. `No such key: foo`. */
    readonly summary: string,
    readonly code: string,
    readonly position: ExpressionPosition | undefined,
  ) {
    super(summary);
  }
}

export function positionIn(expression: string, offset: number): ExpressionPosition {
  const before = expression.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { offset, line, column };
}

/** `    object.x == 1\n         ^` : the expression's line with a caret under the error. */
export function caret(expression: string, position: ExpressionPosition): string {
  const text = expression.split('\n')[position.line - 1] ?? '';
  return `${text}\n${' '.repeat(Math.max(0, position.column - 1))}^`;
}

function toExpressionError(e: unknown, expression: string): ExpressionError {
  const err = e as { summary?: string; code?: string; range?: { start: number }; message?: string };
  const summary = err.summary ?? String(err.message ?? e).split('\n')[0]!;
  const position = err.range ? positionIn(expression, err.range.start) : undefined;
  return new ExpressionError(summary, err.code ?? 'error', position);
}

export interface CompiledExpression {
  expression: string;
  program: ParseResult;
  /** The checked result type: `bool`, `string`, `list<string>`, `dyn`, ... */
  type: string;
  /** costTerms[k]: AST nodes at comprehension depth k; the estimated cost on input size n is Σ costTerms[k]·n^k. */
  costTerms: number[];
}

/** Parses and type-checks; throws ExpressionError with the caret position. */
export function compileExpression(env: Environment, expression: string): CompiledExpression {
  let program: ParseResult;
  try {
    program = env.parse(expression);
  } catch (e) {
    throw toExpressionError(e, expression);
  }
  const checked = program.check();
  if (!checked.valid) throw toExpressionError(checked.error, expression);
  const costTerms = costTermsOf(program.ast);
  if (costTerms.length - 1 > MAX_COMPREHENSION_DEPTH) {
    throw new ExpressionError(
      `comprehensions nested ${costTerms.length - 1} deep; expected at most ${MAX_COMPREHENSION_DEPTH}`,
      'too_costly',
      undefined,
    );
  }
  return { expression, program, type: checked.type ?? 'dyn', costTerms };
}

type Walkable = { op?: unknown; args?: unknown; meta?: { alternate?: unknown; macro?: { args?: unknown } } };

function isNode(x: unknown): x is Walkable {
  return x !== null && typeof x === 'object' && typeof (x as Walkable).op === 'string';
}

/** Counts AST nodes per comprehension depth; macros are walked through the comprehension they expand to. */
export function costTermsOf(ast: ASTNode): number[] {
  const terms: number[] = [];
  const visit = (x: unknown, depth: number): void => {
    if (Array.isArray(x)) {
      for (const item of x) visit(item, depth);
      return;
    }
    if (!isNode(x)) return;
    terms[depth] = (terms[depth] ?? 0) + 1;
    for (let d = 0; d < depth; d++) terms[d] ??= 0;
    const meta = x.meta;
    if (meta?.alternate) return visit(meta.alternate, depth);
    if (meta?.macro) return visit(meta.macro.args, depth);
    if (x.op === 'comprehension') {
      const c = x.args as { iterable: unknown; init: unknown; condition?: unknown; step: unknown };
      visit(c.iterable, depth);
      visit(c.init, depth);
      visit(c.condition, depth + 1);
      visit(c.step, depth + 1);
      return;
    }
    visit(x.args, depth);
  };
  visit(ast, 0);
  return terms;
}

export function estimatedCost(costTerms: readonly number[], size: number): number {
  let cost = 0;
  let factor = 1;
  for (const t of costTerms) {
    cost += t * factor;
    factor *= size;
  }
  return cost;
}

/** Runs a compiled expression; errors become ExpressionError. Never throws anything else. */
export function run(compiled: CompiledExpression, context: Record<string, unknown>): unknown {
  try {
    return compiled.program(context);
  } catch (e) {
    throw toExpressionError(e, compiled.expression);
  }
}

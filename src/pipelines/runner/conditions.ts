import { globMatch, shouldRun } from '../model/conditions.js';
import type { Condition, RunContext } from '../model/types.js';

export { shouldRun };

/**
 * Why a condition does not hold for this run, or null when it does: the model's `shouldRun` (every given list
 * must match), with the reason the runner records on the skipped job or step.
 */
export function conditionMismatch(cond: Condition | undefined, ctx: RunContext): string | null {
  if (shouldRun(cond, ctx)) return null;
  if (cond?.branches && !cond.branches.some((g) => globMatch(g, ctx.branch))) {
    return `branch ${ctx.branch} matches none of ${cond.branches.join(', ')}`;
  }
  return `event ${ctx.event} is not one of ${(cond?.events ?? []).join(', ')}`;
}

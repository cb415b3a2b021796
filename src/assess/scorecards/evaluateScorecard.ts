import type { PolicyEngine } from '../../policy/engine/engine.js';
import { POLICY_API_VERSION, type AdmissionInput, type Decision, type Policy, type PolicyActor, type PolicySubject } from '../../policy/model/types.js';
import { SCORECARD_ACTION, type CheckResult, type CheckStatus, type Scorecard, type ScorecardCheck, type ScorecardInput, type ScorecardResult } from './types.js';

/** Engine reasons that mean the check could not be decided (as opposed to evaluated to false). */
const ERROR_REASONS = new Set(['EvaluationFailed', 'InvalidPolicy', 'CostLimitExceeded']);

/** Scorecards are evaluated by the platform, not on anyone's behalf (as the policy service's compliance report). */
const SYSTEM_ACTOR: PolicyActor = { ref: 'system:gantry', role: 'service', teams: [] };

/** The policy name of a check: what an exemption names to waive it. */
export function scorecardPolicyName(card: string, check: string): string {
  return `scorecard:${card}/${check}`;
}

const compiled = new WeakMap<Scorecard, Policy[]>();

/** Each check as the one-validation Policy the engine runs (in check order). */
export function scorecardPolicies(card: Scorecard): Policy[] {
  let policies = compiled.get(card);
  if (policies) return policies;
  policies = card.spec.checks.map((c) => ({
    apiVersion: POLICY_API_VERSION,
    kind: 'Policy',
    metadata: { name: scorecardPolicyName(card.metadata.name, c.id), title: c.title },
    spec: {
      mode: 'enforce',
      match: { actions: [SCORECARD_ACTION] },
      variables: [],
      validations: [
        {
          expression: c.expression,
          message: c.message ?? `Not met: ${c.title}`,
          ...(c.messageExpression !== undefined ? { messageExpression: c.messageExpression } : {}),
        },
      ],
    },
  }));
  compiled.set(card, policies);
  return policies;
}

/** Whether the card's appliesTo admits the subject (kind, and `spec.type`). */
export function scorecardApplies(card: Scorecard, subject: PolicySubject): boolean {
  const a = card.spec.appliesTo;
  if (!a) return true;
  if (a.kinds && !a.kinds.includes(subject.kind.toLowerCase())) return false;
  if (a.types && !a.types.includes(String(subject.spec?.type ?? ''))) return false;
  return true;
}

export interface EvaluateScorecardOptions {
  engine: PolicyEngine;
  /** Policy names (`scorecard:<card>/<check>`) an active exemption waives for this subject. */
  waived?: ReadonlySet<string>;
  /** The `now` checks see; the current time when absent. */
  now?: Date;
}

function checkResult(check: ScorecardCheck, policy: string, d: Decision | undefined, waived: boolean): CheckResult {
  const base = { id: check.id, level: check.level, title: check.title, policy, howToFix: check.howToFix };
  if (!d) return { ...base, status: 'error', message: 'evaluation failed: the policy engine returned no decision' };
  if (d.result === 'allow') return { ...base, status: 'pass', message: '' };
  // The engine prefixes run-time failures with `policy <name>: validations[0]: `; the check is named already.
  const prefix = `policy ${policy}: `;
  const message = d.messages.map((m) => (m.startsWith(prefix) ? m.slice(prefix.length).replace(/^validations\[0\]: /, '') : m)).join('; ');
  // As with policy exemptions, a waiver turns a failure (or an error) into exempt and leaves a pass alone.
  if (waived) return { ...base, status: 'exempt', message: `waived by an exemption; without it: ${message}` };
  return { ...base, status: d.reason && ERROR_REASONS.has(d.reason) ? 'error' : 'fail', message };
}

/**
 * Scores one subject against one card: every check runs through the policy engine (so CEL limits and failure
 * handling are the engine's); a run-time error is `error` and does not pass. The level reached is the highest
 * whose checks, and all lower levels' checks, pass or are waived. Never throws for a bad check or input.
 */
export function evaluateScorecard(card: Scorecard, input: ScorecardInput, opts: EvaluateScorecardOptions): ScorecardResult {
  const now = opts.now ?? new Date();
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, exempt: 0, error: 0 };
  const result: ScorecardResult = {
    scorecard: card.metadata.name,
    subject: input.subject.ref,
    applicable: scorecardApplies(card, input.subject),
    levels: [...card.spec.levels],
    level: null,
    checks: [],
    counts,
    evaluatedAt: now.toISOString(),
  };
  if (!result.applicable) return result;

  const policies = scorecardPolicies(card);
  const admission: AdmissionInput = { subject: input.subject, actor: SYSTEM_ACTOR, object: input.object as unknown as Record<string, unknown> };
  const decisions = new Map(opts.engine.evaluate(policies, SCORECARD_ACTION, admission, { now }).map((d) => [d.policy, d]));
  const waived = opts.waived ?? new Set<string>();
  result.checks = card.spec.checks.map((c, i) => {
    const name = policies[i]!.metadata.name;
    return checkResult(c, name, decisions.get(name), waived.has(name));
  });
  for (const c of result.checks) counts[c.status]++;

  for (const level of card.spec.levels) {
    const met = result.checks.every((c) => c.level !== level || c.status === 'pass' || c.status === 'exempt');
    if (!met) break;
    result.level = level;
  }
  return result;
}

import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from '../../policy/engine/engine.js';
import { builtInScorecards } from './builtInScorecards.js';
import { evaluateScorecard, scorecardPolicies, scorecardPolicyName } from './evaluateScorecard.js';
import { scorecardFactsOf } from './facts.js';
import { parseScorecards } from './parseScorecards.js';
import { ordersScan, ordersSubject } from './testFixtures.js';
import type { ScorecardInput } from './types.js';

const engine = createPolicyEngine();
const now = new Date('2026-03-02T10:00:00Z');
const productionReadiness = () => builtInScorecards().find((c) => c.metadata.name === 'production-readiness')!;

function input(scan = ordersScan()): ScorecardInput {
  return { subject: ordersSubject(), object: { facts: scorecardFactsOf(scan), decisions: {}, metrics: { dora: null } } };
}

describe('evaluateScorecard', () => {
  it('compiles each check into a one-validation policy on scorecard.check, named for exemptions', () => {
    const [first] = scorecardPolicies(productionReadiness());
    expect(first!.metadata.name).toBe('scorecard:production-readiness/has-owner');
    expect(first!.spec.match).toEqual({ actions: ['scorecard.check'] });
    expect(first!.spec.validations).toEqual([{ expression: "has(subject.spec.owner) && subject.spec.owner != ''", message: 'spec.owner is not set' }]);
  });

  it('a waived failing check is exempt and lifts the level; a waiver on a passing check changes nothing', () => {
    const scan = ordersScan();
    scan.ownership.readme = null;
    const plain = evaluateScorecard(productionReadiness(), input(scan), { engine, now });
    expect(plain.level).toBeNull();
    const readme = plain.checks.find((c) => c.id === 'has-readme')!;
    expect([readme.status, readme.message, readme.policy]).toEqual(['fail', 'no README found for services/orders', 'scorecard:production-readiness/has-readme']);

    const waived = new Set([scorecardPolicyName('production-readiness', 'has-readme'), scorecardPolicyName('production-readiness', 'has-owner')]);
    const r = evaluateScorecard(productionReadiness(), input(scan), { engine, now, waived });
    expect(r.level).toBe('Silver');
    expect(r.checks.find((c) => c.id === 'has-readme')).toMatchObject({ status: 'exempt', message: 'waived by an exemption; without it: no README found for services/orders' });
    expect(r.checks.find((c) => c.id === 'has-owner')!.status).toBe('pass');
    expect(r.counts).toEqual({ pass: 8, fail: 2, exempt: 1, error: 0 });
    expect(r.evaluatedAt).toBe('2026-03-02T10:00:00.000Z');
  });

  it('a run-time error is an error, does not pass, and names what failed', () => {
    const text = `apiVersion: gantry.dev/v1alpha1
kind: Scorecard
metadata: { name: custom }
spec:
  levels: [Bronze, Silver]
  checks:
    - id: owner
      level: Bronze
      title: Owned
      howToFix: Set spec.owner.
      expression: has(subject.spec.owner)
    - id: on-call
      level: Silver
      title: Has an on-call rotation
      howToFix: Add the rotation to facts.
      expression: object.facts.onCall.rotation != ''
`;
    const { scorecards, problems } = parseScorecards(text, 'custom.yaml');
    expect(problems).toEqual([]);
    const r = evaluateScorecard(scorecards[0]!, input(), { engine, now });
    expect(r.level).toBe('Bronze');
    const check = r.checks[1]!;
    expect(check.status).toBe('error');
    expect(check.message).toBe('evaluation failed: No such key: onCall (column 14)');
    expect(r.counts).toEqual({ pass: 1, fail: 0, exempt: 0, error: 1 });
    // An error can be waived like a failure (as a policy exemption waives an evaluation failure).
    const waived = evaluateScorecard(scorecards[0]!, input(), { engine, now, waived: new Set(['scorecard:custom/on-call']) });
    expect([waived.level, waived.checks[1]!.status]).toEqual(['Silver', 'exempt']);
  });

  it('a card edited by hand into something that does not compile fails closed with an error', () => {
    const card = structuredClone(productionReadiness());
    card.spec.checks[0]!.expression = 'subject.spec.owner +';
    const r = evaluateScorecard(card, input(), { engine, now });
    expect(r.checks[0]!.status).toBe('error');
    expect(r.checks[0]!.message).toMatch(/^does not compile: /);
    expect(r.level).toBeNull();
  });
});

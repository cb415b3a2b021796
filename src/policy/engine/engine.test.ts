import { describe, expect, it } from 'vitest';
import type { AdmissionInput, Policy } from '../model/types.js';
import { createPolicyEngine, matches } from './engine.js';

function policy(name: string, spec: Partial<Policy['spec']> & Pick<Policy['spec'], 'validations'>): Policy {
  return { apiVersion: 'gantry.dev/v1alpha1', kind: 'Policy', metadata: { name }, spec: { mode: 'enforce', match: { actions: ['deployment.create'] }, variables: [], ...spec } };
}

const input = (object: Record<string, unknown>, subject: Partial<AdmissionInput['subject']> = {}): AdmissionInput => ({
  subject: { ref: 'component:default/orders', kind: 'component', namespace: 'default', name: 'orders', labels: {}, annotations: {}, tags: [], spec: {}, ...subject },
  actor: { ref: 'user:default/ann', role: 'member', teams: [] },
  object,
});

describe('policy engine', () => {
  it('matches on action, kinds, labels, tags and environment before CEL', () => {
    const m = { actions: ['deployment.*'], kinds: ['component'], labels: { 'gantry.dev/tier': 'tier-1' }, tags: ['pci', 'sox'], environmentTypes: ['production'] };
    const ok = input({ environment: { name: 'prod-eu', type: 'production' } }, { labels: { 'gantry.dev/tier': 'tier-1' }, tags: ['sox'] });
    expect(matches(m, 'deployment.promote', ok)).toBe(true);
    expect(matches(m, 'catalog.entity', ok)).toBe(false);
    expect(matches(m, 'deployment.create', { ...ok, object: { environment: { name: 'dev', type: 'development' } } })).toBe(false);
    expect(matches(m, 'deployment.create', { ...ok, object: {} })).toBe(false);
    expect(matches(m, 'deployment.create', { ...ok, subject: { ...ok.subject, tags: [] } })).toBe(false);
  });

  it('denies in enforce, warns in warn, records in audit; allows when valid', () => {
    const engine = createPolicyEngine();
    const v = [{ expression: '!object.frozen', messageExpression: "'env ' + object.environment.name + ' is frozen'", reason: 'Frozen' }];
    const ps = [policy('a', { validations: v }), policy('b', { mode: 'warn', validations: v }), policy('c', { mode: 'audit', validations: v })];
    const frozen = engine.admit(ps, 'deployment.create', input({ frozen: true, environment: { name: 'prod' } }));
    expect(frozen.allowed).toBe(false);
    expect(frozen.decisions.map((d) => [d.policy, d.result, d.reason, d.messages[0]])).toEqual([
      ['a', 'deny', 'Frozen', 'env prod is frozen'],
      ['b', 'warn', 'Frozen', 'env prod is frozen'],
      ['c', 'audit', 'Frozen', 'env prod is frozen'],
    ]);
    expect(frozen.warnings.map((d) => d.policy)).toEqual(['b']);
    const open = engine.admit(ps, 'deployment.create', input({ frozen: false, environment: { name: 'prod' } }));
    expect(open.allowed).toBe(true);
    expect(open.decisions.every((d) => d.result === 'allow' && d.messages.length === 0)).toBe(true);
  });

  it('fails closed: a runtime error denies with the policy and validation named, and never throws', () => {
    const engine = createPolicyEngine();
    const p = policy('needs-run', { validations: [{ expression: "object.pipeline.status == 'succeeded'" }] });
    const [d] = engine.evaluate([p], 'deployment.create', input({}));
    expect(d!.result).toBe('deny');
    expect(d!.reason).toBe('EvaluationFailed');
    expect(d!.messages[0]).toMatch(/^policy needs-run: validations\[0\]: evaluation failed: No such key: pipeline/);
    const broken = policy('broken', { validations: [{ expression: 'object.x +' }] });
    const [b] = engine.evaluate([broken], 'deployment.create', input({}));
    expect(b!.result).toBe('deny');
    expect(b!.messages[0]).toContain('policy broken: does not compile');
  });

  it('denies an expression whose estimated cost exceeds the limit for this input', () => {
    const engine = createPolicyEngine({ costLimit: 10_000 });
    const p = policy('quadratic', { validations: [{ expression: 'object.items.all(a, object.items.all(b, a == b || a != b))' }] });
    const small = Array.from({ length: 10 }, (_, i) => i);
    expect(engine.evaluate([p], 'deployment.create', input({ items: small }))[0]!.result).toBe('allow');
    const big = Array.from({ length: 500 }, (_, i) => i);
    const [d] = engine.evaluate([p], 'deployment.create', input({ items: big }));
    expect(d!.result).toBe('deny');
    expect(d!.reason).toBe('CostLimitExceeded');
  });

  it('digests the canonical input: key order does not matter, content does', () => {
    const engine = createPolicyEngine();
    const p = policy('t', { validations: [{ expression: 'true' }] });
    const a = engine.evaluate([p], 'deployment.create', input({ x: 1, y: [1, 2] }))[0]!;
    const b = engine.evaluate([p], 'deployment.create', input({ y: [1, 2], x: 1 }))[0]!;
    const c = engine.evaluate([p], 'deployment.create', input({ y: [2, 1], x: 1 }))[0]!;
    expect(a.inputDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.inputDigest).toBe(b.inputDigest);
    expect(a.inputDigest).not.toBe(c.inputDigest);
  });

  it('uses variables, now and the static message, and counts approvals numerically', () => {
    const engine = createPolicyEngine();
    const p = policy('t', {
      variables: [{ name: 'others', expression: 'object.approvals.filter(a, a.by != actor.ref)' }],
      validations: [
        { expression: 'size(variables.others) >= object.requiredApprovals', message: 'not enough approvals' },
        { expression: "now < timestamp('2030-01-01T00:00:00Z')" },
      ],
    });
    const obj = { approvals: [{ by: 'user:default/ann' }, { by: 'user:default/bob' }], requiredApprovals: 2 };
    const [d] = engine.evaluate([p], 'deployment.create', input(obj), { now: new Date('2031-01-01T00:00:00Z') });
    expect(d!.messages).toEqual(['not enough approvals', "failed expression: now < timestamp('2030-01-01T00:00:00Z')"]);
  });
});

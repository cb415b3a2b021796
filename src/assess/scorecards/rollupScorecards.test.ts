import { describe, expect, it } from 'vitest';
import { rollupScorecards } from './rollupScorecards.js';
import type { CheckStatus, ScorecardResult } from './types.js';

function result(subject: string, level: string | null, statuses: [CheckStatus, CheckStatus, CheckStatus], scorecard = 'observability', applicable = true): ScorecardResult {
  const ids = [['logs', 'Bronze'], ['metrics', 'Silver'], ['traces', 'Gold']] as const;
  const checks = ids.map(([id, l], i) => ({ id, level: l, title: id, policy: `scorecard:${scorecard}/${id}`, status: statuses[i]!, message: '', howToFix: 'x' }));
  const counts = { pass: 0, fail: 0, exempt: 0, error: 0 };
  for (const c of checks) counts[c.status]++;
  return { scorecard, subject, applicable, levels: ['Bronze', 'Silver', 'Gold'], level, checks: applicable ? checks : [], counts, evaluatedAt: '2026-03-02T10:00:00.000Z' };
}

const teams: Record<string, string | null> = {
  'component:default/orders-api': 'group:default/payments',
  'component:default/refunds': 'group:default/payments',
  'component:default/ledger': 'group:default/payments',
  'component:default/search': 'group:default/discovery',
  'component:default/legacy-batch': null,
};

describe('rollupScorecards', () => {
  it('counts levels and per-check pass rates per team and scorecard, skipping what does not apply or has no team', () => {
    const results = [
      result('component:default/orders-api', 'Silver', ['pass', 'pass', 'fail']),
      result('component:default/refunds', null, ['fail', 'pass', 'pass']),
      result('component:default/ledger', 'Gold', ['pass', 'exempt', 'pass']),
      result('component:default/search', 'Bronze', ['pass', 'error', 'fail']),
      result('component:default/legacy-batch', null, ['fail', 'fail', 'fail']),
      result('component:default/search', null, ['fail', 'fail', 'fail'], 'delivery', false),
      result('component:default/orders-api', 'Bronze', ['pass', 'fail', 'fail'], 'delivery'),
    ];
    const r = rollupScorecards(results, (ref) => teams[ref] ?? null);
    expect(r.map((x) => [x.scorecard, x.group, x.components])).toEqual([
      ['delivery', 'group:default/payments', 1],
      ['observability', 'group:default/discovery', 1],
      ['observability', 'group:default/payments', 3],
    ]);
    const payments = r[2]!;
    expect(payments.byLevel).toEqual({ Bronze: 0, Silver: 1, Gold: 1, none: 1 });
    expect(payments.checks.map((c) => [c.id, c.pass, c.fail, c.exempt, c.error, c.passRate])).toEqual([
      ['logs', 2, 1, 0, 0, 2 / 3],
      ['metrics', 2, 0, 1, 0, 1],
      ['traces', 2, 1, 0, 0, 2 / 3],
    ]);
    expect(r[1]!.byLevel).toEqual({ Bronze: 1, Silver: 0, Gold: 0, none: 0 });
    expect(r[1]!.checks.map((c) => c.passRate)).toEqual([1, 0, 0]);
    expect(rollupScorecards([result('component:default/ledger', 'Gold', ['pass', 'exempt', 'pass'])], () => 'g')[0]!.checks[1]!.passRate).toBeNull();
  });
});

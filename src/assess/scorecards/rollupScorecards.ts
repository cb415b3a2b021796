import { NO_LEVEL, type ScorecardCheckRollup, type ScorecardResult, type ScorecardRollup } from './types.js';

/**
 * Rolls component results up per group (team, system or domain: `groupOf` maps a subject ref to the group's ref,
 * or null to leave it out) and per scorecard. Results the card does not apply to are skipped. Sorted by scorecard,
 * then group.
 */
export function rollupScorecards(results: readonly ScorecardResult[], groupOf: (subjectRef: string) => string | null): ScorecardRollup[] {
  const byKey = new Map<string, ScorecardRollup>();
  const checksByKey = new Map<string, Map<string, ScorecardCheckRollup>>();
  for (const r of results) {
    if (!r.applicable) continue;
    const group = groupOf(r.subject);
    if (group === null) continue;
    const key = JSON.stringify([r.scorecard, group]);
    let roll = byKey.get(key);
    let checks = checksByKey.get(key);
    if (!roll || !checks) {
      const byLevel: Record<string, number> = {};
      for (const l of r.levels) byLevel[l] = 0;
      byLevel[NO_LEVEL] = 0;
      roll = { scorecard: r.scorecard, group, components: 0, byLevel, checks: [] };
      checks = new Map();
      byKey.set(key, roll);
      checksByKey.set(key, checks);
    }
    roll.components++;
    const level = r.level ?? NO_LEVEL;
    roll.byLevel[level] = (roll.byLevel[level] ?? 0) + 1;
    for (const c of r.checks) {
      let cr = checks.get(c.id);
      if (!cr) {
        cr = { id: c.id, level: c.level, title: c.title, pass: 0, fail: 0, exempt: 0, error: 0, passRate: null };
        checks.set(c.id, cr);
        roll.checks.push(cr);
      }
      cr[c.status]++;
    }
  }
  for (const roll of byKey.values()) {
    for (const c of roll.checks) {
      const decided = c.pass + c.fail + c.error;
      c.passRate = decided === 0 ? null : c.pass / decided;
    }
  }
  return [...byKey.values()].sort((a, b) => (a.scorecard === b.scorecard ? cmp(a.group, b.group) : cmp(a.scorecard, b.scorecard)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

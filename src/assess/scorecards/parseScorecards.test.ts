import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../core/errors.js';
import { parseScorecards } from './parseScorecards.js';

const card = (checks: string, levels = '[Bronze, Silver]', name = 'demo') => `apiVersion: gantry.dev/v1alpha1
kind: Scorecard
metadata: { name: ${name}, title: Demo }
spec:
  levels: ${levels}
  checks:
${checks}`;

const ownerCheck = `    - id: has-owner
      level: Bronze
      title: Has an owner
      howToFix: Set spec.owner.
      expression: has(subject.spec.owner)
`;
const silverCheck = `    - id: has-readme
      level: Silver
      title: Has a README
      howToFix: Add a README.md.
      expression: object.facts != null && object.facts.ownership.readme
      messageExpression: "'no README in ' + object.facts.path"
`;

describe('parseScorecards', () => {
  it('reads a valid scorecard and keeps its checks in order', () => {
    const r = parseScorecards(card(ownerCheck + silverCheck), 'demo.yaml');
    expect(r.problems).toEqual([]);
    expect(r.scorecards).toHaveLength(1);
    const c = r.scorecards[0]!;
    expect(c.metadata).toEqual({ name: 'demo', title: 'Demo' });
    expect(c.spec.levels).toEqual(['Bronze', 'Silver']);
    expect(c.spec.checks.map((x) => [x.id, x.level])).toEqual([['has-owner', 'Bronze'], ['has-readme', 'Silver']]);
    expect(c.spec.checks[1]!.messageExpression).toBe("'no README in ' + object.facts.path");
  });

  it('places a CEL type error on the character inside the expression, with a caret', () => {
    const bad = ownerCheck.replace('has(subject.spec.owner)', "has(subject.spec.owner) && subject.nmae != ''");
    const r = parseScorecards(card(bad + silverCheck), 'demo.yaml');
    expect(r.scorecards).toEqual([]);
    expect(r.problems).toHaveLength(1);
    const p = r.problems[0]!;
    expect(p.code).toBe('invalid_expression');
    expect(p.path).toBe('spec.checks[0].expression');
    expect(p.message).toContain('column 36 of the expression: No such key: nmae');
    // `has(subject.spec.owner) && subject.` is 35 characters: the caret sits under the n of nmae.
    expect(p.message).toContain(`has(subject.spec.owner) && subject.nmae != ''\n${' '.repeat(35)}^`);
    // `      expression: ` is 18 characters, so the scalar starts at column 19 and nmae at 19 + 35.
    expect(p.position).toEqual({ file: 'demo.yaml', line: 11, column: 54 });
    expect(formatProblem(p)).toMatch(/^demo\.yaml:11:54: spec\.checks\[0\]\.expression: expected a CEL expression returning bool/);
  });

  it('refuses an expression that does not return bool, and a syntax error in a block scalar', () => {
    const notBool = ownerCheck.replace('has(subject.spec.owner)', 'subject.name');
    const block = silverCheck.replace('expression: object.facts != null && object.facts.ownership.readme', 'expression: |\n        object.facts != null &&\n          && true');
    const r = parseScorecards(card(notBool + block), 'demo.yaml');
    expect(r.problems.map((p) => [p.path, p.code])).toEqual([
      ['spec.checks[0].expression', 'wrong_result_type'],
      ['spec.checks[1].expression', 'invalid_expression'],
    ]);
    // The block's second line is line 18 of the file; `&&` starts at its column 11.
    expect(r.problems[1]!.position).toEqual({ file: 'demo.yaml', line: 18, column: 11 });
  });

  it('reports an unknown level, a duplicate id, missing fields and unknown keys, each where it is', () => {
    const text = card(
      `    - id: has-owner
      level: Platinum
      title: Has an owner
      howToFix: Set spec.owner.
      expression: "true"
    - id: has-owner
      level: Bronze
      title: Has an owner again
      howToFix: Set spec.owner.
      expression: "true"
    - id: Bad_Id
      level: Silver
      titel: typo
      expression: "true"
`,
    );
    const r = parseScorecards(text, 'demo.yaml');
    expect(r.scorecards).toEqual([]);
    // `    - id: ` is 10 characters: ids start at column 11; `      level: ` is 13.
    expect(r.problems.map((p) => [p.path, p.code, p.position?.line, p.position?.column])).toEqual([
      ['spec.checks[0].level', 'unknown_level', 8, 14],
      ['spec.checks[1].id', 'duplicate_check', 12, 11],
      ['spec.checks[2].titel', 'unknown_key', 19, 7],
      ['spec.checks[2].id', 'invalid_name', 17, 11],
      ['spec.checks[2].title', 'missing_field', 17, 7],
      ['spec.checks[2].howToFix', 'missing_field', 17, 7],
    ]);
    expect(r.problems[0]!.message).toBe('spec.checks[0].level: expected one of the levels in spec.levels (Bronze, Silver), found "Platinum"');
  });

  it('refuses empty, repeated or reserved levels, and warns about a level without checks', () => {
    expect(parseScorecards(card(ownerCheck, '[]'), 'c.yaml').problems.map((p) => [p.path, p.code])).toEqual([
      ['spec.levels', 'wrong_type'],
      // Without levels the check's level cannot be checked against them; only the list is reported.
    ]);
    const repeated = parseScorecards(card(ownerCheck, '[Bronze, Bronze, none]'), 'c.yaml');
    expect(repeated.problems.map((p) => [p.path, p.code])).toEqual([
      ['spec.levels[1]', 'duplicate_level'],
      ['spec.levels[2]', 'invalid_value'],
    ]);
    const gold = parseScorecards(card(ownerCheck + silverCheck, '[Bronze, Silver, Gold]'), 'c.yaml');
    expect(gold.scorecards).toHaveLength(1);
    expect(gold.problems.map((p) => [p.path, p.code, p.severity])).toEqual([['spec.levels[2]', 'empty_level', 'warning']]);
  });

  it('checks the envelope and refuses a name used twice in one file', () => {
    const wrong = parseScorecards('apiVersion: v1\nkind: Policy\nmetadata: { name: x }\nspec: { levels: [A], checks: [] }\n', 'c.yaml');
    expect(wrong.problems.map((p) => [p.path, p.code])).toEqual([
      ['apiVersion', 'invalid_value'],
      ['kind', 'invalid_value'],
      ['spec.checks', 'wrong_type'],
    ]);
    const one = card(ownerCheck, '[Bronze]');
    const twice = parseScorecards(`${one}---\n${one}`, 'c.yaml');
    expect(twice.problems.map((p) => [p.code, p.position?.line])).toEqual([['duplicate_scorecard', 15]]);
    const two = parseScorecards(`${one}---\n${card(ownerCheck, '[Bronze]', 'other')}`, 'c.yaml');
    expect(two.scorecards.map((c) => c.metadata.name)).toEqual(['demo', 'other']);
    expect(parseScorecards('', 'c.yaml').problems.map((p) => p.code)).toEqual(['empty']);
    expect(parseScorecards('a: [', 'c.yaml').problems[0]!.code).toBe('yaml_syntax');
  });

  it('reads appliesTo and lower-cases its kinds', () => {
    const text = card(ownerCheck, '[Bronze]').replace('  levels:', '  appliesTo: { kinds: [Component], types: [service] }\n  levels:');
    const r = parseScorecards(text, 'c.yaml');
    expect(r.problems).toEqual([]);
    expect(r.scorecards[0]!.spec.appliesTo).toEqual({ kinds: ['component'], types: ['service'] });
    const bad = parseScorecards(card(ownerCheck, '[Bronze]').replace('  levels:', '  appliesTo: { kind: [component] }\n  levels:'), 'c.yaml');
    expect(bad.problems.map((p) => [p.path, p.code])).toEqual([['spec.appliesTo.kind', 'unknown_key']]);
  });
});

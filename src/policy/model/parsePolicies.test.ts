import { describe, expect, it } from 'vitest';
import { checkPolicySpec } from './checkPolicy.js';
import { parsePolicies } from './parsePolicies.js';

const doc = (validations: string, extra = '') => `apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: p1 }
spec:
  match: { actions: [deployment.create] }
${extra}  validations:
${validations}`;

describe('parsePolicies', () => {
  it('reads a valid policy and normalises it', () => {
    const r = parsePolicies(doc('    - expression: "!object.frozen"\n      message: frozen\n'), 'p.yaml');
    expect(r.problems).toEqual([]);
    expect(r.policies[0]!.spec).toEqual({ mode: 'enforce', match: { actions: ['deployment.create'] }, variables: [], validations: [{ expression: '!object.frozen', message: 'frozen' }] });
  });

  it('places a type error on the character inside a plain scalar', () => {
    const r = parsePolicies(doc('    - expression: subject.nmae == "x"\n'), 'p.yaml');
    expect(r.policies).toEqual([]);
    const p = r.problems[0]!;
    expect(p.path).toBe('spec.validations[0].expression');
    expect(p.message).toContain('column 9 of the expression: No such key: nmae');
    expect(p.message).toContain('subject.nmae == "x"\n        ^');
    // `    - expression: ` is 18 characters: the scalar starts at column 19, `nmae` at 19 + 8.
    expect(p.position).toEqual({ file: 'p.yaml', line: 7, column: 27 });
  });

  it('places a syntax error inside a block scalar on its line', () => {
    const r = parsePolicies(doc('    - expression: |\n        object.frozen &&\n          + 1\n'), 'p.yaml');
    const p = r.problems[0]!;
    expect(p.code).toBe('invalid_expression');
    expect(p.position).toEqual({ file: 'p.yaml', line: 9, column: 11 });
  });

  it('rejects a non-bool validation and checks variables in order with their types', () => {
    const r = parsePolicies(
      doc('    - expression: variables.n + 1\n', '  variables:\n    - { name: n, expression: size(object.approvals) }\n    - { name: m, expression: variables.later }\n'),
      'p.yaml',
    );
    const messages = r.problems.map((p) => `${p.path}: ${p.code}`);
    expect(messages).toEqual(['spec.variables[1].expression: invalid_expression', 'spec.validations[0].expression: wrong_result_type']);
  });

  it('reports unknown keys, unknown actions and bad modes with positions', () => {
    const text = `apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: Bad_Name }
spec:
  mode: block
  match: { actions: [deploy.create], kinds: [component] }
  validations:
    - { expresion: "true" }
`;
    const r = parsePolicies(text, 'p.yaml');
    expect(r.problems.map((p) => [p.path, p.position?.line])).toEqual([
      ['metadata.name', 3],
      ['spec.mode', 5],
      ['spec.match.actions[0]', 6],
      ['spec.validations[0].expresion', 8],
      ['spec.validations[0].expression', 8],
    ]);
  });

  it('refuses comprehensions nested too deep', () => {
    const f = checkPolicySpec({
      match: { actions: ['kubernetes.manifests'] },
      validations: [{ expression: 'object.a.all(a, object.b.all(b, object.c.all(c, object.d.all(d, a == d))))' }],
    });
    expect(f[0]!.code).toBe('too_costly');
  });

  it('reads several documents and refuses a duplicate name', () => {
    const one = doc('    - expression: "true"\n');
    const r = parsePolicies(`${one}---\n${one}`, 'p.yaml');
    expect(r.problems.map((p) => p.code)).toEqual(['duplicate_policy']);
    expect(r.problems[0]!.position?.line).toBe(11);
  });
});

import { describe, expect, it } from 'vitest';
import { checkSyntax, evaluate, parseRepoUrl, RenderError, renderString } from './render.js';

describe('template rendering', () => {
  it('renders ${{ }} and leaves {{ }} of other tools alone', () => {
    expect(renderString('name: ${{ values.name | upper }} sha: {{ github.sha }}', { values: { name: 'abc' } })).toBe('name: ABC sha: {{ github.sha }}');
  });

  it('keeps the type of a value that is one whole expression', () => {
    expect(evaluate('${{ parameters.list }}', { parameters: { list: [1, 2] } })).toEqual([1, 2]);
    expect(evaluate('${{ parameters.n }}', { parameters: { n: 3 } })).toBe(3);
    expect(evaluate('${{ parameters.flag }}', { parameters: { flag: false } })).toBe(false);
    expect(evaluate('n=${{ parameters.n }}', { parameters: { n: 3 } })).toBe('n=3');
    expect(evaluate({ a: ['${{ parameters.n }}'] }, { parameters: { n: 3 } })).toEqual({ a: [3] });
  });

  it("reads step outputs either way Backstage templates write them", () => {
    const ctx = { steps: { publish: { output: { remoteUrl: 'u' } } } };
    expect(evaluate("${{ steps['publish'].output.remoteUrl }}", ctx)).toBe('u');
    expect(evaluate('${{ steps.publish.output.remoteUrl }}', ctx)).toBe('u');
  });

  it("has Backstage's filters", () => {
    expect(parseRepoUrl('github.com?owner=acme&repo=payments')).toEqual({ host: 'github.com', owner: 'acme', repo: 'payments' });
    expect(evaluate("${{ 'group:default/team-a' | parseEntityRef | pick('name') }}", {})).toBe('team-a');
    expect(evaluate("${{ 'github.com?owner=acme&repo=x' | projectSlug }}", {})).toBe('acme/x');
    expect(() => evaluate("${{ 'github.com' | parseRepoUrl }}", {})).toThrow(/no repo= parameter/);
  });

  it('cannot reach Function or the process from a template', () => {
    const attempts = [
      '${{ "".constructor.constructor("return process")() }}',
      '${{ range.constructor("return process")() }}',
      '${{ cycler.constructor("return process")() }}',
      '${{ parameters.__proto__.constructor.constructor("return process")() }}',
      '${{ parameters.toString.constructor("return process")() }}',
    ];
    for (const a of attempts) {
      let result: unknown;
      try {
        result = evaluate(a, { parameters: { x: 1 } });
      } catch (e) {
        expect(e).toBeInstanceOf(RenderError);
        continue;
      }
      expect(result === undefined || result === '' ).toBe(true);
    }
    expect(evaluate('${{ parameters.name.toUpperCase() }}', { parameters: { name: 'ok' } })).toBe('OK');
  });

  it('reports a syntax error with its line and column', () => {
    try {
      checkSyntax('first line\n${{ values.x | }}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RenderError);
      expect((e as RenderError).line).toBe(2);
      expect((e as RenderError).message).toMatch(/expected/);
    }
    expect(() => checkSyntax('{% if x %}no end')).toThrow(RenderError);
  });
});

import { describe, expect, it } from 'vitest';
import { parseDescriptors } from '../../catalog/index.js';
import { checkTemplateSpec, readTemplateSpec, templateVersion } from './template.js';

describe('template checks at load', () => {
  it('names an unsupported action and the supported ones', () => {
    const f = checkTemplateSpec({ steps: [{ id: 'a', action: 'publish:bitbucket' }] });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'unsupported_action', at: ['steps', 0, 'action'], severity: 'error' });
    expect(f[0]!.message).toContain('"publish:bitbucket"');
    expect(f[0]!.message).toContain('publish:git');
  });

  it('finds references to later or missing steps, duplicate ids and remote skeletons', () => {
    const f = checkTemplateSpec({
      steps: [
        { id: 'a', action: 'debug:log', input: { message: '${{ steps.b.output.x }}' } },
        { id: 'b', action: 'debug:log', input: { message: "${{ steps['nope'].output.x }}" } },
        { id: 'b', action: 'fetch:template', input: { url: 'https://github.com/acme/skeleton' } },
      ],
    });
    expect(f.map((x) => x.code).sort()).toEqual(['duplicate_step', 'unknown_step', 'unknown_step', 'unsupported_url']);
    expect(f.find((x) => x.at.join('.') === 'steps.0.input.message')!.message).toContain('a later step');
    expect(f.find((x) => x.at.join('.') === 'steps.1.input.message')!.message).toContain('no step');
  });

  it('puts template problems at their file:line through the catalog parser', () => {
    const text = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: t }
spec:
  type: service
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values: { name: '\${{ parameters.name | }}' }
`;
    const { documents } = parseDescriptors(text, 'templates/t/template.yaml');
    const p = documents[0]!.problems.find((x) => x.code === 'template_syntax');
    expect(p?.position).toMatchObject({ file: 'templates/t/template.yaml', line: 11 });
    expect(p?.path).toBe('spec.steps[0].input.values.name');
    expect(documents[0]!.entity).toBeUndefined();
  });

  it('versions a template by its annotation, else by its content', () => {
    const spec = { type: 'service', steps: [] };
    expect(templateVersion({ metadata: { annotations: { 'gantry.dev/template-version': '2.1.0' } }, spec })).toBe('2.1.0');
    const a = templateVersion({ metadata: {}, spec });
    expect(a).toMatch(/^sha-[0-9a-f]{12}$/);
    expect(templateVersion({ metadata: {}, spec: { steps: [], type: 'service' } })).toBe(a);
    expect(templateVersion({ metadata: {}, spec: { ...spec, type: 'website' } })).not.toBe(a);
  });

  it('reads a single parameter schema as one page and names steps without ids', () => {
    const s = readTemplateSpec({ type: 'service', parameters: { properties: { x: { type: 'string' } } }, steps: [{ action: 'debug:log' }] });
    expect(s.parameters).toHaveLength(1);
    expect(s.steps[0]).toMatchObject({ id: 'step-1', name: 'debug:log', action: 'debug:log', input: {} });
  });
});

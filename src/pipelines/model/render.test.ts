import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { resolvePipelineText } from './effectivePipeline.js';
import { renderPipeline } from './render.js';

const text = [
  'extends: gantry/node-service@1',
  'name: orders-api CI',
  'on: { push: { branches: [main] } }',
  'jobs:',
  '  test:',
  '    matrix: { node: ["20", "22"] }',
  '    steps: [{ run: "echo ${{ matrix.node }} on ${{ branch }}" }]',
  '  deploy:',
  '    needs: [policy-gate]',
  '    if: { branches: [main] }',
  '    timeout: 90s',
  '    steps:',
  '      - run: ./deploy.sh',
  '        env: { TOKEN: { secret: DEPLOY_TOKEN } }',
].join('\n');

describe('renderPipeline', () => {
  const { pipeline, problems } = resolvePipelineText(text, '.gantry/pipeline.yaml');

  it('writes the effective pipeline: merged, expanded, every default filled in', () => {
    expect(problems).toEqual([]);
    const out = parse(renderPipeline(pipeline!)) as {
      name: string;
      on: unknown;
      jobs: Record<string, { name: string; needs?: string[]; timeout: string; if?: unknown; steps: Array<Record<string, unknown>> }>;
    };
    expect(out.name).toBe('orders-api CI');
    expect(out.on).toEqual({ push: { branches: ['main'] }, manual: false });
    expect(Object.keys(out.jobs)).toEqual(pipeline!.jobs.map((j) => j.id));
    expect(Object.keys(out.jobs)).toContain('test (node=22)');
    expect(out.jobs.build?.needs).toEqual(['test (node=20)', 'test (node=22)']);
    expect(out.jobs['test (node=22)']?.steps.at(-1)).toEqual({ name: 'echo 22 on ${{ branch }}', run: 'echo 22 on ${{ branch }}', timeout: '10m' });
    expect(out.jobs.deploy).toMatchObject({ timeout: '90s', if: { branches: ['main'] }, needs: ['policy-gate'] });
    expect(out.jobs.deploy?.steps[0]).toMatchObject({ env: { TOKEN: { secret: 'DEPLOY_TOKEN' } } });
  });

  it('marks required jobs, their reason and origin, matrix values and step ids in comments', () => {
    const rendered = renderPipeline(pipeline!);
    const doc = parseDocument(rendered);
    expect(doc.errors).toEqual([]);
    expect(rendered).toContain(
      '  # required by gantry/node-service@1: every service is scanned for committed secrets (security standard SEC-3)\n  secret-scan:',
    );
    expect(rendered).toMatch(/# required by gantry\/node-service@1: .*; matrix node=20\n {2}test \(node=20\):/);
    expect(rendered).toContain('  # from .gantry/pipeline.yaml\n  deploy:');
    expect(rendered).toContain('      - name: ./deploy.sh # step-1\n');
    expect(rendered.startsWith('# Effective pipeline "orders-api CI": gantry/node-service@1 merged in')).toBe(true);
  });
});

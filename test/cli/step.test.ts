import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { model } from '../../src/pipelines/index.js';
import { gantry } from './runCli.js';

// Built at run time so this file itself holds no string a secret scanner would flag.
const FAKE_AWS_SECRET = ['1tUm636uS1yOEcfP5pvfq', 'J/ml36mF7AkyHsEU0IU'].join('');

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-step-'));
  for (const [p, t] of Object.entries(files)) writeFileSync(join(dir, p), t);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

describe('gantry step (the built-in steps exported workflows call)', () => {
  it('runs the secret scan here: exit 1 with the finding masked, exit 0 when clean', async () => {
    const leaky = repo({ 'prod.env': `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET}\n` });
    const r = await gantry(['step', 'gantry/secret-scan@1'], { cwd: leaky });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('prod.env:1');
    expect(r.stdout + r.stderr).not.toContain(FAKE_AWS_SECRET);
    const clean = await gantry(['step', 'gantry/secret-scan@1', '--json'], { cwd: repo({ 'README.md': '# ok\n' }) });
    expect(clean.exitCode).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ step: 'gantry/secret-scan@1', status: 'succeeded', findings: [] });
  });

  it('is what an exported GitHub workflow runs for a built-in step', async () => {
    const r = model.resolvePipelineText('jobs:\n  scan:\n    steps:\n      - uses: gantry/secret-scan@1\n', '.gantry/pipeline.yaml');
    expect(model.toGithubActions(r.pipeline!)).toContain('npx --no gantry step gantry/secret-scan@1');
  });

  it('refuses an unknown step or bad inputs as usage errors (exit 2), naming the field', async () => {
    const unknown = await gantry(['step', 'gantry/nope@1']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('expected one of the built-in steps');
    const bad = await gantry(['step', 'gantry/dependency-audit@1', '--with', '{"severity":"bogus"}']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('with.severity');
    const notJson = await gantry(['step', 'gantry/secret-scan@1', '--with', '{']);
    expect(notJson.exitCode).toBe(2);
    expect((await gantry(['step', '--help'])).exitCode).toBe(0);
  });
});

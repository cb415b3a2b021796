import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { globFromRegExpSource, globMatch, globToRegExpSource, isTriggered, shouldRun } from './conditions.js';
import { checkExpressions, runtimeEnv, substitute, substituteMatrix, toShellVariables } from './expressions.js';
import type { RunContext } from './types.js';

const ctx: RunContext = { runId: 'r-42', event: 'push', branch: 'release/1.2', sha: 'abc123' };

describe('expressions', () => {
  it('substitutes run-time values as text and leaves matrix and unknown expressions', () => {
    expect(substitute('${{ branch }}@${{sha}} ${{ event }} ${{ run.id }} ${{ job.id }}', { ...ctx, jobId: 'test (node=20)' })).toBe(
      'release/1.2@abc123 push r-42 test (node=20)',
    );
    expect(substitute('${{ matrix.node }} ${{ job.id }} ${{ nope }}', ctx)).toBe('${{ matrix.node }} ${{ job.id }} ${{ nope }}');
  });

  it('substitutes matrix values only', () => {
    expect(substituteMatrix('node ${{ matrix.node }} on ${{ branch }} ${{ matrix.os }}', { node: '22' })).toBe(
      'node 22 on ${{ branch }} ${{ matrix.os }}',
    );
  });

  it('turns run-time expressions in commands into variables, so values are data to the shell', () => {
    const run = toShellVariables('echo "on ${{ branch }} (${{ job.id }})"');
    expect(run).toBe('echo "on ${GANTRY_BRANCH} (${GANTRY_JOB_ID})"');
    const hostile = { ...ctx, branch: 'x";echo INJECTED;"', jobId: 'a $(id)' };
    const out = execFileSync('sh', ['-e', '-c', run], { env: { PATH: process.env.PATH, ...runtimeEnv(hostile) }, encoding: 'utf8' });
    expect(out).toBe('on x";echo INJECTED;" (a $(id))\n');
  });

  it('checks expressions against the job and the field', () => {
    expect(checkExpressions('${{ matrix.node }} ${{ branch }}', { matrixKeys: ['node'], runtime: true })).toEqual([]);
    expect(checkExpressions('${{ branch }}', { matrixKeys: [], runtime: false })).toEqual([
      'expected only matrix.* expressions here (run-time values go in run or env), found ${{ branch }}',
    ]);
    expect(checkExpressions('${{ github.sha }}', { matrixKeys: [], runtime: true })[0]).toContain('found ${{ github.sha }}');
  });
});

describe('conditions', () => {
  it('matches branch globs: * and ? within a segment, ** across', () => {
    expect(globMatch('main', 'main')).toBe(true);
    expect(globMatch('main', 'main2')).toBe(false);
    expect(globMatch('release/*', 'release/1.2')).toBe(true);
    expect(globMatch('release/*', 'release/1.2/hotfix')).toBe(false);
    expect(globMatch('release/**', 'release/1.2/hotfix')).toBe(true);
    expect(globMatch('v?', 'v1')).toBe(true);
    expect(globMatch('v?', 'v/')).toBe(false);
    expect(globMatch('feat.x', 'featYx')).toBe(false);
    expect(globMatch('*', 'a/b')).toBe(false);
  });

  it('reads back every glob from its regular expression', () => {
    for (const glob of ['main', 'release/*', 'feature/**', 'v?.x', 'a+b(c)|d$^{e}', '**/x', '*-rc']) {
      expect(globFromRegExpSource(globToRegExpSource(glob))).toBe(glob);
    }
  });

  it('uses the same regular expressions in grep -E as in JavaScript', () => {
    const pattern = ['main', 'release/*', 'a.b+c'].map(globToRegExpSource).join('|');
    const lines = ['main', 'release/1', 'release/1/2', 'a.b+c', 'aXb+c', 'mainx'];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' "$@" | grep -Ex '${pattern}' || true`, 'sh', ...lines], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(lines.filter((l) => ['main', 'release/*', 'a.b+c'].some((g) => globMatch(g, l))));
    expect(out.trim().split('\n')).toEqual(['main', 'release/1', 'a.b+c']);
  });

  it('runs a job only when every given list matches', () => {
    expect(shouldRun(undefined, ctx)).toBe(true);
    expect(shouldRun({}, ctx)).toBe(true);
    expect(shouldRun({ branches: ['main', 'release/*'] }, ctx)).toBe(true);
    expect(shouldRun({ branches: ['main'] }, ctx)).toBe(false);
    expect(shouldRun({ branches: ['release/*'], events: ['manual'] }, ctx)).toBe(false);
    expect(shouldRun({ branches: ['release/*'], events: ['manual', 'push'] }, ctx)).toBe(true);
  });

  it('applies the triggers to an event', () => {
    expect(isTriggered({ push: {}, manual: true }, 'push', 'anything')).toBe(true);
    expect(isTriggered({ push: { branches: ['main'] }, manual: false }, 'push', 'dev')).toBe(false);
    expect(isTriggered({ manual: true }, 'push', 'main')).toBe(false);
    expect(isTriggered({ manual: false, push: {} }, 'manual', 'main')).toBe(false);
    expect(isTriggered({ manual: false }, 'webhook', 'main')).toBe(true);
  });
});

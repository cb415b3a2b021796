import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolvePipelineText } from '../effectivePipeline.js';
import type { Condition, EffectivePipeline } from '../types.js';
import { conditionFromGitlab, fromGitlabCi, gitlabCondition, toGitlabCi } from './gitlabCi.js';

function pipelineOf(lines: string[]): EffectivePipeline {
  const r = resolvePipelineText(lines.join('\n'), '.gantry/pipeline.yaml');
  expect(r.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
  return r.pipeline!;
}

type GitlabJob = {
  stage: string;
  needs?: unknown[];
  tags?: string[];
  timeout: string;
  rules?: Array<{ if: string }>;
  variables: Record<string, string>;
  cache?: unknown;
  artifacts?: unknown;
  script: string[];
};

const sample = pipelineOf([
  'name: orders-api CI',
  'on: { push: { branches: [main, "release/*"] }, manual: true }',
  'env: { PRICE: "$5", TOKEN: { secret: NPM_TOKEN } }',
  'retry: { runnerLost: 2 }',
  'jobs:',
  '  lint:',
  '    if: { branches: ["feature/**"] }',
  '    steps: [{ run: make lint }]',
  '  test:',
  '    matrix: { node: ["20", "22"] }',
  '    runsOn: [linux]',
  '    timeout: 15m',
  '    cache: { key: [a.lock, b.lock, c.lock], paths: [node_modules] }',
  '    steps:',
  '      - run: echo "node ${{ matrix.node }} on ${{ branch }}"',
  '  pages:',
  '    needs: [lint, test]',
  '    cache: { key: [package-lock.json], prefix: npm, paths: [node_modules] }',
  '    artifacts: { paths: [public/**] }',
  '    env: { WHERE: "${{ branch }} ${{ event }}", LITERAL: "${GANTRY_BRANCH} costs $$" }',
  '    steps:',
  '      - uses: gantry/secret-scan@1',
  '        with: { paths: ["."] }',
  '      - name: In web',
  '        run: pwd',
  '        workingDirectory: web',
  '        env: { SECRET: { secret: DEPLOY_KEY }, MODE: "it\'s ${{ event }}" }',
  '      - run: pwd',
  '      - run: echo "only main"',
  '        if: { branches: [main], events: [push] }',
]);

describe('toGitlabCi', () => {
  const text = toGitlabCi(sample);
  const ci = parse(text) as Record<string, unknown> & { stages: string[]; workflow: { rules: unknown[] }; variables: Record<string, string> };
  const job = (name: string) => ci[name] as GitlabJob;

  it('writes stages from the needs depth, workflow rules from the triggers and global variables', () => {
    expect(ci.stages).toEqual(['stage-1', 'stage-2']);
    expect(ci.workflow.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_REF_NAME =~ /^(main|release\\/[^\\/]*)$/', variables: { GANTRY_EVENT: 'push' } },
      { if: '$CI_PIPELINE_SOURCE == "web"', variables: { GANTRY_EVENT: 'manual' } },
    ]);
    expect(ci.variables).toMatchObject({ GANTRY_BRANCH: '$CI_COMMIT_REF_NAME', PRICE: '$$5', TOKEN: '${NPM_TOKEN}' });
    expect(ci.default).toEqual({ retry: { max: 2, when: ['runner_system_failure', 'stuck_or_timeout_failure'] } });
  });

  it('maps jobs: tags, timeout, rules, optional needs of conditional jobs, cache and artifacts', () => {
    expect(job('lint')).toMatchObject({ stage: 'stage-1', rules: [{ if: '$CI_COMMIT_REF_NAME =~ /^(feature\\/.*)$/' }] });
    expect(job('test (node=20)')).toMatchObject({
      stage: 'stage-1',
      tags: ['linux'],
      timeout: '15m',
      variables: { GANTRY_JOB_ID: 'test (node=20)' },
      // GitLab hashes at most two files: with three, the key is per job.
      cache: { key: 'gantry-cache-test-node-20', paths: ['node_modules'] },
      script: ['echo "node 20 on ${GANTRY_BRANCH}"'],
    });
    // `pages` is a GitLab keyword: the job gets another name and keeps its id in GANTRY_JOB_ID.
    expect(ci.pages).toBeUndefined();
    const pages = job('pages-job');
    expect(pages).toMatchObject({
      stage: 'stage-2',
      needs: [{ job: 'lint', optional: true }, 'test (node=20)', 'test (node=22)'],
      cache: { key: { files: ['package-lock.json'], prefix: 'gantry-npm-pages' }, paths: ['node_modules'] },
      artifacts: { paths: ['public/**'] },
      variables: { GANTRY_JOB_ID: 'pages', WHERE: '${CI_COMMIT_REF_NAME} ${GANTRY_EVENT}', LITERAL: '$${GANTRY_BRANCH} costs $$$$' },
    });
    expect(pages.script[0]).toBe(`npx --no gantry step gantry/secret-scan@1 --with '{"paths":["."]}'`);
  });

  it('reads back the same jobs, steps, needs and conditions', () => {
    const back = fromGitlabCi(text);
    expect(back.on).toEqual(sample.on);
    expect(back.env).toEqual(sample.env);
    expect(back.retry).toEqual({ runnerLost: 2 });
    // GitLab keeps neither job display names nor step timeouts, nor the content hash of more than two key files.
    const comparable = (p: EffectivePipeline) =>
      p.jobs.map((j) => ({
        id: j.id,
        needs: j.needs,
        if: j.if,
        env: j.env,
        runsOn: j.runsOn,
        timeoutMs: j.timeoutMs,
        artifacts: j.artifacts,
        cache: j.cache && { keyFiles: j.cache.keyFiles.length <= 2 ? j.cache.keyFiles : [], paths: j.cache.paths },
        steps: j.steps.map((s) => ({ ...s, timeoutMs: undefined })),
      }));
    expect(comparable(back)).toEqual(comparable(sample));
  });

  describe('script entries run in sh as the steps would', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-gitlab-'));
    mkdirSync(join(dir, 'web'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    // GitLab runs a job's entries one after the other in one shell session, with the job's variables set.
    const run = (branch: string, event: string) =>
      execFileSync('sh', ['-e', '-c', job('pages-job').script.slice(1).join('\n')], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GANTRY_BRANCH: branch, GANTRY_EVENT: event, DEPLOY_KEY: 'k3y' },
      });

    it('keeps a working directory and env to their step and applies step conditions', () => {
      expect(run('main', 'push').split('\n')).toEqual([join(dir, 'web'), dir, 'only main', '']);
      expect(run('dev', 'push').split('\n')).toEqual([join(dir, 'web'), dir, '']);
      expect(run('main', 'manual').split('\n')).toEqual([join(dir, 'web'), dir, '']);
    });

    it('passes secrets and run-time values into the step env', () => {
      const item = job('pages-job').script[1]!.replace('pwd', 'printf "%s|%s\\n" "$SECRET" "$MODE"');
      const out = execFileSync('sh', ['-e', '-c', item], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GANTRY_EVENT: 'push', DEPLOY_KEY: 'k3y' },
      });
      expect(out).toBe("k3y|it's push\n");
    });
  });
});

describe('gitlabCondition', () => {
  it('reads back what it writes, exactly (GitLab has regular expressions)', () => {
    const conditions: Condition[] = [
      { branches: ['main'] },
      { events: ['manual', 'webhook'] },
      { branches: ['feature/**', 'v?.x', 'a|b', 'release/*'], events: ['push'] },
    ];
    for (const c of conditions) expect(conditionFromGitlab(gitlabCondition(c)!)).toEqual(c);
  });
});

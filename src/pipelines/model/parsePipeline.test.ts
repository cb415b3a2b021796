import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../core/errors.js';
import { parsePipelineFile } from './parsePipeline.js';

const FILE = 'repo/.gantry/pipeline.yaml';

function problemsOf(text: string) {
  const parsed = parsePipelineFile(text, FILE);
  expect(parsed.pipeline).toBeUndefined();
  return parsed.problems;
}

describe('parsePipelineFile', () => {
  it('reads a valid file into the file model', () => {
    const parsed = parsePipelineFile(
      [
        'name: orders-api CI',
        'on:',
        '  push: { branches: [main] }',
        '  manual: true',
        'env: { NODE_ENV: test, TOKEN: { secret: NPM_TOKEN } }',
        'jobs:',
        '  test:',
        '    timeout: 15m',
        '    matrix: { node: ["20", "22"] }',
        '    steps:',
        '      - run: npm test',
        '      - uses: gantry/dependency-audit@1',
        '        with: { severity: critical }',
      ].join('\n'),
      FILE,
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.pipeline?.jobs?.test?.steps?.[1]).toEqual({ uses: 'gantry/dependency-audit@1', with: { severity: 'critical' } });
    expect(parsed.pipeline?.env?.TOKEN).toEqual({ secret: 'NPM_TOKEN' });
  });

  it('reads `on` as a key (YAML 1.2), not as the boolean true of YAML 1.1', () => {
    const parsed = parsePipelineFile('on: { manual: true }\njobs: { a: { steps: [{ run: x }] } }', FILE);
    expect(parsed.problems).toEqual([]);
    expect(parsed.pipeline?.on).toEqual({ manual: true });
  });

  it('reports an unknown key at the key, with its path and the keys it expected', () => {
    const problems = problemsOf(['jobs:', '  test:', '    steps:', '      - run: npm test', '        timout: 5m'].join('\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'unknown_key',
      path: 'jobs.test.steps[0].timout',
      position: { file: FILE, line: 5, column: 9 },
    });
    expect(problems[0]?.message).toContain('unknown key "timout"; expected one of: name, run, uses, with, env, timeout, if, workingDirectory');
    expect(formatProblem(problems[0]!)).toMatch(/^repo\/\.gantry\/pipeline\.yaml:5:9: jobs\.test\.steps\[0\]\.timout: unknown key/);
  });

  it('says what was expected and what was found for wrong types', () => {
    const problems = problemsOf(
      ['jobs:', '  test:', '    needs: build', '    env: { CI: true }', '    steps:', '      - run: 42'].join('\n'),
    );
    expect(problems.map((p) => [p.path, p.position?.line, p.position?.column])).toEqual([
      ['jobs.test.needs', 3, 12],
      ['jobs.test.env.CI', 4, 16],
      ['jobs.test.steps[0].run', 6, 14],
    ]);
    expect(problems.map((p) => p.code)).toEqual(['invalid_type', 'invalid_type', 'invalid_type']);
    expect(problems[0]?.message).toBe('jobs.test.needs: expected a list of job ids, found "build"');
    expect(problems[1]?.message).toContain('expected a string (quote numbers and booleans: "true") or { secret: NAME }, found the boolean true');
    expect(problems[2]?.message).toBe('jobs.test.steps[0].run: expected a shell command, found the number 42');
  });

  it('rejects a bad duration', () => {
    const problems = problemsOf(['jobs:', '  test:', '    timeout: 10 minutes', '    steps: [{ run: x, timeout: 0s }]'].join('\n'));
    expect(problems.map((p) => p.path)).toEqual(['jobs.test.timeout', 'jobs.test.steps[0].timeout']);
    expect(problems[0]?.message).toBe(
      'jobs.test.timeout: expected a duration such as 30s, 15m or 1h (a whole number and s, m or h), found "10 minutes"',
    );
    expect(problems[1]?.position).toEqual({ file: FILE, line: 4, column: 32 });
  });

  it('needs exactly one of run and uses, and with only with uses', () => {
    const problems = problemsOf(
      ['jobs:', '  a:', '    steps:', '      - name: nothing', '      - run: x', '        uses: gantry/secret-scan@1', '      - run: y', '        with: { a: 1 }'].join('\n'),
    );
    expect(problems.map((p) => [p.path, p.message.replace(/^.*?: /, '')])).toEqual([
      ['jobs.a.steps[0]', 'expected exactly one of run or uses, found neither'],
      ['jobs.a.steps[1]', 'expected exactly one of run or uses, found both'],
      ['jobs.a.steps[2].with', 'expected with only on a step that has uses, found a mapping'],
    ]);
  });

  it('checks the inputs of built-in steps', () => {
    const problems = problemsOf(
      ['jobs:', '  a:', '    steps:', '      - uses: gantry/dependency-audit@1', '        with: { severity: urgent, paths: [.] }', '      - uses: gantry/deploy@1'].join('\n'),
    );
    expect(problems.map((p) => p.path)).toEqual(['jobs.a.steps[1].uses']);
    expect(problems[0]?.message).toContain('expected one of the built-in steps gantry/secret-scan@1, gantry/dependency-audit@1, gantry/policy-gate@1, found "gantry/deploy@1"');

    const inputs = problemsOf(
      ['jobs:', '  a:', '    steps:', '      - uses: gantry/dependency-audit@1', '        with: { severity: urgent, paths: [.] }'].join('\n'),
    );
    expect(inputs.map((p) => [p.path, p.position?.column])).toEqual([
      ['jobs.a.steps[0].with.severity', 27],
      ['jobs.a.steps[0].with.paths', 35],
    ]);
    expect(inputs.find((p) => p.path.endsWith('severity'))?.message).toContain('expected one of low, moderate, high, critical, found "urgent"');
    expect(inputs.find((p) => p.path.endsWith('paths'))?.message).toContain('unknown input "paths" of gantry/dependency-audit@1; expected one of: severity');
  });

  it('keeps matrices small and their values strings', () => {
    const problems = problemsOf(
      [
        'jobs:',
        '  a:',
        '    matrix: { a: ["1","2"], b: ["1","2"], c: ["1","2"], d: ["1"] }',
        '    steps: [{ run: x }]',
        '  b:',
        '    matrix: { python: [3.10] }',
        '    steps: [{ run: x }]',
        '  c:',
        '    matrix: { a: ["1","2","3","4","5"], b: ["1","2","3","4"] }',
        '    steps: [{ run: x }]',
      ].join('\n'),
    );
    expect(problems.map((p) => p.message)).toEqual([
      'jobs.a.matrix: expected at most 3 matrix keys, found 4',
      'jobs.b.matrix.python[0]: expected a string (quote numbers: "20", "3.10"), found the number 3.1',
      'jobs.c.matrix: expected at most 16 combinations, found 20',
    ]);
  });

  it('points at the mapping that misses a required key', () => {
    const problems = problemsOf(['jobs:', '  a:', '    cache:', '      key: [package-lock.json]', '    steps: [{ run: x }]'].join('\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'missing_field', path: 'jobs.a.cache.paths', position: { line: 4, column: 7 } });
    expect(problems[0]?.message).toBe('jobs.a.cache.paths: expected a list of paths to save and restore, found nothing');
  });

  it('rejects bad job ids, env names and paths that leave the checkout', () => {
    const problems = problemsOf(
      [
        'jobs:',
        '  "build it":',
        '    steps: [{ run: x }]',
        '  b:',
        '    env: { GANTRY_BRANCH: x, 1X: y }',
        '    artifacts: { paths: [../secrets] }',
        '    steps: [{ run: x, workingDirectory: /etc }]',
      ].join('\n'),
    );
    expect(problems.map((p) => [p.path, p.position?.line, p.position?.column])).toEqual([
      ['jobs.build it', 2, 3],
      ['jobs.b.env.GANTRY_BRANCH', 5, 12],
      ['jobs.b.env.1X', 5, 30],
      ['jobs.b.artifacts.paths[0]', 6, 26],
      ['jobs.b.steps[0].workingDirectory', 7, 41],
    ]);
    expect(problems[0]?.message).toContain('expected a job id: a letter or _, then letters, digits, _ or - (at most 63 characters), found "build it"');
    expect(problems[1]?.message).toContain('expected a name not starting with GANTRY_');
    expect(problems[3]?.message).toContain('relative to the checkout');
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    const syntax = problemsOf('jobs:\n  a:\n    steps: [{ run: x }\n');
    expect(syntax[0]).toMatchObject({ code: 'yaml_syntax', position: { file: FILE } });
    expect(syntax[0]?.message).toMatch(/^expected valid YAML, found an error: /);

    const duplicate = problemsOf('jobs:\n  a: { steps: [{ run: x }] }\n  a: { steps: [{ run: y }] }\n');
    expect(duplicate[0]).toMatchObject({ code: 'yaml_syntax', position: { line: 3, column: 3 } });
  });

  it('needs jobs unless the file extends a standard pipeline', () => {
    expect(problemsOf('')[0]?.message).toBe('expected a mapping, found an empty value (null)');
    expect(problemsOf('name: x')[0]?.message).toBe('jobs: expected at least one job (or extends), found nothing');
    expect(parsePipelineFile('extends: gantry/node-service@1', FILE).problems).toEqual([]);
    expect(problemsOf('extends: node-service')[0]?.message).toBe(
      'extends: expected a standard pipeline such as gantry/node-service@1, found "node-service"',
    );
  });

  it('reports every problem in one pass, in reading order', () => {
    const problems = problemsOf(
      ['jobs:', '  b:', '    steps: [{ run: x, timeout: 1d }]', '  a:', '    bogus: 1', '    steps: []'].join('\n'),
    );
    expect(problems.map((p) => p.position?.line)).toEqual([3, 5, 6]);
  });

  it('refuses a file over the size limit without parsing it', () => {
    const problems = problemsOf(`# ${'x'.repeat(300 * 1024)}\n`);
    expect(problems[0]).toMatchObject({ code: 'too_large', position: { line: 1, column: 1 } });
  });
});

import { describe, expect, it } from 'vitest';
import { scanCi } from './index.js';
import { fixtureFiles, memoryFiles } from './testFiles.js';

describe('Travis CI: fixtures/travis-node', () => {
  const { pipelines, problems } = scanCi(fixtureFiles('travis-node'));

  it('runs the language\'s default script when there is none, and knows deploy providers', () => {
    expect(problems).toEqual([]);
    const p = pipelines[0]!;
    expect([p.system, p.file, p.triggers]).toEqual(['travis', '.travis.yml', ['push', 'pull_request']]);
    expect(p.jobs[0]!.steps.map((s) => [s.name, s.kinds, s.evidence.line, s.evidence.excerpt])).toEqual([
      ['install #1', [], 6, 'npm ci'],
      // "lint": "standard"
      ['before_script #2', ['lint'], 8, 'npm run lint'],
      // node_js without `script`: `npm test` → "test": "mocha test/".
      ['script (language default)', ['test'], 1, 'npm test'],
      ['deploy heroku', ['deploy'], 10, 'provider: heroku'],
    ]);
  });

  it('makes jobs of `jobs.include`, inheriting the root phases', () => {
    const { pipelines: ps } = scanCi(
      memoryFiles({
        '.travis.yml': 'language: python\ninstall: pip install -r requirements.txt\nscript: pytest\njobs:\n  include:\n    - name: lint\n      script: flake8\n    - stage: test\n',
      }),
    );
    expect(ps[0]!.jobs.map((j) => [j.name, j.steps.map((s) => s.kinds.join('+'))])).toEqual([
      ['lint', ['', 'lint']],
      ['test #2', ['', 'test']],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseShell } from './shell.js';

const words = (script: string) => parseShell(script).map((c) => c.words);

describe('parseShell', () => {
  it('splits lists and pipelines into commands, keeping quoted words whole', () => {
    expect(words('npm ci && npm test || echo "tests failed; see log" | tee out; make lint &')).toEqual([
      ['npm', 'ci'],
      ['npm', 'test'],
      ['echo', 'tests failed; see log'],
      ['tee', 'out'],
      ['make', 'lint'],
    ]);
  });

  it('drops comments but not a # inside a word or quotes', () => {
    expect(words('# npm test\nnpm run build # then test\ncurl http://x/#frag "a # b"')).toEqual([
      ['npm', 'run', 'build'],
      ['curl', 'http://x/#frag', 'a # b'],
    ]);
  });

  it('joins continued lines and reports the line each command starts on', () => {
    const cmds = parseShell('set -e\n\npytest -q \\\n  --maxfail=1\nruff check .');
    expect(cmds.map((c) => [c.line, c.words])).toEqual([
      [0, ['set', '-e']],
      [2, ['pytest', '-q', '--maxfail=1']],
      [4, ['ruff', 'check', '.']],
    ]);
    expect(cmds[1]!.text).toBe('pytest -q --maxfail=1');
  });

  it('skips here-document bodies and redirection targets', () => {
    expect(words("cat > .npmrc <<'EOF'\nnpm test\nEOF\ngo test ./... 2>&1 >/tmp/log\ncat <<-END\n\tkubectl apply\n\tEND\ndone=1")).toEqual([
      ['cat'],
      ['go', 'test', './...'],
      ['cat'],
      ['done=1'],
    ]);
  });

  it('keeps command substitutions inside their word and splits subshells', () => {
    expect(words('VERSION=$(git describe --tags) docker build -t "app:$VERSION" .\n(cd web && npm test)')).toEqual([
      ['VERSION=$(git describe --tags)', 'docker', 'build', '-t', 'app:$VERSION', '.'],
      ['cd', 'web'],
      ['npm', 'test'],
    ]);
  });
});

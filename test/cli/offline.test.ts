/** The CLI without a server: offline validation, help, usage errors and connection failures. */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, gantry, unusedPort } from './runCli.js';

interface CorpusEntry {
  file: string;
  heuristicValidation: { expectedValid: boolean };
}

let corpus: CorpusEntry[];
beforeAll(async () => {
  corpus = JSON.parse(await readFile(join(CORPUS, 'index.json'), 'utf8')) as CorpusEntry[];
});

describe('gantry catalog validate', () => {
  it('exits 1 on the Backstage corpus and names only the invalid file, with line:col', async () => {
    const r = await gantry(['catalog', 'validate', CORPUS]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trim().split('\n');
    const problemLines = lines.slice(0, -1);
    expect(problemLines.length).toBeGreaterThan(0);
    for (const line of problemLines) {
      expect(line).toMatch(/invalid-component\.yaml:\d+:\d+: /);
    }
    expect(r.stdout).toMatch(/invalid-component\.yaml:\d+:\d+: metadata\.name: .*"invalid component"/);
    for (const entry of corpus.filter((e) => e.heuristicValidation.expectedValid)) {
      expect(r.stdout).not.toContain(entry.file);
    }
    expect(lines.at(-1)).toMatch(new RegExp(`^${corpus.length} files, \\d+ documents \\(\\d+ valid\\): [1-9]\\d* errors?`));
  });

  it('exits 0 on a folder of valid descriptors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-cli-valid-'));
    const valid = corpus.filter((e) => e.heuristicValidation.expectedValid);
    for (const e of valid) await copyFile(join(CORPUS, e.file), join(dir, e.file));
    const r = await gantry(['catalog', 'validate', dir]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${valid.length} files, \\d+ documents \\(\\d+ valid\\): 0 errors`));
  });

  it('reports a bad document between good ones at its own line, relative to the cwd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-cli-multi-'));
    const good = (name: string) =>
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`;
    // The bad name sits on line 13 of the file (the second document starts on line 10).
    await writeFile(join(dir, 'multi.yaml'), `${good('first')}---\n${good('Not Valid!')}---\n${good('third')}`);
    const r = await gantry(['catalog', 'validate', 'multi.yaml'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^multi\.yaml:13:\d+: metadata\.name: .*"Not Valid!"/m);
    expect(r.stdout).toMatch(/1 file, 3 documents \(2 valid\): 1 error/);
  });

  it('prints a JSON report with --json and nothing else on stdout', async () => {
    const r = await gantry(['catalog', 'validate', CORPUS, '--json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      summary: { files: number; errors: number };
      files: Array<{ file: string; problems: Array<{ code: string; position: { line: number; column: number } }> }>;
    };
    expect(report.valid).toBe(false);
    expect(report.summary.files).toBe(corpus.length);
    const bad = report.files.filter((f) => f.problems.length > 0);
    expect(bad.map((f) => f.file.split('/').at(-1))).toEqual([
      'backstage__backstage__packages__catalog-model__examples__components__invalid-component.yaml',
    ]);
    for (const p of bad[0]!.problems) {
      expect(p.position.line).toBeGreaterThan(0);
      expect(p.position.column).toBeGreaterThan(0);
    }
  });

  it('fails on a path that does not exist', async () => {
    const r = await gantry(['catalog', 'validate', 'no-such-dir']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('no-such-dir:1:1: expected a file or directory, found nothing at no-such-dir');
  });
});

describe('help and usage errors', () => {
  const commands = [
    [],
    ['up'],
    ['worker'],
    ['login'],
    ['whoami'],
    ['token'],
    ['token', 'create'],
    ['token', 'list'],
    ['token', 'revoke'],
    ['catalog'],
    ['catalog', 'import'],
    ['catalog', 'refresh'],
    ['catalog', 'locations'],
    ['catalog', 'unregister'],
    ['catalog', 'list'],
    ['catalog', 'get'],
    ['catalog', 'delete'],
    ['catalog', 'graph'],
    ['catalog', 'validate'],
    ['events'],
    ['sample'],
    ['sample', 'load'],
    ['sample', 'remove'],
  ];

  it('prints help and exits 0 for every command', async () => {
    // Four at a time: each run starts a Node process, and the machine has two cores.
    for (let i = 0; i < commands.length; i += 4) {
      const batch = commands.slice(i, i + 4);
      const results = await Promise.all(batch.map((c) => gantry([...c, '--help'])));
      results.forEach((r, j) => {
        const name = ['gantry', ...batch[j]!].join(' ');
        expect(r.exitCode, name).toBe(0);
        expect(r.stdout, name).toContain(`Usage: ${name}`);
        expect(r.stdout, name).toContain('--server <url>');
      });
    }
  }, 240_000);

  it('shows examples in the help of the main commands', async () => {
    const r = await gantry(['catalog', 'list', '--help']);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('gantry catalog list --kind component');
  });

  it.each([
    [['catalog', 'list', '--bogus'], /unknown option '--bogus'/],
    [['catalog', 'get'], /missing required argument 'ref'/],
    [['nonsense'], /unknown command 'nonsense'/],
    [['catalog', 'list', '--limit', 'many'], /expected a whole number, found "many"/],
    [['catalog', 'list', '--filter', 'nokey'], /expected key=value/],
    [['catalog', 'import', 'x', '--type', 'svn'], /Allowed choices are file, dir, git/],
    [['catalog'], /Usage: gantry catalog/],
    [['login', '--server', 'http://127.0.0.1:1'], /login needs both --server URL and --token T/],
  ])('exits 2 for %j', async (args, message) => {
    const r = await gantry(args);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('without a reachable server', () => {
  it('says no server is configured and how to get one', async () => {
    const r = await gantry(['catalog', 'list']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: no Gantry server is configured');
    expect(r.stderr).toContain('gantry up');
  });

  it('says the server cannot be reached, naming the URL', async () => {
    const port = await unusedPort();
    const r = await gantry(['catalog', 'list'], { env: { GANTRY_URL: `http://127.0.0.1:${port}`, GANTRY_TOKEN: 'x' } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error: cannot reach Gantry at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`, 'm'));
  });

  it('asks for a token when a server is known but no token is', async () => {
    const port = await unusedPort();
    const r = await gantry(['whoami', '--server', `http://127.0.0.1:${port}`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`error: no API token for http://127.0.0.1:${port}`);
    expect(r.stderr).toContain('admin-token');
  });

  it('rejects a server URL that is not http(s)', async () => {
    const r = await gantry(['whoami', '--server', 'ftp://example']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('--server: expected an http:// or https:// URL, found "ftp://example"');
  });
});

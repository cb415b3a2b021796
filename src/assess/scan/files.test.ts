import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { filesFromDirectory, filesFromMap, LineIndex, MAX_FILE_BYTES, repoIndex } from './files.js';

describe('filesFromDirectory', () => {
  let base: string;
  let root: string;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'gantry-scan-'));
    root = join(base, 'repo');
    const put = async (rel: string, content: string | Buffer) => {
      await mkdir(join(root, rel, '..'), { recursive: true });
      await writeFile(join(root, rel), content);
    };
    await put('package.json', '{"name":"shop"}\n');
    await put('src/index.js', "import pino from 'pino';\n");
    await put('node_modules/pino/package.json', '{"name":"pino"}');
    await put('.git/config', '[core]');
    await put('vendor/lib.go', 'package lib');
    await put('dist/bundle.js', 'x');
    await put('build/out.js', 'x'); // next to package.json: output
    await put('tools/build/package/Dockerfile', 'FROM alpine:3.19\n'); // no build file beside: sources
    await put('__pycache__/m.cpython-312.pyc', 'x');
    await put('.github/dependabot.yml', 'version: 2\n');
    await put('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    await put('big.json', 'x'.repeat(MAX_FILE_BYTES + 1));
    await put('bom.txt', '\ufeffhello');
    // Outside the root: a secret the scan must never read, and a folder.
    await writeFile(join(base, 'secret.txt'), 'TOKEN=hunter2\n');
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'elsewhere', 'go.mod'), 'module evil\n');
    await symlink(join(base, 'secret.txt'), join(root, 'leak.txt'));
    await symlink('../../secret.txt', join(root, 'src', 'relative-leak.txt'));
    await symlink(join(base, 'elsewhere'), join(root, 'linked-dir'));
    await symlink(join(root, 'src'), join(root, 'src-again'));
    await symlink(join(root, 'package.json'), join(root, 'alias.json'));
    await symlink(join(root, 'missing'), join(root, 'dangling'));
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('lists files sorted and relative, without tool folders, links out of the root or linked folders', async () => {
    const files = await filesFromDirectory(root);
    expect(files.paths()).toEqual([
      '.github/dependabot.yml',
      'alias.json',
      'big.json',
      'bom.txt',
      'logo.png',
      'package.json',
      'src/index.js',
      'tools/build/package/Dockerfile',
    ]);
    expect(files.name).toBe('repo');
  });

  it('never reads through a link that leaves the root', async () => {
    const files = await filesFromDirectory(root);
    expect(files.read('leak.txt')).toBeNull();
    expect(files.read('src/relative-leak.txt')).toBeNull();
    expect(files.read('linked-dir/go.mod')).toBeNull();
    expect(files.read('../secret.txt')).toBeNull();
  });

  it('reads text, follows links that stay inside, and refuses binary and large files', async () => {
    const files = await filesFromDirectory(root, { name: 'shop' });
    expect(files.name).toBe('shop');
    expect(files.read('alias.json')).toBe('{"name":"shop"}\n');
    expect(files.read('src/index.js')).toBe("import pino from 'pino';\n");
    expect(files.read('bom.txt')).toBe('hello');
    expect(files.read('logo.png')).toBeNull();
    expect(files.read('big.json')).toBeNull();
    expect(files.read('nope.txt')).toBeNull();
  });

  it('refuses a file that became a link to the outside after it was listed', async () => {
    const files = await filesFromDirectory(root);
    await rm(join(root, 'src', 'index.js'));
    await symlink(join(base, 'secret.txt'), join(root, 'src', 'index.js'));
    expect(files.read('src/index.js')).toBeNull();
  });

  it('says which folder cannot be scanned', async () => {
    await expect(filesFromDirectory(join(base, 'absent'))).rejects.toThrow(/absent: expected a readable folder/);
    await expect(filesFromDirectory(join(base, 'secret.txt'))).rejects.toBeInstanceOf(InputError);
  });
});

describe('filesFromMap', () => {
  it('leaves out tool folders as the directory walk does, and sorts', () => {
    const files = filesFromMap({
      'b.txt': 'b',
      'node_modules/x/index.js': 'x',
      'a/build/generated.js': 'x',
      'a/build.gradle': 'plugins {}',
      'go/build/package/Dockerfile': 'FROM scratch',
      'A.txt': 'A',
    });
    expect(files.paths()).toEqual(['A.txt', 'b.txt', 'a/build.gradle', 'go/build/package/Dockerfile'].sort());
    expect(files.read('node_modules/x/index.js')).toBeNull();
    expect(files.read('b.txt')).toBe('b');
  });

  it('treats NUL bytes as binary', () => {
    expect(filesFromMap({ 'x.bin': 'ab\0cd' }).read('x.bin')).toBeNull();
  });

  it.each([
    ['/etc/passwd', 'an absolute path'],
    ['../x', 'an empty, `.` or `..` segment'],
    ['a//b', 'an empty, `.` or `..` segment'],
    ['a\\b', 'a `\\` (paths are `/`-separated)'],
    ['', 'an empty path'],
  ])('rejects %j naming the path and what was expected', (path, found) => {
    expect(() => filesFromMap({ [path]: 'x' })).toThrow(`files[${JSON.stringify(path)}]: expected a relative path inside the repository, found ${found}`);
  });
});

describe('repoIndex', () => {
  it('indexes folders once: direct files, subtrees, memoised values and problems', () => {
    const files = filesFromMap({ 'a/x.ts': '', 'a/b/y.ts': '', 'a-b/z.ts': '', 'c.ts': '' });
    const index = repoIndex(files);
    expect(repoIndex(files)).toBe(index);
    expect(index.filesIn('a')).toEqual(['a/x.ts']);
    expect(index.filesIn('.')).toEqual(['c.ts']);
    expect(index.subtree('a')).toEqual(['a/b/y.ts', 'a/x.ts']);
    expect(index.subtree('.')).toHaveLength(4);
    expect([...index.folders].sort()).toEqual(['.', 'a', 'a-b', 'a/b']);
    let calls = 0;
    index.memo('k', () => ++calls);
    expect(index.memo('k', () => ++calls)).toBe(1);
    index.problem('a/x.ts', 'broken', 3);
    index.problem('a/x.ts', 'broken', 3);
    expect(index.problems).toEqual([{ file: 'a/x.ts', line: 3, message: 'broken' }]);
  });
});

describe('LineIndex', () => {
  it('maps offsets to 1-based lines and quotes a line briefly', () => {
    const lines = new LineIndex('one\ntwo\n  three   \n');
    expect(lines.lineAt(0)).toBe(1);
    expect(lines.lineAt(4)).toBe(2);
    expect(lines.lineAt(8)).toBe(3);
    expect(lines.excerpt(3)).toBe('three');
    expect(new LineIndex('x'.repeat(300)).excerpt(1)).toHaveLength(120);
  });
});

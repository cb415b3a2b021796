import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dirNameFor, insideWorkspace } from './paths.js';

const ws = mkdtempSync(path.join(tmpdir(), 'gantry-paths-'));
mkdirSync(path.join(ws, 'web'));
symlinkSync('/', path.join(ws, 'root-link'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('insideWorkspace', () => {
  it('accepts paths inside, existing or not', async () => {
    expect(await insideWorkspace(ws, 'web', 'f')).toBe(path.join(ws, 'web'));
    expect(await insideWorkspace(ws, 'web/../dist/x', 'f')).toBe(path.join(ws, 'dist/x'));
  });

  it('rejects absolute paths, .. escapes and links that lead out, naming the field', async () => {
    await expect(insideWorkspace(ws, '/etc', 'cache.paths[1]')).rejects.toThrow('cache.paths[1]: expected a relative path inside the job workspace, found "/etc"');
    await expect(insideWorkspace(ws, 'web/../../x', 'f')).rejects.toThrow('f: expected a path inside the job workspace, found "web/../../x" (it leaves it)');
    await expect(insideWorkspace(ws, 'root-link/etc', 'workingDirectory')).rejects.toThrow('workingDirectory: "root-link/etc" is a symbolic link that leads out of the job workspace');
  });
});

describe('dirNameFor', () => {
  it('keeps readable ids and makes others safe and distinct', () => {
    expect(dirNameFor('test (node=20)')).toBe('test (node=20)');
    expect(dirNameFor('a/b')).toMatch(/^a_b-[0-9a-f]{8}$/);
    expect(dirNameFor('a/b')).not.toBe(dirNameFor('a_b'));
    expect(dirNameFor('..')).toMatch(/^_\.\.-[0-9a-f]{8}$/);
  });
});

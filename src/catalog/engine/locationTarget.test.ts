import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { normalizeRepoUrl, parseForgeFileUrl, parseLocationTarget } from './locationTarget.js';

describe('parseLocationTarget', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-target-'));
    await mkdir(join(dir, 'catalog'));
    await writeFile(join(dir, 'catalog', 'a.yaml'), 'x: 1\n');
    await mkdir(join(dir, 'bare.git', 'objects'), { recursive: true });
    await mkdir(join(dir, 'bare.git', 'refs'));
    await writeFile(join(dir, 'bare.git', 'HEAD'), 'ref: refs/heads/main\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('infers dir, file and git from what the target is', () => {
    expect(parseLocationTarget('catalog', undefined, dir)).toEqual({
      parsed: { type: 'dir', path: join(dir, 'catalog'), glob: '**/*.{yaml,yml}' },
      canonical: join(dir, 'catalog'),
    });
    expect(parseLocationTarget(join(dir, 'catalog', 'a.yaml')).parsed).toEqual({ type: 'file', path: join(dir, 'catalog', 'a.yaml') });
    expect(parseLocationTarget(join(dir, 'bare.git')).parsed).toMatchObject({ type: 'git', url: join(dir, 'bare.git'), ref: null, glob: 'catalog-info.yaml' });
    expect(parseLocationTarget('https://example.com/org/repo').parsed).toMatchObject({ type: 'git', url: 'https://example.com/org/repo' });
    expect(parseLocationTarget('git@example.com:org/repo.git').parsed.type).toBe('git');
    expect(parseLocationTarget('./somewhere/repo.git', undefined, dir).parsed).toMatchObject({ type: 'git', url: join(dir, 'somewhere/repo.git') });
  });

  it('reads the part after # as a glob for directories and as ref:glob for git', () => {
    expect(parseLocationTarget(`${dir}/catalog#*.yaml`).parsed).toEqual({ type: 'dir', path: join(dir, 'catalog'), glob: '*.yaml' });
    expect(parseLocationTarget('https://h/r.git#main:catalog/**/*.yaml').parsed).toEqual({
      type: 'git',
      url: 'https://h/r.git',
      ref: 'main',
      glob: 'catalog/**/*.yaml',
    });
    expect(parseLocationTarget('https://h/r.git#release/2024').parsed).toMatchObject({ ref: null, glob: 'release/2024' });
    expect(parseLocationTarget('https://h/r.git#v1.2').parsed).toMatchObject({ ref: 'v1.2', glob: 'catalog-info.yaml' });
    expect(parseLocationTarget('https://h/r.git#svc.yaml').parsed).toMatchObject({ ref: null, glob: 'svc.yaml' });
    expect(parseLocationTarget('https://h/r.git#:x/*.yml').parsed).toMatchObject({ ref: null, glob: 'x/*.yml' });
  });

  it('refuses what could escape the source or be read as an option', () => {
    for (const bad of ['', '   ', '-uhack', 'https://h/r.git#--upload-pack=x:a.yaml', 'https://h/r.git#main:../x.yaml', `${dir}/catalog#/etc/*.yaml`]) {
      expect(() => parseLocationTarget(bad), bad).toThrow(InputError);
    }
    expect(() => parseLocationTarget(join(dir, 'missing'))).toThrow(/no such file or directory/);
    expect(() => parseLocationTarget('https://h/r.git', 'dir')).toThrow(InputError);
    expect(() => parseLocationTarget(`${join(dir, 'catalog', 'a.yaml')}#x`, 'file')).toThrow(InputError);
  });
});

describe('normalizeRepoUrl', () => {
  it('gives every spelling of one repository the same form', () => {
    const forms = [
      'https://GitHub.com/org/repo.git',
      'https://github.com/org/repo',
      'https://user:secret@github.com/org/repo/',
      'git@github.com:org/repo.git',
      'ssh://git@github.com/org/repo.git',
    ];
    const normalized = new Set(forms.map((f) => normalizeRepoUrl(f)));
    expect([...normalized]).toEqual(['github.com/org/repo']);
    expect(normalizeRepoUrl('file:///srv/repos/a.git')).toBe('/srv/repos/a');
    expect(normalizeRepoUrl('/srv/repos/a.git#main:x.yaml')).toBe('/srv/repos/a');
    expect(normalizeRepoUrl('https://github.com/org/other')).not.toBe('github.com/org/repo');
  });
});

describe('parseForgeFileUrl', () => {
  it('turns GitHub and GitLab file pages into repository, ref and path', () => {
    expect(parseForgeFileUrl('https://github.com/backstage/software-templates/blob/main/scaffolder-templates/docs-template/template.yaml')).toEqual({
      url: 'https://github.com/backstage/software-templates.git',
      ref: 'main',
      path: 'scaffolder-templates/docs-template/template.yaml',
    });
    expect(parseForgeFileUrl('https://gitlab.com/group/sub/repo/-/blob/dev/catalog-info.yaml')).toEqual({
      url: 'https://gitlab.com/group/sub/repo.git',
      ref: 'dev',
      path: 'catalog-info.yaml',
    });
    expect(parseForgeFileUrl('https://example.com/catalog-info.yaml')).toBeNull();
  });
});

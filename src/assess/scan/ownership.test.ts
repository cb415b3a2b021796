import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildTool, Finding } from '../model/scan.js';
import { filesFromDirectory, filesFromMap, scanProblems } from './files.js';
import { codeownersFor, compileGlob, globMatches, parseCodeowners, scanDependencyBots, scanOwnership } from './ownership.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));
const tools = (...names: BuildTool[]): Array<Finding<BuildTool>> => names.map((name) => ({ name, evidence: [] }));

describe('CODEOWNERS', () => {
  it('monorepo: the last matching rule wins per service; *.md never owns a folder', async () => {
    const files = await fixture('monorepo');
    const owners = (folder: string) => scanOwnership(files, folder).codeowners;
    expect(owners('services/web')).toEqual({ file: '.github/CODEOWNERS', owners: ['@acme/frontend'] });
    // `/services/api/ @acme/old-api` (line 7) is overridden by `services/api/ @acme/api-team @alice` (line 8).
    expect(owners('services/api')).toEqual({ file: '.github/CODEOWNERS', owners: ['@acme/api-team', '@alice'] });
    expect(owners('services/worker')).toEqual({ file: '.github/CODEOWNERS', owners: ['@acme/backend'] });
  });

  it('follows GitHub pattern rules', () => {
    const rules = parseCodeowners(
      [
        '*       @all', // 1
        '/apps/  @apps', // 2
        'docs/*  @docs', // 3: direct children of docs/ only
        '**/logs @logs', // 4
        'build/  @build', // 5: any build/ folder
        '/libs/**/internal @internal', // 6
        '/vendor/ ', // 7: no owners: takes ownership away
        '\\#hash @hash # trailing comment', // 8
      ].join('\n'),
    );
    const of = (folder: string) => codeownersFor(rules, folder);
    expect(of('.')).toEqual({ owners: ['@all'], lines: [1] });
    expect(of('apps/web')).toEqual({ owners: ['@apps'], lines: [2] });
    expect(of('docs')).toEqual({ owners: ['@docs'], lines: [3] });
    expect(of('docs/guides')).toEqual({ owners: ['@all'], lines: [1] });
    expect(of('srv/logs/x')).toEqual({ owners: ['@logs'], lines: [4] });
    expect(of('tools/build')).toEqual({ owners: ['@build'], lines: [5] });
    expect(of('libs/a/b/internal')).toEqual({ owners: ['@internal'], lines: [6] });
    expect(of('vendor/x')).toEqual({ owners: [], lines: [7] });
    expect(of('#hash')).toEqual({ owners: ['@hash'], lines: [8] });
  });

  it('adds up GitLab sections, each with its last match and default owners', () => {
    const rules = parseCodeowners('* @everyone\n\n[Backend] @backend-leads\n/services/\n/services/legacy/ @old\n\n^[Docs][2] @writers\n*.md\n');
    expect(codeownersFor(rules, 'services/api').owners).toEqual(['@everyone', '@backend-leads']);
    expect(codeownersFor(rules, 'services/legacy').owners).toEqual(['@everyone', '@old']);
  });

  it('matches patterns without slashes at any depth, anchored ones from the root', () => {
    const m = (pattern: string, path: string) => globMatches(compileGlob(pattern), path);
    expect(m('*.js', 'a/b/c.js')).toBe(true);
    expect(m('/a/*.js', 'a/b/c.js')).toBe(false);
    expect(m('/a/*.js', 'a/c.js')).toBe(true);
    expect(m('a/**/z', 'a/z')).toBe(true);
    expect(m('a/**/z', 'a/b/c/z')).toBe(true);
    expect(m('a/**/z', 'b/a/z')).toBe(false);
    expect(m('[Rr]eadme.md', 'x/readme.md')).toBe(true);
    expect(m('[!R]eadme.md', 'Readme.md')).toBe(false);
    expect(m('v[0-9].txt', 'v7.txt')).toBe(true);
    expect(m('file?.txt', 'file/.txt')).toBe(false);
    expect(m('a*b*c', 'axxbyyc')).toBe(true);
    expect(m('a*b*c', 'axxbyyd')).toBe(false);
  });

  it('stays correct on patterns built to make backtracking matchers explode', () => {
    // Each of these is exponential for a naive backtracking regex on a non-matching path.
    const stars = `${'*a'.repeat(60)}b`;
    expect(globMatches(compileGlob(stars), 'a'.repeat(200))).toBe(false);
    expect(globMatches(compileGlob(`${'**/'.repeat(300)}x`), `${'d/'.repeat(100)}y`)).toBe(false);
    expect(globMatches(compileGlob(`${'**/'.repeat(300)}x`), `${'d/'.repeat(100)}x`)).toBe(true);
    const rules = parseCodeowners(`${'*'.repeat(5000)}a @x\n${'['.repeat(5000)} @y\n`);
    expect(codeownersFor(rules, 'data').owners).toEqual(['@x']);
    expect(codeownersFor(rules, 'svc').owners).toEqual([]);
  });

  it('uses the first file found in .github/, the root, docs/, .gitlab/', () => {
    const files = filesFromMap({ 'CODEOWNERS': '* @root\n', 'docs/CODEOWNERS': '* @docs\n', 'go.mod': 'module x\n' });
    expect(scanOwnership(files, '.').codeowners).toEqual({ file: 'CODEOWNERS', owners: ['@root'] });
  });
});

describe('README and catalog-info', () => {
  it('node-service: README.md, catalog-info name and owner, CODEOWNERS from .github/', async () => {
    expect(scanOwnership(await fixture('node-service'), '.')).toEqual({
      codeowners: { file: '.github/CODEOWNERS', owners: ['@acme/payments'] },
      readme: 'README.md',
      catalogInfo: { file: 'catalog-info.yaml', name: 'checkout-api', owner: 'team-payments' },
    });
  });

  it('java-service has none of them; python-service a readme.rst', async () => {
    expect(scanOwnership(await fixture('java-service'), '.')).toEqual({ codeowners: null, readme: null, catalogInfo: null });
    expect(scanOwnership(await fixture('python-service'), '.').readme).toBe('readme.rst');
  });

  it('monorepo: services without a README fall back to the root one; the Component of a multi-document catalog-info', async () => {
    const files = await fixture('monorepo');
    expect(scanOwnership(files, 'services/api')).toMatchObject({
      readme: 'README.md',
      catalogInfo: { file: 'services/api/catalog-info.yaml', name: 'orders-api', owner: 'team-api' },
    });
  });
});

describe('dependency bots', () => {
  it('node-service: Dependabot covers npm and docker at /', async () => {
    expect(scanDependencyBots(await fixture('node-service'), '.', { buildTools: tools('pnpm'), hasDockerfile: true })).toEqual([
      {
        name: 'dependabot',
        evidence: [
          { file: '.github/dependabot.yml', line: 3, excerpt: '- package-ecosystem: npm' },
          { file: '.github/dependabot.yml', line: 7, excerpt: '- package-ecosystem: docker' },
        ],
      },
    ]);
  });

  it('monorepo: npm at / covers workspace members; pip covers the worker; docker only web; a service of another ecosystem is not covered', async () => {
    const files = await fixture('monorepo');
    const lines = (folder: string, buildTools: BuildTool[], hasDockerfile: boolean) =>
      scanDependencyBots(files, folder, { buildTools: tools(...buildTools), hasDockerfile }).flatMap((b) => b.evidence.map((e) => `${b.name}:${e.line}`));
    expect(lines('services/web', ['npm'], true)).toEqual(['dependabot:3', 'dependabot:11']);
    expect(lines('services/api', ['npm'], false)).toEqual(['dependabot:3']);
    expect(lines('services/worker', ['uv'], false)).toEqual(['dependabot:7']);
    expect(lines('services/worker', ['cargo'], true)).toEqual([]);
  });

  it('java-service: Renovate covers the root; ignorePaths, enabled: false and enabledManagers take it away', async () => {
    expect(scanDependencyBots(await fixture('java-service'), '.', { buildTools: tools('maven'), hasDockerfile: false })).toEqual([
      { name: 'renovate', evidence: [{ file: 'renovate.json' }] },
    ]);
    const bots = (config: string, folder = 'svc') =>
      scanDependencyBots(filesFromMap({ '.github/renovate.json5': config }), folder, { buildTools: tools('gradle'), hasDockerfile: false }).map((b) => b.name);
    expect(bots("{\n  // JSON5\n  extends: ['config:recommended'],\n}\n")).toEqual(['renovate']);
    expect(bots('{ "enabled": false }')).toEqual([]);
    expect(bots('{ "ignorePaths": ["**/svc/**"] }')).toEqual([]);
    expect(bots('{ "ignorePaths": ["other/"] }')).toEqual(['renovate']);
    expect(bots('{ "enabledManagers": ["npm"] }')).toEqual([]);
    expect(bots('{ "enabledManagers": ["gradle"] }')).toEqual(['renovate']);
  });

  it('reads Renovate configuration from package.json and Dependabot directories with globs', () => {
    const files = filesFromMap({
      'package.json': '{\n  "name": "x",\n  "renovate": { "extends": ["config:base"] }\n}\n',
      '.github/dependabot.yaml': 'version: 2\nupdates:\n  - package-ecosystem: gomod\n    directories: ["/services/*"]\n',
    });
    expect(scanDependencyBots(files, 'services/api', { buildTools: tools('go-modules'), hasDockerfile: false })).toEqual([
      { name: 'dependabot', evidence: [{ file: '.github/dependabot.yaml', line: 3, excerpt: '- package-ecosystem: gomod' }] },
      { name: 'renovate', evidence: [{ file: 'package.json', line: 3, excerpt: '"renovate": {' }] },
    ]);
    expect(scanDependencyBots(files, 'services/api/nested', { buildTools: tools('go-modules'), hasDockerfile: false }).map((b) => b.name)).toEqual(['renovate']);
  });

  it('reports a broken dependabot.yml instead of failing', () => {
    const files = filesFromMap({ '.github/dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: [npm\n' });
    expect(scanDependencyBots(files, '.', { buildTools: tools('npm'), hasDockerfile: false })).toEqual([]);
    expect(scanProblems(files).map((p) => [p.file, p.message.slice(0, 15)])).toEqual([['.github/dependabot.yml', 'not valid YAML:']]);
    const noList = filesFromMap({ '.github/dependabot.yml': 'version: 2\nupdates: weekly\n' });
    scanDependencyBots(noList, '.', { buildTools: tools('npm'), hasDockerfile: false });
    expect(scanProblems(noList)).toEqual([{ file: '.github/dependabot.yml', message: 'expected a list at `updates`' }]);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromDirectory } from './files.js';
import { scanRepository } from './repository.js';

const CI_FIXTURES = join(import.meta.dirname, 'ci', 'fixtures');

describe('scanRepository', () => {
  it('a monorepo: each service gets the pipelines that concern it and its own capabilities', async () => {
    const scan = scanRepository(await filesFromDirectory(join(CI_FIXTURES, 'monorepo')), { source: 'fixtures/monorepo' });
    expect(scan.services.map((s) => s.path).sort()).toEqual(['services/api', 'services/web']);
    const api = scan.services.find((s) => s.path === 'services/api')!;
    const web = scan.services.find((s) => s.path === 'services/web')!;
    // api.yml is path-filtered to services/api; web.yml to services/web; docs.yml ignores services/**.
    expect(api.ci.map((p) => p.file)).toContain('.github/workflows/api.yml');
    expect(api.ci.map((p) => p.file)).not.toContain('.github/workflows/web.yml');
    expect(web.ci.map((p) => p.file)).not.toContain('.github/workflows/api.yml');
    expect(api.ci.map((p) => p.file)).not.toContain('.github/workflows/docs.yml');
    // `make build test` and govulncheck in services/api: build, test and a dependency scan, with their evidence.
    expect(api.capabilities.build.state).toBe('present');
    expect(api.capabilities['dependency-scan'].state).toBe('present');
    expect(api.capabilities['dependency-scan'].evidence[0]).toMatchObject({ file: '.github/workflows/api.yml', job: 'check' });
    // compliance.yml (every pull request) scans secrets for both and calls an external reusable workflow.
    expect(api.capabilities['secret-scan'].state).toBe('present');
    expect(api.languages.map((l) => l.name)).toContain('go');
    expect(web.buildTools.map((b) => b.name)).toContain('npm');
    expect(scan.files).toBeGreaterThan(5);
  });
});

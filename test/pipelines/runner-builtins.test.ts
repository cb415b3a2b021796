import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBuiltIns } from '../../src/pipelines/runner/index.js';
import { harness, job, pipeline, step, type Harness } from './fixtures/runner/harness.js';

const harnesses: Harness[] = [];
function repo(files: Record<string, string>): Harness {
  const h = harness(files);
  harnesses.push(h);
  return h;
}
afterAll(() => harnesses.forEach((h) => h.cleanup()));

/**
 * npm's bulk advisory endpoint, on 127.0.0.1. The registry this machine reaches answers 405 to it, so the real
 * `npm audit` is pointed here (npm_config_registry) with the advisories GitHub publishes for minimist < 0.2.4.
 * Under /refuse/ it answers 405 the same way, for the fail-closed test.
 */
const advisories = { url: '', bulkRequests: 0, server: null as Server | null };
beforeAll(async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/-/npm/v1/security/advisories/bulk') {
        advisories.bulkRequests++;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            minimist: [
              { id: 1179, url: 'https://github.com/advisories/GHSA-vh95-rmgr-6w4m', title: 'Prototype Pollution in minimist', severity: 'moderate', vulnerable_versions: '<0.2.1', cwe: ['CWE-1321'], cvss: { score: 5.6, vectorString: null } },
              { id: 1096, url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h', title: 'Prototype Pollution in minimist', severity: 'critical', vulnerable_versions: '<0.2.4', cwe: ['CWE-1321'], cvss: { score: 9.8, vectorString: null } },
            ],
          }),
        );
      } else {
        res.statusCode = req.url?.startsWith('/refuse/') ? 405 : 404;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  advisories.server = server;
  advisories.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => advisories.server?.close());

const MINIMIST_PROJECT = {
  'package.json': JSON.stringify({ name: 'vulnerable', version: '1.0.0', private: true, dependencies: { minimist: '0.0.8' } }),
  'package-lock.json': JSON.stringify({
    name: 'vulnerable',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'vulnerable', version: '1.0.0', dependencies: { minimist: '0.0.8' } },
      'node_modules/minimist': {
        version: '0.0.8',
        resolved: 'https://registry.npmjs.org/minimist/-/minimist-0.0.8.tgz',
        integrity: 'sha512-miQKw5Hv4NS1Psg2517mV4e4dYNaO3++hjAvLOAzKqZ61rH8NS1SK+vbfBWZ5PY/Me/bEWhUwqMghEW5Fb9T7Q==',
        license: 'MIT',
      },
    },
  }),
};

// Built at run time so this file itself holds no string a secret scanner would flag.
const FAKE_AWS_SECRET = ['1tUm636uS1yOEcfP5pvfq', 'J/ml36mF7AkyHsEU0IU'].join('');

describe('gantry/secret-scan@1', () => {
  it('reports a committed AWS secret key as a finding with the secret masked, and fails', async () => {
    const h = repo({ 'src/app.js': 'console.log("hi");\n', 'config/prod.env': `REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET}\n` });
    const r = await h.run(pipeline([job('scan', [step('step-1', { uses: 'gantry/secret-scan@1' }), step('step-2', { run: 'echo after' })])]));
    expect(r.status).toBe('failed');
    expect(r.rec.findings).toHaveLength(1);
    const f = r.rec.findings[0]!;
    expect(f).toMatchObject({ jobId: 'scan', stepId: 'step-1', f: { rule: '@secretlint/secretlint-rule-aws', severity: 'error', file: 'config/prod.env', line: 2 } });
    expect(f.f.message).not.toContain(FAKE_AWS_SECRET);
    expect(r.rec.step('scan', 'step-1')).toMatchObject({ status: 'failed', info: { reason: 'found 1 secret (first: config/prod.env:2, @secretlint/secretlint-rule-aws)' } });
    expect(r.rec.step('scan', 'step-2')?.status).toBe('skipped');
    expect(r.rec.log('scan', 'step-1')).not.toContain(FAKE_AWS_SECRET);
  });

  it('passes a clean checkout, and scans only with.paths when given', async () => {
    const h = repo({ 'src/app.js': 'export const answer = 42;\n', 'docs/guide.md': '# Guide\n', 'fixtures/leak.env': `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET}\n` });
    const r = await h.run(pipeline([job('scan', [step('step-1', { uses: 'gantry/secret-scan@1', with: { paths: ['src', 'docs'] } })])]));
    expect(r.status).toBe('succeeded');
    expect(r.rec.findings).toEqual([]);
    expect(r.rec.log('scan', 'step-1')).toBe('secret-scan: scanned 2 files; 0 errors, 0 other findings\n');
  });

  it('rejects with.paths that leave the workspace', async () => {
    const h = repo({ 'a.txt': 'a\n' });
    const r = await h.run(pipeline([job('scan', [step('step-1', { uses: 'gantry/secret-scan@1', with: { paths: ['../..'] } })])]));
    expect(r.rec.step('scan', 'step-1')).toMatchObject({ status: 'failed', info: { reason: 'with.paths[0]: expected a path inside the job workspace, found "../.." (it leaves it)' } });
  });
});

describe('gantry/dependency-audit@1', () => {
  it('passes a tiny npm project with no dependencies (resolving its lockfile first)', async () => {
    const h = repo({ 'package.json': JSON.stringify({ name: 'tiny', version: '1.0.0', private: true }) });
    const r = await h.run(pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1' })])]));
    expect(r.rec.step('audit', 'step-1')?.info.reason).toBeUndefined();
    expect(r.status).toBe('succeeded');
    const log = r.rec.log('audit', 'step-1');
    expect(log).toContain('no package-lock.json; resolving one');
    expect(log).toContain('dependency-audit: npm: 0 advisories at or above high, 0 below');
  }, 120_000);

  it('fails on a dependency with an advisory at or above the threshold, one finding per advisory', async () => {
    const h = repo(MINIMIST_PROJECT);
    const r = await h.run(
      pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1', with: { severity: 'high' } })], { env: { npm_config_registry: advisories.url } })]),
    );
    expect(r.status).toBe('failed');
    expect(advisories.bulkRequests).toBeGreaterThanOrEqual(1);
    expect(r.rec.findings.map(({ f }) => f)).toEqual([
      {
        rule: 'npm-audit/GHSA-xvch-5gv4-984h',
        severity: 'error',
        file: 'package-lock.json',
        line: null,
        message: 'minimist <0.2.4: Prototype Pollution in minimist (critical) https://github.com/advisories/GHSA-xvch-5gv4-984h',
      },
    ]);
    expect(r.rec.step('audit', 'step-1')?.info.reason).toBe('npm audit found 1 advisory at or above high');
    expect(r.rec.log('audit', 'step-1')).toContain('dependency-audit: npm: 1 advisory at or above high, 1 below');

    const low = await h.run(
      pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1', with: { severity: 'moderate' } })], { env: { npm_config_registry: advisories.url } })]),
    );
    expect(low.rec.findings.map(({ f }) => f.rule)).toEqual(['npm-audit/GHSA-xvch-5gv4-984h', 'npm-audit/GHSA-vh95-rmgr-6w4m']);
  }, 120_000);

  it('fails closed when npm audit cannot get advisories', async () => {
    const h = repo(MINIMIST_PROJECT);
    const r = await h.run(
      pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1' })], { env: { npm_config_registry: `${advisories.url}refuse/` } })]),
    );
    expect(r.status).toBe('failed');
    expect(r.rec.step('audit', 'step-1')?.info.reason).toMatch(/^npm audit failed: 405 Method Not Allowed - POST http:\/\/127\.0\.0\.1:\d+\/refuse\/-\/npm\/v1\/security\/advisories\/bulk$/);
  }, 120_000);

  it('with unreachable: warn, passes with a warning finding that says the dependencies were not audited', async () => {
    const h = repo(MINIMIST_PROJECT);
    const r = await h.run(
      pipeline([
        job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1', with: { unreachable: 'warn' } })], { env: { npm_config_registry: `${advisories.url}refuse/` } }),
      ]),
    );
    expect(r.status).toBe('succeeded');
    expect(r.rec.findings.map(({ f }) => f)).toEqual([
      {
        rule: 'npm-audit/advisories-unreachable',
        severity: 'warning',
        file: 'package-lock.json',
        line: null,
        message: expect.stringMatching(/^the dependencies were not audited: npm audit could not get advisories \(405 Method Not Allowed - POST http:\/\/127\.0\.0\.1:\d+\/refuse\//),
      },
    ]);
    expect(r.rec.log('audit', 'step-1')).toContain('passing because unreachable is warn');

    // The operator's setting on the runner does the same for steps that do not say (the standard pipelines).
    process.env.GANTRY_AUDIT_UNREACHABLE = 'warn';
    try {
      const byRunner = await h.run(
        pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1' })], { env: { npm_config_registry: `${advisories.url}refuse/` } })]),
      );
      expect(byRunner.status).toBe('succeeded');
      expect(byRunner.rec.findings.map(({ f }) => f.rule)).toEqual(['npm-audit/advisories-unreachable']);
      process.env.GANTRY_AUDIT_UNREACHABLE = 'maybe';
      const bad = await h.run(pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1' })])]));
      expect(bad.rec.step('audit', 'step-1')?.info.reason).toBe('gantry/dependency-audit@1: GANTRY_AUDIT_UNREACHABLE (on the runner): expected fail or warn, found "maybe"');
    } finally {
      delete process.env.GANTRY_AUDIT_UNREACHABLE;
    }
  }, 120_000);

  it('reports unpinned Python requirements as warnings and passes', async () => {
    const h = repo({ 'requirements.txt': 'flask\nrequests==2.31.0\nnumpy>=1.0  # fast arrays\n-r other.txt\n# comment\nlocal @ file:///src/local\n' });
    const r = await h.run(pipeline([job('audit', [step('step-1', { uses: 'gantry/dependency-audit@1' })])]));
    expect(r.status).toBe('succeeded');
    expect(r.rec.findings.map(({ f }) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['python/unpinned-requirement', 'warning', 'requirements.txt', 1],
      ['python/unpinned-requirement', 'warning', 'requirements.txt', 3],
    ]);
    expect(r.rec.findings[1]!.f.message).toBe('numpy is not pinned to one version (expected numpy==<version>, found "numpy>=1.0  # fast arrays")');
  });

  it('succeeds with a log line when there is no manifest, and rejects a bad severity', async () => {
    const h = repo({ 'README.md': '# nothing to audit\n' });
    const r = await h.run(
      pipeline([
        job('none', [step('step-1', { uses: 'gantry/dependency-audit@1' })]),
        job('bad', [step('step-1', { uses: 'gantry/dependency-audit@1', with: { severity: 'urgent' } })]),
      ]),
    );
    expect(r.jobs).toEqual({ none: 'succeeded', bad: 'failed' });
    expect(r.rec.log('none', 'step-1')).toBe('dependency-audit: no package.json or requirements*.txt in .; nothing to audit\n');
    expect(r.rec.step('bad', 'step-1')?.info.reason).toBe('gantry/dependency-audit@1: with.severity: expected one of low, moderate, high, critical, found "urgent"');
  });
});

describe('gantry/policy-gate@1 and unknown built-ins', () => {
  it('allows by default, recording that there is no policy engine; a denial fails the step with the reason', async () => {
    const h = repo({ 'README.md': '# x\n' });
    const allowed = await h.run(pipeline([job('gate', [step('step-1', { uses: 'gantry/policy-gate@1' })])]));
    expect(allowed.status).toBe('succeeded');
    expect(allowed.rec.log('gate', 'step-1')).toBe('policy-gate: allowed: no policy engine configured\n');

    const seen: string[] = [];
    const denied = await h.run(pipeline([job('gate', [step('step-1', { uses: 'gantry/policy-gate@1', with: { environment: 'prod' } })])]), {
      builtIns: defaultBuiltIns({
        policyGate: ({ ctx, jobId, with: w }) => {
          seen.push(`${ctx.branch}/${jobId}/${String(w.environment)}`);
          return { allowed: false, reason: 'production is frozen until Monday' };
        },
      }),
    });
    expect(seen).toEqual(['main/gate/prod']);
    expect(denied.rec.step('gate', 'step-1')).toMatchObject({ status: 'failed', info: { reason: 'denied by policy: production is frozen until Monday' } });
  });

  it('does not wait past the step timeout for a policy gate that never answers', async () => {
    const h = repo({ 'README.md': '# x\n' });
    const r = await h.run(pipeline([job('gate', [step('step-1', { uses: 'gantry/policy-gate@1', timeoutMs: 1000 })])]), {
      builtIns: defaultBuiltIns({ policyGate: () => new Promise(() => undefined) }),
    });
    expect(r.rec.step('gate', 'step-1')).toMatchObject({ status: 'timed_out', info: { reason: 'exceeded its 1s timeout' } });
    expect(r.status).toBe('failed');
  });

  it('fails a step that uses an unknown built-in, listing the known ones', async () => {
    const h = repo({ 'README.md': '# x\n' });
    const r = await h.run(pipeline([job('j', [step('step-1', { uses: 'gantry/nope@1' })])]));
    expect(r.rec.step('j', 'step-1')?.info.reason).toBe(
      'uses: expected a built-in step (gantry/dependency-audit@1, gantry/policy-gate@1, gantry/secret-scan@1), found "gantry/nope@1"',
    );
  });
});

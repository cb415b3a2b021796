import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPolicyTests, runTestFile } from '../engine/testRunner.js';
import { BUILT_IN_PACKS, builtInPolicies, PACKS_DIR } from './builtIn.js';

describe('built-in packs', () => {
  it('load, every policy labelled with its pack, and can be switched off', () => {
    const all = builtInPolicies();
    expect(new Set(all.map((p) => p.metadata.labels?.['gantry.dev/policy-pack']))).toEqual(new Set(BUILT_IN_PACKS));
    const some = builtInPolicies({ disabledPacks: ['security'] });
    expect(some.some((p) => p.metadata.labels?.['gantry.dev/policy-pack'] === 'security')).toBe(false);
    expect(() => builtInPolicies({ disabledPacks: ['nope'] })).toThrow(/unknown policy pack "nope"/);
  });

  it('pass their own test files, one per pack', async () => {
    const report = await runPolicyTests(PACKS_DIR);
    expect(report.files.map((f) => f.file.split('/').pop()).sort()).toEqual(BUILT_IN_PACKS.map((p) => `${p}.test.yaml`).sort());
    const failures = report.files.flatMap((f) => [...f.problems.map((p) => p.message), ...f.cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`)]);
    expect(failures).toEqual([]);
    expect(report.passed).toBeGreaterThan(25);
  });

  it('a wrong expectation fails, with the decisions in the detail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-policy-'));
    const file = join(dir, 'wrong.test.yaml');
    writeFileSync(
      file,
      `policies: [no-deploy-in-freeze]
cases:
  - name: frozen is allowed (wrong)
    action: deployment.create
    input: { object: { environment: { name: prod, type: production }, frozen: true } }
    expect: allow
  - name: wrong message
    action: deployment.create
    input: { object: { environment: { name: prod, type: production }, frozen: true } }
    expect: deny
    message: something else
`,
    );
    const r = await runTestFile(file);
    expect(r.cases.map((c) => [c.passed, c.actual])).toEqual([
      [false, 'deny'],
      [false, 'deny'],
    ]);
    expect(r.cases[0]!.detail).toContain('environment prod is in a freeze window');
  });
});

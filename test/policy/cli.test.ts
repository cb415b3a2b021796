import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const GANTRY = resolve(import.meta.dirname, '../../bin/gantry.mjs');
const gantry = (args: string[], cwd: string) => execa('node', [GANTRY, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });

const POLICY = `apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: no-friday-deploys }
spec:
  match: { actions: [deployment.create], environmentTypes: [production] }
  validations:
    - expression: now.getDayOfWeek() != 5
      message: no production deploys on Fridays
`;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-policy-cli-'));
  writeFileSync(join(dir, 'friday.yaml'), POLICY);
  writeFileSync(join(dir, 'input.json'), JSON.stringify({ subject: { ref: 'component:default/a', kind: 'component', namespace: 'default', name: 'a', labels: {}, annotations: {}, tags: [], spec: {} }, actor: { ref: 'user:default/u', role: 'member', teams: [] }, object: { environment: { name: 'prod', type: 'production' } } }));
  return dir;
}

describe('gantry policy (offline)', () => {
  it('test: PASS lines and exit 0; a failing case prints FAIL and exits 1', async () => {
    const dir = workspace();
    const cases = (expectFriday: string) => `policies: [friday.yaml]
cases:
  - name: thursday is fine
    action: deployment.create
    now: "2026-01-01T12:00:00Z"
    input: { object: { environment: { name: prod, type: production } } }
    expect: allow
  - name: friday is not
    action: deployment.create
    now: "2026-01-02T12:00:00Z"
    input: { object: { environment: { name: prod, type: production } } }
    expect: ${expectFriday}
    message: Fridays
`;
    writeFileSync(join(dir, 'friday.test.yaml'), cases('deny'));
    const ok = await gantry(['policy', 'test', '.'], dir);
    expect(ok.stdout).toContain('PASS: ');
    expect(ok.stdout).toContain('2 passed, 0 failed');
    expect(ok.exitCode).toBe(0);
    writeFileSync(join(dir, 'friday.test.yaml'), cases('allow'));
    const bad = await gantry(['policy', 'test', '.'], dir);
    expect(bad.stdout).toMatch(/FAIL: .*friday is not/);
    expect(bad.exitCode).toBe(1);
  }, 60_000);

  it('eval prints decisions (--json too) and exits 1 when denied; usage errors exit 2', async () => {
    const dir = workspace();
    const denied = await gantry(['policy', 'eval', '--policy', 'friday.yaml', '--action', 'deployment.create', '--input', 'input.json', '--now', '2026-01-02T12:00:00Z', '--json'], dir);
    expect(denied.exitCode).toBe(1);
    const admission = JSON.parse(denied.stdout) as { allowed: boolean; denials: Array<{ policy: string; messages: string[] }> };
    expect(admission.allowed).toBe(false);
    expect(admission.denials[0]!.messages).toEqual(['no production deploys on Fridays']);
    const allowed = await gantry(['policy', 'eval', '--policy', '.', '--builtin', '--disable-pack', 'delivery', '--action', 'deployment.create', '--input', 'input.json', '--now', '2026-01-01T12:00:00Z'], dir);
    expect(allowed.stdout).toContain('allowed');
    expect(allowed.exitCode).toBe(0);
    const usage = await gantry(['policy', 'eval', '--policy', '.', '--action', 'deploy', '--input', 'input.json'], dir);
    expect(usage.exitCode).toBe(2);
  }, 60_000);

  it('validate prints file:line:column with the caret and exits 1', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'bad.yaml'), POLICY.replace('now.getDayOfWeek() != 5', 'now.getDayOfWeek() != "5"'));
    const r = await gantry(['policy', 'validate', 'bad.yaml'], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/bad\.yaml:7:19: .*spec\.validations\[0\]\.expression/);
    const ok = await gantry(['policy', 'validate', 'friday.yaml'], dir);
    expect(ok.stdout).toContain('1 policy valid');
    expect(ok.exitCode).toBe(0);
  }, 60_000);
});

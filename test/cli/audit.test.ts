/**
 * `gantry audit verify|export` against a real platform (the chain is broken by editing a row in the database file),
 * and `gantry policy list|show` of the platform's policies.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { ORG, platformClient, type Json } from '../helpers/platform.js';
import { gantry, type RunOptions } from './runCli.js';

let platform: Platform;
let dir: string;
let admin: RunOptions;
const c = platformClient(
  () => platform,
  () => dir,
);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-audit-'));
  platform = await startPlatform({ workspaceDir: join(dir, 'ws'), port: 0, seedSample: false, builtInTemplates: false, quiet: true });
  admin = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: platform.adminToken }, cwd: dir };
  expect((await c.call('POST', '/api/catalog/entities', platform.adminToken, { yaml: ORG, file: 'org.yaml' })).status).toBe(200);
});

afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('gantry audit', () => {
  it('--help on each command', async () => {
    for (const cmd of [['audit'], ['audit', 'verify'], ['audit', 'export']]) expect((await gantry([...cmd, '--help'])).exitCode).toBe(0);
    const bad = await gantry(['audit', 'export', '--since', 'yesterday-ish'], admin);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--since: expected a date or time');
  });

  it('exports events as JSON lines, filtered by subject and time', async () => {
    const all = await gantry(['audit', 'export'], admin);
    expect(all.exitCode).toBe(0);
    const events = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json);
    expect(events.length).toBeGreaterThan(5);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events[1].prevHash).toBe(events[0].hash);

    const bob = await gantry(['audit', 'export', '--subject', 'user:default/bob', '-o', join(dir, 'bob.jsonl')], admin);
    expect(bob.stderr).toContain('Wrote 1 events to');
    const lines = (await readFile(join(dir, 'bob.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Json);
    expect(lines.map((e) => [e.action, e.subject])).toEqual([['catalog.entity.created', 'user:default/bob']]);

    const future = await gantry(['audit', 'export', '--since', '2999-01-01'], admin);
    expect(future.stdout).toBe('');
  });

  it('verify: intact, then broken at the row edited directly in the database', async () => {
    const ok = await gantry(['audit', 'verify'], admin);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^The audit log is intact: \d+ events, each chained to the one before\.$/m);

    const db = new Database(join(dir, 'ws', 'gantry.db'));
    try {
      db.prepare("update events set payload = '{\"role\":\"viewer\"}' where seq = 2").run();
    } finally {
      db.close();
    }
    const broken = await gantry(['audit', 'verify', '--json'], admin);
    expect(broken.exitCode).toBe(1);
    expect(JSON.parse(broken.stdout)).toEqual({ ok: false, seq: 2, reason: 'the stored event does not match its hash: it was changed after it was written' });
    const text = await gantry(['audit', 'verify'], admin);
    expect(text.stdout).toContain('The audit log is broken at event 2: the stored event does not match its hash');
  });
});

describe('gantry policy list|show', () => {
  it('lists the built-in packs and the catalog\'s Policy entities; a policy that does not type-check is refused', async () => {
    const mine = `apiVersion: gantry.dev/v1alpha1
kind: Policy
metadata: { name: services-have-a-system }
spec:
  mode: warn
  match: { actions: [catalog.entity], kinds: [component] }
  validations:
    - expression: has(subject.spec.system)
      message: every service belongs to a system
`;
    expect((await c.call('POST', '/api/catalog/entities', platform.adminToken, { yaml: mine, file: 'policy.yaml' })).status).toBe(200);
    const broken = mine.replace('services-have-a-system', 'broken').replace('has(subject.spec.system)', 'subject.nmae == 1');
    const refused = await c.call('POST', '/api/catalog/entities', platform.adminToken, { yaml: broken, file: 'broken.yaml' });
    expect(JSON.stringify(refused.body)).toContain('spec.validations[0].expression');

    const list = await gantry(['policy', 'list'], admin);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+MODE\s+PACK\s+ACTIONS\s+SOURCE$/m);
    expect(list.stdout).toMatch(/^production-needs-approval\s+enforce\s+delivery\s+deployment\.create,deployment\.promote\s+built-in$/m);
    expect(list.stdout).toMatch(/^services-have-a-system\s+warn\s+-\s+catalog\.entity\s+policy:default\/services-have-a-system$/m);
    expect(list.stdout).not.toMatch(/^broken\s/m);
    const items = (JSON.parse((await gantry(['policy', 'list', '--json'], admin)).stdout) as { items: Json[] }).items;
    expect(items.filter((p) => p.source === 'built-in').length).toBeGreaterThanOrEqual(10);

    const show = await gantry(['policy', 'show', 'services-have-a-system'], admin);
    expect(show.stdout).toContain('# services-have-a-system (warn) from policy:default/services-have-a-system');
    expect(show.stdout).toContain('expression: has(subject.spec.system)');
    const missing = await gantry(['policy', 'show', 'nope'], admin);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('no policy named "nope"');
  });
});

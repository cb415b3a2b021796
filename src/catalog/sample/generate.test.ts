import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseDescriptors, relationsOf } from '../model/index.js';
import { checkEntities, entityRef } from './checkEntities.js';
import { generateSampleOrg, renderSampleOrg, SAMPLE_LABEL, sampleOrgDir, writeSampleOrg } from './generate.js';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    title?: string;
    description?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    tags?: string[];
  };
  spec: Record<string, unknown>;
}

const files = generateSampleOrg();
const docs = files.flatMap((f) => f.documents) as Doc[];
const ofKind = (kind: string): Doc[] => docs.filter((d) => d.kind === kind);

const check = checkEntities(docs);
const selfRef = (d: Doc): string => entityRef(d);

describe('generateSampleOrg', () => {
  it('is deterministic', () => {
    expect(generateSampleOrg()).toEqual(files);
    expect(renderSampleOrg()).toEqual(renderSampleOrg());
  });

  it('has the promised shape and size', () => {
    const teams = ofKind('Group').filter((g) => g.spec.type === 'team');
    expect(teams).toHaveLength(15);
    expect(ofKind('Group').filter((g) => g.spec.type === 'organization')).toHaveLength(1);
    expect(ofKind('User').length).toBeGreaterThanOrEqual(180);
    expect(ofKind('User').length).toBeLessThanOrEqual(220);
    expect(ofKind('Domain').length).toBeGreaterThanOrEqual(4);
    expect(ofKind('Domain').length).toBeLessThanOrEqual(6);
    expect(ofKind('System').length).toBeGreaterThanOrEqual(12);
    expect(ofKind('Component').length).toBeGreaterThanOrEqual(60);
    expect(ofKind('API').length).toBeGreaterThanOrEqual(20);
    expect(ofKind('Resource').length).toBeGreaterThanOrEqual(12);
    const envs = ofKind('Environment');
    expect(envs.map((e) => e.spec.type)).toEqual(['development', 'staging', 'production']);
    const production = envs.find((e) => e.spec.type === 'production')!;
    expect(production.spec.requiredApprovals).toBe(1);
    expect(production.spec.freezeWindows).toEqual([
      expect.objectContaining({ start: expect.any(String), end: expect.any(String), reason: expect.any(String) }),
    ]);
    for (const env of envs) expect(env.apiVersion).toBe('gantry.dev/v1alpha1');

    expect(files.map((f) => f.file)).toEqual([
      'org.yaml',
      'payments.yaml',
      'lending.yaml',
      'trading.yaml',
      'customer.yaml',
      'risk-compliance.yaml',
      'platform.yaml',
      'environments.yaml',
    ]);
    for (const f of files.filter((x) => !['org.yaml', 'environments.yaml'].includes(x.file))) {
      expect((f.documents as Doc[]).filter((d) => d.kind === 'Domain'), f.file).toHaveLength(1);
    }
  });

  it('labels every entity as sample data', () => {
    for (const d of docs) expect(d.metadata.labels?.[SAMPLE_LABEL], selfRef(d)).toBe('true');
  });

  it('obeys Backstage’s name, tag, label and annotation rules and has no duplicate entities', () => {
    expect(check.invalidNames).toEqual([]);
    expect(check.invalidTags).toEqual([]);
    expect(check.invalidKeys).toEqual([]);
    expect(check.duplicates).toEqual([]);
    for (const d of docs) {
      for (const v of Object.values(d.metadata.annotations ?? {})) expect(typeof v, selfRef(d)).toBe('string');
    }
  });

  it('has the required spec fields per kind', () => {
    const required: Record<string, string[]> = {
      Component: ['type', 'lifecycle', 'owner'],
      API: ['type', 'lifecycle', 'owner', 'definition'],
      Resource: ['type', 'owner'],
      System: ['owner'],
      Domain: ['owner'],
      Group: ['type', 'children'],
      User: ['memberOf'],
      Environment: ['type', 'owner'],
    };
    for (const d of docs) {
      const fields = required[d.kind];
      expect(fields, `${selfRef(d)}: unexpected kind`).toBeDefined();
      for (const f of fields!) expect(d.spec[f], `${selfRef(d)} spec.${f}`).toBeDefined();
    }
  });

  it('has no dangling refs: every ref resolves to an entity of the expected kind in the set', () => {
    expect(check.dangling).toEqual([]);
    expect(check.relations).toBeGreaterThan(500);
  });

  it('has consistent group parents and children, and every team has members', () => {
    const groups = new Map(ofKind('Group').map((g) => [g.metadata.name, g]));
    for (const g of groups.values()) {
      for (const child of g.spec.children as string[]) {
        expect(groups.get(child)?.spec.parent, `${child}.parent`).toBe(g.metadata.name);
      }
      const parent = g.spec.parent as string | undefined;
      if (parent) expect(groups.get(parent)?.spec.children, `${parent}.children`).toContain(g.metadata.name);
    }
    const members = new Map<string, number>();
    for (const u of ofKind('User')) {
      for (const team of u.spec.memberOf as string[]) members.set(team, (members.get(team) ?? 0) + 1);
    }
    for (const g of groups.values()) {
      if (g.spec.type === 'team') expect(members.get(g.metadata.name) ?? 0, g.metadata.name).toBeGreaterThanOrEqual(10);
    }
    const emails = ofKind('User').map((u) => (u.spec.profile as { email: string }).email);
    expect(new Set(emails).size).toBe(emails.length);
    for (const e of emails) expect(e).toMatch(/^[a-z0-9.-]+@northwind\.example\.com$/);
  });

  it('has no partOf or group-parent cycles', () => {
    const edges = new Map<string, string[]>();
    for (const [from, field, to] of check.edges) {
      if (['system', 'domain', 'subdomainOf', 'subcomponentOf', 'parent'].includes(field)) {
        edges.set(from, [...(edges.get(from) ?? []), to]);
      }
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path, node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
    expect(edges.size).toBeGreaterThan(100);
  });

  it('gives every API a provider and a definition whose internal references resolve', () => {
    const provided = new Set(ofKind('Component').flatMap((c) => (c.spec.providesApis as string[] | undefined) ?? []));
    for (const a of ofKind('API')) {
      const where = selfRef(a);
      expect(provided.has(a.metadata.name), `${where} has no provider`).toBe(true);
      const text = a.spec.definition as string;
      if (a.spec.type === 'grpc') {
        expect(text).toMatch(/^syntax = "proto3";/);
        const defined = new Set([...text.matchAll(/^(?:message|enum) (\w+) \{/gm)].map((m) => m[1]));
        const used = [...text.matchAll(/rpc \w+\((\w+)\) returns \((?:stream )?(\w+)\)/g)].flatMap((m) => [m[1], m[2]]);
        for (const name of used) expect(defined.has(name), `${where}: message ${name}`).toBe(true);
        continue;
      }
      const doc = parse(text) as Record<string, unknown>;
      if (a.spec.type === 'openapi') expect(doc.openapi).toBe('3.0.3');
      else expect(a.spec.type === 'asyncapi' && doc.asyncapi).toBe('2.6.0');
      for (const m of text.matchAll(/\$ref: "#\/([^"]+)"/g)) {
        const target = m[1]!.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
        expect(target, `${where}: $ref #/${m[1]}`).toBeDefined();
      }
    }
  });

  it('renders YAML that reads back as exactly the generated documents', () => {
    const rendered = new Map(renderSampleOrg().map((r) => [r.file, r.content]));
    for (const f of files) {
      const parsed = parseAllDocuments(rendered.get(f.file)!);
      expect(Array.isArray(parsed), f.file).toBe(true);
      const parsedDocs = parsed as Array<{ errors: unknown[]; toJS(): unknown }>;
      for (const p of parsedDocs) expect(p.errors, f.file).toEqual([]);
      // YAML 1.1 readers must see the same strings too: no unquoted dates or yes/no/on/off.
      const asYaml11 = parseAllDocuments(rendered.get(f.file)!, { version: '1.1' }) as Array<{ toJS(): unknown }>;
      expect(parsedDocs.map((p) => p.toJS()), f.file).toEqual(f.documents);
      expect(asYaml11.map((p) => p.toJS()), f.file).toEqual(f.documents);
    }
  });
});

describe('examples/sample-org on disk', () => {
  it('matches the generator output (run `npx tsx src/catalog/sample/generate.ts` after changing it)', async () => {
    const dir = sampleOrgDir();
    expect(dir).toBe(fileURLToPath(new URL('../../../examples/sample-org', import.meta.url)));
    const rendered = renderSampleOrg();
    for (const { file, content } of rendered) {
      expect(await readFile(join(dir, file), 'utf8'), `examples/sample-org/${file} is stale`).toBe(content);
    }
    const onDisk = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
    expect(onDisk).toEqual(rendered.map((r) => r.file).filter((n) => n.endsWith('.yaml')).sort());
  });
});

describe('examples/sample-org under the catalog model', () => {
  it('parses with no problems, not even warnings, and every relation target is in the sample', () => {
    const known = new Set(docs.map(selfRef));
    const rendered = renderSampleOrg().filter((r) => r.file.endsWith('.yaml'));
    let entities = 0;
    for (const { file, content } of rendered) {
      const parsed = parseDescriptors(content, file);
      expect(parsed.problems, file).toEqual([]);
      for (const d of parsed.documents) {
        expect(d.problems, `${file} ${d.ref}`).toEqual([]);
        expect(d.entity, `${file} ${d.ref}`).toBeDefined();
        entities++;
        const { relations, problems } = relationsOf(d.entity!);
        expect(problems, `${file} ${d.ref}`).toEqual([]);
        for (const r of relations) expect(known.has(r.target) && known.has(r.source), `${r.source} ${r.type} ${r.target}`).toBe(true);
      }
    }
    expect(entities).toBe(docs.length);
  });
});

describe('writeSampleOrg and the script entry', () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const t of temps) await rm(t, { recursive: true, force: true });
  });

  it('writes every file and removes YAML files it no longer generates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-sample-'));
    temps.push(dir);
    await writeFile(join(dir, 'renamed-domain.yaml'), 'kind: Domain\n');
    await writeFile(join(dir, 'notes.txt'), 'keep me\n');
    const written = await writeSampleOrg(dir);
    expect(written).toHaveLength(renderSampleOrg().length);
    const names = (await readdir(dir)).sort();
    expect(names).not.toContain('renamed-domain.yaml');
    expect(names).toContain('notes.txt');
    for (const { file, content } of renderSampleOrg()) expect(await readFile(join(dir, file), 'utf8')).toBe(content);
  });

  it('runs as a script with tsx', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-sample-cli-'));
    temps.push(dir);
    const script = fileURLToPath(new URL('./generate.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const result = await execa('npx', ['tsx', script, dir], { cwd: root });
    expect(result.stdout).toContain(join(dir, 'org.yaml'));
    const org = await readFile(join(dir, 'org.yaml'), 'utf8');
    expect(org).toBe(renderSampleOrg().find((r) => r.file === 'org.yaml')!.content);
  });
});

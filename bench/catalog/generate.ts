import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashSeed, itemSeed, SeededRandom } from '../../src/catalog/sample/seededRandom.js';
import { emitYaml } from './emitYaml.js';
import { VOCABULARY as V } from './vocabulary.js';

const BACKSTAGE = 'backstage.io/v1alpha1';

/** How many entities of each kind a catalog of n entities has (the mix ANCHORS.md measured Backstage on). */
export interface CatalogShape {
  groups: number;
  users: number;
  systems: number;
  apis: number;
  components: number;
}

/** Smallest catalog that still has every kind and a provider for every API. */
export const MIN_CATALOG_SIZE = 10;

/** Groups ~2%, users ~15%, systems ~3%, APIs ~15%, components the rest (~65%). */
export function catalogShape(n: number): CatalogShape {
  if (!Number.isInteger(n) || n < MIN_CATALOG_SIZE) {
    throw new RangeError(`n: expected an integer ≥ ${MIN_CATALOG_SIZE}, found ${n}`);
  }
  const groups = Math.max(2, Math.round(n * 0.02));
  const users = Math.round(n * 0.15);
  const systems = Math.max(1, Math.round(n * 0.03));
  const apis = Math.round(n * 0.15);
  return { groups, users, systems, apis, components: n - groups - users - systems - apis };
}

const pascal = (words: string[]): string => words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
const titleOf = (name: string): string =>
  name
    .split('-')
    .filter((w) => !/^\d+$/.test(w))
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');

/**
 * Everything about the catalog that other entities refer to, computable for any index without generating
 * the entities before it: this is what keeps generation streaming and memory flat.
 */
class CatalogPlan {
  readonly shape: CatalogShape;
  /** Index ranges inside the group list: 0 is the organisation, then departments, then teams. */
  readonly departments: number;
  readonly teams: number;

  constructor(
    n: number,
    readonly seed: number,
  ) {
    this.shape = catalogShape(n);
    const below = this.shape.groups - 1;
    this.departments = Math.max(1, Math.round(below / 10));
    this.teams = below - this.departments;
  }

  private readonly salts = new Map<string, number>();

  /** The random stream of item i of a kind; independent of every other item's. */
  rng(kind: string, i: number): SeededRandom {
    return new SeededRandom(this.hash(kind, i));
  }

  hash(kind: string, i: number): number {
    let salt = this.salts.get(kind);
    if (salt === undefined) {
      salt = hashSeed(this.seed, kind);
      this.salts.set(kind, salt);
    }
    return itemSeed(salt, i);
  }

  groupName(g: number): string {
    if (g === 0) return `northwind-${this.seed}`;
    const r = this.rng('group-name', g);
    const kind = g <= this.departments ? 'department' : 'team';
    return `${r.pick(V.areas)}-${r.pick(V.nouns)}-${kind}-${g}`;
  }

  /** Teams own things; with too few groups for teams, departments do. */
  ownerGroup(k: number): string {
    if (this.teams > 0) return this.groupName(1 + this.departments + (k % this.teams));
    return this.groupName(1 + (k % this.departments));
  }

  systemName(s: number): string {
    const r = this.rng('system-name', s);
    return `${r.pick(V.areas)}-${r.pick(V.nouns)}-system-${s}`;
  }

  systemOwner(s: number): string {
    return this.ownerGroup(this.hash('system-owner', s));
  }

  componentType(c: number): keyof typeof V.suffixes {
    const x = this.rng('component-type', c).next();
    return x < 0.6 ? 'service' : x < 0.75 ? 'website' : x < 0.9 ? 'library' : 'data-pipeline';
  }

  /**
   * Architecture layer: libraries 0, most services 1, the rest of the services and data pipelines 2,
   * websites 3. A component depends only on lower layers, which keeps the dependency graph acyclic and
   * shallow, so transitive queries return realistic sets rather than most of the catalog.
   */
  componentLayer(c: number): number {
    const type = this.componentType(c);
    if (type === 'library') return 0;
    if (type === 'website') return 3;
    if (type === 'data-pipeline') return 2;
    return this.hash('component-layer', c) % 2 === 0 ? 1 : 2;
  }

  componentName(c: number): string {
    const r = this.rng('component-name', c);
    return `${r.pick(V.areas)}-${r.pick(V.nouns)}-${r.pick(V.suffixes[this.componentType(c)])}-${c}`;
  }

  componentSystem(c: number): number {
    return this.hash('component-system', c) % this.shape.systems;
  }

  /** Mostly the system's owner, as in real catalogs; sometimes another team contributes a component. */
  componentOwner(c: number): string {
    const r = this.rng('component-owner', c);
    return r.chance(0.85) ? this.systemOwner(this.componentSystem(c)) : this.ownerGroup(r.int(1 << 30));
  }

  apiName(a: number): string {
    const r = this.rng('api-name', a);
    return `${r.pick(V.areas)}-${r.pick(V.nouns)}-api-${a}`;
  }

  /** Each API has exactly one provider; providers are spread evenly over the components. */
  apiProvider(a: number): number {
    return Math.floor((a * this.shape.components) / this.shape.apis);
  }

  /** The APIs whose provider is component c: the inverse of apiProvider, as an index range. */
  providedApis(c: number): number[] {
    const { apis, components } = this.shape;
    const first = Math.floor((c * apis + components - 1) / components);
    const end = Math.floor(((c + 1) * apis + components - 1) / components);
    const out: number[] = [];
    for (let a = first; a < end; a++) out.push(a);
    return out;
  }
}

function groupEntity(p: CatalogPlan, g: number): object {
  const name = p.groupName(g);
  const isTeam = g > p.departments;
  const type = g === 0 ? 'organization' : isTeam ? 'team' : 'department';
  const children: string[] = [];
  if (g === 0) for (let d = 1; d <= p.departments; d++) children.push(p.groupName(d));
  else if (!isTeam) for (let t = p.departments + g; t < p.shape.groups; t += p.departments) children.push(p.groupName(t));
  const parent = g === 0 ? undefined : isTeam ? p.groupName(1 + ((g - 1 - p.departments) % p.departments)) : p.groupName(0);
  const r = p.rng('group', g);
  return {
    apiVersion: BACKSTAGE,
    kind: 'Group',
    metadata: {
      name,
      description: `${titleOf(name)}: ${r.pick(V.verbs).toLowerCase()} ${r.pick(V.objects)} and ${r.pick(V.clauses)}.`,
    },
    spec: {
      type,
      profile: { displayName: titleOf(name), email: `${name}@example.com` },
      ...(parent ? { parent } : {}),
      children,
    },
  };
}

function userEntity(p: CatalogPlan, u: number): object {
  const r = p.rng('user', u);
  const given = r.pick(V.givenNames);
  const family = r.pick(V.familyNames);
  const name = `${given}.${family}-${u}`;
  const display = `${given[0]!.toUpperCase()}${given.slice(1)} ${family[0]!.toUpperCase()}${family.slice(1)}`;
  return {
    apiVersion: BACKSTAGE,
    kind: 'User',
    metadata: { name },
    spec: {
      profile: { displayName: display, email: `${name}@example.com` },
      memberOf: [p.ownerGroup(u)],
    },
  };
}

function systemEntity(p: CatalogPlan, s: number): object {
  const name = p.systemName(s);
  const r = p.rng('system', s);
  return {
    apiVersion: BACKSTAGE,
    kind: 'System',
    metadata: {
      name,
      title: titleOf(name),
      description: `${r.pick(V.verbs)} ${r.pick(V.objects)} for the ${name.split('-')[0]} business line.`,
    },
    spec: { owner: p.systemOwner(s) },
  };
}

function apiDefinition(type: string, name: string, r: SeededRandom): string {
  const words = name.split('-').filter((w) => !/^\d+$/.test(w));
  const object = r.pick(V.objects);
  if (type === 'grpc') {
    return [
      'syntax = "proto3";',
      `package bench.${words[0]}.v1;`,
      `service ${pascal(words)} {`,
      `  rpc Get(GetRequest) returns (GetResponse);`,
      '}',
      'message GetRequest { string id = 1; }',
      'message GetResponse { string id = 1; string status = 2; }',
      '',
    ].join('\n');
  }
  if (type === 'asyncapi') {
    return [
      'asyncapi: 2.6.0',
      'info:',
      `  title: ${titleOf(name)}`,
      '  version: 1.0.0',
      'channels:',
      `  ${words[0]}.${words[1]}.v1:`,
      '    subscribe:',
      '      message:',
      `        summary: ${object} changed`,
      '        payload: {type: object, properties: {id: {type: string}}}',
      '',
    ].join('\n');
  }
  return [
    'openapi: 3.0.3',
    'info:',
    `  title: ${titleOf(name)}`,
    '  version: 1.0.0',
    'paths:',
    `  /${words[0]}/{id}:`,
    '    get:',
    `      summary: Get ${object}`,
    '      parameters: [{name: id, in: path, required: true, schema: {type: string}}]',
    "      responses: {'200': {description: OK}}",
    '',
  ].join('\n');
}

function apiEntity(p: CatalogPlan, a: number): object {
  const name = p.apiName(a);
  const provider = p.apiProvider(a);
  const r = p.rng('api', a);
  const x = r.next();
  const type = x < 0.7 ? 'openapi' : x < 0.9 ? 'grpc' : 'asyncapi';
  return {
    apiVersion: BACKSTAGE,
    kind: 'API',
    metadata: {
      name,
      title: titleOf(name),
      description: `${r.pick(V.verbs)} ${r.pick(V.objects)}; ${r.pick(V.clauses)}.`,
      tags: [type === 'openapi' ? 'rest' : type],
    },
    spec: {
      type,
      lifecycle: r.chance(0.85) ? 'production' : 'experimental',
      owner: p.componentOwner(provider),
      system: p.systemName(p.componentSystem(provider)),
      definition: apiDefinition(type, name, r),
    },
  };
}

// Average counts (1.75 dependsOn above layer 0, so ~1.5 over all components, and 1.0 consumesApis) chosen
// so that, together with owner, system, memberOf, parent and providesApis, an entity has about 7 relations
// counting both directions (Backstage stores and returns ownedBy and ownerOf, dependsOn and dependencyOf,
// ... as separate rows).
const DEPENDS_ON_COUNTS = [1, 1, 1, 2, 2, 2, 2, 3];
const CONSUMES_COUNTS = [0, 1, 1, 1, 1, 2];

function componentEntity(p: CatalogPlan, c: number): object {
  const r = p.rng('component', c);
  const name = p.componentName(c);
  const type = p.componentType(c);
  const dependsOn = new Set<string>();
  const layer = p.componentLayer(c);
  const wantDeps = layer === 0 ? 0 : r.pick(DEPENDS_ON_COUNTS);
  // Rejection sampling keeps generation stateless; lower layers hold ≥15% of components, so it ends quickly.
  // The attempt cap only matters for tiny catalogs whose lower layers are empty.
  for (let attempt = 0; dependsOn.size < wantDeps && attempt < 200; attempt++) {
    const j = r.int(p.shape.components);
    if (p.componentLayer(j) < layer) dependsOn.add(`component:${p.componentName(j)}`);
  }
  const provided = p.providedApis(c);
  const consumes = new Set<string>();
  const wantConsumes = Math.min(p.shape.apis - provided.length, r.pick(CONSUMES_COUNTS));
  while (consumes.size < wantConsumes) {
    const a = r.int(p.shape.apis);
    if (p.apiProvider(a) !== c) consumes.add(p.apiName(a));
  }
  const tags = new Set<string>([r.pick(V.languages)]);
  for (let t = r.int(3); t > 0; t--) tags.add(r.pick(V.extraTags));
  const x = r.next();
  return {
    apiVersion: BACKSTAGE,
    kind: 'Component',
    metadata: {
      name,
      title: titleOf(name),
      description: `${r.pick(V.verbs)} ${r.pick(V.objects)} for the ${name.split('-')[0]} ${name.split('-')[1]} and ${r.pick(V.clauses)}.`,
      annotations: { 'github.com/project-slug': `northwind-${p.seed}/${name}` },
      tags: [...tags],
    },
    spec: {
      type,
      lifecycle: x < 0.7 ? 'production' : x < 0.9 ? 'experimental' : 'deprecated',
      owner: p.componentOwner(c),
      system: p.systemName(p.componentSystem(c)),
      ...(provided.length > 0 ? { providesApis: provided.map((a) => p.apiName(a)) } : {}),
      ...(consumes.size > 0 ? { consumesApis: [...consumes] } : {}),
      ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn] } : {}),
    },
  };
}

/**
 * Streams the entities of a benchmark catalog of n entities (groups, users, systems, APIs, components, in
 * that order). Every entity depends only on (n, seed, its index), so memory stays flat however large n is.
 */
export function* catalogEntities(n: number, seed = 1): Generator<object> {
  const p = new CatalogPlan(n, seed);
  const { groups, users, systems, apis, components } = p.shape;
  for (let i = 0; i < groups; i++) yield groupEntity(p, i);
  for (let i = 0; i < users; i++) yield userEntity(p, i);
  for (let i = 0; i < systems; i++) yield systemEntity(p, i);
  for (let i = 0; i < apis; i++) yield apiEntity(p, i);
  for (let i = 0; i < components; i++) yield componentEntity(p, i);
}

/**
 * A deterministic benchmark catalog of n entities shaped like the one Backstage was measured on (see
 * ANCHORS.md): groups ~2%, users ~15%, systems ~3%, APIs ~15%, components the rest, about 7 relations per
 * entity counting both directions; every ref resolves inside the catalog.
 */
export function generateCatalog(n: number, seed = 1): object[] {
  return Array.from(catalogEntities(n, seed));
}

/**
 * Writes entities as multi-document YAML files of `perFile` documents each (`catalog-00001.yaml`, …) into
 * dir and returns their paths. Takes any iterable, so `catalogEntities(n)` streams with one file in memory.
 */
export async function writeCatalogFiles(entities: Iterable<object>, dir: string, perFile = 1000): Promise<string[]> {
  if (!Number.isInteger(perFile) || perFile < 1) {
    throw new RangeError(`perFile: expected a positive integer, found ${perFile}`);
  }
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    const path = join(dir, `catalog-${String(paths.length + 1).padStart(5, '0')}.yaml`);
    await writeFile(path, chunk.join('---\n'));
    paths.push(path);
    chunk = [];
  };
  for (const entity of entities) {
    chunk.push(emitYaml(entity));
    if (chunk.length === perFile) await flush();
  }
  if (chunk.length > 0) await flush();
  return paths;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const [nArg, dirArg, seedArg] = process.argv.slice(2);
  if (!nArg || !dirArg) {
    console.error('usage: npx tsx bench/catalog/generate.ts <entities> <output-dir> [seed]');
    process.exit(2);
  }
  const started = performance.now();
  const paths = await writeCatalogFiles(catalogEntities(Number(nArg), seedArg ? Number(seedArg) : 1), resolve(dirArg));
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`wrote ${nArg} entities in ${paths.length} files to ${resolve(dirArg)} in ${seconds} s`);
}

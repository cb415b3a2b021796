/** `gantry catalog …`: locations, entities, the relation graph, and offline validation. */
import { isAbsolute, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { EntityPage, EntityView, GraphEdge, GraphNode, LocationView, RefreshResult } from '../../catalog/index.js';
import { connect, type ApiClient, type GlobalOptions } from '../client.js';
import { CliError, SilentFailure, UsageError } from '../errors.js';
import { filterOption, integerOption } from '../options.js';
import { err, formatAge, out, print, printErr, printFields, printJson, printTable, renderProblem, withProgress } from '../output.js';
import { validatePaths } from './validate.js';

// The API's answers are the catalog service's own types (the server returns them as they are).
type Graph = { nodes: GraphNode[]; edges: GraphEdge[] };

const globalsOf = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

// ---------------------------------------------------------------------------------------------- locations

/**
 * Makes a local target absolute so the server finds it whatever its working directory; URLs and scp-style
 * git remotes (`git@host:org/repo.git`) pass through. The `#ref:glob` / `#glob` suffix is kept.
 */
export function resolveTarget(target: string, cwd: string = process.cwd()): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^[\w.-]+@[\w.-]+:/.test(target)) return target;
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const suffix = hash === -1 ? '' : target.slice(hash);
  if (path === '' || isAbsolute(path)) return target;
  return resolve(cwd, path) + suffix;
}

function summarizeRefresh(r: RefreshResult): string {
  return `added ${r.added}, updated ${r.updated}, removed ${r.removed}, orphaned ${r.orphaned}, unchanged ${r.unchanged}`;
}

/**
 * Prints a location's refresh outcome and fails (exit 1) when documents were rejected or the source could not
 * be read, so CI notices; what was valid is ingested either way.
 */
function reportRefresh(res: { location: LocationView; refresh: RefreshResult }, json: boolean, verb: string): void {
  const { location: loc, refresh } = res;
  const problems = refresh.problems.length ? refresh.problems : loc.problems;
  const errors = problems.filter((p) => p.severity !== 'warning');
  if (json) printJson(res);
  else {
    print(`${verb} location ${out.bold(loc.id)} (${loc.type} ${loc.target}): ${statusText(loc.status)}, ${plural(loc.entityCount, 'entity', 'entities')}`);
    print(summarizeRefresh(refresh));
    if (problems.length) {
      print(`Problems (${problems.length}):`);
      for (const p of problems) print(`  ${renderProblem(p)}`);
    }
  }
  if (loc.status === 'error' || errors.length) {
    const what =
      loc.status === 'error'
        ? 'the source could not be read; entities ingested before were kept'
        : `${plural(errors.length, 'error')} in the descriptors; the valid documents were ingested`;
    printErr(err.red(`error: ${what}.`));
    printErr(`  Fix the files, then run \`gantry catalog refresh ${loc.id}\`.`);
    throw new SilentFailure();
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function statusText(status: string): string {
  return status === 'ok' ? out.green('ok') : status === 'error' ? out.red('error') : out.yellow(status);
}

// ----------------------------------------------------------------------------------------------- entities

/** Splits `kind:namespace/name` where kind and namespace may be left out. */
export function splitRef(ref: string): { kind?: string; namespace?: string; name: string } {
  const m = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(ref.trim());
  if (!m || !m[3]) {
    throw new UsageError(`expected an entity ref like component:default/payments-api or component:payments-api, found "${ref}"`);
  }
  return { kind: m[1]?.toLowerCase(), namespace: m[2]?.toLowerCase(), name: m[3] };
}

/**
 * Turns what the user typed into a full ref. Without a kind, the name is looked up: one match is used, several
 * are listed so the user can choose.
 */
async function resolveRef(client: ApiClient, ref: string): Promise<{ kind: string; namespace: string; name: string }> {
  const r = splitRef(ref);
  if (r.kind) return { kind: r.kind, namespace: r.namespace ?? 'default', name: r.name };
  const filter = [`metadata.name=${r.name}`, ...(r.namespace ? [`metadata.namespace=${r.namespace}`] : [])];
  const page = await client.get<EntityPage>('/api/catalog/entities', { filter, limit: 20 });
  const [only] = page.items;
  if (page.items.length === 1 && only) return { kind: only.kind.toLowerCase(), namespace: only.namespace, name: only.name };
  if (page.items.length === 0) throw new CliError(`not found: no entity is named "${r.name}"${r.namespace ? ` in namespace ${r.namespace}` : ''}`);
  throw new UsageError(`"${ref}" is ambiguous; give the kind, one of:`, { hints: page.items.map((e) => e.ref) });
}

function byRefPath(r: { kind: string; namespace: string; name: string }): string {
  return `/api/catalog/entities/by-ref/${[r.kind, r.namespace, r.name].map(encodeURIComponent).join('/')}`;
}

/** A field value for a terminal: lists of scalars comma-separated, objects as compact JSON. */
const str = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return v.map(String).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

function entityRow(e: EntityView): string[] {
  const spec = e.entity.spec ?? {};
  const problems = e.status.problems;
  const errors = problems.filter((p) => p.severity !== 'warning').length;
  const status = [
    errors ? out.red(`${errors} error${errors === 1 ? '' : 's'}`) : '',
    problems.length - errors ? out.yellow(`${problems.length - errors} warning${problems.length - errors === 1 ? '' : 's'}`) : '',
    e.orphan ? out.yellow('orphan') : '',
  ].filter(Boolean);
  return [e.ref, str(spec.type) || '-', str(spec.owner) || '-', str(spec.lifecycle) || '-', status.join(', ') || out.green('ok')];
}

/** Fetches up to `max` entities (Infinity: all), following the cursor in pages of at most 500. */
async function fetchEntities(client: ApiClient, query: Record<string, string | string[] | undefined>, max: number): Promise<EntityPage> {
  const items: EntityView[] = [];
  let cursor: string | undefined;
  let totalCount = 0;
  let nextCursor: string | null = null;
  do {
    const limit = Math.min(500, max - items.length);
    const page: EntityPage = await client.get<EntityPage>('/api/catalog/entities', { ...query, limit, cursor });
    items.push(...page.items);
    totalCount = page.totalCount;
    nextCursor = page.nextCursor;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return { items, totalCount, nextCursor };
}

/** Nested maps as dotted keys (`profile.email`), the way filters name fields; lists stay whole. */
function flatten(obj: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string, unknown]> =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v]],
  );
}

function printEntity(e: EntityView): void {
  const md = e.entity.metadata;
  const spec = e.entity.spec ?? {};
  print(`${out.bold(e.ref)}${md.title ? `  ${md.title}` : ''}${e.orphan ? `  ${out.yellow('(orphan)')}` : ''}`);
  printFields([
    ['Kind', `${e.kind} (${e.entity.apiVersion})`],
    ['Description', md.description],
    ['Tags', md.tags?.join(', ')],
  ]);
  if (Object.keys(spec).length) {
    print(out.bold('Spec:'));
    printFields(flatten(spec).map(([k, v]): [string, string] => [k, str(v)]), '  ', false);
  }
  if (md.labels && Object.keys(md.labels).length) {
    print(out.bold('Labels:'));
    for (const [k, v] of Object.entries(md.labels)) print(`  ${k}: ${v}`);
  }
  if (md.annotations && Object.keys(md.annotations).length) {
    print(out.bold('Annotations:'));
    for (const [k, v] of Object.entries(md.annotations)) print(`  ${k}: ${v}`);
  }
  if (md.links?.length) {
    print(out.bold('Links:'));
    for (const l of md.links) print(`  ${l.title ? `${l.title}: ` : ''}${l.url}`);
  }
  print(out.bold('Relations:'));
  if (e.relations.length === 0) print('  (none)');
  const grouped = new Map<string, string[]>();
  for (const r of e.relations) grouped.set(r.type, [...(grouped.get(r.type) ?? []), r.targetRef]);
  const width = Math.max(0, ...[...grouped.keys()].map((k) => k.length));
  for (const [type, targets] of grouped) {
    targets.forEach((t, i) => print(`  ${(i === 0 ? type : '').padEnd(width)}  ${t}`));
  }
  print(out.bold('Source:'));
  if (!e.source) print('  registered through the API');
  else {
    const where = e.source.file ? `${e.source.file}${e.source.line ? `:${e.source.line}` : ''}` : e.source.locationTarget;
    print(`  ${where} (location ${e.source.locationId}: ${e.source.locationTarget})`);
  }
  print(out.bold('Status:'));
  if (e.status.problems.length === 0) print(`  ${out.green('no problems')}`);
  for (const p of e.status.problems) print(`  ${renderProblem(p)}`);
}

// ---------------------------------------------------------------------------------------------- the graph

/** Each relation is stored in both directions; a drawing needs only one arrow per pair. */
const INVERSE_OF_FORWARD: Record<string, string> = {
  ownerOf: 'ownedBy',
  hasPart: 'partOf',
  dependencyOf: 'dependsOn',
  apiProvidedBy: 'providesApi',
  apiConsumedBy: 'consumesApi',
  hasMember: 'memberOf',
  parentOf: 'childOf',
};

function forwardEdges(edges: Graph['edges']): Graph['edges'] {
  const key = (s: string, t: string, ty: string) => `${s}\u0000${t}\u0000${ty}`;
  const present = new Set(edges.map((e) => key(e.source, e.target, e.type)));
  return edges.filter((e) => {
    const forward = INVERSE_OF_FORWARD[e.type];
    return !(forward && present.has(key(e.target, e.source, forward)));
  });
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The graph in Graphviz DOT, one arrow per related pair, the root emphasised. */
export function graphToDot(graph: Graph, root: string): string {
  const lines = [`digraph ${dotString(root)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of graph.nodes) {
    const label = `${n.kind}\\n${n.title ?? n.name}`;
    lines.push(`  ${dotString(n.ref)} [label="${label.replace(/"/g, '\\"')}"${n.ref === root ? ', style="rounded,bold", penwidth=2' : ''}];`);
  }
  for (const e of forwardEdges(graph.edges)) lines.push(`  ${dotString(e.source)} -> ${dotString(e.target)} [label=${dotString(e.type)}];`);
  lines.push('}');
  return lines.join('\n');
}

function printGraphText(graph: Graph, root: string): void {
  const bySource = new Map<string, Graph['edges']>();
  for (const e of graph.edges) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  const order = [root, ...graph.nodes.map((n) => n.ref).filter((r) => r !== root).sort()];
  const width = Math.max(0, ...graph.edges.map((e) => e.type.length));
  let first = true;
  for (const ref of order) {
    const edges = bySource.get(ref);
    if (!edges?.length) continue;
    if (!first) print();
    first = false;
    print(ref === root ? out.bold(ref) : ref);
    for (const e of edges.sort((a, b) => a.type.localeCompare(b.type) || a.target.localeCompare(b.target))) {
      print(`  ${e.type.padEnd(width)}  → ${e.target}`);
    }
  }
  if (first) print(`${out.bold(root)} has no relations.`);
  printErr(`${graph.nodes.length} entities, ${graph.edges.length} relations`);
}

// --------------------------------------------------------------------------------------------- the command

/** Registers `gantry catalog` and its subcommands. */
export function catalogCommand(program: Command): Command {
  const catalog = program
    .command('catalog')
    .description('the software catalog: import descriptors, query entities, validate files')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry catalog validate ./catalog                          offline check, exit 1 on errors
  $ gantry catalog import ./catalog --owner group:platform      register a folder
  $ gantry catalog import https://git.example.com/org/repo.git#main:catalog/**/*.yaml
  $ gantry catalog list --kind component --filter spec.lifecycle=production
  $ gantry catalog get component:payments-api
  $ gantry catalog graph system:payments --depth 2 --format dot | dot -Tsvg > payments.svg`,
    );

  catalog
    .command('import')
    .description('register a location (file, directory or git URL) and ingest it now')
    .argument('<target>', 'a file, a directory (optionally dir#glob), or a git URL (optionally url#ref:glob)')
    .addOption(new Option('--type <type>', 'source type (default: inferred from the target)').choices(['file', 'dir', 'git']))
    .option('--owner <group>', 'owning group, e.g. group:default/payments; its entities must be owned by it')
    .addOption(new Option('--on-missing <what>', 'what happens to entities the source no longer has').choices(['delete', 'orphan']))
    .option('--refresh-interval <seconds>', 'refresh automatically every N seconds (at least 10)', integerOption(10))
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      `
Local paths are sent as absolute paths. Problems in the descriptors are printed as file:line:col; valid
documents are ingested anyway, and the command exits 1 so CI notices.

Examples:
  $ gantry catalog import ./catalog-info.yaml
  $ gantry catalog import ./services --owner group:default/payments --on-missing orphan
  $ gantry catalog import /srv/repos/platform.git#main:catalog/*.yaml --type git --refresh-interval 300`,
    )
    .action(
      async (
        target: string,
        opts: { type?: string; owner?: string; onMissing?: string; refreshInterval?: number; json?: boolean },
        cmd: Command,
      ) => {
        const client = await connect(globalsOf(cmd));
        const body = {
          target: resolveTarget(target),
          ...(opts.type ? { type: opts.type } : {}),
          ...(opts.owner ? { owner: opts.owner } : {}),
          ...(opts.onMissing ? { onMissing: opts.onMissing } : {}),
          ...(opts.refreshInterval !== undefined ? { refreshIntervalS: opts.refreshInterval } : {}),
        };
        const res = await withProgress(`Importing ${body.target}`, () =>
          client.post<{ location: LocationView; refresh: RefreshResult }>('/api/catalog/locations', body),
        );
        reportRefresh(res, opts.json === true, 'Registered');
      },
    );

  catalog
    .command('refresh')
    .description('read a location again now and apply what changed')
    .argument('<location-id>', 'location id (see `gantry catalog locations`)')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const res = await withProgress(`Refreshing location ${id}`, () =>
        client.post<{ location: LocationView; refresh: RefreshResult }>(`/api/catalog/locations/${encodeURIComponent(id)}/refresh`),
      );
      reportRefresh(res, opts.json === true, 'Refreshed');
    });

  catalog
    .command('locations')
    .description('list registered locations with their status')
    .option('--json', 'print the API answer as JSON')
    .option('--problems', 'also print every location problem as file:line:col')
    .action(async (opts: { json?: boolean; problems?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const res = await client.get<{ items: LocationView[] }>('/api/catalog/locations');
      if (opts.json) {
        printJson(res);
        return;
      }
      const now = Date.now();
      printTable(
        ['id', 'type', 'target', 'owner', 'status', 'entities', 'refreshed', 'problems'],
        res.items.map((l) => [
          l.id,
          l.type,
          l.target,
          l.owner ?? '-',
          statusText(l.status),
          String(l.entityCount),
          formatAge(l.lastRefreshedAt, now, 'never'),
          l.problems.length ? out.yellow(String(l.problems.length)) : '0',
        ]),
        'No locations. Register one with `gantry catalog import <target>`.',
        { maxCellWidth: 70 },
      );
      if (opts.problems) {
        for (const l of res.items.filter((x) => x.problems.length)) {
          print();
          print(`${out.bold(l.id)} ${l.target}`);
          for (const p of l.problems) print(`  ${renderProblem(p)}`);
        }
      }
    });

  catalog
    .command('unregister')
    .description('remove a location and every entity that came from it')
    .argument('<location-id>', 'location id (see `gantry catalog locations`)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      await client.delete(`/api/catalog/locations/${encodeURIComponent(id)}`);
      print(`Removed location ${id} and its entities.`);
    });

  catalog
    .command('list')
    .description('list entities, with filters, full-text search and ordering')
    .option('--kind <kind>', 'only this kind (alternatives with a comma: component,api)')
    .option('--filter <key=value>', 'field filter, repeatable (all must match; alternatives with a comma)', filterOption)
    .option('-q, --query <text>', 'full-text search over names, titles, descriptions and tags')
    .option('--order-by <field>', 'field path to order by (default: metadata.name)')
    .addOption(new Option('--order <dir>', 'ascending or descending').choices(['asc', 'desc']))
    .option('--limit <n>', 'at most this many entities (default: 50)', integerOption(1))
    .option('--all', 'every matching entity (follows the pages)')
    .option('--json', 'print the API answer as JSON ({ items, totalCount, nextCursor })')
    .addHelpText(
      'after',
      `
Filter keys are field paths: kind, spec.type, spec.lifecycle, spec.owner, metadata.tags,
metadata.labels.<key>, relations.ownedBy, relations.dependsOn, ...

Examples:
  $ gantry catalog list --kind component --filter spec.type=service,website
  $ gantry catalog list --filter relations.ownedBy=group:default/payments -q ledger
  $ gantry catalog list --kind api --all --json | jq -r '.items[].ref'`,
    )
    .action(
      async (
        opts: { kind?: string; filter?: string[]; query?: string; orderBy?: string; order?: string; limit?: number; all?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (opts.all && opts.limit !== undefined) throw new UsageError('choose either --all or --limit, not both');
        const client = await connect(globalsOf(cmd));
        const filter = [...(opts.kind ? [`kind=${opts.kind}`] : []), ...(opts.filter ?? [])];
        const page = await fetchEntities(
          client,
          { filter, q: opts.query, orderBy: opts.orderBy, order: opts.order },
          opts.all ? Infinity : (opts.limit ?? 50),
        );
        if (opts.json) {
          printJson(page);
          return;
        }
        printTable(['ref', 'type', 'owner', 'lifecycle', 'status'], page.items.map(entityRow), 'No entities match.');
        if (page.items.length < page.totalCount) {
          printErr(out.dim(`${page.items.length} of ${page.totalCount} entities; more with --limit N or --all`));
        } else if (page.items.length) {
          printErr(out.dim(`${page.totalCount} entit${page.totalCount === 1 ? 'y' : 'ies'}`));
        }
      },
    );

  catalog
    .command('get')
    .description('show one entity: metadata, spec, relations, source and status problems')
    .argument('<ref>', 'entity ref: kind:namespace/name, kind:name, or a name when it is unique')
    .option('--json', 'print the API answer (EntityView) as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry catalog get component:default/payments-api\n  $ gantry catalog get payments-api --json')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const entity = await client.get<EntityView>(byRefPath(await resolveRef(client, ref)));
      if (opts.json) printJson(entity);
      else printEntity(entity);
    });

  catalog
    .command('delete')
    .description('delete one entity (entities from a location come back on its next refresh unless removed there)')
    .argument('<ref>', 'entity ref: kind:namespace/name, kind:name, or a name when it is unique')
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const full = await resolveRef(client, ref);
      await client.delete(byRefPath(full));
      print(`Deleted ${full.kind}:${full.namespace}/${full.name}.`);
    });

  catalog
    .command('graph')
    .description('the relation graph around an entity, as text or Graphviz DOT')
    .argument('<ref>', 'entity ref: kind:namespace/name, kind:name, or a name when it is unique')
    .option('--depth <n>', 'how many relation hops to follow (1-4)', integerOption(1, 4), 1)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'dot']).default('text'))
    .option('--json', 'print the API answer ({ nodes, edges }) as JSON')
    .addHelpText('after', '\nExample:\n  $ gantry catalog graph system:payments --depth 2 --format dot | dot -Tpng > payments.png')
    .action(async (ref: string, opts: { depth: number; format: string; json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const full = await resolveRef(client, ref);
      const root = `${full.kind}:${full.namespace}/${full.name}`;
      const graph = await client.get<Graph>('/api/catalog/graph', { ref: root, depth: opts.depth });
      if (opts.json) printJson(graph);
      else if (opts.format === 'dot') print(graphToDot(graph, root));
      else printGraphText(graph, root);
    });

  catalog
    .command('validate')
    .description('check descriptor files offline (no server): every problem as file:line:col')
    .argument('<path...>', 'files or directories (searched recursively for *.yaml and *.yml)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Exits 1 when any error is found, 0 when every document is valid (warnings do not fail).

Examples:
  $ gantry catalog validate catalog-info.yaml
  $ gantry catalog validate ./catalog ./teams --json`,
    )
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const report = await validatePaths(paths);
      if (opts.json) printJson(report);
      else {
        for (const f of report.files) for (const p of f.problems) print(renderProblem(p));
        const s = report.summary;
        const line = `${s.files} file${s.files === 1 ? '' : 's'}, ${s.documents} document${s.documents === 1 ? '' : 's'} (${s.validDocuments} valid): ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}`;
        print(report.valid ? out.green(line) : out.red(line));
      }
      if (!report.valid) throw new SilentFailure('invalid descriptors');
    });

  return catalog;
}


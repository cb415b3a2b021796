/** `gantry template list|show`: the golden paths (software templates) the catalog holds. */
import type { Command } from 'commander';
import type { TemplateDetail, TemplateSummary } from '../../golden-paths/index.js';
import { connect, type ApiClient, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { out, print, printFields, printJson, printTable, renderTable } from '../output.js';

/** A JSON Schema as template parameter pages write it. */
export type Schema = Record<string, unknown>;

const globalsOf = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

/**
 * Reads what the user typed for a template: `name`, `namespace/name`, `template:name` or
 * `template:namespace/name`.
 */
export function parseTemplateRef(input: string): { namespace: string; name: string } {
  const m = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(input.trim());
  if (!m || !m[3]) {
    throw new UsageError(`expected a template name or ref such as node-service or template:default/node-service, found "${input}"`);
  }
  if (m[1] && m[1].toLowerCase() !== 'template') {
    throw new UsageError(`expected a template ref (template:namespace/name), found the kind "${m[1]}" in "${input}"`);
  }
  return { namespace: (m[2] ?? 'default').toLowerCase(), name: m[3] };
}

/** `GET /api/templates/{namespace}/{name}`. */
export async function fetchTemplate(client: ApiClient, input: string): Promise<TemplateDetail> {
  const { namespace, name } = parseTemplateRef(input);
  return client.get<TemplateDetail>(`/api/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
}

/** The short name people type: `hello` in the default namespace, `ns/hello` elsewhere. */
export function shortTemplateName(t: { namespace: string; name: string }): string {
  return t.namespace === 'default' ? t.name : `${t.namespace}/${t.name}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One parameter of a template, with the page it is on. */
export interface ParameterInfo {
  name: string;
  schema: Schema;
  required: boolean;
  page: number;
  pageTitle: string;
}

/**
 * Every parameter a template declares, page by page. Properties that only appear under `dependencies`,
 * `allOf`/`oneOf`/`anyOf` or `if/then/else` (Backstage's conditional fields) are included, not required.
 */
export function parametersOf(pages: Schema[]): ParameterInfo[] {
  const list: ParameterInfo[] = [];
  const seen = new Set<string>();
  pages.forEach((page, i) => {
    const pageTitle = typeof page.title === 'string' ? page.title : `Page ${i + 1}`;
    const required = new Set(Array.isArray(page.required) ? page.required.filter((r): r is string => typeof r === 'string') : []);
    const visit = (schema: unknown, top: boolean): void => {
      if (!isRecord(schema)) return;
      if (isRecord(schema.properties)) {
        for (const [name, prop] of Object.entries(schema.properties)) {
          if (seen.has(name) || !isRecord(prop)) continue;
          seen.add(name);
          list.push({ name, schema: prop, required: top && required.has(name), page: i + 1, pageTitle });
        }
      }
      for (const key of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(schema[key])) for (const s of schema[key]) visit(s, false);
      for (const key of ['then', 'else']) visit(schema[key], false);
      if (isRecord(schema.dependencies)) for (const d of Object.values(schema.dependencies)) visit(d, false);
    };
    visit(page, true);
  });
  return list;
}

/** The JSON Schema `type` of a property as a list (`["string", "null"]` stays a list; absent is empty). */
export function typesOf(schema: Schema | undefined): string[] {
  const t = schema?.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

/** A value for a terminal: strings as they are, everything else as compact JSON. */
export function showValue(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function typeText(schema: Schema): string {
  const types = typesOf(schema);
  let t = types.join('|') || (Array.isArray(schema.enum) ? 'enum' : 'any');
  if (types.includes('array') && isRecord(schema.items)) {
    const inner = typesOf(schema.items).join('|');
    if (inner) t = `${inner}[]`;
  }
  return t;
}

function allowedText(schema: Schema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(showValue).join(', ')}`;
  if (typeof schema.pattern === 'string') return `matches ${schema.pattern}`;
  const field = schema['ui:field'];
  if (typeof field === 'string') {
    const opts = isRecord(schema['ui:options']) ? schema['ui:options'] : {};
    const filter = isRecord(opts.catalogFilter) ? opts.catalogFilter : null;
    const kind = filter && typeof filter.kind === 'string' ? filter.kind : field === 'EntityPicker' ? 'Component' : 'Group';
    return /Picker$/.test(field) ? `a ${kind.toLowerCase()} in the catalog (${field})` : field;
  }
  return '';
}

function describeText(schema: Schema): string {
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  const about = [text(schema.description), text(schema['ui:help'])].filter(Boolean).join(' ');
  return [text(schema.title), about].filter(Boolean).join(': ');
}

function printTemplate(t: TemplateDetail): void {
  print(`${out.bold(t.ref)}  ${t.title}`);
  const where = t.source ? `${t.source.file ?? t.source.locationTarget}${t.source.line ? `:${t.source.line}` : ''}` : 'registered through the API';
  printFields([
    ['Description', t.description],
    ['Version', t.version],
    ['Type', t.type],
    ['Owner', t.owner ?? '-'],
    ['Tags', t.tags.join(', ')],
    ['Source', where],
  ]);

  const params = parametersOf(t.parameters);
  print();
  print(out.bold('Parameters:'));
  if (params.length === 0) print('  (none)');
  t.parameters.forEach((page, i) => {
    const onPage = params.filter((p) => p.page === i + 1);
    print(`  ${out.bold(`Page ${i + 1}`)}${typeof page.title === 'string' ? `: ${page.title}` : ''}${typeof page.description === 'string' ? ` (${page.description})` : ''}`);
    if (onPage.length === 0) {
      print('    (no fields)');
      return;
    }
    const rows = onPage.map((p) => [
      p.name,
      typeText(p.schema),
      p.required ? 'yes' : 'no',
      p.schema.default === undefined ? '-' : showValue(p.schema.default),
      allowedText(p.schema) || '-',
      describeText(p.schema),
    ]);
    for (const l of renderTable(['name', 'type', 'required', 'default', 'allowed', 'description'], rows)) print(`    ${l}`);
  });

  print();
  print(out.bold('Steps:'));
  if (t.steps.length === 0) print('  (none)');
  else {
    const rows = t.steps.map((s) => [s.id, s.action, s.name + (s.if !== undefined ? out.dim(` (if ${showValue(s.if)})`) : '') + (s.each !== undefined ? out.dim(' (for each)') : '')]);
    for (const l of renderTable(['id', 'action', 'name'], rows)) print(`  ${l}`);
  }

  print();
  print(out.bold('Outputs:'));
  const outputs = [
    ...t.output.links.map((l) => [showValue(l.title ?? 'link'), showValue(l.url ?? l.entityRef ?? '')]),
    ...t.output.text.map((x) => [showValue(x.title ?? 'text'), '(text)']),
  ];
  if (outputs.length === 0) print('  (none)');
  for (const [title, value] of outputs) print(`  ${title}: ${value}`);

  const required = params.filter((p) => p.required && p.schema.default === undefined);
  print();
  print(out.dim(`Run it: gantry create ${shortTemplateName(t)}${required.map((p) => ` --set ${p.name}=…`).join('')}   (or --dry-run first)`));
}

/** Registers `gantry template` and its subcommands. */
export function templateCommand(program: Command): Command {
  const template = program
    .command('template')
    .description('golden paths: list the software templates and show their parameters and steps')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry template list --tag python
  $ gantry template show node-service
  $ gantry create node-service --set name=orders-api --set owner=team-a --dry-run`,
    );

  template
    .command('list')
    .description('list the templates, with their version, type and owner')
    .option('--tag <tag>', 'only templates with this tag')
    .option('--owner <group>', 'only templates owned by this group, e.g. team-a or group:default/team-a')
    .option('-q, --query <text>', 'only templates whose name, title or description contains this')
    .option('--json', 'print the API answer ({ items }) as JSON')
    .action(async (opts: { tag?: string; owner?: string; query?: string; json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const res = await client.get<{ items: TemplateSummary[] }>('/api/templates', { tag: opts.tag, owner: opts.owner, q: opts.query });
      if (opts.json) {
        printJson(res);
        return;
      }
      printTable(
        ['name', 'version', 'type', 'owner', 'title', 'tags'],
        res.items.map((t) => [shortTemplateName(t), t.version, t.type || '-', t.owner ?? '-', t.title, t.tags.join(', ')]),
        opts.tag || opts.owner || opts.query ? 'No templates match.' : 'No templates. Register one with `gantry catalog import <dir>`.',
      );
    });

  template
    .command('show')
    .description('show a template: description, version, owner, parameters page by page, steps and outputs')
    .argument('<template>', 'template name or ref: node-service, default/node-service or template:default/node-service')
    .option('--json', 'print the API answer (TemplateDetail, parameters as JSON Schema) as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry template show node-service\n  $ gantry template show template:default/node-service --json')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const t = await fetchTemplate(client, ref);
      if (opts.json) printJson(t);
      else printTemplate(t);
    });

  return template;
}


/**
 * `gantry create <template>`: run a golden path. Parameter values come from `--values` files and `--set`
 * (typed by the template's JSON Schema), missing required ones are asked for on a terminal, `--dry-run`
 * shows every file and step without creating anything, and a real run follows the task's log to its end.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { parseDocument, stringify } from 'yaml';
import type { EntityPage } from '../../catalog/index.js';
import type { DryRunResult, TaskView, TemplateDetail } from '../../golden-paths/index.js';
import { connect, type ApiClient, type GlobalOptions } from '../client.js';
import { CliError, SilentFailure, UsageError } from '../errors.js';
import { err, out, print, printErr, printJson } from '../output.js';
import { failUnlessSucceeded, followTask, printTaskOutput, renderLogLine, statusText, templateLabel } from './task.js';
import { fetchTemplate, parametersOf, showValue, typesOf, type ParameterInfo, type Schema } from './template.js';

type Values = Record<string, unknown>;

/** Ctrl-C or Ctrl-D at a question: exit 130 like any interrupted command. */
class Interrupted extends CliError {
  override readonly exitCode = 130;
}

/** `--set key=value`, repeatable; the value is typed later, once the template's schema is known. */
export function assignmentOption(value: string, previous: string[] | undefined): string[] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value (e.g. name=orders-api), found "${value}".`);
  return [...(previous ?? []), value];
}

const NUMBER = /^-?(?:\d+|\d*\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Types a value typed on the command line by the parameter's schema: a string parameter takes the text as it
 * is; otherwise text starting with `[` or `{` is JSON, `true`/`false` are booleans, numbers are numbers for
 * integer/number parameters, and an array parameter also takes `a,b,c`. Anything else stays a string and
 * the server says what it expected. `where` names the value in errors (`--set name`).
 */
export function coerceValue(raw: string, schema: Schema | undefined, where: string): unknown {
  const types = typesOf(schema);
  if (types.length === 1 && types[0] === 'string') return raw;
  const t = raw.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t) as unknown;
    } catch (e) {
      throw new UsageError(`${where}: expected JSON after "${t[0]}", found ${JSON.stringify(raw)} (${(e as Error).message})`);
    }
  }
  if (types.includes('array') && !types.includes('string')) {
    const items = schema?.items !== null && typeof schema?.items === 'object' && !Array.isArray(schema.items) ? (schema.items as Schema) : undefined;
    return t === '' ? [] : t.split(',').map((part, i) => coerceValue(part.trim(), items, `${where}[${i}]`));
  }
  if ((t === 'true' || t === 'false') && (types.length === 0 || types.includes('boolean'))) return t === 'true';
  if ((types.includes('integer') || types.includes('number')) && NUMBER.test(t)) return Number(t);
  if (t === 'null' && types.includes('null')) return null;
  return raw;
}

/** Reads a `--values` file: a YAML or JSON mapping of parameter names to values. Problems say file:line:col. */
export async function readValuesFile(path: string): Promise<Values> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`--values ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const pos = first.linePos?.[0];
    const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new CliError(`${path}:${pos?.line ?? 1}:${pos?.col ?? 1}: expected YAML or JSON, found an error: ${what}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'a list' : `${typeof value} ${JSON.stringify(value)}`;
    throw new CliError(`${path}:1:1: expected a mapping of parameter names to values (name: orders-api), found ${found}`);
  }
  return value as Values;
}

/** Required parameters without a value or a default, page by page. */
export function missingRequired(params: ParameterInfo[], values: Values): ParameterInfo[] {
  return params.filter((p) => p.required && values[p.name] === undefined && p.schema.default === undefined);
}

/** Builds the parameter values from `--values` and then `--set` (which wins). */
async function collectValues(t: TemplateDetail, params: ParameterInfo[], opts: { set?: string[]; values?: string }): Promise<Values> {
  const values: Values = opts.values ? await readValuesFile(opts.values) : {};
  const byName = new Map(params.map((p) => [p.name, p]));
  for (const a of opts.set ?? []) {
    const eq = a.indexOf('=');
    const key = a.slice(0, eq);
    const p = byName.get(key);
    if (!p) {
      printErr(err.yellow(`warning: --set ${key}: ${t.name} declares no parameter "${key}" (it has ${params.map((x) => x.name).join(', ') || 'none'}); sent as given`));
    }
    values[key] = coerceValue(a.slice(eq + 1), p?.schema, `--set ${key}`);
  }
  return values;
}

// ------------------------------------------------------------------------------------------------ prompts

function isSecret(schema: Schema): boolean {
  return schema['ui:field'] === 'Secret' || schema['ui:widget'] === 'password' || schema.format === 'password';
}

/** Group names for an owner picker, to show as choices (any group the catalog has is accepted). */
async function groupChoices(client: ApiClient): Promise<string[]> {
  try {
    const page = await client.get<EntityPage>('/api/catalog/entities', { filter: 'kind=group', limit: 500 });
    return page.items.map((e) => (e.namespace === 'default' ? e.name : `${e.namespace}/${e.name}`));
  } catch {
    return []; // Only a hint: the server checks the value either way.
  }
}

/** Why an answer does not fit the schema, or null when it does (the server checks everything again). */
function localProblem(value: unknown, schema: Schema): string | null {
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `expected one of ${schema.enum.map(showValue).join(', ')}`;
  }
  const types = typesOf(schema);
  if ((types.includes('integer') || types.includes('number')) && !types.includes('string') && typeof value !== 'number') return `expected a number`;
  if (types.includes('integer') && typeof value === 'number' && !Number.isInteger(value)) return 'expected a whole number';
  if (types.includes('boolean') && types.length === 1 && typeof value !== 'boolean') return 'expected yes or no';
  if (typeof value === 'string' && typeof schema.pattern === 'string') {
    try {
      if (!new RegExp(schema.pattern, 'u').test(value)) return `expected text matching ${schema.pattern}`;
    } catch {
      // A pattern JavaScript cannot read is left to the server.
    }
  }
  return null;
}

/**
 * Asks for each missing required value on the terminal: title, description, choices and default; answers
 * are typed like `--set` values and checked against the schema before the next question. Secret fields are
 * read without echo. Ctrl-C or Ctrl-D ends the command; nothing has been created at that point.
 */
async function promptForValues(client: ApiClient, missing: ParameterInfo[], values: Values): Promise<void> {
  let muted = false;
  // readline echoes through its output; a muted pass-through hides what is typed for secrets.
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ctrl = new AbortController();
  rl.on('SIGINT', () => ctrl.abort());
  rl.on('close', () => ctrl.abort());
  let groups: string[] | null = null;
  let page = 0;
  try {
    print(out.dim(`${missing.length} required value${missing.length === 1 ? '' : 's'} missing; answer below (Ctrl-C to stop).`));
    for (const p of missing) {
      if (p.page !== page) {
        page = p.page;
        print();
        print(out.bold(p.pageTitle));
      }
      const s = p.schema;
      const title = typeof s.title === 'string' ? s.title : p.name;
      print(`${out.bold(title)}${title !== p.name ? out.dim(` (${p.name})`) : ''}`);
      for (const line of [s.description, s['ui:help']]) if (typeof line === 'string' && line) print(`  ${out.dim(line)}`);
      const choices = Array.isArray(s.enum) ? s.enum : null;
      if (choices) {
        const names = Array.isArray(s.enumNames) ? s.enumNames : [];
        choices.forEach((c, i) => print(`  ${i + 1}) ${showValue(c)}${typeof names[i] === 'string' && names[i] !== c ? out.dim(` ${names[i]}`) : ''}`));
      } else if (s['ui:field'] === 'OwnerPicker' || s['ui:field'] === 'MyGroupsPicker') {
        groups ??= await groupChoices(client);
        if (groups.length) print(`  ${out.dim(`groups: ${groups.slice(0, 40).join(', ')}${groups.length > 40 ? ', …' : ''}`)}`);
      } else if (typeof s.pattern === 'string') print(`  ${out.dim(`format: ${s.pattern}`)}`);
      const bool = typesOf(s).includes('boolean') && typesOf(s).length === 1;
      for (;;) {
        const question = `${p.name}${choices ? ` [1-${choices.length}]` : bool ? ' [y/n]' : ''}: `;
        let answer: string;
        if (isSecret(s)) {
          process.stdout.write(question);
          muted = true;
          try {
            answer = await rl.question('', { signal: ctrl.signal });
          } finally {
            muted = false;
            process.stdout.write('\n');
          }
        } else answer = await rl.question(question, { signal: ctrl.signal });
        answer = answer.trim();
        if (answer === '') {
          print(out.red('  a value is required'));
          continue;
        }
        let value: unknown;
        if (choices && /^\d+$/.test(answer) && Number(answer) >= 1 && Number(answer) <= choices.length) value = choices[Number(answer) - 1];
        else if (bool && /^(y|yes|n|no)$/i.test(answer)) value = /^y/i.test(answer);
        else {
          try {
            value = coerceValue(answer, s, p.name);
          } catch (e) {
            print(out.red(`  ${(e as Error).message}`));
            continue;
          }
        }
        const problem = localProblem(value, s);
        if (problem) {
          print(out.red(`  ${problem}, found ${JSON.stringify(value)}`));
          continue;
        }
        values[p.name] = value;
        break;
      }
    }
    print();
  } catch (e) {
    if (ctrl.signal.aborted) {
      print();
      throw new Interrupted('stopped at a question; nothing was created');
    }
    throw e;
  } finally {
    rl.close();
  }
}

// ------------------------------------------------------------------------------------------------ dry run

function sizeText(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function indented(text: string, indent: string): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.map((l) => (l === '' ? '' : indent + l));
}

function printDryRun(r: DryRunResult): void {
  print(out.bold(`Files (${r.files.length}):`));
  if (r.files.length === 0) print('  (none)');
  for (const f of r.files) {
    const notes = [sizeText(f.size), ...(f.executable ? ['executable'] : [])];
    print(`  ${out.bold(f.path)}  ${out.dim(notes.join(', '))}`);
    if (f.content === null) print(`    ${out.yellow('(binary, or larger than 256 KiB: content not shown)')}`);
    else if (f.content === '') print(`    ${out.dim('(empty)')}`);
    else for (const l of indented(f.content, '      ')) print(l);
  }

  print();
  print(out.bold('Steps:'));
  const idWidth = Math.max(0, ...r.steps.map((s) => s.id.length));
  const actionWidth = Math.max(0, ...r.steps.map((s) => s.action.length));
  for (const s of r.steps) {
    // Padded by hand: the colour codes have no width. 9 is the longest status ("succeeded").
    const status = statusText(s.status) + ' '.repeat(Math.max(0, 9 - s.status.length));
    print(`  ${out.bold(s.id.padEnd(idWidth))}  ${s.action.padEnd(actionWidth)}  ${status}  ${s.name}`);
    if (s.input !== undefined && s.input !== null && s.status !== 'skipped') {
      print(`    ${out.dim('input:')}`);
      for (const l of indented(stringify(s.input, { lineWidth: 0 }), '      ')) print(l);
    }
    // The step's start line repeats its heading, and a failed step's error is printed once, below.
    const started = `${s.name} (${s.action})`;
    for (const l of r.log.filter((x) => x.stepId === s.id && x.message !== s.error && x.message !== started)) print(`    ${renderLogLine(l, out, false).replace(`[${s.id}] `, '')}`);
    if (s.error) print(`    ${out.red(s.error)}`);
  }

  print();
  print(out.bold('Plan:'));
  if (r.plan.repos.length === 0 && r.plan.entities.length === 0) print('  would create nothing outside the task');
  for (const repo of r.plan.repos) print(`  would create repository ${repo}`);
  for (const e of r.plan.entities) print(`  would register entity ${e}`);
  if (r.output && (r.output.links.length || r.output.text.length)) {
    print();
    print(out.bold('Output (as a real run would show it):'));
    printTaskOutput(r.output, '  ');
  }
}

// --------------------------------------------------------------------------------------------- the command

interface CreateOptions {
  set?: string[];
  values?: string;
  dryRun?: boolean;
  wait: boolean;
  json?: boolean;
}

/** Registers `gantry create`. */
export function createCommand(program: Command): Command {
  return program
    .command('create')
    .description('run a golden path (template): create a repository, its catalog entity and whatever else it sets up')
    .argument('<template>', 'template name or ref (see `gantry template list`)')
    .option('--set <key=value>', 'a parameter value, repeatable; typed by the template (see below)', assignmentOption)
    .option('--values <file>', 'parameter values from a YAML or JSON file (--set wins over it)')
    .option('--dry-run', 'show every file (with contents) and step the run would make; creates nothing')
    .option('--no-wait', 'queue the task, print its id and return without following its log')
    .option('--json', 'print the API answer as JSON: the finished task, the queued one with --no-wait, or the dry run')
    .addHelpText(
      'after',
      `
Values: a string parameter takes the text as it is; otherwise true/false are booleans, numbers are numbers for
integer/number parameters, text starting with [ or { is JSON, and a list parameter also takes a,b,c.
Required values that are missing are asked for when stdin and stdout are a terminal; otherwise the command
stops with exit 2 and names every missing one.

The task's log is followed on stderr ([step] message); its output links go to stdout. Exit 0 when it
succeeded, 1 when it failed or was cancelled (with the step and why). Ctrl-C stops following; the task goes on.

Examples:
  $ gantry create node-service --set name=orders-api --set owner=team-a --dry-run
  $ gantry create node-service --values orders.yaml --set description="Takes orders"
  $ gantry create node-service --values orders.yaml --no-wait`,
    )
    .action(async (templateArg: string, opts: CreateOptions, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const t = await fetchTemplate(client, templateArg);
      const params = parametersOf(t.parameters);
      const values = await collectValues(t, params, opts);

      const missing = missingRequired(params, values);
      if (missing.length > 0) {
        if (process.stdin.isTTY && process.stdout.isTTY) await promptForValues(client, missing, values);
        else {
          throw new UsageError(`${t.name} needs ${missing.length === 1 ? 'a value' : 'values'} for ${missing.map((p) => p.name).join(', ')}`, {
            hints: missing.map((p) => {
              const title = typeof p.schema.title === 'string' ? ` (${p.schema.title})` : '';
              return `parameters.${p.name}${title}: expected a value (required); add --set ${p.name}=VALUE`;
            }),
          });
        }
      }

      if (opts.dryRun) {
        const r = await client.post<DryRunResult>(`/api/templates/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.name)}/dry-run`, { parameters: values });
        if (opts.json) printJson(r);
        else printDryRun(r);
        if (!r.ok) {
          const where = r.error?.stepId ? ` at step ${r.error.stepId}` : '';
          printErr(err.red(`error: the dry run failed${where}: ${r.error?.message ?? 'no reason given'}`));
          throw new SilentFailure('dry run failed');
        }
        printErr(`Dry run of ${t.name}@${t.version}: nothing was created.`);
        return;
      }

      const task = await client.post<TaskView>('/api/tasks', { templateRef: t.ref, parameters: values });
      if (!opts.wait) {
        if (opts.json) printJson(task);
        else print(task.id);
        printErr(`Task ${task.id} ${task.status} (${templateLabel(task)}). Follow it: gantry task logs ${task.id} -f`);
        return;
      }
      printErr(err.dim(`Task ${task.id} (${templateLabel(task)}) ${task.status}; following its log. Ctrl-C stops following, not the task.`));
      const finished = await followTask(client, task.id, { onLine: (l) => printErr(renderLogLine(l, err, false)) });
      if (opts.json) printJson(finished);
      if (finished.status === 'succeeded') {
        printErr(err.green(`Task ${finished.id} succeeded.`));
        if (!opts.json) printTaskOutput(finished.output);
      }
      failUnlessSucceeded(finished);
    });
}

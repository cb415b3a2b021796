/** `gantry task list|show|logs|cancel`: scaffolder tasks (runs of a golden path) and their logs. */
import { Option, type Command } from 'commander';
import type { TaskLogLine, TaskStatus, TaskView } from '../../golden-paths/index.js';
import { connect, type ApiClient, type GlobalOptions } from '../client.js';
import { followUntilDone } from '../follow.js';
import { SilentFailure } from '../errors.js';
import { integerOption } from '../options.js';
import { err, formatAge, formatDuration, out, print, printErr, printFields, printJson, printTable, type Styles } from '../output.js';
import type { WhoAmI } from './login.js';

const globalsOf = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'cancelled']);
const STATUSES: TaskStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
/** Log lines asked for per request; a page this full means there may be more right away. */
const LOG_PAGE = 1000;
export { StoppedFollowing } from '../follow.js';

function taskPath(id: string, rest = ''): string {
  return `/api/tasks/${encodeURIComponent(id)}${rest}`;
}

/** `hello@1.2.0` for `template:default/hello` version 1.2.0 (the provenance annotation's form). */
export function templateLabel(t: Pick<TaskView, 'templateRef' | 'templateVersion'>): string {
  const name = t.templateRef.replace(/^template:/, '').replace(/^default\//, '');
  return `${name}@${t.templateVersion}`;
}

export function statusText(status: string, styles: Styles = out): string {
  if (status === 'succeeded') return styles.green(status);
  if (status === 'failed') return styles.red(status);
  if (status === 'cancelled' || status === 'skipped') return styles.yellow(status);
  if (status === 'running') return styles.cyan(status);
  return status;
}

function durationOf(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return '-';
  const ms = (end ? Date.parse(end) : now) - Date.parse(start);
  if (Number.isNaN(ms)) return '-';
  return end ? formatDuration(ms) : `${formatDuration(ms)}…`;
}

/** `[step] message`, red when the line is an error; what `create` prints while it follows a task. */
export function renderLogLine(l: TaskLogLine, styles: Styles, withTime: boolean): string {
  const time = withTime ? `${styles.dim(l.at.replace(/^\d{4}-\d\d-\d\dT/, ''))} ` : '';
  const text = `[${l.stepId ?? 'task'}] ${l.message}`;
  return time + (l.level === 'error' ? styles.red(text) : text);
}

/** Every log line after `after`, following the pages. */
async function fetchLogs(client: ApiClient, id: string, after: number): Promise<TaskLogLine[]> {
  const all: TaskLogLine[] = [];
  for (;;) {
    const page = await client.get<{ items: TaskLogLine[] }>(taskPath(id, '/logs'), { after, limit: LOG_PAGE });
    all.push(...page.items);
    const last = page.items.at(-1);
    if (page.items.length < LOG_PAGE || !last) return all;
    after = last.seq;
  }
}

export interface FollowOptions {
  /** Lines with a sequence number above this are shown (0: from the start). */
  after?: number;
  onLine(line: TaskLogLine): void;
}

/**
 * Follows a task until it ends: its new log lines as they arrive, then the finished task. Polls the API
 * (`/api/tasks/{id}` then `/logs?after=`), which is what the SSE stream does on the server too, and reading
 * the status before the logs means the last lines are always printed. A server that stops answering is
 * retried for a while (a restart must not lose the user's place). Ctrl-C stops following, not the task
 * (`StoppedFollowing`, after saying how to follow again).
 */
export async function followTask(client: ApiClient, id: string, opts: FollowOptions): Promise<TaskView> {
  return followUntilDone<TaskView, TaskLogLine>({
    poll: async (after) => ({ current: await client.get<TaskView>(taskPath(id)), items: await fetchLogs(client, id, after) }),
    done: (task) => TERMINAL.has(task.status),
    onItem: opts.onLine,
    ...(opts.after !== undefined ? { after: opts.after } : {}),
    stopped: { what: `task ${id}`, follow: `gantry task logs ${id} -f`, cancel: `gantry task cancel ${id}` },
  });
}

/** Output links and texts of a finished task: `Title: url-or-ref`. */
export function printTaskOutput(output: TaskView['output'], indent = ''): void {
  for (const l of output?.links ?? []) {
    const target = typeof l.url === 'string' ? l.url : typeof l.entityRef === 'string' ? l.entityRef : '';
    print(`${indent}${typeof l.title === 'string' ? l.title : 'Link'}: ${target}`);
  }
  for (const t of output?.text ?? []) {
    const content = typeof t.content === 'string' ? t.content : JSON.stringify(t.content);
    const lines = content.replace(/\s+$/, '').split('\n');
    if (lines.length === 1) print(`${indent}${typeof t.title === 'string' ? t.title : 'Text'}: ${content}`);
    else {
      print(`${indent}${typeof t.title === 'string' ? t.title : 'Text'}:`);
      for (const line of lines) print(line.trim() === '' ? '' : `${indent}  ${line}`);
    }
  }
}

/**
 * Says on stderr why a task did not succeed and fails with exit 1; does nothing for a task that succeeded.
 * `--json` callers have already printed the task.
 */
export function failUnlessSucceeded(task: TaskView): void {
  if (task.status === 'succeeded') return;
  const step = task.error?.stepId ? task.steps.find((s) => s.id === task.error!.stepId) : undefined;
  const where = step ? ` at step ${step.id} (${step.name})` : task.error?.stepId === '' ? ' before it started' : '';
  const why = task.error?.message ? `: ${task.error.message}` : '';
  printErr(err.red(`error: task ${task.id} ${task.status === 'cancelled' ? 'was cancelled' : task.status}${where}${why}`));
  printErr(`  The whole log: gantry task logs ${task.id}`);
  throw new SilentFailure(`task ${task.status}`);
}

function printTask(t: TaskView): void {
  const now = Date.now();
  print(`${out.bold(`Task ${t.id}`)}  ${statusText(t.status)}${t.cancelRequested && !TERMINAL.has(t.status) ? out.yellow(' (cancel requested)') : ''}`);
  printFields([
    ['Template', `${t.templateTitle} (${t.templateRef}, version ${t.templateVersion})`],
    ['Created by', t.createdBy],
    ['Created', `${t.createdAt} (${formatAge(t.createdAt, now)})`],
    ['Started', t.startedAt],
    ['Finished', t.finishedAt],
    ['Duration', t.startedAt ? durationOf(t.startedAt, t.finishedAt, now) : null],
  ]);
  const params = Object.entries(t.parameters);
  if (params.length) {
    print(out.bold('Parameters:'));
    printFields(params.map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]), '  ', false);
  }
  print(out.bold('Steps:'));
  if (t.steps.length === 0) print('  (none)');
  const width = Math.max(...t.steps.map((s) => s.id.length), 0);
  for (const s of t.steps) {
    const duration = s.startedAt && s.finishedAt ? out.dim(` ${durationOf(s.startedAt, s.finishedAt)}`) : '';
    // 9: the longest status ("succeeded", "cancelled"); padded by hand as the colour codes have no width.
    print(`  ${s.id.padEnd(width)}  ${statusText(s.status)}${' '.repeat(Math.max(0, 9 - s.status.length))}  ${s.name} (${s.action})${duration}`);
    if (s.error) print(`  ${' '.repeat(width)}  ${out.red(s.error)}`);
  }
  if (t.error) print(`${out.bold('Error:')} ${out.red(`${t.error.stepId ? `${t.error.stepId}: ` : ''}${t.error.message}`)}`);
  if (t.output && (t.output.links.length || t.output.text.length)) {
    print(out.bold('Output:'));
    printTaskOutput(t.output, '  ');
  }
  if (t.resources.length) {
    print(out.bold('Resources:'));
    for (const r of t.resources) {
      const what =
        r.type === 'repo' ? `repository ${r.name}` : r.type === 'location' ? `catalog location ${r.id}` : r.type === 'github-repo' ? `GitHub repository ${r.fullName}` : `GitLab project ${r.id}`;
      print(`  ${what}${r.kept ? out.dim(' (kept on failure)') : ''}`);
    }
  }
}

/** Registers `gantry task` and its subcommands. */
export function taskCommand(program: Command): Command {
  const task = program
    .command('task')
    .description('scaffolder tasks (runs of a golden path): list them, show one, read or follow its log, cancel it')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry task list --mine --status running
  $ gantry task show 01JA2B3C4D5E
  $ gantry task logs 01JA2B3C4D5E -f
  $ gantry task cancel 01JA2B3C4D5E`,
    );

  task
    .command('list')
    .description('list tasks, newest first')
    .addOption(new Option('--status <status>', 'only tasks with this status').choices(STATUSES))
    .option('--mine', 'only tasks you created')
    .option('--created-by <user>', 'only tasks this user created, e.g. user:default/jane')
    .option('--limit <n>', 'at most this many tasks (1-500, default 50)', integerOption(1, 500))
    .option('--json', 'print the API answer ({ items }) as JSON')
    .action(async (opts: { status?: string; mine?: boolean; createdBy?: string; limit?: number; json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      let createdBy = opts.createdBy;
      if (opts.mine) {
        const me = await client.get<WhoAmI>('/api/whoami');
        if (createdBy && createdBy.toLowerCase() !== me.userRef) {
          printErr(err.yellow(`warning: --mine means ${me.userRef}; --created-by ${createdBy} is ignored`));
        }
        createdBy = me.userRef;
      }
      const res = await client.get<{ items: TaskView[] }>('/api/tasks', { status: opts.status, createdBy, limit: opts.limit });
      if (opts.json) {
        printJson(res);
        return;
      }
      const now = Date.now();
      printTable(
        ['id', 'template', 'status', 'created by', 'age', 'duration'],
        res.items.map((t) => [t.id, templateLabel(t), statusText(t.status), t.createdBy, formatAge(t.createdAt, now), durationOf(t.startedAt, t.finishedAt, now)]),
        opts.status || createdBy ? 'No tasks match.' : 'No tasks yet. Start one with `gantry create <template>`.',
      );
    });

  task
    .command('show')
    .description('show a task: status, each step with its status and error, output links, what it created')
    .argument('<id>', 'task id (see `gantry task list`)')
    .option('--json', 'print the API answer (TaskView) as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const t = await client.get<TaskView>(taskPath(id));
      if (opts.json) printJson(t);
      else printTask(t);
    });

  task
    .command('logs')
    .description("print a task's log (time [step] message); -f follows it until the task ends")
    .argument('<id>', 'task id (see `gantry task list`)')
    .option('-f, --follow', 'keep printing new lines until the task ends; exit 1 if it failed or was cancelled')
    .option('--json', 'print the lines as JSON: { items } at once, or one JSON object per line with --follow')
    .addHelpText(
      'after',
      `
Ctrl-C stops following; the task goes on (cancel it with \`gantry task cancel <id>\`).

Examples:
  $ gantry task logs 01JA2B3C4D5E
  $ gantry task logs 01JA2B3C4D5E -f
  $ gantry task logs 01JA2B3C4D5E --json | jq -r '.items[].message'`,
    )
    .action(async (id: string, opts: { follow?: boolean; json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      if (!opts.follow) {
        const items = await fetchLogs(client, id, 0);
        if (opts.json) printJson({ items });
        else if (items.length === 0) printErr('No log lines yet.');
        else for (const l of items) print(renderLogLine(l, out, true));
        return;
      }
      const finished = await followTask(client, id, {
        onLine: (l) => print(opts.json ? JSON.stringify(l) : renderLogLine(l, out, true)),
      });
      printErr(`Task ${finished.id} ${statusText(finished.status, err)}${finished.startedAt ? ` in ${durationOf(finished.startedAt, finished.finishedAt)}` : ''}.`);
      failUnlessSucceeded(finished);
    });

  task
    .command('cancel')
    .description('cancel a task (its creator or an admin): a queued one at once, a running one at its next check')
    .argument('<id>', 'task id (see `gantry task list`)')
    .option('--json', 'print the API answer (TaskView) as JSON')
    .addHelpText('after', '\nWhat a cancelled task created is removed. A task that has finished cannot be cancelled (exit 1).')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const t = await client.post<TaskView>(taskPath(id, '/cancel'));
      if (opts.json) {
        printJson(t);
        return;
      }
      if (TERMINAL.has(t.status)) print(`Task ${t.id}: ${statusText(t.status)}.`);
      else {
        print(`Task ${t.id}: ${statusText(t.status)}, cancel requested; it stops at its next check and removes what it created.`);
        printErr(`  Watch it end: gantry task logs ${t.id} -f`);
      }
    });

  return task;
}

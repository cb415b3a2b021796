/**
 * `gantry pipeline run|list|show|logs|cancel|rerun` (runs on the platform, through the API) and
 * `gantry pipeline render|validate|export` (offline, with the pipeline model; `render --repo` asks the server).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Problem } from '../../core/errors.js';
import type { ArtifactView, FindingView, JobView, LogChunk, model, RunDetail, RunStatus, RunView, StepView } from '../../pipelines/index.js';
import { connect, type ApiClient, type GlobalOptions } from '../client.js';
import { followUntilDone } from '../follow.js';
import { CliError, SilentFailure, UsageError } from '../errors.js';
import { integerOption } from '../options.js';
import { err, formatAge, formatDuration, out, print, printErr, printFields, printJson, printTable, renderProblem, type Styles } from '../output.js';
import { statusText } from './task.js';

type EffectivePipeline = model.EffectivePipeline;

const globalsOf = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

const TERMINAL: ReadonlySet<string> = new Set<RunStatus>(['succeeded', 'failed', 'cancelled']);
const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
/** Job and step states after which nothing changes. */
const SETTLED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'timed_out']);
/** The file `render`, `validate` and `export` read when given none: model.PIPELINE_FILE, written out so the
 * commands that only talk to the server do not load the pipeline model. */
const DEFAULT_FILE = '.gantry/pipeline.yaml';
/** Chunks asked for per request; a page this full means there may be more right away. */
const LOG_PAGE = 1000;

function runPath(id: string, rest = ''): string {
  return `/api/pipelines/runs/${encodeURIComponent(id)}${rest}`;
}

function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/** `1.2 s`, or `1.2 s…` while it is still going; `-` before it started. */
function durationOf(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return '-';
  const ms = (end ? Date.parse(end) : now) - Date.parse(start);
  if (Number.isNaN(ms)) return '-';
  return end ? formatDuration(ms) : `${formatDuration(ms)}…`;
}

/** Job and step states have more values than tasks (`timed_out`); colour them the same way. */
function stateText(status: string, styles: Styles = out): string {
  return status === 'timed_out' ? styles.red(status) : statusText(status, styles);
}

// ------------------------------------------------------------------------------------------------ following

/** Every output chunk after `after` (of one job when given), following the pages. */
async function fetchLogs(client: ApiClient, id: string, after: number, jobId?: string): Promise<LogChunk[]> {
  const all: LogChunk[] = [];
  for (;;) {
    const page = await client.get<{ items: LogChunk[] }>(runPath(id, '/logs'), { after, job: jobId, limit: LOG_PAGE });
    all.push(...page.items);
    const last = page.items.at(-1);
    if (page.items.length < LOG_PAGE || !last) return all;
    after = last.seq;
  }
}

/**
 * Writes raw output chunks with `[job] ` at the start of every line. Chunks are pieces of a stream, not lines:
 * a line another job or step interrupts is ended first, so every line says whose it is.
 */
export class LogPrinter {
  #open: { jobId: string; stepId: string } | null = null;
  readonly #write: (text: string) => void;
  readonly #prefix: boolean;
  readonly #styles: Styles;

  constructor(write: (text: string) => void, opts: { prefix: boolean; styles: Styles }) {
    this.#write = write;
    this.#prefix = opts.prefix;
    this.#styles = opts.styles;
  }

  chunk(c: Pick<LogChunk, 'jobId' | 'stepId' | 'chunk'>): void {
    if (c.chunk === '') return;
    if (this.#open && (this.#open.jobId !== c.jobId || this.#open.stepId !== c.stepId)) this.endLine();
    const label = this.#prefix ? this.#styles.dim(`[${c.jobId}] `) : '';
    const lines = c.chunk.split('\n');
    let text = '';
    lines.forEach((piece, i) => {
      const last = i === lines.length - 1;
      if (last && piece === '') return; // the chunk ended with a newline
      text += (i > 0 || !this.#open ? label : '') + piece + (last ? '' : '\n');
    });
    this.#write(text);
    this.#open = c.chunk.endsWith('\n') ? null : { jobId: c.jobId, stepId: c.stepId };
  }

  /** Ends a line left open (before a status line, or at the end). */
  endLine(): void {
    if (!this.#open) return;
    this.#write('\n');
    this.#open = null;
  }
}

/** `✓ test (2.1 s)`, `✗ build: step-1 (npm test) exited with code 1`, `- deploy: skipped (...)`. */
export function renderJobStatus(j: JobView, styles: Styles): string {
  const facts = [j.startedAt && j.finishedAt ? durationOf(j.startedAt, j.finishedAt) : null, j.cacheHit === null ? null : j.cacheHit ? 'cache hit' : 'cache miss'].filter(Boolean);
  const time = facts.length ? ` (${facts.join(', ')})` : '';
  if (j.status === 'succeeded') return styles.green(`✓ ${j.id}${time}`);
  if (j.status === 'skipped') return styles.dim(`- ${j.id}: skipped${j.reason ? ` (${j.reason})` : ''}`);
  if (j.status === 'cancelled') return styles.yellow(`✗ ${j.id}: cancelled${j.reason ? ` (${j.reason})` : ''}`);
  return styles.red(`✗ ${j.id}: ${j.reason ?? j.status}${time}`);
}

/** `  ✓ test › Unit tests (0.3 s)`, `  ✗ test › Unit tests: exited with code 1 (0.3 s)`. */
export function renderStepStatus(j: JobView, s: StepView, styles: Styles): string {
  const what = `${j.id} › ${s.name}`;
  const time = s.durationMs !== null ? ` (${formatDuration(s.durationMs)})` : '';
  if (s.status === 'succeeded') return `  ${styles.green('✓')} ${what}${styles.dim(time)}`;
  if (s.status === 'skipped') return styles.dim(`  - ${what}: skipped${s.reason ? ` (${s.reason})` : ''}`);
  if (s.status === 'cancelled') return `  ${styles.yellow('✗')} ${what}: ${styles.yellow(s.reason ?? 'cancelled')}`;
  return `  ${styles.red('✗')} ${what}: ${styles.red(s.reason ?? (s.status === 'timed_out' ? 'timed out' : s.exitCode !== null ? `exit ${s.exitCode}` : s.status))}${styles.dim(time)}`;
}

export interface FollowOptions {
  /** Chunks with a sequence number above this are shown (0: from the start). */
  after?: number;
  /** Only this job's output. */
  jobId?: string;
  onChunk(chunk: LogChunk): void;
  /** Called with each poll's run after its output was passed to onChunk. */
  onRun?(run: RunDetail): void;
}

/**
 * Follows a run until it ends: its new output as it arrives, then the finished run. Polls the API
 * (`/runs/{id}` then `/logs?after=`, what the SSE stream does on the server too); reading the run before the
 * output means the last chunks are always printed. A server that stops answering is retried for a while.
 * Ctrl-C stops following, not the run (`StoppedFollowing`, exit 130, after saying how to follow again).
 */
export async function followRun(client: ApiClient, id: string, opts: FollowOptions): Promise<RunDetail> {
  return followUntilDone<RunDetail, LogChunk>({
    poll: async (after) => ({ current: await client.get<RunDetail>(runPath(id)), items: await fetchLogs(client, id, after, opts.jobId) }),
    done: (run) => TERMINAL.has(run.status),
    onItem: opts.onChunk,
    ...(opts.onRun ? { onPoll: opts.onRun } : {}),
    ...(opts.after !== undefined ? { after: opts.after } : {}),
    stopped: { what: `run ${id}`, follow: `gantry pipeline logs ${id} -f`, cancel: `gantry pipeline cancel ${id}` },
  });
}

/**
 * Prints, on stderr, what changed in a run since the last call: the run starting, and each step and job that
 * settled (a step's verdict comes after its output). The first call reports everything already settled.
 */
function statusReporter(styles: Styles, beforeLine: () => void): (run: RunDetail) => void {
  const seen = new Map<string, string>();
  let started = false;
  return (run) => {
    const lines: string[] = [];
    if (!started && run.status !== 'queued') {
      started = true;
      if (run.runner) lines.push(styles.dim(`Run ${run.id} started on runner ${run.runner}.`));
    }
    for (const j of run.jobs) {
      for (const s of j.steps) {
        const key = `${j.id}\0${s.id}`;
        if (seen.get(key) === s.status) continue;
        seen.set(key, s.status);
        if (SETTLED.has(s.status)) lines.push(renderStepStatus(j, s, styles));
      }
      if (seen.get(j.id) === j.status) continue;
      seen.set(j.id, j.status);
      if (SETTLED.has(j.status)) lines.push(renderJobStatus(j, styles));
    }
    if (lines.length === 0) return;
    beforeLine();
    for (const l of lines) printErr(l);
  };
}

/** Prints a run's file problems (`file:line:column: message`) on the given stream. */
function printProblems(problems: Problem[], file: string, write: (line: string) => void, styles: Styles): void {
  for (const p of problems) write(`  ${renderProblem(withPosition(p, file), styles)}`);
}

/**
 * Says on stderr how a run ended and fails with exit 1 unless it succeeded. `--json` callers have already
 * printed the run on stdout.
 */
function finishFollowing(run: RunDetail): void {
  if (run.status === 'succeeded') {
    printErr(err.green(`Run ${run.id} succeeded${run.durationMs !== null ? ` in ${formatDuration(run.durationMs)}` : ''}.`));
    return;
  }
  const how = run.status === 'cancelled' ? 'was cancelled' : run.status;
  printErr(err.red(`error: run ${run.id} ${how}${run.reason ? `: ${run.reason}` : ''}`));
  if (run.problems.length) printProblems(run.problems, DEFAULT_FILE, printErr, err);
  printErr(`  The whole log: gantry pipeline logs ${run.id}`);
  throw new SilentFailure(`run ${run.status}`);
}

interface FollowOutput {
  /** Output to stderr (and the finished run as JSON on stdout). */
  json?: boolean;
  jobId?: string;
  after?: number;
}

/** Follows a run to its end, printing its output and status changes; exit 1 unless it succeeded. */
async function followToEnd(client: ApiClient, id: string, o: FollowOutput): Promise<void> {
  const toStderr = Boolean(o.json);
  const styles = toStderr ? err : out;
  const logs = new LogPrinter((t) => (toStderr ? process.stderr : process.stdout).write(t), { prefix: !o.jobId, styles });
  const report = statusReporter(err, () => logs.endLine());
  const run = await followRun(client, id, { after: o.after, jobId: o.jobId, onChunk: (c) => logs.chunk(c), onRun: report });
  logs.endLine();
  if (o.json) printJson(run);
  finishFollowing(run);
}

// ------------------------------------------------------------------------------------------------ run views

function printRun(r: RunDetail, findings: FindingView[], artifacts: ArtifactView[]): void {
  const now = Date.now();
  const cancel = r.cancelRequested && !TERMINAL.has(r.status) ? out.yellow(' (cancel requested)') : '';
  print(`${out.bold(`Run ${r.id}`)}  ${statusText(r.status)}${cancel}`);
  printFields([
    ['Repository', r.repo],
    ['Branch', r.branch],
    ['Commit', r.sha],
    ['Component', r.componentRef],
    ['Event', `${r.event} by ${r.actor}`],
    ['Pipeline', r.pipeline ? `${r.pipeline.name}${r.pipeline.extends ? ` (extends ${r.pipeline.extends})` : ''}` : null],
    ['Labels', r.labels.length ? r.labels.join(', ') : null],
    ['Created', `${r.createdAt} (${formatAge(r.createdAt, now)})`],
    ['Started', r.startedAt],
    ['Finished', r.finishedAt],
    ['Duration', r.startedAt ? durationOf(r.startedAt, r.finishedAt, now) : null],
    ['Runner', r.runner ? `${r.runner}${r.attempt > 1 ? ` (attempt ${r.attempt}: an earlier runner was lost)` : ''}` : null],
    ['Reason', r.reason],
  ]);
  print(out.bold('Jobs:'));
  if (r.jobs.length === 0) print('  (none)');
  const width = Math.max(0, ...r.jobs.map((j) => j.id.length));
  const stepWidth = Math.max(0, ...r.jobs.flatMap((j) => j.steps.map((s) => s.id.length)));
  for (const j of r.jobs) {
    const facts = [
      j.startedAt ? durationOf(j.startedAt, j.finishedAt, now) : null,
      j.cacheHit === null ? null : j.cacheHit ? 'cache hit' : 'cache miss',
      j.required ? `required by ${j.origin}` : null,
      j.needs.length ? `needs ${j.needs.join(', ')}` : null,
    ].filter(Boolean);
    // 9: the longest status ("succeeded", "cancelled", "timed_out"); padded by hand as colour codes have no width.
    print(`  ${j.id.padEnd(width)}  ${stateText(j.status)}${' '.repeat(Math.max(0, 9 - j.status.length))}  ${out.dim(facts.join(', '))}`.trimEnd());
    if (j.reason) print(`  ${' '.repeat(width)}  ${j.status === 'failed' ? out.red(j.reason) : j.reason}`);
    for (const s of j.steps) {
      const exit = s.exitCode !== null && s.exitCode !== 0 ? `, exit ${s.exitCode}` : '';
      const time = s.durationMs !== null ? out.dim(` (${formatDuration(s.durationMs)}${exit})`) : exit ? out.dim(` (${exit.slice(2)})`) : '';
      print(`    ${s.id.padEnd(stepWidth)}  ${stateText(s.status)}${' '.repeat(Math.max(0, 9 - s.status.length))}  ${s.name}${time}`);
      if (s.reason && s.status !== 'succeeded') print(`    ${' '.repeat(stepWidth)}  ${s.status === 'skipped' ? s.reason : out.red(s.reason)}`);
    }
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const findingText = findings.length === 0 ? 'none' : `${findings.length} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${findings.length - errors - warnings} info)`;
  printFields([
    ['Findings', findingText],
    ['Artifacts', artifacts.length ? `${artifacts.length} (${artifacts.map((a) => `${a.jobId}: ${a.path}`).join(', ')})` : 'none'],
  ]);
  if (r.problems.length) {
    print(out.bold('Problems:'));
    printProblems(r.problems, DEFAULT_FILE, print, out);
  }
}

function printRunList(items: RunView[], emptyNote: string): void {
  const now = Date.now();
  printTable(
    ['id', 'repo', 'branch', 'sha', 'event', 'status', 'duration', 'age'],
    items.map((r) => [r.id, r.repo, r.branch, shortSha(r.sha), r.event, statusText(r.status), durationOf(r.startedAt, r.finishedAt, now), formatAge(r.createdAt, now)]),
    emptyNote,
  );
}

/** After a run was queued: its id (or JSON) for scripts, or its output followed to the end. */
async function afterQueued(client: ApiClient, run: RunView, opts: { wait: boolean; json?: boolean }, rerunOf?: string): Promise<void> {
  const where = `${rerunOf ? `re-run of ${rerunOf}, ` : ''}${run.repo} ${run.branch}@${shortSha(run.sha)}`;
  if (!opts.wait) {
    if (opts.json) printJson(run);
    else print(run.id);
    printErr(`Run ${run.id} ${run.status} (${where}). Follow it: gantry pipeline logs ${run.id} -f`);
    if (TERMINAL.has(run.status) && run.status !== 'succeeded') {
      if (run.problems.length) printProblems(run.problems, DEFAULT_FILE, printErr, err);
      throw new SilentFailure(`run ${run.status}`);
    }
    return;
  }
  printErr(err.dim(`Run ${run.id} (${where}) ${run.status}; following it. Ctrl-C stops following, not the run.`));
  await followToEnd(client, run.id, { json: opts.json });
}

// ------------------------------------------------------------------------------------------------ offline

/** A problem always points somewhere a person can open: its position, else the start of the file. */
function withPosition(p: Problem, file: string): Problem {
  return p.position ? p : { ...p, position: { file, line: 1, column: 1 } };
}

interface Resolved {
  file: string;
  pipeline: EffectivePipeline | null;
  problems: Problem[];
}

/** Reads and resolves a pipeline file with the model (no server); an unreadable file is a problem too. */
async function resolveFile(file: string): Promise<Resolved> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `expected a pipeline file, found nothing at ${file}${file === DEFAULT_FILE ? ' (run this in a repository, or name the file)' : ''}`
        : `cannot read the file: ${(e as Error).message}`;
    return { file, pipeline: null, problems: [{ code: code === 'ENOENT' ? 'not_found' : 'unreadable', path: '', severity: 'error', message, position: { file, line: 1, column: 1 } }] };
  }
  const { model } = await import('../../pipelines/index.js');
  const r = model.resolvePipelineText(text, file);
  const problems = r.problems.map((p) => withPosition(p, file));
  const failed = problems.some((p) => p.severity !== 'warning');
  return { file, pipeline: failed ? null : (r.pipeline ?? null), problems };
}

function errorCount(problems: Problem[]): number {
  return problems.filter((p) => p.severity !== 'warning').length;
}

/**
 * For render and export: warnings are printed and the work goes on; errors are printed (every one) and the
 * command ends with exit 1.
 */
function requirePipeline(r: Resolved): EffectivePipeline {
  for (const p of r.problems) printErr(renderProblem(p, err));
  if (!r.pipeline) {
    const n = errorCount(r.problems);
    printErr(err.red(`error: ${r.file} has ${n} problem${n === 1 ? '' : 's'}; nothing was written`));
    throw new SilentFailure('invalid pipeline');
  }
  return r.pipeline;
}

const TARGETS = ['github-actions', 'gitlab-ci'] as const;
type Target = (typeof TARGETS)[number];

// ------------------------------------------------------------------------------------------------ the commands

interface ListOptions {
  repo?: string;
  component?: string;
  status?: RunStatus;
  limit?: number;
  json?: boolean;
}

/** Registers `gantry pipeline` and its subcommands. */
export function pipelineCommand(program: Command): Command {
  const pipeline = program
    .command('pipeline')
    .description("pipelines: run a repository's pipeline and follow it, list and inspect runs; render, validate and export pipeline files")
    .addHelpText(
      'after',
      `
Examples:
  $ gantry pipeline validate                             check ./.gantry/pipeline.yaml offline
  $ gantry pipeline render                               the effective pipeline (extends merged, matrix expanded)
  $ gantry pipeline export --to github-actions -o .github/workflows/gantry.yaml
  $ gantry pipeline run orders-api                       run it on Gantry's runners and follow the output
  $ gantry pipeline list --repo orders-api --status failed
  $ gantry pipeline logs 3f2a... -f`,
    );

  pipeline
    .command('run')
    .description("run a hosted repository's pipeline at a branch head or a commit, and follow its output to the end")
    .argument('<repo>', 'the name of a repository hosted by Gantry (its clone URL is <server>/git/<repo>)')
    .option('--branch <branch>', "the branch to run (default: the repository's default branch)")
    .option('--sha <sha>', 'the exact commit to run (40 hex characters; default: the head of the branch)')
    .option('--no-wait', 'queue the run, print its id and return without following it')
    .option('--json', 'print the finished run (RunDetail) as JSON on stdout; the output goes to stderr')
    .addHelpText(
      'after',
      `
The output goes to stdout, every line prefixed with its job ([test] ...); each step and job that ends is
reported on stderr (✓ test (2.1 s), ✗ build: step-1 (npm run build) exited with code 1). Exit 0 when the run
succeeded, 1 when it failed or was cancelled. Ctrl-C stops following; the run goes on.

Examples:
  $ gantry pipeline run orders-api
  $ gantry pipeline run orders-api --branch feature/x --no-wait
  $ gantry pipeline run orders-api --sha 4b825dc642cb6eb9a060e54bf8d69288fbee4904 --json > run.json`,
    )
    .action(async (repo: string, opts: { branch?: string; sha?: string; wait: boolean; json?: boolean }, cmd: Command) => {
      if (opts.sha !== undefined && !/^[0-9a-f]{40}$/.test(opts.sha)) {
        throw new UsageError(`--sha: expected a full 40-character commit id in lower-case hex, found ${JSON.stringify(opts.sha)}`);
      }
      const client = await connect(globalsOf(cmd));
      const run = await client.post<RunView>('/api/pipelines/runs', { repo, branch: opts.branch, sha: opts.sha });
      await afterQueued(client, run, opts);
    });

  pipeline
    .command('list')
    .description('list pipeline runs, newest first')
    .option('--repo <repo>', 'only runs of this repository')
    .option('--component <ref>', 'only runs of this component, e.g. component:default/orders-api')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(STATUSES))
    .option('--limit <n>', 'at most this many runs (1-500, default 50)', integerOption(1, 500))
    .option('--json', 'print the API answer ({ items }) as JSON')
    .action(async (opts: ListOptions, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const res = await client.get<{ items: RunView[] }>('/api/pipelines/runs', { repo: opts.repo, component: opts.component, status: opts.status, limit: opts.limit });
      if (opts.json) printJson(res);
      else printRunList(res.items, opts.repo || opts.component || opts.status ? 'No runs match.' : 'No pipeline runs yet. Start one with `gantry pipeline run <repo>`.');
    });

  pipeline
    .command('show')
    .description('show a run: commit, status, each job and step with status, duration and reason, findings, problems')
    .argument('<id>', 'run id (see `gantry pipeline list`)')
    .option('--json', 'print the API answer (RunDetail) as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const run = await client.get<RunDetail>(runPath(id));
      if (opts.json) {
        printJson(run);
        return;
      }
      const [findings, artifacts] = await Promise.all([
        client.get<{ items: FindingView[] }>(runPath(id, '/findings')),
        client.get<{ items: ArtifactView[] }>(runPath(id, '/artifacts')),
      ]);
      printRun(run, findings.items, artifacts.items);
    });

  pipeline
    .command('logs')
    .description("print a run's output, each line prefixed with its job; -f follows it until the run ends")
    .argument('<id>', 'run id (see `gantry pipeline list`)')
    .option('--job <job>', 'only the output of this job (printed without the prefix)')
    .option('-f, --follow', 'keep printing new output until the run ends; exit 1 if it failed or was cancelled')
    .option('--json', 'print the chunks as JSON: { items } at once, or one JSON object per chunk with --follow')
    .addHelpText(
      'after',
      `
Output of the checkout is under [checkout]; a job's own lines (cache, artifacts) under its id. With --follow,
each step and job that ends is reported on stderr. Ctrl-C stops following; the run goes on.

Examples:
  $ gantry pipeline logs 3f2a...
  $ gantry pipeline logs 3f2a... --job test -f
  $ gantry pipeline logs 3f2a... --json | jq -r '.items[].chunk'`,
    )
    .action(async (id: string, opts: { job?: string; follow?: boolean; json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      if (!opts.follow) {
        const items = await fetchLogs(client, id, 0, opts.job);
        if (opts.json) printJson({ items });
        else if (items.length === 0) printErr(opts.job ? `No output of job ${opts.job} yet.` : 'No output yet.');
        else {
          const logs = new LogPrinter((t) => process.stdout.write(t), { prefix: !opts.job, styles: out });
          for (const c of items) logs.chunk(c);
          logs.endLine();
        }
        return;
      }
      if (opts.json) {
        const run = await followRun(client, id, { jobId: opts.job, onChunk: (c) => print(JSON.stringify(c)) });
        finishFollowing(run);
        return;
      }
      await followToEnd(client, id, { jobId: opts.job });
    });

  pipeline
    .command('cancel')
    .description('cancel a run: a queued one at once; a running one has every process of it killed')
    .argument('<id>', 'run id (see `gantry pipeline list`)')
    .option('--json', 'print the API answer (RunView) as JSON')
    .addHelpText('after', '\nA run that has finished cannot be cancelled (exit 1).')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const r = await client.post<RunView>(runPath(id, '/cancel'));
      if (opts.json) {
        printJson(r);
        return;
      }
      if (TERMINAL.has(r.status)) print(`Run ${r.id}: ${statusText(r.status)}.`);
      else {
        print(`Run ${r.id}: ${statusText(r.status)}, cancel requested; its runner stops it within a second.`);
        printErr(`  Watch it end: gantry pipeline logs ${r.id} -f`);
      }
    });

  pipeline
    .command('rerun')
    .description('run the same commit again (a new run), and follow it to the end')
    .argument('<id>', 'the run to repeat (see `gantry pipeline list`)')
    .option('--no-wait', 'queue the new run, print its id and return without following it')
    .option('--json', 'print the finished run (RunDetail) as JSON on stdout; the output goes to stderr')
    .action(async (id: string, opts: { wait: boolean; json?: boolean }, cmd: Command) => {
      const client = await connect(globalsOf(cmd));
      const run = await client.post<RunView>(runPath(id, '/rerun'));
      await afterQueued(client, run, opts, id);
    });

  pipeline
    .command('render')
    .description('print the effective pipeline: extends merged, the matrix expanded, every default written out')
    .argument('[file]', `a pipeline file (default: ${DEFAULT_FILE}); read offline`)
    .option('--repo <repo>', "instead of a file: a hosted repository's pipeline, as the server resolves it")
    .option('--branch <branch>', "with --repo: the branch (default: the repository's default branch)")
    .option('--json', 'print { pipeline, problems, yaml } as JSON (with --repo also the commit, sha)')
    .addHelpText(
      'after',
      `
Every problem is printed as file:line:column: message (exit 1); warnings are printed and the pipeline is
rendered.

Examples:
  $ gantry pipeline render
  $ gantry pipeline render ci/pipeline.yaml --json
  $ gantry pipeline render --repo orders-api --branch main`,
    )
    .action(async (file: string | undefined, opts: { repo?: string; branch?: string; json?: boolean }, cmd: Command) => {
      if (file && opts.repo) throw new UsageError('give a file or --repo, not both');
      if (opts.branch && !opts.repo) throw new UsageError('--branch needs --repo (a file has no branch)');
      if (opts.repo) {
        const client = await connect(globalsOf(cmd));
        const r = await client.get<{ sha: string; pipeline: EffectivePipeline | null; yaml: string | null; problems: Problem[] }>('/api/pipelines/effective', { repo: opts.repo, branch: opts.branch });
        const problems = r.problems.map((p) => withPosition(p, DEFAULT_FILE));
        if (opts.json) printJson({ ...r, problems });
        else {
          for (const p of problems) printErr(renderProblem(p, err));
          if (r.yaml !== null) process.stdout.write(r.yaml);
        }
        if (r.yaml === null) {
          if (!opts.json) printErr(err.red(`error: the pipeline of ${opts.repo} at ${shortSha(r.sha)} cannot be used`));
          throw new SilentFailure('invalid pipeline');
        }
        return;
      }
      const resolved = await resolveFile(file ?? DEFAULT_FILE);
      if (opts.json) {
        const { model } = await import('../../pipelines/index.js');
        printJson({ pipeline: resolved.pipeline, problems: resolved.problems, yaml: resolved.pipeline ? model.renderPipeline(resolved.pipeline) : null });
        if (!resolved.pipeline) throw new SilentFailure('invalid pipeline');
        return;
      }
      const p = requirePipeline(resolved);
      const { model } = await import('../../pipelines/index.js');
      process.stdout.write(model.renderPipeline(p));
    });

  pipeline
    .command('validate')
    .description('check pipeline files offline (no server): every problem as file:line:column')
    .argument('[files...]', `pipeline files (default: ${DEFAULT_FILE})`)
    .option('--json', 'print { valid, files: [{ file, valid, jobs, problems }] } as JSON')
    .addHelpText(
      'after',
      `
Checks what the runners check: the format, extends (the standard pipeline must exist; its required jobs stay),
needs (known jobs, no cycles), expressions and the matrix. Exits 1 when any error is found, 0 otherwise
(warnings do not fail).

Examples:
  $ gantry pipeline validate
  $ gantry pipeline validate services/*/.gantry/pipeline.yaml --json`,
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      const results = await Promise.all((files.length ? files : [DEFAULT_FILE]).map((f) => resolveFile(f)));
      const valid = results.every((r) => r.pipeline !== null);
      if (opts.json) {
        printJson({
          valid,
          files: results.map((r) => ({ file: r.file, valid: r.pipeline !== null, jobs: r.pipeline?.jobs.map((j) => j.id) ?? [], problems: r.problems })),
        });
      } else {
        for (const r of results) {
          for (const p of r.problems) print(renderProblem(p));
          const errors = errorCount(r.problems);
          const warnings = r.problems.length - errors;
          const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
          if (r.pipeline) print(out.green(`${r.file}: valid, ${r.pipeline.jobs.length} job${r.pipeline.jobs.length === 1 ? '' : 's'} (${r.pipeline.jobs.map((j) => j.id).join(', ')}); ${counts}`));
          else print(out.red(`${r.file}: invalid; ${counts}`));
        }
      }
      if (!valid) throw new SilentFailure('invalid pipeline');
    });

  pipeline
    .command('export')
    .description('write the effective pipeline as a GitHub Actions workflow or a .gitlab-ci.yml (offline)')
    .addOption(new Option('--to <target>', 'the CI system').choices(TARGETS).makeOptionMandatory())
    .argument('[file]', `a pipeline file (default: ${DEFAULT_FILE})`)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
Jobs are exported expanded (one CI job per matrix combination); built-in steps become
\`npx --no gantry step ...\`, so the job needs the Gantry CLI installed (docs/pipelines.md, "Export").
Exit 1, writing nothing, when the file has problems (each printed as file:line:column: message).

Examples:
  $ gantry pipeline export --to github-actions -o .github/workflows/gantry.yaml
  $ gantry pipeline export --to gitlab-ci > .gitlab-ci.yml`,
    )
    .action(async (file: string | undefined, opts: { to: Target; output?: string }) => {
      const p = requirePipeline(await resolveFile(file ?? DEFAULT_FILE));
      const { model } = await import('../../pipelines/index.js');
      const text = opts.to === 'github-actions' ? model.toGithubActions(p) : model.toGitlabCi(p);
      if (!opts.output) {
        process.stdout.write(text);
        return;
      }
      try {
        await writeFile(opts.output, text);
      } catch (e) {
        throw new CliError(`cannot write ${opts.output}: ${(e as Error).message}`, { cause: e });
      }
      const target = opts.to === 'github-actions' ? 'GitHub Actions workflow' : 'GitLab CI pipeline';
      printErr(`Wrote ${opts.output}: a ${target} with ${p.jobs.length} job${p.jobs.length === 1 ? '' : 's'}.`);
    });

  return pipeline;
}

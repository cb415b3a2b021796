/** `gantry runner`: a pipeline runner process on the shared queue, for runs that need more machines or labels. */
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { integerOption } from '../options.js';
import { print, printErr } from '../output.js';
import { redactDatabaseUrl, shortPath, startError, untilSignal } from './up.js';

/** What the platform accepts as a runner label (src/core/config.ts, `runnerLabels`), and how many. */
const LABEL = /^[a-z0-9][a-z0-9._-]*$/;
const MAX_LABELS = 6;

/** `--labels linux,gpu` as a sorted, de-duplicated list; each label checked. */
export function labelsOption(value: string): string[] {
  const labels = [...new Set(value.split(',').map((l) => l.trim()).filter(Boolean))].sort();
  for (const l of labels) {
    if (!LABEL.test(l)) {
      throw new InvalidArgumentError(`expected labels of lower-case letters, digits, '.', '_' and '-' (starting with a letter or digit), found "${l}".`);
    }
  }
  if (labels.length > MAX_LABELS) throw new InvalidArgumentError(`expected at most ${MAX_LABELS} labels, found ${labels.length}.`);
  return labels;
}

interface RunnerOptions {
  workspace: string;
  databaseUrl?: string;
  labels?: string[];
  concurrency: number;
  leaseMs?: number;
}

/** Registers `gantry runner`. */
export function runnerCommand(program: Command): Command {
  return program
    .command('runner')
    .description('run a pipeline runner that takes pipeline runs from the shared queue')
    .option('--workspace <dir>', 'workspace folder (its SQLite file is the queue unless --database-url is set)', './.gantry')
    .option('--database-url <url>', 'the PostgreSQL the API servers use (default: $DATABASE_URL)')
    .option('--labels <a,b>', "labels this runner offers; it takes runs whose jobs' runsOn are all among them (at most 6)", labelsOption)
    .option('--concurrency <n>', 'runs at the same time (1-64)', integerOption(1, 64), 2)
    // Tests only: how long a killed runner's runs stay claimed before another runner takes them over.
    .addOption(new Option('--lease-ms <ms>').argParser(integerOption(500, 3_600_000)).hideHelp())
    .addHelpText(
      'after',
      `
A runner without labels takes runs whose jobs ask for none. The steps run as processes on this machine, in
the workspace's cache folder. On SIGTERM or Ctrl+C the runner stops claiming and lets the runs it has finish;
a second signal stops them (their processes are killed; the next runner marks them failed) and exits. A runner
that dies without stopping (SIGKILL, a lost machine) loses its lease after 60 s; the next runner then kills what
is left of the run's processes on its machine and marks the run failed.

Examples:
  $ gantry runner --workspace ./.gantry --labels linux
  $ gantry runner --database-url postgres://gantry@db.internal/gantry --labels linux,docker --concurrency 4`,
    )
    .action(async (opts: RunnerOptions) => {
      const workspaceDir = resolve(opts.workspace);
      const { runRunner } = await import('../../platform.js');
      let runner;
      try {
        runner = await runRunner({ workspaceDir, databaseUrl: opts.databaseUrl, labels: opts.labels, concurrency: opts.concurrency, leaseMs: opts.leaseMs });
      } catch (e) {
        throw startError(e, 'could not start the runner');
      }
      let draining = false;
      // A second signal while draining stops the runs (killing their processes) before exiting.
      const stopped = untilSignal(() => {
        if (!draining) process.exit(130);
        void runner.stop().finally(() => process.exit(130));
      });
      const dbUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
      const db = dbUrl ? `PostgreSQL ${redactDatabaseUrl(dbUrl)}` : `SQLite in ${shortPath(workspaceDir)}`;
      const labels = opts.labels?.length ? opts.labels.join(', ') : 'none (takes runs that ask for no labels)';
      print(`Runner ${runner.id} running on ${db}.`);
      print(`Labels: ${labels}; ${opts.concurrency} run${opts.concurrency === 1 ? '' : 's'} at a time. Press Ctrl+C to stop.`);
      const signal = await stopped;
      printErr(`Received ${signal}; finishing the runs in progress (send it again to stop them now)…`);
      draining = true;
      await runner.drain();
      await runner.stop();
      printErr('Runner stopped.');
    });
}

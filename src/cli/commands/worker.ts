/** `gantry worker`: a worker process on the shared job queue, for when one machine is not enough. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { integerOption } from '../options.js';
import { print, printErr } from '../output.js';
import { redactDatabaseUrl, shortPath, startError, untilSignal } from './up.js';

/** Registers `gantry worker`. */
export function workerCommand(program: Command): Command {
  return program
    .command('worker')
    .description('run a worker that takes jobs (refreshes, pipelines, ...) from the shared queue')
    .option('--workspace <dir>', 'workspace folder (its SQLite file is the queue unless --database-url is set)', './.gantry')
    .option('--database-url <url>', 'the PostgreSQL the API servers use (default: $DATABASE_URL)')
    .option('--concurrency <n>', 'jobs run at the same time (1-64)', integerOption(1, 64), 2)
    .addHelpText(
      'after',
      `
Running jobs are finished before the worker exits on SIGTERM or Ctrl+C; a second signal exits at once (their
leases expire and another worker takes them over).

Examples:
  $ gantry worker --database-url postgres://gantry@db.internal/gantry --concurrency 4
  $ gantry worker --workspace ./.gantry`,
    )
    .action(async (opts: { workspace: string; databaseUrl?: string; concurrency: number }) => {
      const workspaceDir = resolve(opts.workspace);
      const { runWorker } = await import('../../platform.js');
      let worker;
      try {
        worker = await runWorker({ workspaceDir, databaseUrl: opts.databaseUrl, concurrency: opts.concurrency });
      } catch (e) {
        throw startError(e, 'could not start the worker');
      }
      const stopped = untilSignal();
      const dbUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
      const db = dbUrl ? `PostgreSQL ${redactDatabaseUrl(dbUrl)}` : `SQLite in ${shortPath(workspaceDir)}`;
      print(`Worker running on ${db}, ${opts.concurrency} job${opts.concurrency === 1 ? '' : 's'} at a time. Press Ctrl+C to stop.`);
      const signal = await stopped;
      printErr(`Received ${signal}; finishing running jobs…`);
      await worker.stop();
      printErr('Worker stopped.');
    });
}

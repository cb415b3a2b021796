/** `gantry up`: the whole platform (API, portal, in-process worker) in this process, until Ctrl+C. */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { errorChain } from '../../core/errors.js';
import { CliError } from '../errors.js';
import { integerOption } from '../options.js';
import { err, out, print, printErr } from '../output.js';

/** A database URL fit for a terminal: the password is replaced. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** A path as short as it can be said from the current directory. */
export function shortPath(p: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

/**
 * Resolves on the first SIGINT or SIGTERM. A second signal while shutting down ends the process at once, for
 * when a clean stop hangs.
 */
export function untilSignal(onForce: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        printErr(err.red(`Received ${signal} again; exiting without a clean stop.`));
        onForce();
        return;
      }
      received = true;
      resolveSignal(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Turns start-up failures into messages that say what to change. */
export function startError(e: unknown, what: string, host?: string, port?: number): CliError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    return new CliError(`cannot listen on ${host}:${port}: the address is already in use`, {
      hints: ['Stop the other process, or choose another port with --port N (0 picks a free one).'],
      cause: e,
    });
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new CliError(`cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e });
  }
  return new CliError(`${what}: ${errorChain(e)}`, { cause: e });
}

/** Registers `gantry up`. */
export function upCommand(program: Command): Command {
  return program
    .command('up')
    .description('run the platform here: API, portal and a worker, with an embedded workspace')
    .option('--port <n>', 'HTTP port (0 picks a free one)', integerOption(0, 65535), 7007)
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--workspace <dir>', 'workspace folder: database, git cache, logs, admin token', './.gantry')
    .option('--database-url <url>', 'use PostgreSQL instead of the SQLite file (default: $DATABASE_URL)')
    .option('--no-sample', 'do not load the sample organisation on first start')
    .option('--router-port <n>', 'port of the router to deployed workloads (default 7080, or $GANTRY_ROUTER_PORT; 0 picks a free one)', integerOption(0, 65535))
    .addHelpText(
      'after',
      `
On first start the admin token is written to <workspace>/admin-token (mode 0600); the CLI run from the same
folder finds the server and the token by itself. Ctrl+C (SIGINT) or SIGTERM stops the platform cleanly.

Examples:
  $ gantry up
  $ gantry up --port 8080 --host 0.0.0.0 --no-sample
  $ gantry up --database-url postgres://gantry@db.internal/gantry`,
    )
    .action(async (opts: { port: number; host: string; workspace: string; databaseUrl?: string; sample: boolean; routerPort?: number }) => {
      const workspaceDir = resolve(opts.workspace);
      const { startPlatform } = await import('../../platform.js');
      let platform;
      try {
        platform = await startPlatform({
          workspaceDir,
          port: opts.port,
          host: opts.host,
          databaseUrl: opts.databaseUrl,
          seedSample: opts.sample,
          ...(opts.routerPort !== undefined ? { routerPort: opts.routerPort } : {}),
        });
      } catch (e) {
        throw startError(e, 'could not start Gantry', opts.host, opts.port);
      }
      const stopped = untilSignal();
      const db = platform.config.databaseUrl
        ? `PostgreSQL ${redactDatabaseUrl(platform.config.databaseUrl)}`
        : `SQLite ${shortPath(join(workspaceDir, 'gantry.db'))}`;
      print(`Gantry is running at ${out.bold(platform.url)}`);
      print(`  Portal:    ${platform.url}/`);
      print(`  API:       ${platform.url}/api  (OpenAPI: ${platform.url}/api/openapi.json)`);
      print(`  Workspace: ${shortPath(workspaceDir)}  (${db})`);
      if (platform.routerPort !== null) print(`  Services:  http://<component>.<environment>.localhost:${platform.routerPort}  (deployed workloads)`);
      if (!existsSync(new URL('../../../web/dist/index.html', import.meta.url))) {
        print(out.yellow('  The portal is not built yet: run `npm run build:web`, then restart. The API works already.'));
      }
      print(`Sign in to the portal with the admin token in ${out.bold(shortPath(platform.adminTokenFile))}`);
      print('  The CLI run from this folder uses it by itself; make tokens for others with `gantry token create`.');
      print('Press Ctrl+C to stop.');
      const signal = await stopped;
      printErr(`Received ${signal}; stopping…`);
      await platform.stop();
      printErr('Stopped.');
    });
}

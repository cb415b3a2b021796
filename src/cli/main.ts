/**
 * The `gantry` command line: program, global options, and the one place where failures become exit codes
 * (0 ok, 1 the work failed, 2 the command line was wrong).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorChain } from '../core/errors.js';
import { ApiError } from './client.js';
import { catalogCommand } from './commands/catalog.js';
import { createCommand } from './commands/create.js';
import { eventsCommand } from './commands/events.js';
import { loginCommand, whoamiCommand } from './commands/login.js';
import { pipelineCommand } from './commands/pipeline.js';
import { policyCommand } from './commands/policy.js';
import { runnerCommand } from './commands/runner.js';
import { stepCommand } from './commands/step.js';
import { sampleCommand } from './commands/sample.js';
import { secretCommand } from './commands/secret.js';
import { deployCommands, envCommand } from './commands/deploy.js';
import { auditCommand } from './commands/audit.js';
import { complianceCommand } from './commands/compliance.js';
import { exemptionCommand } from './commands/exemption.js';
import { incidentCommand } from './commands/incident.js';
import { metricsCommand } from './commands/metrics.js';
import { taskCommand } from './commands/task.js';
import { templateCommand } from './commands/template.js';
import { tokenCommand } from './commands/token.js';
import { upCommand } from './commands/up.js';
import { workerCommand } from './commands/worker.js';
import { CliError, SilentFailure } from './errors.js';
import { err, printErr, renderProblem } from './output.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the whole command tree. Settings made here are inherited by every subcommand created after them. */
export function createProgram(): Command {
  const program = new Command('gantry')
    .description('Gantry, the internal developer platform: run the platform and work with its API.')
    .version(version(), '-V, --version', 'print the version')
    .option('--server <url>', 'Gantry server URL (default: $GANTRY_URL, ./.gantry/server.json, then `gantry login`)')
    .option('--token <token>', 'API token (default: $GANTRY_TOKEN, ./.gantry/admin-token, then `gantry login`)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(err.red(s)),
    })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true);

  upCommand(program);
  workerCommand(program);
  runnerCommand(program);
  loginCommand(program);
  whoamiCommand(program);
  tokenCommand(program);
  catalogCommand(program);
  templateCommand(program);
  createCommand(program);
  taskCommand(program);
  pipelineCommand(program);
  policyCommand(program);
  secretCommand(program);
  envCommand(program);
  deployCommands(program);
  auditCommand(program);
  exemptionCommand(program);
  complianceCommand(program);
  metricsCommand(program);
  incidentCommand(program);
  stepCommand(program);
  eventsCommand(program);
  sampleCommand(program);

  program.addHelpText(
    'after',
    `
Examples:
  $ gantry up                                  start the platform on http://127.0.0.1:7007
  $ gantry catalog validate ./catalog          check descriptors offline
  $ gantry catalog import ./catalog            register a folder of descriptors
  $ gantry catalog list --kind component --filter spec.lifecycle=production

Exit codes: 0 ok, 1 failure (API error, invalid input, server not reachable), 2 wrong usage.`,
  );
  return program;
}

const PREFIX: Record<number, string> = {
  400: 'invalid input',
  401: 'not authenticated',
  403: 'not allowed',
  404: 'not found',
  409: 'conflict',
  422: 'invalid input',
  503: 'unavailable',
};

/** Prints a failure on stderr: the problem+json `detail`, every problem as file:line:col, and hints. */
export function reportError(e: unknown): number {
  if (e instanceof ApiError) {
    const prefix = PREFIX[e.status] ?? (e.problem.title ? e.problem.title.toLowerCase() : `HTTP ${e.status}`);
    printErr(err.red(`error: ${prefix}: ${e.message}`));
    for (const p of e.problem.problems ?? []) printErr(`  ${renderProblem(p, err)}`);
    if (e.status === 401) {
      printErr('  The token was not accepted (expired, revoked, or for another server).');
      printErr('  Pass --token, set GANTRY_TOKEN, or run `gantry login --server URL --token T`.');
    }
    return 1;
  }
  if (e instanceof CliError) {
    if (e.message) printErr(err.red(`error: ${e.message}`));
    for (const h of e.hints) printErr(`  ${h}`);
    return e.exitCode;
  }
  printErr(err.red(`error: ${errorChain(e)}`));
  if (process.env.GANTRY_DEBUG && e instanceof Error && e.stack) printErr(e.stack);
  return 1;
}

/** Runs the CLI on `argv` (as in `process.argv`) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end with 0; everything else commander rejects is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof SilentFailure) return e.exitCode;
    return reportError(e);
  }
}

process.exitCode = await main(process.argv);

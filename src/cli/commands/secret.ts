/** `gantry secret set|list|delete`: the platform's pipeline secrets. Values never come from argv nor are printed. */
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../client.js';
import { CliError, UsageError } from '../errors.js';
import { formatAge, print, printErr, printJson, printTable } from '../output.js';

interface SecretInfo {
  scope: string;
  name: string;
  updatedAt: string;
  updatedBy: string;
}

/** All of stdin as text, without one trailing newline (so `echo "$X" | gantry secret set ...` stores $X). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function secretPath(scope: string, name: string): string {
  return `/api/secrets/${encodeURIComponent(scope)}/${encodeURIComponent(name)}`;
}

/** Registers `gantry secret` and its subcommands. */
export function secretCommand(program: Command): Command {
  const secret = program
    .command('secret')
    .description('set, list and delete the secrets pipelines use as { secret: NAME }')
    .addHelpText(
      'after',
      `
A scope is "global" (admins) or a team: group:default/team-a, or just team-a (its members).
A run takes a secret from its repository owner's scope, then global.

Examples:
  $ printf %s "$TOKEN" | gantry secret set team-a DEPLOY_TOKEN      the value from stdin
  $ gantry secret set global NPM_TOKEN --from-env NPM_TOKEN         the value from an environment variable
  $ gantry secret list --scope team-a
  $ gantry secret delete team-a DEPLOY_TOKEN`,
    );

  secret
    .command('set')
    .description('create or replace a secret; the value is read from stdin (never from the command line)')
    .argument('<scope>', '"global" or a group ref (group:default/team-a or team-a)')
    .argument('<name>', 'upper-case name, e.g. DEPLOY_TOKEN')
    .option('--from-env <var>', 'take the value from this environment variable instead of stdin')
    .action(async (scope: string, name: string, opts: { fromEnv?: string }, cmd: Command) => {
      let value: string;
      if (opts.fromEnv !== undefined) {
        const v = process.env[opts.fromEnv];
        if (v === undefined || v === '') throw new UsageError(`--from-env: the environment variable ${opts.fromEnv} is not set or empty`);
        value = v;
      } else {
        if (process.stdin.isTTY) printErr('Type the value, then press Ctrl-D (it is echoed; prefer a pipe or --from-env):');
        value = await readStdin();
        if (value === '') throw new CliError('the value read from stdin is empty; pipe the value in or use --from-env VAR');
      }
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      await client.request<void>('PUT', secretPath(scope, name), { body: { value } });
      print(`Set secret ${name} in ${scope}.`);
    });

  secret
    .command('list')
    .description('list secrets: names, scopes and who set them (never values)')
    .option('--scope <scope>', 'only this scope')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { scope?: string; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const res = await client.get<{ items: SecretInfo[] }>('/api/secrets', { scope: opts.scope });
      if (opts.json) {
        printJson(res);
        return;
      }
      const now = Date.now();
      printTable(
        ['scope', 'name', 'updated', 'by'],
        res.items.map((s) => [s.scope, s.name, formatAge(s.updatedAt, now), s.updatedBy]),
        'No secrets.',
      );
    });

  secret
    .command('delete')
    .description('delete a secret; runs that need it fail until it is set again')
    .argument('<scope>', '"global" or a group ref')
    .argument('<name>', 'the secret name')
    .action(async (scope: string, name: string, _opts: unknown, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      await client.delete(secretPath(scope, name));
      print(`Deleted secret ${name} from ${scope}.`);
    });

  return secret;
}

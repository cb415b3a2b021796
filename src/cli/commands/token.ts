/** `gantry token create|list|revoke`: API tokens for people, scripts and CI. */
import { hostname, userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import type { TokenView } from '../../auth/tokens.js';
import { connect, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { integerOption } from '../options.js';
import { err, formatAge, out, print, printErr, printJson, printTable } from '../output.js';

type Token = TokenView;

function defaultTokenName(): string {
  let user = 'cli';
  try {
    user = userInfo().username;
  } catch {
    // Some containers have no passwd entry for the uid; the host name alone still tells tokens apart.
  }
  return `${user}@${hostname()}`;
}

function tokenStatus(t: Token, now = Date.now()): string {
  if (t.revokedAt) return out.red('revoked');
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return out.yellow('expired');
  return out.green('active');
}

/** Registers `gantry token` and its subcommands. */
export function tokenCommand(program: Command): Command {
  const token = program
    .command('token')
    .description('create, list and revoke API tokens')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry token create --name ci-deploy                      a token acting as you
  $ gantry token create --name dashboards --role viewer       a read-only token
  $ gantry token create --user user:default/jane --name jane  (admin) a token for someone else
  $ gantry token list
  $ gantry token revoke 01J9Z6Q3K8M1`,
    );

  token
    .command('create')
    .description('create a token; its secret is printed once, on stdout, and never again')
    .option('--name <name>', 'what the token is for (default: <user>@<host>)')
    .option('--expires-in-days <days>', 'days until it expires (server default: 90)', integerOption(1, 3650))
    .option('--never-expires', 'a token without an expiry date (prefer --expires-in-days for CI)')
    .option('--user <ref>', 'admin only: create the token for this user, e.g. user:default/jane')
    .addOption(new Option('--role <role>', 'limit the token to a lower role').choices(['viewer']))
    .option('--json', 'print the API answer (including the secret) as JSON')
    .addHelpText(
      'after',
      `
The secret goes to stdout alone and the explanation to stderr, so a script can capture it:
  $ TOKEN=$(gantry token create --name ci --expires-in-days 30)`,
    )
    .action(
      async (
        opts: { name?: string; expiresInDays?: number; neverExpires?: boolean; user?: string; role?: string; json?: boolean },
        cmd: Command,
      ) => {
        if (opts.neverExpires && opts.expiresInDays !== undefined) {
          throw new UsageError('choose either --expires-in-days or --never-expires, not both');
        }
        const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
        const created = await client.post<{ token: Token; secret: string }>('/api/tokens', {
          name: opts.name ?? defaultTokenName(),
          ...(opts.expiresInDays !== undefined ? { expiresInDays: opts.expiresInDays } : {}),
          ...(opts.neverExpires ? { expiresInDays: null } : {}),
          ...(opts.user ? { userRef: opts.user } : {}),
          ...(opts.role ? { role: opts.role } : {}),
        });
        if (opts.json) {
          printJson(created);
          return;
        }
        const t = created.token;
        const expiry = t.expiresAt ? `expires ${t.expiresAt.slice(0, 10)} (${formatAge(t.expiresAt)})` : 'never expires';
        printErr(
          `Created token ${err.bold(t.id)} "${t.name}" for ${t.userRef}${t.role ? ` (role ${t.role})` : ''}; ${expiry}.`,
        );
        printErr('Store the secret now; it is not shown again:');
        print(created.secret);
      },
    );

  token
    .command('list')
    .description('list your tokens (admins: --all for everyone’s)')
    .option('--all', 'admin only: every user’s tokens')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const res = await client.get<{ items: Token[] }>('/api/tokens', opts.all ? { all: true } : {});
      if (opts.json) {
        printJson(res);
        return;
      }
      const now = Date.now();
      printTable(
        ['id', 'name', 'user', 'role', 'created', 'expires', 'last used', 'status'],
        res.items.map((t) => [
          t.id,
          t.name,
          t.userRef,
          t.role ?? '-',
          formatAge(t.createdAt, now),
          formatAge(t.expiresAt, now, 'never'),
          formatAge(t.lastUsedAt, now, 'never'),
          tokenStatus(t, now),
        ]),
        'No tokens.',
      );
    });

  token
    .command('revoke')
    .description('revoke a token by its id (see `gantry token list`); it stops working at once')
    .argument('<id>', 'token id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      await client.delete(`/api/tokens/${encodeURIComponent(id)}`);
      print(`Revoked token ${id}.`);
    });

  return token;
}

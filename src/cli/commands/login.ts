/** `gantry login` and `gantry whoami`: who the CLI acts as, and where that identity is saved. */
import type { Command } from 'commander';
import { ApiClient, connect, normalizeServerUrl, writeUserConfig, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { out, print, printFields, printJson } from '../output.js';

/** `GET /api/whoami` answer. */
export interface WhoAmI {
  userRef: string;
  displayName: string;
  role: 'admin' | 'member' | 'viewer';
  teams: string[];
}

/** Registers `gantry login`. */
export function loginCommand(program: Command): Command {
  return program
    .command('login')
    .description('check a server URL and token with the server, then save them for later commands')
    .option('--json', 'print the whoami answer as JSON')
    .addHelpText(
      'after',
      `
Uses the global --server and --token options. The token is checked with GET /api/whoami and saved with the
URL to $XDG_CONFIG_HOME/gantry/config.json (or ~/.config/gantry/config.json), readable only by you (0600).

Examples:
  $ gantry login --server http://127.0.0.1:7007 --token "$(cat .gantry/admin-token)"
  $ gantry login --server https://gantry.example.com --token "$GANTRY_TOKEN"`,
    )
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (!globals.server || !globals.token) {
        throw new UsageError('login needs both --server URL and --token T', {
          hints: ['e.g. gantry login --server http://127.0.0.1:7007 --token "$(cat .gantry/admin-token)"'],
        });
      }
      const url = normalizeServerUrl(globals.server);
      const me = await new ApiClient(url, globals.token).get<WhoAmI>('/api/whoami');
      const path = await writeUserConfig({ server: url, token: globals.token, userRef: me.userRef, savedAt: new Date().toISOString() });
      if (opts.json) {
        printJson(me);
        return;
      }
      print(`Logged in to ${url} as ${out.bold(me.userRef)} (${me.role}).`);
      print(`Saved to ${path}.`);
    });
}

/** Registers `gantry whoami`. */
export function whoamiCommand(program: Command): Command {
  return program
    .command('whoami')
    .description('show the user, role and teams of the token in use, and which server it talks to')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ gantry whoami --server http://127.0.0.1:7007')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const client = await connect(globals);
      const me = await client.get<WhoAmI>('/api/whoami');
      if (opts.json) {
        printJson(me);
        return;
      }
      printFields([
        ['User', me.userRef],
        ['Name', me.displayName],
        ['Role', me.role],
        ['Teams', me.teams.length ? me.teams.join(', ') : '(none)'],
        ['Server', `${client.url} (from ${client.sources.url})`],
        ['Token', `from ${client.sources.token ?? 'nowhere'}`],
      ]);
    });
}

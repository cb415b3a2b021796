/** `gantry sample load|remove`: the fictional sample organisation shown on first start. */
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../client.js';
import { print, printJson, withProgress } from '../output.js';

/** Registers `gantry sample` and its subcommands (admin only on the server side). */
export function sampleCommand(program: Command): Command {
  const sample = program
    .command('sample')
    .description('load or remove the fictional sample organisation (admin)')
    .addHelpText('after', '\nExamples:\n  $ gantry sample remove\n  $ gantry sample load');

  sample
    .command('load')
    .description('load the sample organisation (does nothing when it is already loaded)')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const res = await withProgress('Loading the sample organisation', () =>
        client.post<{ loaded?: boolean; location?: { id: string; entityCount: number } }>('/api/sample'),
      );
      if (opts.json) printJson(res);
      else if (res.loaded === false) print(`The sample organisation is already loaded (location ${res.location?.id ?? '?'}).`);
      else print(`Loaded the sample organisation: ${res.location?.entityCount ?? 0} entities (location ${res.location?.id ?? '?'}).`);
    });

  sample
    .command('remove')
    .description('remove every sample entity and its location')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const res = await withProgress('Removing the sample organisation', () =>
        client.request<{ removed?: boolean; entities?: number }>('DELETE', '/api/sample'),
      );
      if (opts.json) printJson(res);
      else if (res?.removed === false) print('The sample organisation is not loaded; nothing to remove.');
      else print(`Removed the sample organisation (${res?.entities ?? 0} entities).`);
    });

  return sample;
}

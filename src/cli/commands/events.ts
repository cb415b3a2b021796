/** `gantry events`: the platform's event log (also its audit trail). */
import type { Command } from 'commander';
import type { StoredEvent } from '../../store/index.js';
import { connect, type GlobalOptions } from '../client.js';
import { integerOption } from '../options.js';
import { out, printErr, printJson, printTable } from '../output.js';

type EventView = StoredEvent;

/** Registers `gantry events`. */
export function eventsCommand(program: Command): Command {
  return program
    .command('events')
    .description('show the most recent events of the event log (oldest first)')
    .option('--subject <ref>', 'only events about this subject, e.g. component:default/payments-api or location:<id>')
    .option('--action <prefix>', 'only actions starting with this, e.g. catalog.entity')
    .option('--limit <n>', 'how many of the latest events (1-1000)', integerOption(1, 1000), 20)
    .option('--json', 'print the API answer as JSON (newest first)')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry events --limit 50
  $ gantry events --subject component:default/payments-api
  $ gantry events --action catalog.location --json`,
    )
    .action(async (opts: { subject?: string; action?: string; limit: number; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const res = await client.get<{ items: EventView[]; nextCursor: string | null }>('/api/events', {
        subject: opts.subject,
        action: opts.action,
        limit: opts.limit,
        order: 'desc',
      });
      if (opts.json) {
        printJson(res);
        return;
      }
      const rows = [...res.items]
        .sort((a, b) => a.seq - b.seq)
        .map((e) => [String(e.seq), e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), e.actor, out.cyan(e.action), e.subject]);
      printTable(['seq', 'time', 'actor', 'action', 'subject'], rows, 'No events match.', { maxCellWidth: 80 });
      if (res.nextCursor) printErr(out.dim(`older events exist; raise --limit to see more`));
    });
}

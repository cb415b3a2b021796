/** `gantry audit verify|export`: the event log as an audit trail (docs/audit.md). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../client.js';
import { CliError, UsageError } from '../errors.js';
import { print, printErr, printJson } from '../output.js';

type Verification = { ok: true; count: number } | { ok: false; seq: number; reason: string };

function isoOption(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`${name}: expected a date or time such as 2026-11-01 or 2026-11-01T12:00:00Z, found "${v}"`);
  return new Date(t).toISOString();
}

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('check and export the tamper-evident audit log').addHelpText(
    'after',
    `
Every event is chained to the one before by a SHA-256 hash: a row changed, removed or re-chained in the
database breaks the chain at that event.

Examples:
  $ gantry audit verify
  $ gantry audit export --since 2026-11-01 --until 2026-12-01 -o november.jsonl
  $ gantry audit export --subject component:default/orders-api`,
  );

  audit
    .command('verify')
    .description('walk the hash chain; exit 1 and name the first broken link when there is one')
    .option('--json', 'print the answer as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<Verification>('/api/audit/verify');
      if (opts.json) printJson(r);
      else if (r.ok) print(`The audit log is intact: ${r.count} events, each chained to the one before.`);
      else print(`The audit log is broken at event ${r.seq}: ${r.reason}`);
      if (!r.ok) process.exitCode = 1;
    });

  audit
    .command('export')
    .description('write events as JSON lines (oldest first, with their hashes)')
    .option('--since <time>', 'from this time (inclusive)')
    .option('--until <time>', 'to this time (exclusive)')
    .option('--subject <ref>', 'only events about this subject')
    .option('--action <prefix>', 'only actions starting with this, e.g. deployment.')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (opts: { since?: string; until?: string; subject?: string; action?: string; output?: string }, cmd: Command) => {
      const since = isoOption('--since', opts.since);
      const until = isoOption('--until', opts.until);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const body = await client.stream('/api/audit/export', { since, until, subject: opts.subject, action: opts.action });
      const out = opts.output ? createWriteStream(opts.output) : process.stdout;
      let lines = 0;
      for await (const chunk of body) {
        const buf = Buffer.from(chunk);
        for (const b of buf) if (b === 10) lines++;
        if (!out.write(buf)) await once(out, 'drain');
      }
      if (opts.output) {
        const file = out as ReturnType<typeof createWriteStream>;
        file.end();
        await once(file, 'finish').catch((e: Error) => {
          throw new CliError(`could not write ${opts.output}: ${e.message}`);
        });
        printErr(`Wrote ${lines} events to ${opts.output}.`);
      }
    });
}

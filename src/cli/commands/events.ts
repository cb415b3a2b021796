/** `gantry events`: the platform's event log (also its audit trail). */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Problem } from '../../core/errors.js';
import type { ImportResult } from '../../metrics/index.js';
import type { StoredEvent } from '../../store/index.js';
import { connect, type GlobalOptions } from '../client.js';
import { CliError, UsageError } from '../errors.js';
import { integerOption } from '../options.js';
import { err, out, print, printErr, printJson, printTable, renderProblem } from '../output.js';

type EventView = StoredEvent;

/** Request bodies stay well under the server's 10 MiB cap (JSON escaping grows text). */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Splits an import file into request-sized pieces at line boundaries (a CSV piece repeats the header). Each piece
 * is parsed here before anything is sent, so a file with a problem sends nothing.
 */
export function importChunks(text: string, format: 'jsonl' | 'csv'): Array<{ text: string; firstLine: number }> {
  if (Buffer.byteLength(text) <= CHUNK_BYTES) return [{ text, firstLine: 1 }];
  const lines = text.split('\n');
  const header = format === 'csv' ? `${lines.shift() ?? ''}\n` : '';
  const chunks: Array<{ text: string; firstLine: number }> = [];
  let current: string[] = [];
  let size = 0;
  let first = format === 'csv' ? 2 : 1;
  let line = first;
  for (const l of lines) {
    if (size + l.length + 1 > CHUNK_BYTES && current.length) {
      chunks.push({ text: header + current.join('\n'), firstLine: first });
      current = [];
      size = 0;
      first = line;
    }
    current.push(l);
    size += l.length + 1;
    line++;
  }
  if (current.some((l) => l.trim())) chunks.push({ text: header + current.join('\n'), firstLine: first });
  return chunks;
}

function formatOf(file: string, flag: string | undefined): 'jsonl' | 'csv' {
  if (flag) {
    if (flag !== 'jsonl' && flag !== 'csv') throw new UsageError(`--format: expected jsonl or csv, found "${flag}"`);
    return flag;
  }
  return /\.csv$/i.test(file) ? 'csv' : 'jsonl';
}

/** Registers `gantry events` and `gantry events import`. */
export function eventsCommand(program: Command): Command {
  const events = program.command('events');
  events
    .command('import')
    .description('import delivery history from other systems: deployments, changes and incidents as JSON lines or CSV (admins)')
    .argument('<file>', 'a .jsonl/.ndjson or .csv file (docs/metrics.md, "Import")')
    .option('--format <format>', 'jsonl or csv (default: from the file name)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      `
Every record has a type (deployment, change or incident) and an id; importing the same file again changes
nothing. The whole file is checked first: with any problem nothing is imported, and each problem is
reported at its file:line:column.

Examples:
  $ gantry events import history/deployments.jsonl
  $ gantry events import incidents.csv --format csv`,
    )
    .action(async (file: string, own: { format?: string }, cmd: Command) => {
      // `--json` is also an option of `gantry events`, which commander gives it to wherever it appears.
      const opts = cmd.optsWithGlobals<{ format?: string; json?: boolean }>();
      const format = formatOf(file, own.format);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      // Loaded here, not at start-up: the parsers (and the catalog's ref rules they use) cost every other command time.
      const { parseImport } = await import('../../metrics/sources/index.js');
      const chunks = importChunks(text, format);
      const problems: Problem[] = [];
      let records = 0;
      for (const c of chunks) {
        const r = parseImport(c.text, file, format);
        records += r.facts.length;
        // Pieces after the first start further down the file: their problems point at the file's own lines.
        const shift = c.firstLine - (format === 'csv' && c.firstLine > 1 ? 2 : 1);
        problems.push(...r.problems.map((p) => (p.position && shift > 0 ? { ...p, position: { ...p.position, line: p.position.line + shift } } : p)));
      }
      if (problems.length) {
        for (const p of problems) printErr(`  ${renderProblem(p, err)}`);
        throw new CliError(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported`);
      }
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const total: ImportResult = { file: basename(file), records: 0, changes: 0, deployments: 0, incidents: 0, skipped: 0 };
      for (const [i, c] of chunks.entries()) {
        const r = await client.post<ImportResult>('/api/metrics/import', { file: basename(file), format, text: c.text });
        total.records += r.records;
        total.changes += r.changes;
        total.deployments += r.deployments;
        total.incidents += r.incidents;
        total.skipped += r.skipped;
        if (chunks.length > 1 && !opts.json) printErr(out.dim(`imported ${total.records} of ${records} records (${i + 1}/${chunks.length})`));
      }
      if (opts.json) return printJson(total);
      print(`Imported ${total.records} records from ${file}: ${total.deployments} deployments, ${total.changes} changes, ${total.incidents} incidents stored or updated.`);
    });
  return events
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

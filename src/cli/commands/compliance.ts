/** `gantry compliance`: which controls pass and fail, per team and component, with the evidence (docs/policy.md). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../client.js';
import { CliError, UsageError } from '../errors.js';
import { print, printErr, printJson, printTable } from '../output.js';

interface Summary {
  pass: number;
  fail: number;
  exempt: number;
  notEvaluated: number;
}

interface Report {
  generatedAt: string;
  summary: Summary;
  teams: Array<{ team: string; summary: Summary }>;
  components: Array<{ component: string; owner: string | null; summary: Summary }>;
  rows: Array<{ component: string; policy: string; action: string; environment: string | null; status: string; messages: string[]; evidence: Record<string, unknown> }>;
}

const counts = (s: Summary) => [String(s.pass), String(s.fail), String(s.exempt), String(s.notEvaluated)];

function evidenceText(e: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof e.decision === 'string') parts.push(e.decision);
  const run = e.pipelineRun as { id?: string; status?: string } | null | undefined;
  if (run?.id) parts.push(`run ${run.id} ${run.status ?? ''}`.trim());
  if (typeof e.deployment === 'string') parts.push(`deployment ${e.deployment}`);
  if (Array.isArray(e.approvals) && e.approvals.length) parts.push(`approved by ${(e.approvals as Array<{ by: string }>).map((a) => a.by).join(', ')}`);
  if (e.exemption) parts.push(`exemption ${typeof e.exemption === 'string' ? e.exemption : (e.exemption as { id?: string }).id}`);
  return parts.join(', ') || '-';
}

export function complianceCommand(program: Command): void {
  program
    .command('compliance')
    .description('compliance report: every control per component (pass, fail, exempt, not evaluated) with its evidence')
    .option('--team <group>', 'only components owned by this team (team-a or group:default/team-a)')
    .option('--component <name>', 'only this component')
    .option('--failing', 'list only failing controls')
    .option('--check', 'exit 1 when any control fails (for CI)')
    .option('--format <format>', 'table (default), json or csv')
    .option('-o, --output <file>', 'write the CSV or JSON to a file')
    .option('--json', 'same as --format json')
    .addHelpText(
      'after',
      `
Catalog controls (ownership, reliability) are evaluated now against each component; deploy, template and
pipeline controls show the newest recorded decision per environment, with the run, deployment, approvals
or exemption it rests on.

Examples:
  $ gantry compliance --team team-a
  $ gantry compliance --component orders-api --failing
  $ gantry compliance --format csv -o compliance.csv`,
    )
    .action(async (opts: { team?: string; component?: string; failing?: boolean; check?: boolean; format?: string; output?: string; json?: boolean }, cmd: Command) => {
      const format = opts.json ? 'json' : (opts.format ?? 'table');
      if (!['table', 'json', 'csv'].includes(format)) throw new UsageError(`--format: expected table, json or csv, found "${format}"`);
      if (opts.output && format === 'table') throw new UsageError('--output: needs --format csv or json');
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const query = { team: opts.team, component: opts.component };
      if (format === 'csv') {
        const body = await client.stream('/api/compliance', { ...query, format: 'csv' });
        const out = opts.output ? createWriteStream(opts.output) : process.stdout;
        for await (const chunk of body) if (!out.write(Buffer.from(chunk))) await once(out, 'drain');
        if (opts.output) {
          const file = out as ReturnType<typeof createWriteStream>;
          file.end();
          await once(file, 'finish').catch((e: Error) => {
            throw new CliError(`could not write ${opts.output}: ${e.message}`);
          });
          printErr(`Wrote ${opts.output}.`);
        }
        return;
      }
      const r = await client.get<Report>('/api/compliance', query);
      if (format === 'json') {
        if (opts.output) {
          const file = createWriteStream(opts.output);
          file.end(JSON.stringify(r, null, 2) + '\n');
          await once(file, 'finish');
          printErr(`Wrote ${opts.output}.`);
        } else printJson(r);
        if (opts.check && r.summary.fail > 0) process.exitCode = 1;
        return;
      }
      print(`Compliance at ${r.generatedAt}: ${r.summary.pass} pass, ${r.summary.fail} fail, ${r.summary.exempt} exempt, ${r.summary.notEvaluated} not evaluated.`);
      print();
      printTable(['team', 'pass', 'fail', 'exempt', 'not evaluated'], r.teams.map((t) => [t.team, ...counts(t.summary)]), 'No components.');
      print();
      const rows = opts.failing ? r.rows.filter((x) => x.status === 'fail') : r.rows;
      printTable(
        ['component', 'policy', 'env', 'status', 'evidence', 'message'],
        rows.map((x) => [x.component, x.policy, x.environment ?? '-', x.status, evidenceText(x.evidence), x.messages.join('; ') || '-']),
        opts.failing ? 'No failing controls.' : 'No controls apply.',
      );
      if (opts.check && r.summary.fail > 0) process.exitCode = 1;
    });
}

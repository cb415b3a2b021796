/** `gantry incident open|ack|resolve|list|show`: incidents, for MTTR and the change failure rate (docs/metrics.md). */
import type { Command } from 'commander';
import type { IncidentView } from '../../metrics/index.js';
import { connect, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { collect, integerOption } from '../options.js';
import { print, printFields, printJson, printTable } from '../output.js';
import { humanSeconds } from './metrics.js';

const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'];

function show(i: IncidentView & { causeDetail?: { component: string; sha: string | null; finishedAt: string } | null }): void {
  printFields([
    ['id', i.id],
    ['title', i.title],
    ['status', i.status],
    ['severity', i.severity],
    ['components', i.components.join(', ')],
    ['impact started', i.startedAt],
    ['detected', `${i.detectedAt} (after ${humanSeconds(i.timeToDetectSeconds)})`],
    ['acknowledged', i.acknowledgedAt],
    ['resolved', i.resolvedAt ? `${i.resolvedAt} (restored after ${humanSeconds(i.timeToRestoreSeconds)})` : null],
    ['caused by', i.causeDeployment ? `${i.causeDeployment}${i.causeDetail ? ` (${i.causeDetail.component} ${i.causeDetail.sha?.slice(0, 7) ?? ''} at ${i.causeDetail.finishedAt})` : ''}` : null],
    ['source', i.url ? `${i.source} ${i.url}` : i.source],
    ['summary', i.summary],
    ['opened by', i.createdBy],
  ]);
}

/** A time as the user typed it (`2026-11-27T10:05:00Z`, `10m ago`), as ISO. */
export function timeOption(text: string, now = Date.now()): string {
  const ago = /^(\d+)\s*([mhd])\s+ago$/.exec(text.trim());
  if (ago) return new Date(now - Number(ago[1]) * (ago[2] === 'm' ? 60_000 : ago[2] === 'h' ? 3_600_000 : 86_400_000)).toISOString();
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`expected a time such as 2026-11-27T10:05:00Z or "15m ago", found "${text}"`);
  return new Date(t).toISOString();
}

export function incidentCommand(program: Command): void {
  const inc = program.command('incident').description('incidents: production impact, who is on it, when it ended and which deployment caused it').addHelpText(
    'after',
    `
Incidents feed MTTD/MTTR and the change failure rate. They are also opened by GitHub/GitLab issues labelled
"incident" (with "root cause: <sha>"), by imports, and by Gantry itself when a production deployment's
automatic rollback fires.

Examples:
  $ gantry incident open "Checkout returns 500s" --component orders-api --severity sev2 --started "20m ago"
  $ gantry incident ack inc-1a2b3c4d
  $ gantry incident resolve inc-1a2b3c4d --cause d-5e6f7a8b
  $ gantry incident list --status open`,
  );

  inc
    .command('open')
    .description('open an incident')
    .argument('<title>', 'what is broken, as users see it')
    .requiredOption('--component <name>', 'an affected component (repeat for several)', collect)
    .option('--severity <sev>', `one of ${SEVERITIES.join(', ')}`, 'sev3')
    .option('--started <time>', 'when the impact started (default now): an ISO time or "15m ago"')
    .option('--detected <time>', 'when it was noticed (default now)')
    .option('--cause <deployment|sha>', 'the deployment (d-…) or commit that caused it, when known')
    .option('--summary <text>', 'what is known so far')
    .option('--json', 'print the API answer as JSON')
    .action(async (title: string, opts: { component: string[]; severity: string; started?: string; detected?: string; cause?: string; summary?: string; json?: boolean }, cmd: Command) => {
      if (!SEVERITIES.includes(opts.severity)) throw new UsageError(`--severity: expected one of ${SEVERITIES.join(', ')}, found "${opts.severity}"`);
      const body = {
        title,
        severity: opts.severity,
        components: opts.component,
        ...(opts.started ? { startedAt: timeOption(opts.started) } : {}),
        ...(opts.detected ? { detectedAt: timeOption(opts.detected) } : {}),
        ...(opts.cause ? { cause: opts.cause } : {}),
        ...(opts.summary ? { summary: opts.summary } : {}),
      };
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const i = await client.post<IncidentView>('/api/incidents', body);
      if (opts.json) return printJson(i);
      print(`Opened incident ${i.id} (${i.severity}): ${i.title}`);
      print(`Resolve it with: gantry incident resolve ${i.id}`);
    });

  inc
    .command('ack')
    .alias('acknowledge')
    .description('acknowledge an incident: someone is on it')
    .argument('<id>')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const i = await client.post<IncidentView>(`/api/incidents/${encodeURIComponent(id)}/acknowledge`);
      if (opts.json) return printJson(i);
      print(`Incident ${i.id} acknowledged at ${i.acknowledgedAt}.`);
    });

  inc
    .command('resolve')
    .description('resolve an incident: the impact has ended')
    .argument('<id>')
    .option('--at <time>', 'when the impact ended (default now): an ISO time or "5m ago"')
    .option('--cause <deployment|sha>', 'the deployment (d-…) or commit that caused it')
    .option('--summary <text>', 'what happened')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, opts: { at?: string; cause?: string; summary?: string; json?: boolean }, cmd: Command) => {
      const body = { ...(opts.at ? { resolvedAt: timeOption(opts.at) } : {}), ...(opts.cause ? { cause: opts.cause } : {}), ...(opts.summary ? { summary: opts.summary } : {}) };
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const i = await client.post<IncidentView>(`/api/incidents/${encodeURIComponent(id)}/resolve`, body);
      if (opts.json) return printJson(i);
      print(`Resolved incident ${i.id}: restored after ${humanSeconds(i.timeToRestoreSeconds)}.`);
    });

  inc
    .command('list')
    .description('incidents, newest first')
    .option('--status <status>', 'open or resolved')
    .option('--team <team>', "only incidents of this team's components")
    .option('--component <name>', 'only incidents affecting this component')
    .option('--limit <n>', 'at most this many (1-500)', integerOption(1, 500), 50)
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { status?: string; team?: string; component?: string; limit: number; json?: boolean }, cmd: Command) => {
      if (opts.status && !['open', 'resolved'].includes(opts.status)) throw new UsageError(`--status: expected open or resolved, found "${opts.status}"`);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: IncidentView[] }>('/api/incidents', { status: opts.status, team: opts.team, component: opts.component, limit: opts.limit });
      if (opts.json) return printJson(r);
      printTable(
        ['id', 'severity', 'status', 'started', 'restored after', 'components', 'title'],
        r.items.map((i) => [i.id, i.severity, i.status, i.startedAt.slice(0, 16).replace('T', ' '), humanSeconds(i.timeToRestoreSeconds), i.components.map((c) => c.replace(/^component:default\//, '')).join(', '), i.title]),
        'No incidents.',
      );
    });

  inc
    .command('show')
    .description('one incident, with the deployment that caused it')
    .argument('<id>')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const i = await client.get<IncidentView & { causeDetail: { component: string; sha: string | null; finishedAt: string } | null }>(`/api/incidents/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(i);
      show(i);
    });
}

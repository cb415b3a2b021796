/** `gantry metrics dora|teams|platform|deployments|changes|webhooks` and `gantry survey`: delivery metrics (docs/metrics.md). */
import { InvalidArgumentError, type Command } from 'commander';
import type { DoraMetrics, DoraReport, PlatformReport, TeamDora } from '../../metrics/index.js';
import { connect, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { integerOption } from '../options.js';
import { print, printFields, printJson, printTable } from '../output.js';

/** `90d`, `12w` or a number of days, checked here so a typo is a usage error (exit 2), not a server round trip. */
export function windowOption(text: string): string {
  const m = /^(\d+)([dw]?)$/.exec(text.trim());
  const days = m ? Number(m[1]) * (m[2] === 'w' ? 7 : 1) : NaN;
  if (!m || days < 1 || days > 730) throw new InvalidArgumentError(`expected a number of days such as 90d or 12w (at most 730 days), found "${text}".`);
  return `${days}d`;
}

/** A duration in seconds the way people say it: 45s, 12m, 3h 5m, 2d 4h. */
export function humanSeconds(s: number | null): string {
  if (s === null) return '-';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

function scopeName(r: { scope: DoraReport['scope'] }): string {
  return r.scope.kind === 'organisation' ? 'the organisation' : r.scope.kind === 'team' ? r.scope.team : r.scope.component;
}

export function doraRows(m: DoraMetrics): string[][] {
  const f = m.deploymentFrequency;
  const l = m.leadTime;
  const c = m.changeFailureRate;
  const r = m.recoveryTime;
  const w = m.reworkRate;
  return [
    ['deployment frequency', `${f.deployments} (${f.perWeek.toFixed(1)}/week${f.category ? `, ${f.category}` : ''})`, f.level ?? '-'],
    ['lead time for changes', l.changes ? `median ${humanSeconds(l.medianSeconds)}, p90 ${humanSeconds(l.p90Seconds)} (${l.changes} changes)` : 'no changes reached production', l.level ?? '-'],
    ['change failure rate', c.deployments ? `${pct(c.rate)} (${c.failed} of ${c.deployments})` : '-', c.level ?? '-'],
    ['failed deployment recovery', r.failures ? `median ${humanSeconds(r.medianSeconds)}, p90 ${humanSeconds(r.p90Seconds)} (${r.recovered} of ${r.failures} recovered)` : 'no failed deployments', r.level ?? '-'],
    ['deployment rework rate', w.deployments ? `${pct(w.rate)} (${w.unplanned} of ${w.deployments}: ${w.rollbacks} rollbacks, ${w.hotfixes} hotfixes)` : '-', ''],
  ];
}

interface ScopeOpts {
  team?: string;
  component?: string;
  window?: string;
  json?: boolean;
}

function scopeQuery(opts: ScopeOpts) {
  if (opts.team && opts.component) throw new UsageError('--team and --component: give one of them, not both');
  return { team: opts.team, component: opts.component, window: opts.window };
}

export function metricsCommand(program: Command): void {
  const metrics = program.command('metrics').description('delivery metrics: DORA four keys, platform effectiveness, and the deployments and changes behind them').addHelpText(
    'after',
    `
The numbers come from Gantry's own deployments, GitHub/GitLab webhooks and imported history
(gantry events import). Definitions: docs/metrics.md.

Examples:
  $ gantry metrics dora                          the organisation, last 90 days
  $ gantry metrics dora --team team-a --window 30d
  $ gantry metrics teams                         every team side by side
  $ gantry metrics deployments --failed --team team-a
  $ gantry metrics platform --json`,
  );
  const scoped = (c: Command) =>
    c
      .option('--team <team>', 'one team (group name or ref)')
      .option('--component <name>', 'one component (name or ref)')
      .option('--window <days>', 'the window ending now: 90d (default), 12w, 30', windowOption)
      .option('--json', 'print the API answer as JSON');

  scoped(metrics.command('dora').description("DORA's four keys and rework rate, with the performance level")).action(async (opts: ScopeOpts, cmd: Command) => {
    const q = scopeQuery(opts);
    const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
    const r = await client.get<DoraReport>('/api/metrics/dora', q);
    if (opts.json) return printJson(r);
    print(`DORA for ${scopeName(r)}: ${r.window.from.slice(0, 10)} to ${r.window.to.slice(0, 10)} (${r.window.days} days)`);
    print(`Level: ${r.level ?? 'none (no production deployments)'} (${r.levels.report} ${r.levels.year})`);
    print();
    printTable(['metric', 'value', 'level'], doraRows(r), '');
    const weeks = r.trend.slice(-8);
    if (weeks.length > 1) {
      print();
      print('Last weeks:');
      printTable(
        ['week', 'deploys', 'lead time', 'failure rate', 'recovery', 'rework'],
        weeks.map((w) => [w.week, String(w.deploymentFrequency.deployments), humanSeconds(w.leadTime.medianSeconds), pct(w.changeFailureRate.rate), humanSeconds(w.recoveryTime.medianSeconds), pct(w.reworkRate.rate)]),
        '',
      );
    }
  });

  metrics
    .command('teams')
    .description("every team's four keys over the same window")
    .option('--window <days>', 'the window ending now: 90d (default), 12w, 30', windowOption)
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { window?: string; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: TeamDora[] }>('/api/metrics/dora/teams', { window: opts.window });
      if (opts.json) return printJson(r);
      printTable(
        ['team', 'level', 'deploys', 'lead time (median)', 'failure rate', 'recovery (median)', 'rework'],
        r.items.map((t) => [t.team, t.level ?? '-', String(t.deploymentFrequency.deployments), humanSeconds(t.leadTime.medianSeconds), pct(t.changeFailureRate.rate), humanSeconds(t.recoveryTime.medianSeconds), pct(t.reworkRate.rate)]),
        'No teams own components yet.',
      );
    });

  scoped(metrics.command('platform').description('platform effectiveness: adoption, time to provision, templates, MTTD/MTTR, satisfaction')).action(async (opts: ScopeOpts, cmd: Command) => {
    const q = scopeQuery(opts);
    const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
    const r = await client.get<PlatformReport>('/api/metrics/platform', q);
    if (opts.json) return printJson(r);
    const a = r.adoption;
    const t = r.timeToProvision;
    const i = r.incidents;
    const s = r.satisfaction;
    print(`Platform effectiveness for ${scopeName(r)}: ${r.window.from.slice(0, 10)} to ${r.window.to.slice(0, 10)} (${r.window.days} days)`);
    print();
    printFields([
      ['adoption', `${pct(a.rate)}: ${a.adopted} of ${a.components} components from a golden path on a standard pipeline (${a.fromGoldenPath} from a golden path, ${a.standardPipeline} on a standard pipeline)`],
      ['time to provision', t.provisioned ? `median ${humanSeconds(t.medianSeconds)}, p90 ${humanSeconds(t.p90Seconds)} (${t.provisioned} provisioned, ${t.pending} pending)` : `none provisioned (${t.pending} pending)`],
      ['incidents', `${i.count} (${i.open} open; sev1 ${i.bySeverity.sev1}, sev2 ${i.bySeverity.sev2}, sev3 ${i.bySeverity.sev3}, sev4 ${i.bySeverity.sev4}; ${i.withoutCause} without a known cause)`],
      ['MTTD', `${humanSeconds(i.mttdSeconds)} (median ${humanSeconds(i.medianTtdSeconds)})`],
      ['MTTR', `${humanSeconds(i.mttrSeconds)} (median ${humanSeconds(i.medianTtrSeconds)})`],
      ['satisfaction', s.responses ? `${s.average!.toFixed(2)} / 5 from ${s.responses} answer${s.responses === 1 ? '' : 's'}` : 'no survey answers'],
    ]);
    if (r.templates.length) {
      print();
      printTable(['template', 'tasks', 'succeeded', 'failed'], r.templates.map((x) => [x.template, String(x.tasks), String(x.succeeded), String(x.failed)]), '');
    }
  });

  scoped(
    metrics
      .command('deployments')
      .description('the production deployments behind the numbers, newest first')
      .option('--failed', 'only failed deployments (the change failure rate)')
      .option('--unplanned', 'only rollbacks and hotfixes (the rework rate)')
      .option('--limit <n>', 'at most this many (1-5000)', integerOption(1, 5000), 50),
  ).action(async (opts: ScopeOpts & { failed?: boolean; unplanned?: boolean; limit: number }, cmd: Command) => {
    const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
    const r = await client.get<{ items: Array<{ id: string; component: string; finishedAt: string; status: string; rollback: boolean; hotfix: boolean; failedBecause: string | null; sha: string | null }> }>('/api/metrics/deployments', {
      ...scopeQuery(opts),
      failed: opts.failed ? 'true' : undefined,
      unplanned: opts.unplanned ? 'true' : undefined,
      limit: opts.limit,
    });
    if (opts.json) return printJson(r);
    printTable(
      ['finished', 'component', 'deployment', 'sha', 'status', 'kind', 'failed because'],
      r.items.map((d) => [d.finishedAt.slice(0, 16).replace('T', ' '), d.component.replace(/^component:default\//, ''), d.id, d.sha?.slice(0, 7) ?? '-', d.status, d.rollback ? 'rollback' : d.hotfix ? 'hotfix' : 'planned', d.failedBecause ?? '-']),
      'No production deployments in the window.',
    );
  });

  scoped(
    metrics
      .command('changes')
      .description('the changes behind lead time: each change that reached production in the window, slowest first')
      .option('--limit <n>', 'at most this many (1-5000)', integerOption(1, 5000), 50),
  ).action(async (opts: ScopeOpts & { limit: number }, cmd: Command) => {
    const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
    const r = await client.get<{ items: Array<{ component: string; sha: string; committedAt: string; deployedAt: string; leadTimeSeconds: number; deployment: string }> }>('/api/metrics/changes', { ...scopeQuery(opts), limit: opts.limit });
    if (opts.json) return printJson(r);
    printTable(
      ['component', 'sha', 'committed', 'in production', 'lead time', 'deployment'],
      r.items.map((c) => [c.component.replace(/^component:default\//, ''), c.sha.slice(0, 7), c.committedAt.slice(0, 16).replace('T', ' '), c.deployedAt.slice(0, 16).replace('T', ' '), humanSeconds(c.leadTimeSeconds), c.deployment]),
      'No changes reached production in the window.',
    );
  });

  metrics
    .command('webhooks')
    .description('stored GitHub/GitLab webhook deliveries, or --replay to parse them all again (admins)')
    .option('--source <source>', 'github or gitlab')
    .option('--status <status>', 'parsed, ignored or error')
    .option('--replay', 'parse every stored delivery again and store what it holds (idempotent)')
    .option('--limit <n>', 'at most this many (1-500)', integerOption(1, 500), 20)
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { source?: string; status?: string; replay?: boolean; limit: number; json?: boolean }, cmd: Command) => {
      if (opts.source && !['github', 'gitlab'].includes(opts.source)) throw new UsageError(`--source: expected github or gitlab, found "${opts.source}"`);
      if (opts.status && !['parsed', 'ignored', 'error'].includes(opts.status)) throw new UsageError(`--status: expected parsed, ignored or error, found "${opts.status}"`);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      if (opts.replay) {
        const r = await client.post<{ deliveries: number; parsed: number; ignored: number; errors: number; facts: number }>('/api/metrics/webhook-deliveries/replay', opts.source ? { source: opts.source } : {});
        if (opts.json) return printJson(r);
        return print(`Replayed ${r.deliveries} deliveries: ${r.parsed} parsed (${r.facts} facts), ${r.ignored} ignored, ${r.errors} errors.`);
      }
      const r = await client.get<{ items: Array<{ id: string; event: string; receivedAt: string; status: string; detail: string | null; facts: number }> }>('/api/metrics/webhook-deliveries', { source: opts.source, status: opts.status, limit: opts.limit });
      if (opts.json) return printJson(r);
      printTable(
        ['received', 'delivery', 'event', 'status', 'facts', 'detail'],
        r.items.map((d) => [d.receivedAt.slice(0, 19).replace('T', ' '), d.id, d.event, d.status, String(d.facts), d.detail ?? '']),
        'No webhook deliveries yet.',
      );
    });

  program
    .command('survey')
    .description('tell the platform team how well Gantry works for you (1 poor to 5 great)')
    .requiredOption('--score <n>', '1 (poor) to 5 (great)', integerOption(1, 5))
    .option('--comment <text>', 'what works, what does not')
    .option('--anonymous', 'keep only your team, not your name')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { score: number; comment?: string; anonymous?: boolean; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.post<{ id: string; anonymous: boolean; team: string | null }>('/api/survey', { score: opts.score, ...(opts.comment ? { comment: opts.comment } : {}), anonymous: opts.anonymous === true });
      if (opts.json) return printJson(r);
      print(`Thank you. Recorded ${r.anonymous ? 'anonymously' : 'with your name'}${r.team ? ` for ${r.team}` : ''}.`);
    });
}

/** `gantry exemption request|approve|reject|revoke|list`: waive one policy for one subject, for a while (docs/policy.md). */
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { print, printFields, printJson, printTable } from '../output.js';

interface Exemption {
  id: string;
  subject: string;
  policy: string;
  reason: string;
  status: string;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  expiresAt: string;
}

const STATUSES = ['requested', 'active', 'expired', 'rejected', 'revoked'];

/** `30d`, `12h`, or a date/time; the expiry as ISO. */
export function expiryOf(text: string, now = Date.now()): string {
  const m = /^(\d+)([dhw])$/.exec(text.trim());
  if (m) {
    const n = Number(m[1]);
    const unit = m[2] === 'h' ? 3_600_000 : m[2] === 'd' ? 86_400_000 : 7 * 86_400_000;
    if (n < 1) throw new UsageError(`--expires: expected at least 1${m[2]}, found "${text}"`);
    return new Date(now + n * unit).toISOString();
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--expires: expected a duration such as 30d, 12h or 2w, or a date such as 2027-01-31, found "${text}"`);
  return new Date(t).toISOString();
}

function show(e: Exemption): void {
  printFields([
    ['id', e.id],
    ['status', e.status],
    ['subject', e.subject],
    ['policy', e.policy],
    ['reason', e.reason],
    ['requested', `${e.requestedAt} by ${e.requestedBy}`],
    ['decided', e.decidedBy ? `${e.decidedAt} by ${e.decidedBy}` : null],
    ['expires', e.expiresAt],
  ]);
}

export function exemptionCommand(program: Command): void {
  const ex = program.command('exemption').description('policy exemptions: one policy waived for one subject, with a reason, an approver and an expiry').addHelpText(
    'after',
    `
An exemption is asked for by the subject's team, approved by an admin other than the requester, and stops
applying by itself when it expires. While active, the policy's denials and warnings for that subject are
recorded as "exempt" and do not block.

Examples:
  $ gantry exemption request --subject component:default/orders-api --policy resource-limits-set \\
      --reason "load test this week sizes the limits" --expires 7d
  $ gantry exemption list --status requested
  $ gantry exemption approve ex-1a2b3c4d
  $ gantry exemption revoke ex-1a2b3c4d`,
  );

  ex.command('request')
    .description('ask for an exemption (an admin other than you approves it)')
    .requiredOption('--subject <ref>', 'the catalog entity, e.g. component:default/orders-api')
    .requiredOption('--policy <name>', 'the policy to waive')
    .requiredOption('--reason <text>', 'why (at least 10 characters)')
    .requiredOption('--expires <when>', 'a duration (30d, 12h, 2w) or a date (at most 365 days ahead)')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { subject: string; policy: string; reason: string; expires: string; json?: boolean }, cmd: Command) => {
      const expiresAt = expiryOf(opts.expires);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const e = await client.post<Exemption>('/api/exemptions', { subject: opts.subject, policy: opts.policy, reason: opts.reason, expiresAt });
      if (opts.json) return printJson(e);
      print(`Requested exemption ${e.id}: ${e.policy} for ${e.subject} until ${e.expiresAt}. An admin approves it with: gantry exemption approve ${e.id}`);
    });

  for (const verb of ['approve', 'reject', 'revoke'] as const) {
    ex.command(verb)
      .description(verb === 'revoke' ? 'end a requested or active exemption (its requester or an admin)' : `${verb} a requested exemption (admins; not your own request)`)
      .argument('<id>')
      .option('--json', 'print the API answer as JSON')
      .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
        const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
        const e = await client.post<Exemption>(`/api/exemptions/${encodeURIComponent(id)}/${verb}`);
        if (opts.json) return printJson(e);
        print(`Exemption ${e.id} is ${e.status}.`);
        show(e);
      });
  }

  ex.command('list')
    .description('exemptions, newest first')
    .option('--subject <ref>', 'only this subject')
    .option('--policy <name>', 'only this policy')
    .option('--status <status>', `only ${STATUSES.join(', ')}`)
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { subject?: string; policy?: string; status?: string; json?: boolean }, cmd: Command) => {
      if (opts.status && !STATUSES.includes(opts.status)) throw new UsageError(`--status: expected one of ${STATUSES.join(', ')}, found "${opts.status}"`);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: Exemption[] }>('/api/exemptions', { subject: opts.subject, policy: opts.policy, status: opts.status });
      if (opts.json) return printJson(r);
      printTable(
        ['id', 'status', 'policy', 'subject', 'expires', 'requested by', 'decided by'],
        r.items.map((e) => [e.id, e.status, e.policy, e.subject, e.expiresAt.slice(0, 16).replace('T', ' '), e.requestedBy, e.decidedBy ?? '-']),
        'No exemptions.',
      );
    });
}

/**
 * `gantry env`, `deploy`, `promote`, `rollback`, `approve`, `logs`, `release` and `deployments`: self-service
 * environments and deployments (docs/environments.md). Every command is a thin client of the HTTP API.
 */
import type { Command } from 'commander';
import type { DeploymentView, DriftView, EnvironmentView, MatrixView, ReleaseView } from '../../environments/index.js';
import { connect, type ApiClient, type GlobalOptions } from '../client.js';
import { UsageError } from '../errors.js';
import { transient } from '../follow.js';
import { err, formatAge, formatDuration, out, print, printErr, printFields, printJson, printTable } from '../output.js';

const WAITING = new Set(['queued', 'deploying']);
const FAILED = new Set(['failed', 'rolled_back', 'rejected']);

function statusText(s: string): string {
  const text = s.replace('_', ' ');
  if (s === 'succeeded') return out.green(text);
  if (FAILED.has(s)) return out.red(text);
  return out.yellow(text);
}

/** Follows a deployment until it ends (or waits for approval), printing each change on stderr. */
async function follow(client: ApiClient, d: DeploymentView, json: boolean): Promise<DeploymentView> {
  let last = '';
  const show = (x: DeploymentView) => {
    if (x.status === last) return;
    last = x.status;
    if (!json) printErr(err.dim(`${x.id}: ${x.status.replace('_', ' ')}${x.status === 'awaiting_approval' ? ` (${x.approvals.length}/${x.requiredApprovals} approvals; gantry approve ${x.id})` : ''}`));
  };
  show(d);
  let cur = d;
  const deadline = Date.now() + 10 * 60_000;
  while (WAITING.has(cur.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 400));
    try {
      cur = await client.get<DeploymentView>(`/api/deployments/${encodeURIComponent(cur.id)}`);
    } catch (e) {
      // A server restarting must not lose the user's place: the deployment goes on without us.
      if (!transient(e)) throw e;
      continue;
    }
    show(cur);
  }
  if (WAITING.has(cur.status)) printErr(err.yellow(`${cur.id} is still ${cur.status}; follow it with gantry deployments --component ${cur.component}`));
  return cur;
}

function report(d: DeploymentView, json: boolean): void {
  if (json) {
    printJson(d);
  } else if (d.status === 'succeeded') {
    print(`Deployed ${d.component} ${d.release?.sha.slice(0, 7) ?? ''} (${d.releaseId}) to ${d.environment}${d.durationMs !== null ? ` in ${formatDuration(d.durationMs)}` : ''}.${d.url ? `\n${d.url}` : ''}`);
  } else if (d.status === 'awaiting_approval') {
    print(`Deployment ${d.id} of ${d.component} to ${d.environment} awaits ${d.requiredApprovals - d.approvals.length} approval(s) by someone else: gantry approve ${d.id}`);
  } else {
    print(`Deployment ${d.id} of ${d.component} to ${d.environment}: ${statusText(d.status)}${d.reason ? `\n${d.reason}` : ''}`);
  }
  if (FAILED.has(d.status)) process.exitCode = 1;
}

async function submit(cmd: Command, path: string, body: Record<string, unknown>, opts: { wait?: boolean; json?: boolean }): Promise<void> {
  const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
  let d = await client.post<DeploymentView>(path, body);
  if (opts.wait !== false) d = await follow(client, d, opts.json === true);
  report(d, opts.json === true);
}

function parseIntOption(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name}: expected a whole number from ${min} to ${max}, found "${v}"`);
  return n;
}

export function envCommand(program: Command): void {
  const env = program.command('env').description('list, create and delete environments').addHelpText(
    'after',
    `
Examples:
  $ gantry env list
  $ gantry env create qa --type development --owner team-a
  $ gantry env create pr-42 --type preview --owner team-a --component orders-api --branch feature/x --ttl 24h
  $ gantry env drift staging               exit 1 when what runs differs from git
  $ gantry env drift staging --reconcile
  $ gantry env delete pr-42 --yes`,
  );

  env
    .command('list')
    .description('environments in promotion order, with what runs in each')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const m = await client.get<MatrixView>('/api/environments/matrix');
      if (opts.json) {
        printJson(m);
        return;
      }
      const now = Date.now();
      printTable(
        ['name', 'type', 'driver', 'owner', 'approvals', 'frozen', 'expires', 'components'],
        m.environments.map((e: EnvironmentView) => [
          e.name,
          e.type,
          e.driver,
          e.owner.replace(/^group:default\//, ''),
          String(e.requiredApprovals),
          e.frozen ? `until ${e.frozen.end}` : '-',
          e.expiresAt ? formatAge(e.expiresAt, now).replace(' ago', '') : '-',
          String(m.components.filter((c) => c.cells[e.name]?.desired).length),
        ]),
        'No environments. Create one with gantry env create.',
      );
      if (m.components.length > 0) {
        print('');
        printTable(
          ['component', ...m.environments.map((e) => e.name)],
          m.components.map((c) => [
            c.component,
            ...m.environments.map((e) => {
              const cell = c.cells[e.name];
              if (!cell?.desired && !cell?.latest) return '-';
              const state = cell.runtime?.state ?? cell.latest?.status ?? '';
              return `${cell.desired?.sha.slice(0, 7) ?? '-'} ${state}`;
            }),
          ]),
          '',
        );
      }
    });

  env
    .command('create')
    .description('create an environment (committed to the environment repository)')
    .argument('<name>', 'DNS-1123 label, e.g. qa or pr-42')
    .requiredOption('--type <type>', 'development, staging, production or preview')
    .requiredOption('--owner <team>', 'owning team (group ref or name)')
    .option('--driver <driver>', 'local or kubernetes', 'local')
    .option('--order <n>', 'promotion order (lower first)')
    .option('--approvals <n>', 'approvals a deployment needs, by someone other than the requester')
    .option('--ttl <duration>', 'previews: torn down after this long (30m, 24h, 7d)')
    .option('--component <name>', 'previews: the component to deploy')
    .option('--branch <branch>', 'previews: the branch to build it from')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const body: Record<string, unknown> = { name, type: opts.type, owner: opts.owner, driver: opts.driver };
      const order = parseIntOption('--order', opts.order as string | undefined, 0, 10_000);
      const approvals = parseIntOption('--approvals', opts.approvals as string | undefined, 0, 10);
      if (order !== undefined) body.order = order;
      if (approvals !== undefined) body.requiredApprovals = approvals;
      for (const k of ['ttl', 'component', 'branch'] as const) if (opts[k]) body[k] = opts[k];
      const r = await client.post<{ environment: EnvironmentView; deployment: DeploymentView | null }>('/api/environments', body);
      if (opts.json) {
        printJson(r);
        return;
      }
      print(`Created environment ${r.environment.name} (${r.environment.type}, ${r.environment.driver}).`);
      if (r.deployment) {
        const d = await follow(client, r.deployment, false);
        report(d, false);
      }
    });

  env
    .command('drift')
    .description('where what runs differs from the environment repository; exit 1 when it does')
    .argument('<name>')
    .option('--reconcile', 'make what runs match the environment repository')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, opts: { reconcile?: boolean; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const path = `/api/environments/${encodeURIComponent(name)}/${opts.reconcile ? 'reconcile' : 'drift'}`;
      const r = opts.reconcile ? await client.post<DriftView>(path) : await client.get<DriftView>(path);
      if (opts.json) {
        printJson(r);
      } else if (r.items.length === 0) {
        print(`${r.environment}: no drift; what runs is what the environment repository says.`);
      } else {
        printTable(
          ['component', 'desired', 'running', 'state', 'problem'],
          r.items.map((i) => [i.component, i.desired ?? '-', i.actual ?? '-', i.state ?? '-', i.problem]),
          '',
        );
        if (opts.reconcile) print(`Reconciled ${r.items.length} component(s) of ${r.environment}.`);
      }
      if (r.items.length > 0 && !opts.reconcile) process.exitCode = 1;
    });

  env
    .command('delete')
    .description('tear an environment down: workloads stopped, resources removed, its files deleted')
    .argument('<name>')
    .option('--yes', 'do not ask')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      if (!opts.yes) throw new UsageError(`deleting ${name} stops its workloads and deletes their data; add --yes to confirm`);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      await client.delete(`/api/environments/${encodeURIComponent(name)}`);
      print(`Deleted environment ${name}.`);
    });
}

export function deployCommands(program: Command): void {
  program
    .command('deploy')
    .description('deploy a release of a component to an environment (default: its newest release)')
    .argument('<component>')
    .requiredOption('--env <env>', 'target environment')
    .option('--release <id>', 'the release (see gantry release list)')
    .option('--override-freeze <reason>', 'deploy during a freeze window (admins; recorded)')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print the deployment as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry deploy orders-api --env development\n  $ gantry deploy orders-api --env staging --release r-1a2b3c4d')
    .action(async (component: string, opts: { env: string; release?: string; overrideFreeze?: string; wait?: boolean; json?: boolean }, cmd: Command) => {
      await submit(cmd, '/api/deployments', { component, environment: opts.env, ...(opts.release ? { release: opts.release } : {}), ...(opts.overrideFreeze ? { overrideFreeze: opts.overrideFreeze } : {}) }, opts);
    });

  program
    .command('promote')
    .description('promote the release that succeeded in the environment before <env> into it')
    .argument('<component>')
    .requiredOption('--to <env>', 'target environment')
    .option('--override-freeze <reason>', 'promote during a freeze window (admins; recorded)')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print the deployment as JSON')
    .action(async (component: string, opts: { to: string; overrideFreeze?: string; wait?: boolean; json?: boolean }, cmd: Command) => {
      await submit(cmd, '/api/deployments/promote', { component, to: opts.to, ...(opts.overrideFreeze ? { overrideFreeze: opts.overrideFreeze } : {}) }, opts);
    });

  program
    .command('rollback')
    .description('roll back to an earlier release (default: the one that succeeded before the current one)')
    .argument('<component>')
    .requiredOption('--env <env>', 'environment')
    .option('--to <release>', 'the release to go back to')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print the deployment as JSON')
    .action(async (component: string, opts: { env: string; to?: string; wait?: boolean; json?: boolean }, cmd: Command) => {
      await submit(cmd, '/api/deployments/rollback', { component, environment: opts.env, ...(opts.to ? { to: opts.to } : {}) }, opts);
    });

  program
    .command('approve')
    .description('approve a deployment awaiting approval (not your own)')
    .argument('<deployment>')
    .option('--no-wait', 'return once approved')
    .option('--json', 'print the deployment as JSON')
    .action(async (id: string, opts: { wait?: boolean; json?: boolean }, cmd: Command) => {
      await submit(cmd, `/api/deployments/${encodeURIComponent(id)}/approve`, {}, opts);
    });

  program
    .command('logs')
    .description('the output of a running workload')
    .argument('<component>')
    .requiredOption('--env <env>', 'environment')
    .option('--tail <n>', 'lines from the end', '100')
    .option('-f, --follow', 'keep printing new lines')
    .action(async (component: string, opts: { env: string; tail: string; follow?: boolean }, cmd: Command) => {
      const tail = parseIntOption('--tail', opts.tail, 1, 5000) ?? 100;
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const path = `/api/environments/${encodeURIComponent(opts.env)}/components/${encodeURIComponent(component)}/logs`;
      if (!opts.follow) {
        const r = await client.get<{ lines: string[] }>(path, { tail: String(tail) });
        for (const l of r.lines) print(l);
        return;
      }
      const res = await client.stream(path, { tail: String(tail), follow: '1' });
      let buf = '';
      const decoder = new TextDecoder();
      for await (const chunk of res) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
          if (data.length) print(data.join('\n'));
        }
      }
    });

  const release = program.command('release').description('list and make releases');
  release
    .command('list')
    .description('releases, newest first')
    .option('--component <name>', 'only this component')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { component?: string; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: ReleaseView[] }>('/api/releases', { component: opts.component });
      if (opts.json) {
        printJson(r);
        return;
      }
      const now = Date.now();
      printTable(
        ['id', 'component', 'sha', 'branch', 'artifact', 'created', 'by'],
        r.items.map((x) => [x.id, x.component, x.sha.slice(0, 12), x.branch, `${x.artifactDigest.slice(0, 19)} (${x.artifactSource.replace(/:.*/, '')})`, formatAge(x.createdAt, now), x.createdBy]),
        'No releases.',
      );
    });
  release
    .command('create')
    .description("make a release of a component (default: its default branch's head)")
    .argument('<component>')
    .option('--sha <sha>', 'a commit')
    .option('--branch <branch>', 'a branch head')
    .option('--json', 'print the release as JSON')
    .action(async (component: string, opts: { sha?: string; branch?: string; json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.post<ReleaseView>('/api/releases', { component, ...(opts.sha ? { sha: opts.sha } : {}), ...(opts.branch ? { branch: opts.branch } : {}) });
      if (opts.json) printJson(r);
      else print(`Release ${r.id} of ${r.component} at ${r.sha.slice(0, 12)} (${r.artifactDigest}).`);
    });

  program
    .command('deployments')
    .description('deployment history, newest first')
    .option('--component <name>', 'only this component')
    .option('--env <env>', 'only this environment')
    .option('--status <status>', 'only this status')
    .option('--limit <n>', 'at most this many', '30')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { component?: string; env?: string; status?: string; limit: string; json?: boolean }, cmd: Command) => {
      const limit = parseIntOption('--limit', opts.limit, 1, 500);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: DeploymentView[] }>('/api/deployments', { component: opts.component, environment: opts.env, status: opts.status, limit: String(limit) });
      if (opts.json) {
        printJson(r);
        return;
      }
      const now = Date.now();
      printTable(
        ['id', 'component', 'env', 'release', 'sha', 'action', 'status', 'by', 'when'],
        r.items.map((d) => [d.id, d.component, d.environment, d.releaseId, d.release?.sha.slice(0, 7) ?? '-', d.action, statusText(d.status), d.requestedBy, formatAge(d.requestedAt, now)]),
        'No deployments.',
      );
      const failed = r.items.find((d) => FAILED.has(d.status));
      if (failed?.reason && r.items.length === 1) printFields([['Reason', failed.reason]]);
    });

}

import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, Tx } from '../../store/index.js';
import type { ChangeFact, DeliveryFact, DeploymentFact, IncidentFact } from '../model/facts.js';
import type { ComponentDirectory } from './components.js';
import type { ChangeTable, DeploymentTable, IncidentTable, MetricsTables } from './tables.js';

export interface IngestCounts {
  changes: number;
  deployments: number;
  incidents: number;
  /** Facts that name neither a component nor a repository. */
  skipped: number;
}

const CHUNK = 400;
const PRODUCTION = /^(prod|production|live)([-_.].*)?$/i;

/** Whether an environment is production when the source does not say: its name (`prod`, `production`, `live`, `prod-eu`). */
export function isProductionName(environment: string): boolean {
  return PRODUCTION.test(environment.trim());
}

/** A change's key: one row per component and commit, whichever sources told of it (a push, a merge, a deployment). */
export function changeKey(component: string, sha: string): string {
  return `${component}@${sha.toLowerCase()}`;
}

const TERMINAL = new Set(['success', 'failure', 'rolled_back']);

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Which of two reports of one deployment holds: a finished state over a pending one, else the later. */
function mergeDeployment(old: DeploymentTable, next: DeploymentTable): DeploymentTable {
  const oldDone = TERMINAL.has(old.status);
  const nextDone = TERMINAL.has(next.status);
  const winner = oldDone && !nextDone ? old : !oldDone && nextDone ? next : next.finished_at >= old.finished_at ? next : old;
  const other = winner === old ? next : old;
  return {
    ...winner,
    started_at: [old.started_at, next.started_at].filter((x): x is string => !!x).sort()[0] ?? null,
    sha: winner.sha ?? other.sha,
    reverts: winner.reverts ?? other.reverts,
    url: winner.url ?? other.url,
    rollback: old.rollback || next.rollback ? 1 : 0,
    hotfix: old.hotfix || next.hotfix ? 1 : 0,
    // Only linking writes it (a report of the deployment never carries it).
    change_leads: old.change_leads ?? next.change_leads,
  };
}

function sameRow<T extends object>(a: T, b: T): boolean {
  return (Object.keys(a) as Array<keyof T>).every((k) => a[k] === b[k]);
}

/**
 * Stores delivery facts in tx, idempotently: a change is one row per component and commit; a deployment or an
 * incident is one row per fact id, and a later report of it (a finished status, a closed issue) updates the row.
 * When a deployment reaches production successfully, the changes it carried get their `deployed_at` (lead time).
 */
export interface IngestOptions {
  actor: string;
  now: string;
  /** Lead times are worked out in SQL, which differs between the two databases. */
  dialect: 'sqlite' | 'postgres';
}

/** Whole seconds from a change's commit to `deployedAt`, as SQL of the dialect (never negative). */
function leadSecondsSql(dialect: IngestOptions['dialect'], deployedAt: string): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`greatest(0, round(extract(epoch from (cast(${deployedAt} as timestamptz) - cast(committed_at as timestamptz)))))`
    : sql<number>`max(0, cast(round((julianday(${deployedAt}) - julianday(committed_at)) * 86400) as integer))`;
}

export async function ingestFacts(tx: Tx, facts: DeliveryFact[], dir: ComponentDirectory, opts: IngestOptions): Promise<IngestCounts> {
  const db = tx.withTables<MetricsTables>();
  const counts: IngestCounts = { changes: 0, deployments: 0, incidents: 0, skipped: 0 };
  const componentOf = (f: { component: string | null; repo: string | null }): string | null =>
    f.component ? dir.component(f.component) : f.repo ? dir.repo(f.repo) : null;

  // ---- changes ----
  const changes = new Map<string, ChangeTable>();
  const addChange = (component: string, f: Pick<ChangeFact, 'source' | 'repo' | 'sha' | 'committedAt'>) => {
    const id = changeKey(component, f.sha);
    const seen = changes.get(id);
    if (!seen || f.committedAt < seen.committed_at) {
      changes.set(id, { id, source: f.source, component, repo: f.repo, sha: f.sha.toLowerCase(), committed_at: f.committedAt, deployed_at: null, deployment_id: null, lead_seconds: null });
    }
  };
  const deployments: Array<{ row: DeploymentTable; commits: DeploymentFact['commits'] }> = [];
  const incidents: IncidentFact[] = [];
  for (const f of facts) {
    if (f.kind === 'incident') {
      incidents.push(f);
      continue;
    }
    const component = componentOf(f);
    if (!component) {
      counts.skipped++;
      continue;
    }
    if (f.kind === 'change') {
      addChange(component, f);
      continue;
    }
    for (const c of f.commits ?? []) addChange(component, { source: f.source, repo: f.repo, sha: c.sha, committedAt: c.committedAt });
    deployments.push({
      commits: f.commits,
      row: {
        id: f.id,
        source: f.source,
        component,
        repo: f.repo,
        environment: f.environment,
        production: (f.production ?? isProductionName(f.environment)) ? 1 : 0,
        sha: f.sha?.toLowerCase() ?? null,
        status: f.status,
        rollback: f.rollback ? 1 : 0,
        hotfix: f.hotfix ? 1 : 0,
        started_at: f.startedAt,
        finished_at: f.finishedAt,
        reverts: f.reverts,
        url: f.url,
        change_leads: null,
      },
    });
  }
  const newChanges = [...changes.values()];
  for (const part of chunks(newChanges)) {
    await db.insertInto('delivery_changes').values(part).onConflict((oc) => oc.column('id').doNothing()).execute();
  }
  counts.changes = newChanges.length;

  // ---- deployments: merged with what is stored, in time order so earlier ones take their changes first ----
  const byId = new Map<string, { row: DeploymentTable; commits: DeploymentFact['commits'] }>();
  for (const d of deployments) {
    const seen = byId.get(d.row.id);
    byId.set(d.row.id, seen ? { row: mergeDeployment(seen.row, d.row), commits: d.commits ?? seen.commits } : d);
  }
  const existing = new Map<string, DeploymentTable>();
  for (const part of chunks([...byId.keys()])) {
    if (part.length === 0) continue;
    for (const r of await db.selectFrom('delivery_deployments').selectAll().where('id', 'in', part).execute()) existing.set(r.id, r);
  }
  const toInsert: DeploymentTable[] = [];
  const toLink: Array<{ row: DeploymentTable; commits: DeploymentFact['commits'] }> = [];
  for (const { row, commits } of byId.values()) {
    const old = existing.get(row.id);
    const merged = old ? mergeDeployment(old, row) : row;
    if (!old) toInsert.push(merged);
    else if (!sameRow(old, merged)) {
      await db.updateTable('delivery_deployments').set(merged).where('id', '=', merged.id).execute();
    }
    const becameLive = merged.production === 1 && merged.status === 'success' && old?.status !== 'success';
    const needsReverts = merged.production === 1 && merged.rollback === 1 && !merged.reverts;
    if (becameLive || needsReverts || (commits && merged.status === 'success')) toLink.push({ row: merged, commits });
    if (!old || !sameRow(old, merged)) counts.deployments++;
  }
  for (const part of chunks(toInsert, 200)) await db.insertInto('delivery_deployments').values(part).execute();
  toLink.sort((a, b) => (a.row.finished_at < b.row.finished_at ? -1 : a.row.finished_at > b.row.finished_at ? 1 : 0));
  /** Deployments whose set of first-carried changes changed: their lead times are written once, at the end. */
  const relinked = new Set<string>();
  for (const { row, commits } of toLink) {
    if (row.production !== 1) continue;
    if (row.rollback === 1 && !row.reverts) {
      const before = row.started_at ?? row.finished_at;
      const prev = await db
        .selectFrom('delivery_deployments')
        .select('id')
        .where('component', '=', row.component)
        .where('production', '=', 1)
        .where('status', '=', 'success')
        .where('finished_at', '<', before)
        .where('id', '!=', row.id)
        .orderBy('finished_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (prev) {
        row.reverts = prev.id;
        await db.updateTable('delivery_deployments').set({ reverts: prev.id }).where('id', '=', row.id).execute();
      }
    }
    if (row.status === 'success') for (const id of await linkChanges(db, row, commits, opts.dialect)) relinked.add(id);
  }

  // ---- changes that arrived after the deployment that carried them (a push webhook delivered late) ----
  // One read for the whole batch: the production deployments, not of this batch, finished after the earliest new
  // change of their component. Usually none (facts arrive in order); each found one links what it carried.
  const batchDeployments = new Set(byId.keys());
  const earliestByComponent = new Map<string, string>();
  for (const c of newChanges) {
    const e = earliestByComponent.get(c.component);
    if (!e || c.committed_at < e) earliestByComponent.set(c.component, c.committed_at);
  }
  if (earliestByComponent.size > 0) {
    const earliest = [...earliestByComponent.values()].sort()[0]!;
    for (const part of chunks([...earliestByComponent.keys()])) {
      const later = await db
        .selectFrom('delivery_deployments')
        .selectAll()
        .where('component', 'in', part)
        .where('production', '=', 1)
        .where('status', '=', 'success')
        .where('finished_at', '>=', earliest)
        .orderBy('finished_at', 'asc')
        .execute();
      for (const d of later) {
        if (batchDeployments.has(d.id) || d.finished_at < earliestByComponent.get(d.component)!) continue;
        for (const id of await linkChanges(db, d, null, opts.dialect)) relinked.add(id);
      }
    }
  }

  for (const id of relinked) {
    const leads = await db.selectFrom('delivery_changes').select('lead_seconds').where('deployment_id', '=', id).execute();
    await db
      .updateTable('delivery_deployments')
      .set({ change_leads: leads.length ? leads.map((l) => Number(l.lead_seconds)).join(',') : null })
      .where('id', '=', id)
      .execute();
  }

  // ---- incidents ----
  for (const f of incidents) {
    if (await upsertIncident(db, f, dir, componentOf, opts)) counts.incidents++;
  }
  return counts;
}

export type MetricsDb = Kysely<Database & MetricsTables>;

/**
 * Gives the changes a production deployment carried their first production time. With the commits it carried
 * (Gantry's own deployments, imports that list them) exactly those; else the component's changes not yet in
 * production that were committed no later than the deployed commit (or than the deployment, when the commit is
 * not known): the changes between the previous production deployment and this one, on a linear history.
 */
async function linkChanges(db: MetricsDb, d: DeploymentTable, commits: DeploymentFact['commits'], dialect: IngestOptions['dialect']): Promise<string[]> {
  const linked = { deployed_at: d.finished_at, deployment_id: d.id, lead_seconds: leadSecondsSql(dialect, d.finished_at) };
  if (commits && commits.length > 0) {
    const ids = commits.map((c) => changeKey(d.component, c.sha));
    const touched = new Set<string>();
    for (const part of chunks(ids)) {
      // A later deployment that had these changes first (it arrived before this one) loses them.
      for (const r of await db.selectFrom('delivery_changes').select('deployment_id').where('id', 'in', part).where('deployment_id', 'is not', null).where('deployed_at', '>', d.finished_at).execute()) touched.add(r.deployment_id!);
      const r = await db
        .updateTable('delivery_changes')
        .set(linked)
        .where('id', 'in', part)
        .where((eb) => eb.or([eb('deployed_at', 'is', null), eb('deployed_at', '>', d.finished_at)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) touched.add(d.id);
    }
    return [...touched];
  }
  let cutoff = d.finished_at;
  if (d.sha) {
    const own = await db.selectFrom('delivery_changes').select('committed_at').where('id', '=', changeKey(d.component, d.sha)).executeTakeFirst();
    if (own && own.committed_at < cutoff) cutoff = own.committed_at;
  }
  const r = await db
    .updateTable('delivery_changes')
    .set(linked)
    .where('component', '=', d.component)
    .where('deployed_at', 'is', null)
    .where('committed_at', '<=', cutoff)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0 ? [d.id] : [];
}

/** The production deployment that first carried a commit (a `root cause: <sha>`), by full or abbreviated sha. */
export async function deploymentOfSha(db: MetricsDb, sha: string, components: string[]): Promise<string | null> {
  const s = sha.trim().toLowerCase();
  if (!/^[0-9a-f]{4,64}$/.test(s)) return null;
  // A prefix as a range, which the sha index serves on both databases (a LIKE would not).
  const upper = `${s}g`;
  let q = db.selectFrom('delivery_changes').select(['deployment_id', 'deployed_at']).where('sha', '>=', s).where('sha', '<', upper).where('deployment_id', 'is not', null);
  if (components.length) q = q.where('component', 'in', components);
  const change = await q.orderBy('deployed_at', 'asc').limit(1).executeTakeFirst();
  if (change?.deployment_id) return change.deployment_id;
  let dq = db.selectFrom('delivery_deployments').select('id').where('sha', '>=', s).where('sha', '<', upper).where('production', '=', 1).where('status', '!=', 'pending');
  if (components.length) dq = dq.where('component', 'in', components);
  const dep = await dq.orderBy('finished_at', 'asc').limit(1).executeTakeFirst();
  return dep?.id ?? null;
}

function incidentStatus(r: Pick<IncidentTable, 'acknowledged_at' | 'resolved_at'>): 'open' | 'acknowledged' | 'resolved' {
  return r.resolved_at ? 'resolved' : r.acknowledged_at ? 'acknowledged' : 'open';
}
export { incidentStatus };

async function upsertIncident(
  db: MetricsDb,
  f: IncidentFact,
  dir: ComponentDirectory,
  componentOf: (f: { component: string | null; repo: string | null }) => string | null,
  opts: IngestOptions,
): Promise<boolean> {
  let components = f.components.map((c) => dir.component(c));
  if (components.length === 0 && f.repo) components = [componentOf({ component: null, repo: f.repo })!];
  components = [...new Set(components)].sort();
  const old = await db.selectFrom('incidents').selectAll().where('id', '=', f.id).executeTakeFirst();
  let cause = f.causeDeployment;
  if (!cause && f.causeSha) cause = await deploymentOfSha(db, f.causeSha, components);
  const row: IncidentTable = {
    id: f.id,
    source: f.source,
    title: f.title,
    severity: f.severity,
    started_at: old && old.started_at < f.startedAt && f.source !== 'import' ? old.started_at : f.startedAt,
    detected_at: f.detectedAt,
    acknowledged_at: f.acknowledgedAt ?? old?.acknowledged_at ?? null,
    resolved_at: f.resolvedAt,
    components: JSON.stringify(components),
    cause_deployment: cause ?? old?.cause_deployment ?? null,
    cause_sha: f.causeSha ?? old?.cause_sha ?? null,
    url: f.url ?? old?.url ?? null,
    summary: old?.summary ?? null,
    created_by: old?.created_by ?? opts.actor,
    updated_at: old?.updated_at ?? opts.now,
  };
  if (old) {
    const { updated_at: _a, ...a } = old;
    const { updated_at: _b, ...b } = row;
    if (sameRow(a, b)) return false;
    await db.updateTable('incidents').set({ ...row, updated_at: opts.now }).where('id', '=', f.id).execute();
    return true;
  }
  await db.insertInto('incidents').values(row).execute();
  return true;
}

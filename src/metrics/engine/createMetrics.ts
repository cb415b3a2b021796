import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../auth/authorize.js';
import { authorize } from '../../auth/authorize.js';
import type { Catalog } from '../../catalog/index.js';
import { errorChain, InputError, isGantryError, NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Store } from '../../store/index.js';
import { doraReport, computeDora, platformReport, windowEnding, type LeadTimeRow } from '../compute/index.js';
import type { DeliveryFact, Severity } from '../model/facts.js';
import type {
  AdoptionRow,
  DeploymentRow,
  DoraReport,
  IncidentRow,
  MetricsScope,
  PlatformReport,
  ProvisionRow,
  SurveyRow,
  TeamDora,
  Window,
} from '../model/reports.js';
import { parseGithub, parseGitlab, parseImport } from '../sources/index.js';
import { componentDirectory, type ComponentDirectory } from './components.js';
import { deploymentOfSha, incidentStatus, ingestFacts, type IngestCounts, type MetricsDb } from './ingest.js';
import { applyEvents, PROJECTED_ACTIONS } from './project.js';
import type { DeploymentTable, IncidentTable, MetricsTables } from './tables.js';

export type WebhookSource = 'github' | 'gitlab';

export interface WebhookResult {
  delivery: string;
  /** parsed | ignored | error */
  status: string;
  detail: string | null;
  facts: number;
  /** The delivery id was seen before: nothing was parsed or stored again. */
  duplicate: boolean;
}

export interface DeliveryView {
  id: string;
  source: string;
  event: string;
  receivedAt: string;
  status: string;
  detail: string | null;
  facts: number;
  parsedAt: string;
}

/** An incident as the API shows it: the stored row, with its durations worked out. */
export interface IncidentView extends IncidentRow {
  causeSha: string | null;
  url: string | null;
  summary: string | null;
  createdBy: string;
  updatedAt: string;
  timeToDetectSeconds: number;
  timeToRestoreSeconds: number | null;
}

export interface OpenIncidentInput {
  title: string;
  severity?: Severity;
  components: string[];
  /** Start of impact; default now. */
  startedAt?: string;
  /** Default now (or startedAt when that is later). */
  detectedAt?: string;
  /** The deployment that caused it: a Gantry deployment id (`d-…`), a stored deployment id, or a commit sha. */
  cause?: string;
  summary?: string;
}

export interface ResolveIncidentInput {
  resolvedAt?: string;
  cause?: string;
  summary?: string;
}

export interface ReportQuery {
  team?: string;
  component?: string;
  /** Days; default 90. */
  windowDays?: number;
  /** The end of the window (default now); for reports of the past and for tests. */
  now?: string;
}

export interface DeploymentDrillQuery extends ReportQuery {
  /** Only failed deployments (change failure rate's numerator). */
  failed?: boolean;
  /** Only unplanned ones (rollbacks and hotfixes). */
  unplanned?: boolean;
  limit?: number;
}

export interface DeploymentDrillRow extends DeploymentRow {
  source: string;
  owner: string | null;
  failed: boolean;
  /** Why it counts as failed. */
  failedBecause: string | null;
  incidents: string[];
  url: string | null;
}

export interface ImportResult extends IngestCounts {
  file: string;
  records: number;
}

export interface MetricsOptions {
  store: Store;
  catalog: Catalog;
  log: Logger;
  /** The clock (tests). */
  now?: () => Date;
}

const SEVERITIES: Severity[] = ['sev1', 'sev2', 'sev3', 'sev4'];
const DAY = 86_400_000;

function invalid(path: string, message: string): InputError {
  return new InputError(`${path}: ${message}`, { problems: [{ code: 'invalid_input', path, message, severity: 'error' }] });
}

function timeOf(value: string | undefined, field: string, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw invalid(field, `expected an ISO-8601 time such as 2026-05-01T12:00:00Z, found ${JSON.stringify(value)}`);
  return d.toISOString();
}

function teamRef(team: string): string {
  const t = team.trim().toLowerCase();
  if (t.startsWith('group:')) return t.includes('/') ? t : `group:default/${t.slice(6)}`;
  return `group:default/${t.includes('/') ? t.split('/').pop() : t}`;
}

export function incidentView(r: IncidentTable): IncidentView {
  const started = Date.parse(r.started_at);
  return {
    id: r.id,
    source: r.source,
    title: r.title,
    severity: r.severity as Severity,
    status: incidentStatus(r),
    components: JSON.parse(r.components) as string[],
    startedAt: r.started_at,
    detectedAt: r.detected_at,
    acknowledgedAt: r.acknowledged_at,
    resolvedAt: r.resolved_at,
    causeDeployment: r.cause_deployment,
    causeSha: r.cause_sha,
    url: r.url,
    summary: r.summary,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    timeToDetectSeconds: Math.max(0, (Date.parse(r.detected_at) - started) / 1000),
    timeToRestoreSeconds: r.resolved_at ? Math.max(0, (Date.parse(r.resolved_at) - started) / 1000) : null,
  };
}


function deploymentRow(r: DeploymentTable): DeploymentRow {
  return {
    id: r.id,
    component: r.component,
    environment: r.environment,
    sha: r.sha,
    status: r.status as DeploymentRow['status'],
    rollback: Number(r.rollback) === 1,
    hotfix: Number(r.hotfix) === 1,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    reverts: r.reverts,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Delivery metrics: DORA's four keys (and rework), platform effectiveness, incidents and the survey, from
 * Gantry's own event log (projected here), GitHub and GitLab webhooks (raw payloads kept, parsed separately,
 * replayable) and imports. Every report reads the same tables; see docs/metrics.md for the definitions.
 */
export function createMetrics(opts: MetricsOptions) {
  const { store, catalog, log } = opts;
  const now = () => (opts.now ? opts.now() : new Date()).toISOString();
  const db = (): MetricsDb => store.db.withTables<MetricsTables>();

  // The catalog's components change rarely compared with how often facts arrive: a short-lived snapshot.
  let directory: { at: number; dir: Promise<ComponentDirectory> } | null = null;
  function dir(): Promise<ComponentDirectory> {
    if (!directory || Date.now() - directory.at > 5_000) {
      const d = componentDirectory(catalog);
      directory = { at: Date.now(), dir: d };
      d.catch(() => {
        directory = null;
      });
    }
    return directory.dir;
  }

  // ---- the event log projection -------------------------------------------------------------------------------

  const CURSOR = 'events';
  let syncing: Promise<{ events: number; facts: number }> | null = null;

  /** Reads the event log from where the projection stopped; each page and the cursor commit together. */
  async function syncOnce(): Promise<{ events: number; facts: number }> {
    let total = 0;
    let facts = 0;
    for (;;) {
      const cur = await db().selectFrom('metric_cursors').select('position').where('name', '=', CURSOR).executeTakeFirst();
      const after = cur ? Number(cur.position) : 0;
      const page = await store.events.list({ after, limit: 1000, order: 'asc' });
      if (page.items.length === 0) return { events: total, facts };
      const last = page.items[page.items.length - 1]!.seq;
      const relevant = page.items.filter((e) => PROJECTED_ACTIONS.some((a) => e.action.startsWith(a)));
      const d = relevant.length ? await dir() : null;
      await store.transaction(async (tx) => {
        const t = tx.withTables<MetricsTables>();
        // Another process may have moved the cursor meanwhile: only move it forward.
        const again = await t.selectFrom('metric_cursors').select('position').where('name', '=', CURSOR).executeTakeFirst();
        if (again && Number(again.position) >= last) return;
        if (d) facts += (await applyEvents(tx, relevant, d, { actor: 'system:gantry', now: now(), dialect: store.dialect })).facts;
        if (again) await t.updateTable('metric_cursors').set({ position: last }).where('name', '=', CURSOR).execute();
        else await t.insertInto('metric_cursors').values({ name: CURSOR, position: last }).onConflict((oc) => oc.column('name').doUpdateSet({ position: last })).execute();
      });
      total += page.items.length;
    }
  }

  function sync(): Promise<{ events: number; facts: number }> {
    if (!syncing) {
      syncing = syncOnce().finally(() => {
        syncing = null;
      });
    }
    return syncing;
  }

  async function ingest(facts: DeliveryFact[], actor: string): Promise<IngestCounts> {
    const d = await dir();
    return store.transaction((tx) => ingestFacts(tx, facts, d, { actor, now: now(), dialect: store.dialect }));
  }

  // ---- webhooks -----------------------------------------------------------------------------------------------

  function parseDelivery(source: WebhookSource, event: string, body: string): { facts: DeliveryFact[]; status: string; detail: string | null } {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch (e) {
      return { facts: [], status: 'error', detail: `the body is not JSON: ${(e as Error).message}` };
    }
    try {
      const r = source === 'github' ? parseGithub(event, payload) : parseGitlab(event, payload);
      if (r.facts.length === 0) return { facts: [], status: 'ignored', detail: r.ignored ?? 'no delivery facts in this event' };
      return { facts: r.facts, status: 'parsed', detail: null };
    } catch (e) {
      if (!isGantryError(e)) throw e;
      return { facts: [], status: 'error', detail: e.message };
    }
  }

  /**
   * Keeps a webhook delivery whose signature the caller checked, and stores the facts it holds. The same
   * delivery id again changes nothing (GitHub and GitLab re-send on timeouts).
   */
  async function receiveWebhook(source: WebhookSource, event: string, deliveryId: string | undefined, body: string): Promise<WebhookResult> {
    const id = `${source}:${deliveryId?.trim() || `sha256-${createHash('sha256').update(body).digest('hex')}`}`;
    const seen = await db().selectFrom('metric_webhook_deliveries').select(['status', 'detail', 'facts']).where('id', '=', id).executeTakeFirst();
    if (seen) return { delivery: id, status: seen.status, detail: seen.detail, facts: Number(seen.facts), duplicate: true };
    const parsed = parseDelivery(source, event, body);
    const d = parsed.facts.length ? await dir() : null;
    const at = now();
    await store.transaction(async (tx) => {
      await tx
        .withTables<MetricsTables>()
        .insertInto('metric_webhook_deliveries')
        .values({ id, source, event, received_at: at, payload: body, status: parsed.status, detail: parsed.detail, facts: parsed.facts.length, parsed_at: at })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      if (d) await ingestFacts(tx, parsed.facts, d, { actor: `system:webhook/${source}`, now: at, dialect: store.dialect });
    });
    if (parsed.status === 'error') log.warn('webhook delivery could not be parsed', { delivery: id, event, error: parsed.detail });
    return { delivery: id, status: parsed.status, detail: parsed.detail, facts: parsed.facts.length, duplicate: false };
  }

  /** Parses every stored delivery again (after a parser fix) and stores what it holds; idempotent. */
  async function replayWebhooks(p: Principal, q: { source?: string; since?: string } = {}) {
    authorize(p, 'metrics.webhook.replay');
    const since = q.since ? timeOf(q.since, 'since', '') : null;
    const out = { deliveries: 0, parsed: 0, ignored: 0, errors: 0, facts: 0 };
    let after = '';
    for (;;) {
      let query = db().selectFrom('metric_webhook_deliveries').selectAll().where('id', '>', after).orderBy('id').limit(500);
      if (q.source) query = query.where('source', '=', q.source);
      if (since) query = query.where('received_at', '>=', since);
      const rows = await query.execute();
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      // In the order they were received, so later reports of a deployment win as they did the first time.
      rows.sort((a, b) => (a.received_at < b.received_at ? -1 : a.received_at > b.received_at ? 1 : 0));
      const d = await dir();
      const at = now();
      await store.transaction(async (tx) => {
        const t = tx.withTables<MetricsTables>();
        for (const r of rows) {
          const parsed = parseDelivery(r.source as WebhookSource, r.event, r.payload);
          if (parsed.facts.length) await ingestFacts(tx, parsed.facts, d, { actor: p.userRef, now: at, dialect: store.dialect });
          await t.updateTable('metric_webhook_deliveries').set({ status: parsed.status, detail: parsed.detail, facts: parsed.facts.length, parsed_at: at }).where('id', '=', r.id).execute();
          out.deliveries++;
          out.facts += parsed.facts.length;
          if (parsed.status === 'parsed') out.parsed++;
          else if (parsed.status === 'ignored') out.ignored++;
          else out.errors++;
        }
      });
    }
    await store.transaction((tx) => store.events.append(tx, { actor: p.userRef, action: 'metrics.webhooks.replayed', subject: 'metrics:webhooks', payload: { ...q, ...out } }));
    return out;
  }

  async function listDeliveries(q: { source?: string; status?: string; limit?: number } = {}): Promise<DeliveryView[]> {
    let query = db().selectFrom('metric_webhook_deliveries').select(['id', 'source', 'event', 'received_at', 'status', 'detail', 'facts', 'parsed_at']).orderBy('received_at', 'desc').limit(Math.min(Math.max(q.limit ?? 50, 1), 500));
    if (q.source) query = query.where('source', '=', q.source);
    if (q.status) query = query.where('status', '=', q.status);
    return (await query.execute()).map((r) => ({ id: r.id, source: r.source, event: r.event, receivedAt: r.received_at, status: r.status, detail: r.detail, facts: Number(r.facts), parsedAt: r.parsed_at }));
  }

  // ---- import -------------------------------------------------------------------------------------------------

  /** Imports history (JSON lines or CSV): all of the file or, with any problem, none of it. */
  async function importEvents(p: Principal, input: { text: string; file: string; format?: 'jsonl' | 'csv' }): Promise<ImportResult> {
    authorize(p, 'metrics.import');
    const { facts, problems } = parseImport(input.text, input.file, input.format);
    const errors = problems.filter((x) => x.severity !== 'warning');
    if (errors.length) {
      throw new InputError(`${input.file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was imported`, { problems });
    }
    const d = await dir();
    const counts = await store.transaction(async (tx) => {
      const c = await ingestFacts(tx, facts, d, { actor: p.userRef, now: now(), dialect: store.dialect });
      await store.events.append(tx, { actor: p.userRef, action: 'metrics.imported', subject: `metrics:import`, payload: { file: input.file, records: facts.length, ...c } });
      return c;
    });
    return { file: input.file, records: facts.length, ...counts };
  }

  // ---- incidents ----------------------------------------------------------------------------------------------

  async function loadIncident(id: string): Promise<IncidentTable> {
    const r = await db().selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFoundError(`no incident ${id}`);
    return r;
  }

  async function causeOf(text: string, components: string[]): Promise<string> {
    const t = text.trim();
    const direct = await db()
      .selectFrom('delivery_deployments')
      .select('id')
      .where('id', 'in', [t, `gantry:${t}`])
      .executeTakeFirst();
    if (direct) return direct.id;
    const bySha = /^[0-9a-f]{7,64}$/i.test(t) ? await deploymentOfSha(db(), t, components) : null;
    if (bySha) return bySha;
    throw invalid('cause', `expected a deployment id (d-…) or a commit sha that reached production, found ${JSON.stringify(t)}; no such deployment is known`);
  }

  /** The owning teams of an incident's components: who may acknowledge and resolve it. */
  async function ownersOf(components: string[]): Promise<string[]> {
    const d = await dir();
    return [...new Set(components.map((c) => d.ownerOf(c)).filter((o): o is string => !!o))];
  }

  function authorizeUpdate(p: Principal, owners: string[], createdBy: string): void {
    const mine = owners.find((o) => p.teams.includes(o));
    authorize(p, 'incident.update', { owner: mine ?? owners[0] ?? null, userRef: createdBy });
  }

  async function openIncident(p: Principal, input: OpenIncidentInput): Promise<IncidentView> {
    authorize(p, 'incident.open');
    const title = input.title?.trim();
    if (!title) throw invalid('title', 'expected a short description of the impact, found nothing');
    if (title.length > 200) throw invalid('title', `expected at most 200 characters, found ${title.length}`);
    const severity = input.severity ?? 'sev3';
    if (!SEVERITIES.includes(severity)) throw invalid('severity', `expected one of ${SEVERITIES.join(', ')}, found ${JSON.stringify(severity)}`);
    if (!Array.isArray(input.components) || input.components.length === 0) throw invalid('components', 'expected at least one affected component');
    const d = await dir();
    const components = [...new Set(input.components.map((c) => d.component(c)))].sort();
    const unknown = components.filter((c) => !d.byRef.has(c));
    if (unknown.length) throw invalid('components', `expected components of the catalog, found ${unknown.join(', ')}`);
    const at = now();
    const startedAt = timeOf(input.startedAt, 'startedAt', at);
    let detectedAt = timeOf(input.detectedAt, 'detectedAt', at);
    if (detectedAt < startedAt) {
      if (input.detectedAt) throw invalid('detectedAt', `expected a time at or after startedAt (${startedAt}), found ${detectedAt}`);
      detectedAt = startedAt;
    }
    if (startedAt > at) throw invalid('startedAt', `expected a time in the past, found ${startedAt}`);
    const cause = input.cause ? await causeOf(input.cause, components) : null;
    const row: IncidentTable = {
      id: `inc-${randomBytes(4).toString('hex')}`,
      source: 'gantry',
      title,
      severity,
      started_at: startedAt,
      detected_at: detectedAt,
      acknowledged_at: null,
      resolved_at: null,
      components: JSON.stringify(components),
      cause_deployment: cause,
      cause_sha: null,
      url: null,
      summary: input.summary?.trim() || null,
      created_by: p.userRef,
      updated_at: at,
    };
    await store.transaction(async (tx) => {
      await tx.withTables<MetricsTables>().insertInto('incidents').values(row).execute();
      await store.events.append(tx, { actor: p.userRef, action: 'incident.opened', subject: `incident:${row.id}`, payload: { title, severity, components, startedAt, detectedAt, cause } });
    });
    return incidentView(row);
  }

  async function acknowledgeIncident(p: Principal, id: string): Promise<IncidentView> {
    const r = await loadIncident(id);
    authorizeUpdate(p, await ownersOf(JSON.parse(r.components) as string[]), r.created_by);
    if (r.resolved_at) throw invalid('status', `incident ${id} is already resolved`);
    if (r.acknowledged_at) return incidentView(r);
    const at = now();
    await store.transaction(async (tx) => {
      await tx.withTables<MetricsTables>().updateTable('incidents').set({ acknowledged_at: at, updated_at: at }).where('id', '=', id).execute();
      await store.events.append(tx, { actor: p.userRef, action: 'incident.acknowledged', subject: `incident:${id}`, payload: { at } });
    });
    return incidentView(await loadIncident(id));
  }

  async function resolveIncident(p: Principal, id: string, input: ResolveIncidentInput = {}): Promise<IncidentView> {
    const r = await loadIncident(id);
    const components = JSON.parse(r.components) as string[];
    authorizeUpdate(p, await ownersOf(components), r.created_by);
    if (r.resolved_at) throw invalid('status', `incident ${id} was already resolved at ${r.resolved_at}`);
    const at = now();
    const resolvedAt = timeOf(input.resolvedAt, 'resolvedAt', at);
    if (resolvedAt < r.started_at) throw invalid('resolvedAt', `expected a time at or after the start of impact (${r.started_at}), found ${resolvedAt}`);
    if (resolvedAt > at) throw invalid('resolvedAt', `expected a time in the past, found ${resolvedAt}`);
    const cause = input.cause ? await causeOf(input.cause, components) : r.cause_deployment;
    const summary = input.summary?.trim() || r.summary;
    await store.transaction(async (tx) => {
      await tx
        .withTables<MetricsTables>()
        .updateTable('incidents')
        .set({ resolved_at: resolvedAt, acknowledged_at: r.acknowledged_at ?? resolvedAt, cause_deployment: cause, summary, updated_at: at })
        .where('id', '=', id)
        .execute();
      await store.events.append(tx, { actor: p.userRef, action: 'incident.resolved', subject: `incident:${id}`, payload: { resolvedAt, cause, timeToRestoreSeconds: (Date.parse(resolvedAt) - Date.parse(r.started_at)) / 1000 } });
    });
    return incidentView(await loadIncident(id));
  }

  async function listIncidents(q: { status?: string; component?: string; team?: string; limit?: number } = {}): Promise<IncidentView[]> {
    await sync().catch((e) => log.warn('metrics: could not catch up with the event log', { error: errorChain(e) }));
    let query = db().selectFrom('incidents').selectAll().orderBy('started_at', 'desc').limit(q.component || q.team ? 5000 : Math.min(Math.max(q.limit ?? 50, 1), 500));
    if (q.status === 'resolved') query = query.where('resolved_at', 'is not', null);
    else if (q.status === 'open') query = query.where('resolved_at', 'is', null);
    else if (q.status) throw invalid('status', `expected open or resolved, found ${JSON.stringify(q.status)}`);
    let rows = (await query.execute()).map(incidentView);
    const d = await dir();
    if (q.component) {
      const c = d.component(q.component);
      rows = rows.filter((r) => r.components.includes(c));
    }
    if (q.team) {
      const t = teamRef(q.team);
      rows = rows.filter((r) => r.components.some((c) => d.ownerOf(c) === t));
    }
    return rows.slice(0, Math.min(Math.max(q.limit ?? 50, 1), 500));
  }

  async function getIncident(id: string): Promise<IncidentView & { causeDetail: DeploymentRow | null }> {
    await sync().catch(() => {});
    const r = await loadIncident(id);
    const cause = r.cause_deployment ? await db().selectFrom('delivery_deployments').selectAll().where('id', '=', r.cause_deployment).executeTakeFirst() : undefined;
    return { ...incidentView(r), causeDetail: cause ? deploymentRow(cause) : null };
  }

  // ---- survey -------------------------------------------------------------------------------------------------

  /** One answer per person per week (a second one replaces the first); anonymous answers keep only the team. */
  async function respond(p: Principal, input: { score: number; comment?: string; anonymous?: boolean; team?: string }): Promise<{ id: string; anonymous: boolean; team: string | null }> {
    authorize(p, 'survey.respond');
    if (!Number.isInteger(input.score) || input.score < 1 || input.score > 5) throw invalid('score', `expected a whole number from 1 (poor) to 5 (great), found ${JSON.stringify(input.score)}`);
    const comment = input.comment?.trim() || null;
    if (comment && comment.length > 2000) throw invalid('comment', `expected at most 2000 characters, found ${comment.length}`);
    const team = input.team ? teamRef(input.team) : (p.teams[0] ?? null);
    if (input.team && p.role !== 'admin' && !p.teams.includes(team!)) throw invalid('team', `expected one of your teams (${p.teams.join(', ') || 'none'}), found ${team}`);
    const at = now();
    const anonymous = input.anonymous === true;
    const week = new Date(Date.parse(at) - ((new Date(at).getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
    const id = anonymous ? `anon-${randomBytes(6).toString('hex')}` : `${p.userRef}@${week}`;
    const row = { id, user_ref: anonymous ? null : p.userRef, team, score: input.score, comment, at };
    await db().insertInto('survey_responses').values(row).onConflict((oc) => oc.column('id').doUpdateSet({ score: row.score, comment: row.comment, team: row.team, at: row.at })).execute();
    return { id: anonymous ? 'anonymous' : id, anonymous, team };
  }

  // ---- reports ------------------------------------------------------------------------------------------------

  interface Scoped {
    scope: MetricsScope;
    window: Window;
    /** Component refs in scope; null: the whole organisation. */
    components: Set<string> | null;
    team: string | null;
    dir: ComponentDirectory;
  }

  async function scoped(q: ReportQuery): Promise<Scoped> {
    if (q.team && q.component) throw invalid('team', 'expected a team or a component, not both');
    const days = q.windowDays ?? 90;
    if (!Number.isFinite(days) || days < 1 || days > 730) throw invalid('window', `expected 1 to 730 days, found ${days}`);
    const end = q.now ? timeOf(q.now, 'now', now()) : now();
    const window = windowEnding(end, days);
    const d = await dir();
    if (q.component) {
      const c = d.component(q.component);
      return { scope: { kind: 'component', component: c }, window, components: new Set([c]), team: null, dir: d };
    }
    if (q.team) {
      const t = teamRef(q.team);
      const cs = d.components.filter((c) => c.owner === t).map((c) => c.ref);
      return { scope: { kind: 'team', team: t }, window, components: new Set(cs), team: t, dir: d };
    }
    return { scope: { kind: 'organisation' }, window, components: null, team: null, dir: d };
  }

  async function deliveryRows(s: Scoped): Promise<{ deployments: DeploymentRow[]; changes: LeadTimeRow[]; incidents: IncidentRow[]; raw: DeploymentTable[] }> {
    const inScope = s.components ? [...s.components] : null;
    if (inScope && inScope.length === 0) return { deployments: [], changes: [], incidents: [], raw: [] };
    let dq = db().selectFrom('delivery_deployments').selectAll().where('production', '=', 1).where('finished_at', '>=', s.window.from);
    if (inScope && inScope.length <= 500) dq = dq.where('component', 'in', inScope);
    const [raw, incidentRows] = await Promise.all([
      dq.execute(),
      db().selectFrom('incidents').selectAll().where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', s.window.from)])).where('started_at', '<', s.window.to).execute(),
    ]);
    const keep = (c: string) => !s.components || s.components.has(c);
    const rawKept = raw.filter((r) => keep(r.component));
    const keptIds = new Set(rawKept.map((d) => d.id));
    return {
      raw: rawKept,
      deployments: rawKept.map(deploymentRow),
      // The changes of the window are those its deployments were first to bring to production (each deployment keeps
      // their lead times: reading ~10 change rows per deployment would cost more than the rest of the report).
      changes: rawKept
        .filter((d) => d.change_leads && d.finished_at < s.window.to)
        .flatMap((d) => d.change_leads!.split(',').map((x) => ({ component: d.component, deployedAt: d.finished_at, leadSeconds: Number(x) }))),
      incidents: incidentRows.map(incidentView).filter((i) => !s.components || i.components.some(keep) || (i.causeDeployment !== null && keptIds.has(i.causeDeployment))),
    };
  }

  async function dora(q: ReportQuery = {}): Promise<DoraReport> {
    await sync().catch((e) => log.warn('metrics: could not catch up with the event log', { error: errorChain(e) }));
    const s = await scoped(q);
    const rows = await deliveryRows(s);
    return doraReport({ ...rows, window: s.window, now: s.window.to, scope: s.scope });
  }

  /** Every team's four keys over one window, for comparison (one read, partitioned by the owner of each component). */
  async function teams(q: Omit<ReportQuery, 'team' | 'component'> = {}): Promise<TeamDora[]> {
    await sync().catch((e) => log.warn('metrics: could not catch up with the event log', { error: errorChain(e) }));
    const s = await scoped({ ...q });
    const rows = await deliveryRows(s);
    const owners = new Map<string, string[]>();
    for (const c of s.dir.components) {
      if (!c.owner) continue;
      owners.set(c.owner, [...(owners.get(c.owner) ?? []), c.ref]);
    }
    const out: TeamDora[] = [];
    for (const [team, refs] of [...owners.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const set = new Set(refs);
      const deployments = rows.deployments.filter((d) => set.has(d.component));
      const ids = new Set(deployments.map((d) => d.id));
      const m = computeDora({
        deployments,
        changes: rows.changes.filter((c) => set.has(c.component)),
        incidents: rows.incidents.filter((i) => i.components.some((c) => set.has(c)) || (i.causeDeployment !== null && ids.has(i.causeDeployment))),
        window: s.window,
        now: s.window.to,
      });
      out.push({ team, components: refs.length, ...m });
    }
    return out;
  }

  /** The deployments behind a number: all production deployments in the window, or only the failed or unplanned ones. */
  async function deployments(q: DeploymentDrillQuery = {}): Promise<{ window: Window; items: DeploymentDrillRow[] }> {
    await sync().catch(() => {});
    const s = await scoped(q);
    const rows = await deliveryRows(s);
    const inWindow = (t: string) => t >= s.window.from && t < s.window.to;
    const revertedBy = new Map<string, string>();
    for (const d of rows.deployments) if (d.rollback && d.status === 'success' && d.reverts) revertedBy.set(d.reverts, d.id);
    const causedBy = new Map<string, string[]>();
    for (const i of rows.incidents) if (i.causeDeployment) causedBy.set(i.causeDeployment, [...(causedBy.get(i.causeDeployment) ?? []), i.id]);
    const byComponent = new Map<string, IncidentRow[]>();
    for (const i of rows.incidents) for (const c of i.components) byComponent.set(c, [...(byComponent.get(c) ?? []), i]);
    const openDuring = (d: DeploymentRow) => (byComponent.get(d.component) ?? []).some((i) => i.startedAt <= d.finishedAt && (!i.resolvedAt || d.finishedAt < i.resolvedAt));
    const raw = new Map(rows.raw.map((r) => [r.id, r]));
    let items: DeploymentDrillRow[] = rows.deployments
      .filter((d) => inWindow(d.finishedAt) && d.status !== 'pending')
      .map((d) => {
        const incidents = causedBy.get(d.id) ?? [];
        const failedBecause =
          d.status === 'failure' ? 'the deployment failed' : d.status === 'rolled_back' ? 'it was rolled back automatically' : revertedBy.has(d.id) ? `rolled back by ${revertedBy.get(d.id)}` : incidents.length ? `caused ${incidents.join(', ')}` : null;
        return {
          ...d,
          hotfix: d.hotfix || (!d.rollback && openDuring(d)),
          source: raw.get(d.id)?.source ?? 'unknown',
          owner: s.dir.ownerOf(d.component),
          failed: failedBecause !== null,
          failedBecause,
          incidents,
          url: raw.get(d.id)?.url ?? null,
        };
      });
    if (q.failed) items = items.filter((d) => d.failed);
    if (q.unplanned) items = items.filter((d) => d.rollback || d.hotfix);
    items.sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : a.finishedAt > b.finishedAt ? -1 : 0));
    return { window: s.window, items: items.slice(0, Math.min(Math.max(q.limit ?? 200, 1), 5000)) };
  }

  /** The changes behind lead time: each change that reached production in the window and how long it took. */
  async function changes(q: ReportQuery & { limit?: number } = {}) {
    await sync().catch(() => {});
    const s = await scoped(q);
    const inScope = s.components ? [...s.components] : null;
    let query = db()
      .selectFrom('delivery_changes')
      .select(['component', 'sha', 'committed_at', 'deployed_at', 'deployment_id', 'lead_seconds'])
      .where('deployed_at', '>=', s.window.from)
      .where('deployed_at', '<', s.window.to)
      .orderBy('lead_seconds', 'desc')
      .orderBy('sha')
      .limit(Math.min(Math.max(q.limit ?? 200, 1), 5000));
    if (inScope) query = inScope.length ? query.where('component', 'in', inScope) : query.where('component', '=', '');
    const items = (await query.execute()).map((c) => ({ component: c.component, sha: c.sha, committedAt: c.committed_at, deployedAt: c.deployed_at!, deployment: c.deployment_id!, leadTimeSeconds: Number(c.lead_seconds) }));
    return { window: s.window, items };
  }

  async function platform(q: ReportQuery = {}): Promise<PlatformReport> {
    await sync().catch((e) => log.warn('metrics: could not catch up with the event log', { error: errorChain(e) }));
    const s = await scoped(q);
    const keep = (c: string | null) => !s.components || (c !== null && s.components.has(c));
    const pipelines = new Map((await db().selectFrom('metric_component_pipelines').selectAll().execute()).map((r) => [r.component, r]));
    const adoption: AdoptionRow[] = s.dir.components
      .filter((c) => keep(c.ref))
      .map((c) => ({
        component: c.ref,
        owner: c.owner,
        fromGoldenPath: typeof c.annotations['gantry.dev/template'] === 'string',
        standardPipeline: !!pipelines.get(c.ref)?.standard,
        createdAt: c.createdAt,
      }));
    const provisions: ProvisionRow[] = (
      await db()
        .selectFrom('metric_provisions')
        .selectAll()
        .where((eb) => eb.or([eb('requested_at', '>=', s.window.from), eb('first_healthy_at', '>=', s.window.from)]))
        .execute()
    )
      .map((r) => ({
        task: r.task,
        template: r.template,
        owner: r.owner ? teamRef(r.owner) : r.component ? s.dir.ownerOf(r.component) : null,
        requestedAt: r.requested_at,
        status: r.status as ProvisionRow['status'],
        component: r.component,
        firstHealthyAt: r.first_healthy_at,
      }))
      .filter((r) => !s.components || keep(r.component) || (s.team !== null && r.owner === s.team));
    const incidents = (await db().selectFrom('incidents').selectAll().where('started_at', '>=', s.window.from).execute()).map(incidentView).filter((i) => !s.components || i.components.some((c) => keep(c)));
    let survey: SurveyRow[] = (await db().selectFrom('survey_responses').selectAll().where('at', '>=', s.window.from).execute()).map((r) => ({
      id: r.id,
      user: r.user_ref,
      team: r.team,
      score: Number(r.score),
      comment: r.comment,
      at: r.at,
    }));
    if (s.team) survey = survey.filter((r) => r.team === s.team);
    else if (s.components) survey = [];
    return platformReport({ adoption, provisions, incidents, survey, window: s.window, now: s.window.to, scope: s.scope });
  }

  /** Survey comments in the window (never who wrote them when anonymous); team leads read them, newest first. */
  async function surveyComments(q: ReportQuery & { limit?: number } = {}) {
    const s = await scoped(q);
    let query = db().selectFrom('survey_responses').selectAll().where('at', '>=', s.window.from).where('comment', 'is not', null).orderBy('at', 'desc').limit(Math.min(Math.max(q.limit ?? 50, 1), 500));
    if (s.team) query = query.where('team', '=', s.team);
    return (await query.execute()).map((r) => ({ at: r.at, team: r.team, score: Number(r.score), comment: r.comment!, user: r.user_ref }));
  }

  return {
    sync,
    ingest,
    receiveWebhook,
    replayWebhooks,
    listDeliveries,
    importEvents,
    openIncident,
    acknowledgeIncident,
    resolveIncident,
    listIncidents,
    getIncident,
    respond,
    dora,
    teams,
    deployments,
    changes,
    platform,
    surveyComments,
  };
}

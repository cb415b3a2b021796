import type { StoredEvent, Tx } from '../../store/index.js';
import type { DeliveryFact, DeploymentFact } from '../model/facts.js';
import type { ComponentDirectory } from './components.js';
import { ingestFacts, type IngestOptions } from './ingest.js';
import type { MetricsTables } from './tables.js';

/** The event-log actions the metrics read (everything else is skipped by the projector). */
export const PROJECTED_ACTIONS = ['deployment.succeeded', 'deployment.failed', 'scaffolder.task.', 'pipeline.run.created'];

type Payload = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * Gantry's own deployment events as delivery facts. A production deployment the local driver rolled back by
 * itself (it never became healthy) also opens an incident, resolved at once when the previous release was put
 * back, and left open when there was none to go back to.
 */
export function factsOfEvent(e: StoredEvent): DeliveryFact[] {
  if (e.action !== 'deployment.succeeded' && e.action !== 'deployment.failed') return [];
  const p = (e.payload ?? {}) as Payload;
  const id = e.subject.replace(/^deployment:/, '');
  const component = str(p.component);
  const environment = str(p.environment);
  if (!component || !environment) return [];
  const rolledBack = p.rolledBack === true;
  const finishedAt = str(p.finishedAt) ?? e.time;
  const envType = str(p.environmentType);
  const commits = Array.isArray(p.commits)
    ? (p.commits as Array<{ sha?: unknown; at?: unknown }>)
        .filter((c) => typeof c.sha === 'string' && typeof c.at === 'string' && !Number.isNaN(Date.parse(c.at)))
        .map((c) => ({ sha: c.sha as string, committedAt: new Date(c.at as string).toISOString() }))
    : null;
  const d: DeploymentFact = {
    kind: 'deployment',
    id: `gantry:${id}`,
    source: 'gantry',
    component,
    repo: null,
    environment,
    production: envType ? envType === 'production' : null,
    sha: str(p.sha),
    status: e.action === 'deployment.succeeded' ? 'success' : rolledBack ? 'rolled_back' : 'failure',
    rollback: p.action === 'rollback',
    hotfix: p.hotfix === true,
    startedAt: str(p.startedAt),
    finishedAt,
    commits,
    reverts: null,
    url: str(p.url),
  };
  const facts: DeliveryFact[] = [d];
  if (rolledBack && (envType === 'production' || (!envType && /^(prod|production|live)/i.test(environment)))) {
    const restored = !!str(p.fromRelease);
    facts.push({
      kind: 'incident',
      id: `gantry:rollback:${id}`,
      source: 'gantry',
      title: `Automatic rollback of ${component.replace(/^component:default\//, '')} in ${environment}`,
      severity: 'sev3',
      startedAt: d.startedAt ?? finishedAt,
      detectedAt: finishedAt,
      acknowledgedAt: null,
      resolvedAt: restored ? finishedAt : null,
      components: [component],
      repo: null,
      causeDeployment: d.id,
      causeSha: null,
      url: null,
    });
  }
  return facts;
}

/**
 * Applies one page of the event log in tx: delivery facts, scaffolder provisions (request to first healthy
 * deployment), and the pipeline each component's newest run extends. Idempotent: a page applied twice (two
 * processes catching up at once) leaves the same rows.
 */
export async function applyEvents(tx: Tx, events: StoredEvent[], dir: ComponentDirectory, opts: IngestOptions): Promise<{ facts: number }> {
  const db = tx.withTables<MetricsTables>();
  const facts = events.flatMap(factsOfEvent);
  if (facts.length) await ingestFacts(tx, facts, dir, opts);
  for (const e of events) {
    const p = (e.payload ?? {}) as Payload;
    if (e.action === 'scaffolder.task.created') {
      const task = e.subject.replace(/^scaffolder-task:/, '');
      const params = (p.parameters ?? {}) as Payload;
      await db
        .insertInto('metric_provisions')
        .values({ task, template: str(p.template) ?? 'unknown', owner: str(params.owner), requested_at: e.time, status: 'running', component: null, first_healthy_at: null })
        .onConflict((oc) => oc.column('task').doNothing())
        .execute();
    } else if (/^scaffolder\.task\.(succeeded|failed|cancelled)$/.test(e.action)) {
      const task = e.subject.replace(/^scaffolder-task:/, '');
      const refs = Array.isArray(p.entityRefs) ? (p.entityRefs as unknown[]).filter((r): r is string => typeof r === 'string') : [];
      const component = refs.find((r) => r.toLowerCase().startsWith('component:'))?.toLowerCase() ?? null;
      const status = e.action.split('.').pop() as string;
      await db.updateTable('metric_provisions').set({ status, ...(component ? { component } : {}) }).where('task', '=', task).execute();
      if (component) {
        // The component may have been deployed before this event was read (the projector is behind).
        const first = await db
          .selectFrom('delivery_deployments')
          .select('finished_at')
          .where('component', '=', component)
          .where('status', '=', 'success')
          .orderBy('finished_at', 'asc')
          .limit(1)
          .executeTakeFirst();
        if (first) await db.updateTable('metric_provisions').set({ first_healthy_at: first.finished_at }).where('task', '=', task).where('first_healthy_at', 'is', null).execute();
      }
    } else if (e.action === 'deployment.succeeded') {
      const component = str(p.component)?.toLowerCase();
      const at = str(p.finishedAt) ?? e.time;
      if (component) await db.updateTable('metric_provisions').set({ first_healthy_at: at }).where('component', '=', component).where('first_healthy_at', 'is', null).execute();
    } else if (e.action === 'pipeline.run.created') {
      const component = str(p.component)?.toLowerCase();
      if (!component) continue;
      const runId = e.subject.replace(/^pipeline-run:/, '');
      const row = { component, run_id: runId, run_at: e.time, standard: str(p.extends) };
      const old = await db.selectFrom('metric_component_pipelines').select('run_at').where('component', '=', component).executeTakeFirst();
      if (!old) await db.insertInto('metric_component_pipelines').values(row).onConflict((oc) => oc.column('component').doNothing()).execute();
      else if (old.run_at <= e.time) await db.updateTable('metric_component_pipelines').set(row).where('component', '=', component).execute();
    }
  }
  return { facts: facts.length };
}

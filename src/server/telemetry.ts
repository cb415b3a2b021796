import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorChain } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics, TeamDora } from '../metrics/index.js';
import type { Store } from '../store/index.js';
import type { AppEnv } from './context.js';

/** How long the delivery gauges are reused: a scrape every 15 s must not recompute a year of deployments each time. */
const DELIVERY_TTL_MS = 60_000;
/** The window of every delivery gauge (the reports' default), as a label. */
const WINDOW = '90d';

export interface Telemetry {
  registry: Registry;
  /** Counts and times every HTTP request by method, route template and status. */
  middleware: MiddlewareHandler<AppEnv>;
}

/**
 * Prometheus exposition (`GET /metrics`): the process (CPU, memory, event loop), HTTP requests, the job queue,
 * the event log, and the delivery metrics as gauges per team over the default 90-day window. Names follow
 * Prometheus conventions: `gantry_` prefix, base units (seconds, ratios 0..1), `_total` for counters.
 */
export function createTelemetry(deps: { store: Store; metrics?: Metrics; log: Logger }): Telemetry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'gantry_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'gantry_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const db = deps.store.db;
  new Gauge({
    name: 'gantry_jobs',
    help: 'Jobs in the durable queue, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      this.reset();
      for (const s of ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']) this.set({ status: s }, Number(rows.find((r) => r.status === s)?.n ?? 0));
    },
  });
  new Gauge({
    name: 'gantry_events',
    help: 'Events in the hash-chained event log (the audit log)',
    registers: [registry],
    async collect() {
      const head = await db.selectFrom('event_head').select('seq').where('id', '=', 1).executeTakeFirst();
      this.set(Number(head?.seq ?? 0));
    },
  });
  new Gauge({
    name: 'gantry_catalog_entities',
    help: 'Entities in the software catalog, by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const rows = await db.selectFrom('entities').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('kind').execute();
      this.reset();
      for (const r of rows) this.set({ kind: String(r.kind).toLowerCase() }, Number(r.n));
    },
  });

  if (deps.metrics) {
    const metrics = deps.metrics;
    let cached: { at: number; teams: Promise<TeamDora[]>; platform: ReturnType<Metrics['platform']>; open: ReturnType<Metrics['listIncidents']> } | null = null;
    const delivery = () => {
      if (!cached || Date.now() - cached.at > DELIVERY_TTL_MS) {
        const c = { at: Date.now(), teams: metrics.teams(), platform: metrics.platform(), open: metrics.listIncidents({ status: 'open', limit: 500 }) };
        Promise.all([c.teams, c.platform, c.open]).catch((e) => {
          deps.log.warn('metrics: the delivery gauges could not be computed', { error: errorChain(e) });
          if (cached === c) cached = null;
        });
        cached = c;
      }
      return cached;
    };
    const perTeam = (name: string, help: string, value: (t: TeamDora) => number | null, extra: string[] = []) =>
      new Gauge({
        name,
        help,
        labelNames: ['team', 'window', ...extra],
        registers: [registry],
        async collect() {
          const teams = await delivery().teams;
          this.reset();
          for (const t of teams) {
            const v = value(t);
            if (v !== null) this.set({ team: t.team, window: WINDOW }, v);
          }
        },
      });
    perTeam('gantry_dora_deployments', 'Successful production deployments in the last 90 days (DORA deployment frequency)', (t) => t.deploymentFrequency.deployments);
    perTeam('gantry_dora_lead_time_seconds', 'Median lead time for changes over the last 90 days: commit to running in production', (t) => t.leadTime.medianSeconds);
    perTeam('gantry_dora_change_failure_ratio', 'Failed production deployments / production deployments, last 90 days', (t) => t.changeFailureRate.rate);
    perTeam('gantry_dora_failed_deployment_recovery_seconds', 'Median failed deployment recovery time over the last 90 days', (t) => t.recoveryTime.medianSeconds);
    perTeam('gantry_dora_rework_ratio', 'Unplanned production deployments (rollbacks, hotfixes) / production deployments, last 90 days', (t) => t.reworkRate.rate);
    new Gauge({
      name: 'gantry_dora_level',
      help: 'Performance level per the State of DevOps 2024 clusters: 1 low, 2 medium, 3 high, 4 elite',
      labelNames: ['team', 'window'],
      registers: [registry],
      async collect() {
        const teams = await delivery().teams;
        this.reset();
        const rank = { low: 1, medium: 2, high: 3, elite: 4 } as const;
        for (const t of teams) if (t.level) this.set({ team: t.team, window: WINDOW }, rank[t.level]);
      },
    });
    new Gauge({
      name: 'gantry_incidents_open',
      help: 'Incidents not yet resolved, by severity',
      labelNames: ['severity'],
      registers: [registry],
      async collect() {
        const open = await delivery().open;
        this.reset();
        for (const s of ['sev1', 'sev2', 'sev3', 'sev4']) this.set({ severity: s }, open.filter((i) => i.severity === s).length);
      },
    });
    const platform = (name: string, help: string, value: (p: Awaited<ReturnType<Metrics['platform']>>) => number | null) =>
      new Gauge({
        name,
        help,
        // Labelled, so that a value the window has no data for is absent rather than a misleading 0.
        labelNames: ['window'],
        registers: [registry],
        async collect() {
          const v = value(await delivery().platform);
          this.reset();
          if (v !== null) this.set({ window: WINDOW }, v);
        },
      });
    platform('gantry_platform_adoption_ratio', 'Components created from a golden path and running a standard pipeline / all components', (p) => p.adoption.rate);
    platform('gantry_platform_time_to_provision_seconds', 'Median time from a golden-path request to its first healthy deployment, last 90 days', (p) => p.timeToProvision.medianSeconds);
    platform('gantry_platform_mttr_seconds', 'Mean time to restore over incidents started in the last 90 days', (p) => p.incidents.mttrSeconds);
    platform('gantry_platform_mttd_seconds', 'Mean time to detect over incidents started in the last 90 days', (p) => p.incidents.mttdSeconds);
    platform('gantry_platform_satisfaction_score', 'Mean developer survey score (1-5) over the last 90 days', (p) => p.satisfaction.average);
    platform('gantry_platform_survey_responses', 'Developer survey answers in the last 90 days', (p) => p.satisfaction.responses);
  }

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // The route template, not the path: one series per route, not per entity.
      const route = c.req.path.startsWith('/api/') || c.req.path === '/metrics' ? routePath(c) : c.req.path.startsWith('/git/') ? '/git/*' : 'portal';
      requests.inc({ method: c.req.method, route, status: String(c.res.status) });
      duration.observe({ method: c.req.method, route }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
  return { registry, middleware };
}

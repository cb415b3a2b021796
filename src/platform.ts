import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { SYSTEM, authorize, type Principal } from './auth/authorize.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import { CATALOG_JOB_HANDLERS, REFRESH_LOCATION_JOB, createCatalog, type Catalog } from './catalog/index.js';
import { sampleOrgDir } from './catalog/sample/generate.js';
import { loadConfig, workspacePaths, type PlatformConfig, type PlatformConfigInput } from './core/config.js';
import { errorChain, NotAuthenticatedError } from './core/errors.js';
import { createLogger, type Logger } from './core/logger.js';
import { builtInTemplatesDir, createScaffolder, SCAFFOLDER_JOB_HANDLERS, type Scaffolder } from './golden-paths/index.js';
import { cloneUrlOf, createRepoHost, type PushEvent, type RepoHost } from './hosting/index.js';
import { environmentTools, localRuntime } from './environments/assemble.js';
import { createLocalDriver, type LocalDriver } from './environments/drivers/local/index.js';
import { createEnvironments, createEnvRepo, type Environments, type LocalRuntime } from './environments/index.js';
import { createPipelines, createSecretStore, loadPlatformKey, type Pipelines, type PolicyGate, type SecretStore } from './pipelines/index.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { createPolicyService, subjectOf, type PolicyService, type RecordedDecision } from './policy/index.js';
import { createApp } from './server/app.js';
import { createWorker, openStore, type Store, type Worker } from './store/index.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const WEB_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

export type PlatformOptions = Partial<PlatformConfigInput> & { workspaceDir: string; quiet?: boolean };

export interface Platform {
  url: string;
  adminToken: string;
  /** Path of the file holding the admin token. */
  adminTokenFile: string;
  config: PlatformConfig;
  store: Store;
  catalog: Catalog;
  tokens: TokenService;
  repos: RepoHost;
  scaffolder: Scaffolder;
  pipelines: Pipelines;
  secrets: SecretStore;
  environments: Environments;
  metrics: Metrics;
  /** The local router's port (deployed workloads: http://<component>.<env>.localhost:<port>); null without deployments. */
  routerPort: number | null;
  stop(): Promise<void>;
}

interface Services {
  config: PlatformConfig;
  log: Logger;
  store: Store;
  catalog: Catalog;
  repos: RepoHost;
  scaffolder: Scaffolder;
  pipelines: Pipelines;
  secrets: SecretStore;
  environments: Environments;
  policy: PolicyService;
  metrics: Metrics;
  /** The server's public base URL; set once known (clone URLs in scaffolder outputs use it). */
  baseUrl: { current: string };
}

async function openServices(opts: PlatformOptions, role: string): Promise<Services> {
  const config = loadConfig({ ...opts, ...(opts.quiet ? { logConsole: 'none' as const } : {}) });
  const paths = workspacePaths(config.workspaceDir);
  mkdirSync(paths.root, { recursive: true });
  const log = createLogger({ level: config.logLevel, file: paths.logFile, console: config.logConsole }, { role });
  const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: paths.sqlite, pgSchema: config.pgSchema });
  // The catalog and the policy service need each other: ingestion is an admission point, and policies are entities.
  const late: { catalog?: Catalog; pipelines?: Pipelines } = {};
  const policy = createPolicyService({ store, catalog: () => late.catalog!, disabledPacks: config.policyPacksDisabled, modes: config.policyModes });
  const catalog = (late.catalog = createCatalog({ store, workspaceDir: config.workspaceDir, admission: policy }));
  const repos = createRepoHost({ reposDir: paths.repos, store, log });
  const baseUrl = { current: config.publicUrl ?? readServerUrl(paths.serverInfo) ?? `http://${config.host}:${config.port}` };
  const scaffolder = createScaffolder({
    store,
    catalog,
    repos,
    workspaceDir: config.workspaceDir,
    baseUrl: () => baseUrl.current,
    github: config.github,
    gitlab: { apiUrl: config.gitlab.url ?? '', ...(config.gitlab.token ? { token: config.gitlab.token } : {}) },
    log,
    policy,
  });
  // Every process that runs pipelines must decrypt with the same key: GANTRY_SECRET_KEY, or the workspace's key file.
  const secrets = createSecretStore({ store, key: process.env.GANTRY_SECRET_KEY, keyFile: join(config.workspaceDir, 'secret.key') });
  const pipelines = (late.pipelines = createPipelines({ store, repos, workspaceDir: config.workspaceDir, log, secrets, policyGate: pipelineGate(policy, catalog, () => late.pipelines!) }));
  const environments = environmentsFor({ config, log, store, catalog, repos, pipelines, policy }, undefined);
  const metrics = createMetrics({ store, catalog, log });
  return { config, log, store, catalog, repos, scaffolder, pipelines, secrets, environments, policy, metrics, baseUrl };
}

/**
 * The admission point pipeline.gate: `gantry/policy-gate@1` asks the policies about the run so far (its jobs'
 * statuses and findings); the subject is the repository's component.
 */
function pipelineGate(policy: PolicyService, catalog: Catalog, pipelines: () => Pipelines): PolicyGate {
  return async ({ ctx, jobId }) => {
    const run = await pipelines().getRun(ctx.runId);
    const findings = await pipelines().findings(ctx.runId);
    const entity = run.componentRef ? await catalog.getEntity(run.componentRef).catch(() => null) : null;
    const subject = entity ? subjectOf(entity.ref, entity.entity) : subjectOf(`repository:default/${run.repo}`, { kind: 'repository', metadata: { name: run.repo }, spec: {} });
    const jobs = Object.fromEntries(run.jobs.filter((j) => j.id !== jobId).map((j) => [j.id, j.status]));
    const a = await policy.admit(
      'pipeline.gate',
      { subject, actor: { ref: run.actor, role: 'member', teams: [] }, object: { run: { status: run.status, sha: run.sha, branch: run.branch, jobs, findings: findings.map((f) => ({ rule: f.rule, severity: f.severity })) } } },
      { evidence: { run: run.id, job: jobId, sha: run.sha } },
    );
    const said = (list: RecordedDecision[]) => list.flatMap((d) => d.messages.map((m) => `${d.policy}: ${m}`)).join('; ');
    if (!a.allowed) return { allowed: false, reason: said(a.denials) };
    const warnings = a.warnings.length ? `; warnings: ${said(a.warnings)}` : '';
    return { allowed: true, reason: `${a.decisions.length} polic${a.decisions.length === 1 ? 'y' : 'ies'} evaluated, none denied${warnings}` };
  };
}

/** The environments domain of a process; with a runtime (the server's local driver) it also takes deploy jobs. */
function environmentsFor(s: Pick<Services, 'config' | 'log' | 'store' | 'catalog' | 'repos' | 'pipelines' | 'policy'>, runtime: LocalRuntime | undefined, routerPort?: number): Environments {
  const { config } = s;
  const platformKey = loadPlatformKey({ key: process.env.GANTRY_SECRET_KEY, keyFile: join(config.workspaceDir, 'secret.key') });
  return createEnvironments({
    store: s.store,
    catalog: s.catalog,
    repos: s.repos,
    pipelines: s.pipelines,
    policy: s.policy,
    envRepo: createEnvRepo(s.repos),
    tools: environmentTools({
      workspaceDir: config.workspaceDir,
      platformKey,
      ...(config.resourcesPostgresUrl ? { postgresUrl: config.resourcesPostgresUrl } : {}),
      ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
      ...(routerPort ? { routerPort } : {}),
    }),
    workspaceDir: config.workspaceDir,
    ...(runtime ? { runtime } : {}),
    log: s.log,
  });
}

/**
 * The workers of a process: catalog jobs (CPU-bound parsing) and scaffolder tasks (mostly waiting on git and
 * the store) claim from the same queue with their own concurrency, so ten people creating services at once
 * neither wait behind a catalog refresh nor starve it.
 */
function startWorker(s: Services, concurrency: number, runner: { labels: string[]; concurrency: number } | null): Pick<Worker, 'id' | 'stop'> {
  const onError = (e: unknown) => s.log.error('job failed', { error: errorChain(e) });
  const workers = [
    createWorker(s.store, { handlers: CATALOG_JOB_HANDLERS(s.catalog), concurrency, onError }),
    createWorker(s.store, { handlers: SCAFFOLDER_JOB_HANDLERS(s.scaffolder), concurrency: s.config.scaffolderConcurrency, onError }),
    // Releases from green runs anywhere; deploys only in the process whose local driver runs the workloads.
    createWorker(s.store, { handlers: s.environments.jobHandlers(), concurrency: 4, leaseMs: 120_000, onError }),
  ];
  if (runner) workers.push(startRunnerWorker(s, runner));
  for (const w of workers) w.start();
  return {
    id: workers[0]!.id,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

/** A pipeline runner: claims runs whose jobs need no labels beyond `labels`. */
function startRunnerWorker(s: Services, runner: { labels: string[]; concurrency: number; leaseMs?: number }): Worker {
  return createWorker(s.store, {
    handlers: s.pipelines.jobHandlers(runner.labels),
    concurrency: runner.concurrency,
    // Runs are long; a lease lost to a stalled event loop would fail a healthy run. Shorter only in tests
    // (`gantry runner --lease-ms`), so a killed runner's run is taken over quickly.
    leaseMs: runner.leaseMs ?? 60_000,
    onError: (e) => s.log.error('pipeline run failed', { error: errorChain(e) }),
  });
}

/** The URL a running server wrote to the workspace, if any (a separate worker process uses it for clone URLs). */
function readServerUrl(file: string): string | undefined {
  try {
    const url = (JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown }).url;
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Registers the built-in golden paths (only each folder's template.yaml, not the skeletons' own YAML), or
 * refreshes them when already registered, so an upgraded Gantry brings its upgraded templates.
 */
async function loadBuiltInTemplates(catalog: Catalog, log: Logger): Promise<void> {
  const target = `${builtInTemplatesDir()}#*/template.yaml`;
  try {
    const existing = (await catalog.listLocations()).find((l) => l.target === target);
    const r = existing ? await catalog.refreshLocation(SYSTEM, existing.id) : await catalog.addLocation(SYSTEM, { target, type: 'dir' });
    const errors = r.refresh.problems.filter((p) => p.severity !== 'warning');
    if (errors.length > 0) log.warn('some built-in templates were refused', { problems: errors.map((p) => p.message) });
  } catch (e) {
    log.error('could not load the built-in templates', { error: errorChain(e) });
  }
}

/** The sample organisation is one directory location; loading and removing it are admin actions. */
function sampleService(catalog: Catalog) {
  const target = sampleOrgDir();
  const find = async () => (await catalog.listLocations()).find((l) => l.target === target);
  return {
    async load(p: Principal) {
      authorize(p, 'sample.load');
      const existing = await find();
      if (existing) return { location: existing, loaded: false };
      const r = await catalog.addLocation(p, { target, type: 'dir' });
      return { location: r.location, refresh: r.refresh, loaded: true };
    },
    async remove(p: Principal) {
      authorize(p, 'sample.remove');
      const existing = await find();
      if (!existing) return { removed: false, entities: 0 };
      await catalog.removeLocation(p, existing.id);
      return { removed: true, entities: existing.entityCount };
    },
  };
}

/**
 * Starts the whole platform in this process: store (migrated), catalog, HTTP API and portal, an in-process
 * worker and the refresh scheduler. On first start it binds the bootstrap admin, writes its token to the
 * workspace, and loads the sample organisation.
 */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const s = await openServices(opts, 'server');
  const { config, log, store, catalog, repos, scaffolder, pipelines, secrets } = s;
  let driver: LocalDriver | null = null;
  if (config.deployments) {
    driver = await createLocalDriver({ dir: config.workspaceDir, routerPort: config.routerPort, log });
    s.environments = environmentsFor(s, localRuntime(driver), driver.routerPort);
  }
  const { environments } = s;
  const paths = workspacePaths(config.workspaceDir);
  const tokens = createTokenService(store);
  const sample = sampleService(catalog);

  const adminToken = await ensureAdminToken(tokens, paths.adminToken);

  const firstStart = (await store.events.list({ action: 'platform.initialized', limit: 1 })).items.length === 0;
  if (firstStart) {
    if (config.seedSample) {
      try {
        const r = await sample.load(SYSTEM);
        log.info('loaded the sample organisation', { entities: r.location.entityCount });
      } catch (e) {
        log.error('could not load the sample organisation', { error: errorChain(e) });
      }
    }
    await store.transaction((tx) =>
      store.events.append(tx, {
        actor: SYSTEM.userRef,
        action: 'platform.initialized',
        subject: 'platform:gantry',
        payload: { version: VERSION, sample: config.seedSample },
      }),
    );
  }

  if (config.builtInTemplates) await loadBuiltInTemplates(catalog, log);

  const app = createApp({
    store,
    catalog,
    tokens,
    repos,
    scaffolder,
    pipelines,
    secrets,
    environments,
    policy: s.policy,
    metrics: s.metrics,
    log,
    version: VERSION,
    sample,
    webDir: existsSync(WEB_DIR) ? WEB_DIR : undefined,
  });

  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const srv = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(srv));
      srv.once('error', reject);
    });
  } catch (e) {
    // Nothing of this start may outlive it: the router and the store close with the failure.
    await driver?.stop().catch(() => {});
    await store.close().catch(() => {});
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  s.baseUrl.current = config.publicUrl ?? url;
  writeFileSync(paths.serverInfo, JSON.stringify({ url, pid: process.pid, version: VERSION }, null, 2) + '\n');

  repos.onPush((e) => {
    refreshOnPush(s, e, [repos.pathOf(e.repo), cloneUrlOf(url, e.repo)]).catch((err) =>
      log.warn('could not queue catalog refreshes after a push', { repo: e.repo, error: errorChain(err) }),
    );
    pipelines.onPush(e).catch((err) => log.warn('could not start pipeline runs after a push', { repo: e.repo, error: errorChain(err) }));
    environments.onPush(e).catch((err) => log.warn('could not tear down previews after a push', { repo: e.repo, error: errorChain(err) }));
  });
  // What a previous run of the platform left running is adopted or stopped; what is desired runs.
  if (driver) {
    void environments
      .recover()
      .then((r) => log.info('deployed workloads recovered', { adopted: r.adopted, deployed: r.deployed, stopped: r.stopped, failed: r.failed.length }))
      .catch((e) => log.warn('could not recover deployed workloads', { error: errorChain(e) }));
  }
  const worker = config.worker
    ? startWorker(s, config.workerConcurrency, config.runner ? { labels: config.runnerLabels, concurrency: config.runnerConcurrency } : null)
    : null;
  // The delivery metrics follow the event log: at once for this process's deployments (an automatic rollback
  // opens its incident), and on the scheduler's beat for what other processes wrote.
  let metricsSync: NodeJS.Timeout | null = null;
  const syncMetrics = () => s.metrics.sync().catch((e) => log.warn('metrics: could not follow the event log', { error: errorChain(e) }));
  const unsubscribe = store.events.subscribe((e) => {
    if (!/^(deployment\.(succeeded|failed)|scaffolder\.task\.|pipeline\.run\.created)/.test(e.action) || metricsSync) return;
    metricsSync = setTimeout(() => {
      metricsSync = null;
      void syncMetrics();
    }, 200);
    metricsSync.unref();
  });
  const scheduler = setInterval(() => {
    void syncMetrics();
    catalog.refreshDue().catch((e) => log.warn('scheduler: refreshDue failed', { error: errorChain(e) }));
    environments.expirePreviews().catch((e) => log.warn('scheduler: expirePreviews failed', { error: errorChain(e) }));
    if (driver) environments.reconcileAll().catch((e) => log.warn('scheduler: reconcile failed', { error: errorChain(e) }));
  }, config.schedulerIntervalMs);
  scheduler.unref();
  log.info('gantry is up', { url, database: store.dialect, workspace: config.workspaceDir });

  let stopped = false;
  return {
    url,
    adminToken,
    adminTokenFile: paths.adminToken,
    config,
    store,
    catalog,
    tokens,
    repos,
    scaffolder,
    pipelines,
    secrets,
    environments,
    metrics: s.metrics,
    routerPort: driver?.routerPort ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(scheduler);
      unsubscribe();
      if (metricsSync) clearTimeout(metricsSync);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams would hold close() forever.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await worker?.stop();
      await driver?.stop();
      await store.close();
    },
  };
}

/**
 * A push to a hosted repository queues a refresh of every location that reads from it (by path or by clone
 * URL); the idempotency key makes a repeated notification of the same push a no-op.
 */
async function refreshOnPush(s: Services, e: PushEvent, urls: string[]): Promise<void> {
  const seen = new Set<string>();
  const head = e.updates.map((u) => u.after ?? 'deleted').join(',');
  for (const u of urls) {
    for (const loc of await s.catalog.findLocationsForRepo(u)) {
      if (seen.has(loc.id)) continue;
      seen.add(loc.id);
      await s.store.queue.enqueue(null, {
        type: REFRESH_LOCATION_JOB,
        payload: { locationId: loc.id, reason: `push to ${e.repo} by ${e.pusher}` },
        idempotencyKey: `push:${loc.id}:${head}`,
      });
    }
  }
}

/** Reuses the workspace's admin token when it still works, else binds the admin and mints a new one. */
async function ensureAdminToken(tokens: TokenService, file: string): Promise<string> {
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    try {
      await tokens.authenticate(existing);
      return existing;
    } catch (e) {
      if (!(e instanceof NotAuthenticatedError)) throw e;
    }
  }
  const secret = await tokens.bootstrapAdmin();
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** Runs a pipeline runner process against the workspace's store (`gantry runner`): it takes only pipeline runs. */
export async function runRunner(
  opts: PlatformOptions & { labels?: string[]; concurrency?: number; leaseMs?: number },
): Promise<{ id: string; drain(): Promise<void>; stop(): Promise<void> }> {
  const s = await openServices(opts, 'runner');
  const worker = startRunnerWorker(s, {
    labels: opts.labels ?? s.config.runnerLabels,
    concurrency: opts.concurrency ?? s.config.runnerConcurrency,
    leaseMs: opts.leaseMs,
  });
  worker.start();
  s.log.info('runner started', { id: worker.id, labels: opts.labels ?? s.config.runnerLabels, database: s.store.dialect });
  return {
    id: worker.id,
    /** Stops taking runs and waits for the ones in progress to finish. */
    async drain() {
      await worker.stop({ drain: true });
    },
    /** Stops the runs in progress (their processes are killed) and closes the store. */
    async stop() {
      await worker.stop();
      await s.store.close();
    },
  };
}

/** Runs a worker process against the workspace's store (`gantry worker`). */
export async function runWorker(opts: PlatformOptions & { concurrency?: number }): Promise<{ stop(): Promise<void> }> {
  const s = await openServices(opts, 'worker');
  const worker = startWorker(s, opts.concurrency ?? s.config.workerConcurrency, null);
  const scheduler = setInterval(() => {
    s.catalog.refreshDue().catch((e) => s.log.warn('scheduler: refreshDue failed', { error: errorChain(e) }));
  }, s.config.schedulerIntervalMs);
  scheduler.unref();
  s.log.info('worker started', { id: worker.id, database: s.store.dialect });
  return {
    async stop() {
      clearInterval(scheduler);
      await worker.stop();
      await s.store.close();
    },
  };
}

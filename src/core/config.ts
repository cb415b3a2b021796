import { resolve, join } from 'node:path';
import { z } from 'zod';
import { InputError } from './errors.js';

/**
 * The platform's configuration: one typed schema, checked at start-up. Sources, in order of precedence:
 * explicit options (CLI flags), then environment variables, then defaults. A bad value stops start-up with a
 * message naming the setting, what was expected and what was found.
 */
export const PlatformConfigSchema = z.object({
  /** Folder holding the SQLite file, hosted git repos, caches, logs and the admin token. */
  workspaceDir: z.string().min(1),
  /** HTTP port; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(7007),
  host: z.string().min(1).default('127.0.0.1'),
  /** `postgres://…` to use PostgreSQL; unset: the embedded SQLite file in the workspace. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema to use (tests isolate themselves with one each). */
  pgSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  /** Load the sample organisation on first start. */
  seedSample: z.boolean().default(true),
  /** Run a worker inside the server process. */
  worker: z.boolean().default(true),
  workerConcurrency: z.number().int().min(1).max(64).default(2),
  /** Scaffolder tasks run at once per process (they mostly wait on git and the database). */
  scaffolderConcurrency: z.number().int().min(1).max(64).default(6),
  /** Run pipelines in this process too (`gantry up`); `gantry runner` processes take them as well. */
  runner: z.boolean().default(true),
  /** Pipeline runs at once per runner. */
  runnerConcurrency: z.number().int().min(1).max(64).default(2),
  /** Labels this runner offers (`runsOn` of jobs must be among them). */
  runnerLabels: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)).max(6).default([]),
  /** How often the scheduler looks for locations due for refresh. */
  schedulerIntervalMs: z.number().int().min(100).default(15_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** `pretty` one-liners on stderr, `json` lines, or `none` (the log file is always written). */
  logConsole: z.enum(['pretty', 'json', 'none']).default('pretty'),
  /** Register the built-in golden paths (the package's templates/ folder) as a catalog location at start-up. */
  builtInTemplates: z.boolean().default(true),
  /** The URL users reach the server at, for clone URLs; default: the address it listens on. */
  publicUrl: z.string().url().optional(),
  /** GitHub REST API for publish:github; the token is a secret (never logged or returned). */
  github: z.object({ apiUrl: z.string().url().default('https://api.github.com'), token: z.string().min(1).optional() }).default({ apiUrl: 'https://api.github.com' }),
  /** GitLab base URL (e.g. https://gitlab.example.com) and token for publish:gitlab. */
  gitlab: z.object({ url: z.string().url().optional(), token: z.string().min(1).optional() }).default({}),
  /** The local router of deployed workloads (`http://<component>.<env>.localhost:<port>`); 0 picks a free one. */
  routerPort: z.number().int().min(0).max(65535).default(7080),
  /** Run deployed workloads in this process (`gantry up`); false: no router, no deploy jobs here. */
  deployments: z.boolean().default(true),
  /** PostgreSQL server on which postgres resources get a role and database; unset: a SQLite file each. */
  resourcesPostgresUrl: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional(),
  /** Redis server whose databases 1-15 redis resources get; unset: redis resources cannot be provisioned. */
  redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// URL').optional(),
  /** Built-in policy packs switched off (ownership, delivery, security, reliability, regulated-data). */
  policyPacksDisabled: z.array(z.enum(['ownership', 'delivery', 'security', 'reliability', 'regulated-data'])).default([]),
  /** A different mode for built-in policies, by name (`owner-exists: enforce`). */
  policyModes: z.record(z.string(), z.enum(['enforce', 'warn', 'audit'])).default({}),
});

export type PlatformConfig = z.output<typeof PlatformConfigSchema>;
export type PlatformConfigInput = z.input<typeof PlatformConfigSchema>;

/** Merges options over `GANTRY_*` / `DATABASE_URL` environment variables and validates the result. */
export function loadConfig(options: Partial<PlatformConfigInput>, env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const fromEnv: Partial<PlatformConfigInput> = {};
  if (env.GANTRY_WORKSPACE) fromEnv.workspaceDir = env.GANTRY_WORKSPACE;
  if (env.GANTRY_PORT) fromEnv.port = Number(env.GANTRY_PORT);
  if (env.GANTRY_HOST) fromEnv.host = env.GANTRY_HOST;
  if (env.DATABASE_URL) fromEnv.databaseUrl = env.DATABASE_URL;
  if (env.GANTRY_PG_SCHEMA) fromEnv.pgSchema = env.GANTRY_PG_SCHEMA;
  if (env.GANTRY_LOG_LEVEL) fromEnv.logLevel = env.GANTRY_LOG_LEVEL as PlatformConfig['logLevel'];
  if (env.GANTRY_PUBLIC_URL) fromEnv.publicUrl = env.GANTRY_PUBLIC_URL;
  if (env.GANTRY_GITHUB_TOKEN || env.GANTRY_GITHUB_API_URL) {
    fromEnv.github = { apiUrl: env.GANTRY_GITHUB_API_URL || 'https://api.github.com', ...(env.GANTRY_GITHUB_TOKEN ? { token: env.GANTRY_GITHUB_TOKEN } : {}) };
  }
  if (env.GANTRY_GITLAB_TOKEN || env.GANTRY_GITLAB_URL) {
    fromEnv.gitlab = { ...(env.GANTRY_GITLAB_URL ? { url: env.GANTRY_GITLAB_URL } : {}), ...(env.GANTRY_GITLAB_TOKEN ? { token: env.GANTRY_GITLAB_TOKEN } : {}) };
  }
  if (env.GANTRY_ROUTER_PORT) fromEnv.routerPort = Number(env.GANTRY_ROUTER_PORT);
  if (env.GANTRY_RESOURCES_POSTGRES_URL) fromEnv.resourcesPostgresUrl = env.GANTRY_RESOURCES_POSTGRES_URL;
  if (env.GANTRY_REDIS_URL) fromEnv.redisUrl = env.GANTRY_REDIS_URL;
  if (env.GANTRY_POLICY_PACKS_DISABLED !== undefined) {
    fromEnv.policyPacksDisabled = env.GANTRY_POLICY_PACKS_DISABLED.split(',').map((s) => s.trim()).filter(Boolean) as PlatformConfig['policyPacksDisabled'];
  }
  if (env.GANTRY_POLICY_MODES) {
    // owner-exists=enforce,tier-1-has-slo=enforce
    fromEnv.policyModes = Object.fromEntries(env.GANTRY_POLICY_MODES.split(',').filter((x) => x.trim()).map((x) => x.split('=').map((y) => y.trim()))) as PlatformConfig['policyModes'];
  }
  const merged = { workspaceDir: '.gantry', ...fromEnv, ...stripUndefined(options) };
  const parsed = PlatformConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      code: 'invalid_config',
      path: i.path.join('.'),
      message: `${i.path.join('.')}: ${i.message}`,
    }));
    throw new InputError(`invalid configuration: ${problems.map((p) => p.message).join('; ')}`, { problems });
  }
  // A server on any free port (tests, several platforms on one machine) puts its router on any free port too.
  const routerPort = merged.routerPort === undefined && parsed.data.port === 0 ? 0 : parsed.data.routerPort;
  return { ...parsed.data, routerPort, workspaceDir: resolve(parsed.data.workspaceDir) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Well-known paths inside a workspace. */
export function workspacePaths(workspaceDir: string) {
  return {
    root: workspaceDir,
    sqlite: join(workspaceDir, 'gantry.db'),
    adminToken: join(workspaceDir, 'admin-token'),
    serverInfo: join(workspaceDir, 'server.json'),
    logs: join(workspaceDir, 'logs'),
    logFile: join(workspaceDir, 'logs', 'gantry.log'),
    repos: join(workspaceDir, 'repos'),
    cache: join(workspaceDir, 'cache'),
  };
}

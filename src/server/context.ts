import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../auth/authorize.js';
import type { TokenService } from '../auth/tokens.js';
import type { Catalog } from '../catalog/index.js';
import type { Environments } from '../environments/index.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../metrics/index.js';
import type { Scaffolder } from '../golden-paths/index.js';
import type { Pipelines, SecretStore } from '../pipelines/index.js';
import type { RepoHost } from '../hosting/index.js';
import type { PolicyService } from '../policy/index.js';
import type { Store } from '../store/index.js';

/** What the HTTP layer needs from the rest of the platform. Routes only parse, call a domain, and format. */
export interface ServerDeps {
  store: Store;
  catalog: Catalog;
  tokens: TokenService;
  repos: RepoHost;
  scaffolder: Scaffolder;
  pipelines: Pipelines;
  secrets: SecretStore;
  /** Absent in tests of other domains. */
  environments?: Environments;
  policy: PolicyService;
  /** Delivery metrics, incidents and the survey; absent in tests of other domains. */
  metrics?: Metrics;
  log: Logger;
  version: string;
  /** Loads / removes the sample organisation. */
  sample: { load(p: Principal): Promise<unknown>; remove(p: Principal): Promise<unknown> };
  /** Folder of the built portal (index.html and assets); absent: the API only. */
  webDir?: string;
}

export interface AppEnv {
  Variables: { principal: Principal };
}

export type Api = OpenAPIHono<AppEnv>;

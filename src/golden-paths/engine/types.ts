import type { Principal } from '../../auth/authorize.js';
import type { Catalog } from '../../catalog/index.js';
import type { RepoHost } from '../../hosting/index.js';

/** Something a task created outside its workspace; undone in reverse order when the task fails. */
export type Resource = (
  | { type: 'repo'; name: string }
  | { type: 'location'; id: string; repo?: string; path?: string }
  | { type: 'github-repo'; fullName: string; apiUrl: string }
  | { type: 'gitlab-project'; id: number; apiUrl: string }
) & {
  /** The step that created it (a resumed step finds what its earlier attempt made). */
  stepId?: string;
  /** Left in place when the task fails (the step's `keepOnFailure`). */
  kept?: boolean;
};

/** REST settings for a forge; `token` absent means the publish action refuses to run. */
export interface ForgeConfig {
  apiUrl: string;
  token?: string;
}

/** The platform services actions use. */
export interface ScaffolderServices {
  catalog: Catalog;
  repos: RepoHost;
  /** The server's base URL (for clone URLs); known once the server listens. */
  baseUrl(): string;
  github: ForgeConfig;
  /** GitLab's base URL (`https://gitlab.example.com`), not its API path. */
  gitlab: ForgeConfig;
}

/** What a dry run found the task would create: checked for conflicts before a real run. */
export interface Plan {
  repos: string[];
  entities: string[];
}

/** Where a template is read from: `dir` holds its file; skeleton paths must stay inside `root`. */
export interface TemplateSource {
  root: string;
  dir: string;
}

/** Facts about the task an action may record (provenance annotations). */
export interface TaskFacts {
  id: string;
  templateRef: string;
  templateName: string;
  templateVersion: string;
  /** Parameter values as recorded (secrets are never among them). */
  parameters: Record<string, unknown>;
  user: Principal;
}

export interface ActionContext {
  stepId: string;
  input: Record<string, unknown>;
  /** The task's working directory: every path an action writes is inside it. */
  workspace: string;
  template: TemplateSource;
  task: TaskFacts;
  services: ScaffolderServices;
  dryRun: boolean;
  signal: AbortSignal;
  log(message: string): void;
  /** Resources created by earlier steps (and earlier attempts of this one). */
  resources: readonly Resource[];
  /** Records a created resource at once (persisted before the action goes on). */
  addResource(r: Resource): Promise<void>;
  plan: Plan;
}

export type ActionOutput = Record<string, unknown>;

export interface Action {
  id: string;
  /** One line for `gantry template show` and the portal. */
  description: string;
  run(ctx: ActionContext): Promise<ActionOutput>;
}

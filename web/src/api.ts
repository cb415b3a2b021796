/**
 * Typed client for the Gantry HTTP API (docs/api.md). Every call adds the bearer token and turns RFC 9457
 * problem details into an `ApiError`, so pages never see raw JSON or a bare status code.
 */

import type { Problem } from '../../src/core/errors.js';
import type { EntityView, GraphEdge, GraphNode, LocationType, LocationView, RefreshResult } from '../../src/catalog/engine/views.js';
import type { DryRunResult, TaskLogLine, TaskStatus, TaskView, TemplateDetail, TemplateSummary } from '../../src/golden-paths/index.js';
import type { RepoView } from '../../src/hosting/index.js';
import type { ArtifactView, FindingView, LogChunk, RunDetail, RunStatus, RunView } from '../../src/pipelines/index.js';
import type { DeploymentStatus, DeploymentView, MatrixView, ReleaseDiffView, ReleaseView } from '../../src/environments/index.js';
import type { ComplianceReport, ExemptionView, RecordedDecision } from '../../src/policy/index.js';
import type { Policy } from '../../src/policy/model/types.js';
type CatalogLocation = LocationView;

// The API answers with the server's own types: imported, never restated (type-only: nothing of the
// server ends up in the portal bundle).
export type { Problem, SourcePosition } from '../../src/core/errors.js';
export type { Entity, EntityMetadata } from '../../src/catalog/model/index.js';
export type {
  EntityView,
  GraphEdge,
  GraphNode,
  LocationType,
  LocationView as CatalogLocation,
  RefreshResult,
} from '../../src/catalog/engine/views.js';
export type {
  DryRunFile,
  DryRunResult,
  JsonSchema,
  StepState,
  StepStatus,
  TaskLogLine,
  TaskStatus,
  TaskView,
  TemplateDetail,
  TemplateSummary,
} from '../../src/golden-paths/index.js';
export type { RepoView } from '../../src/hosting/index.js';
export type { ArtifactView, FindingView, JobView, LogChunk, RunDetail, RunStatus, RunView, StepView } from '../../src/pipelines/index.js';
export type {
  DeploymentAction,
  DeploymentStatus,
  DeploymentView,
  EnvironmentView,
  FreezeWindow,
  MatrixCell,
  MatrixView,
  ReleaseDiffView,
  ReleaseView,
  RuntimeState,
} from '../../src/environments/index.js';
export type { ComplianceReport, ComplianceRow, ExemptionView, RecordedDecision } from '../../src/policy/index.js';
export type { Policy, PolicyMatch } from '../../src/policy/model/types.js';

export type Role = 'admin' | 'member' | 'viewer';

export interface WhoAmI {
  userRef: string;
  displayName: string;
  role: Role;
  teams: string[];
}

export interface Page<T> {
  items: T[];
  totalCount: number;
  nextCursor: string | null;
}

export interface Relation {
  type: string;
  targetRef: string;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface FacetsResponse {
  facets: Record<string, FacetCount[]>;
}

export interface EntityGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface LocationResult {
  location: CatalogLocation;
  refresh: RefreshResult;
}

export interface RegisterLocationInput {
  target: string;
  type?: LocationType;
  owner?: string;
}

/** `filter` values: field path to accepted alternatives (any of them matches); all fields must match. */
export type EntityFilter = Record<string, string[]>;

export interface ListTemplatesQuery {
  tag?: string;
  /** An owner ref or its name (`group:default/payments` or `payments`). */
  owner?: string;
  q?: string;
}

export interface ListTasksQuery {
  status?: TaskStatus;
  createdBy?: string;
  limit?: number;
}

export interface ListPipelineRunsQuery {
  /** A hosted repository's name (or a webhook run's clone URL). */
  repo?: string;
  /** A Component ref: the runs of the repository that holds its descriptor. */
  component?: string;
  status?: RunStatus;
  limit?: number;
}

export interface ListEntitiesQuery {
  filter?: EntityFilter;
  q?: string;
  orderBy?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

export interface ListDeploymentsQuery {
  /** A component's name (`orders-api`). */
  component?: string;
  environment?: string;
  status?: DeploymentStatus;
  limit?: number;
}

export interface DeployInput {
  component: string;
  environment: string;
  /** A release id; the component's newest release when left out. */
  release?: string;
  /** Why a freeze window is overridden (admins only); recorded with the deployment. */
  overrideFreeze?: string;
}

export interface PromoteInput {
  component: string;
  /** The environment to promote into; the release comes from the one before it in the order. */
  to: string;
  overrideFreeze?: string;
}

export interface RollbackInput {
  component: string;
  environment: string;
  /** A release id; the release the environment ran before when left out. */
  to?: string;
}

/** A policy as `GET /api/policies` lists it. */
export interface PolicySummary {
  name: string;
  title: string | null;
  description: string | null;
  mode: string;
  pack: string | null;
  actions: string[];
  validations: number;
  /** `built-in`, or the ref of the catalog's Policy entity. */
  source: string;
}

/** One policy: its summary, the whole document and its 20 newest decisions. */
export interface PolicyDetail extends PolicySummary {
  policy: Policy;
  recentDecisions: RecordedDecision[];
}

export type DecisionResult = RecordedDecision['result'];
export type ExemptionStatus = ExemptionView['status'];

export interface ListDecisionsQuery {
  policy?: string;
  subject?: string;
  action?: string;
  result?: DecisionResult;
  limit?: number;
  /** A decision id: only decisions older than it (paging). */
  before?: string;
}

export interface ListExemptionsQuery {
  subject?: string;
  policy?: string;
  status?: ExemptionStatus;
}

export interface RequestExemptionInput {
  /** An entity ref (`component:default/orders-api`). */
  subject: string;
  policy: string;
  reason: string;
  /** ISO 8601; at most a year ahead. */
  expiresAt: string;
}

export interface ComplianceQuery {
  /** A group ref or name. */
  team?: string;
  /** A component ref or name. */
  component?: string;
}

/** The policies a refusal names, with their messages (from a `policy-denied` problem's `problems`). */
export interface PolicyDenial {
  policy: string;
  messages: string[];
}

/** A failed API call: the problem+json fields, or a synthesised problem when the API could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly code: string;
  readonly problems: Problem[];

  constructor(init: { status: number; title: string; detail?: string; code?: string; problems?: Problem[] }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail ?? '';
    this.code = init.code ?? 'internal';
    this.problems = init.problems ?? [];
  }
}

/** Treats anything thrown by a call as an `ApiError`, so error panels have one shape to render. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError({ status: 0, title: 'Unexpected error', detail: message });
}

type QueryValue = string | number | boolean | undefined | null | string[];

function queryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function filterParams(filter: EntityFilter | undefined): string[] {
  if (!filter) return [];
  return Object.entries(filter)
    .filter(([, values]) => values.length > 0)
    .map(([key, values]) => `${key}=${values.join(',')}`);
}

function isProblemArray(v: unknown): v is Problem[] {
  return Array.isArray(v) && v.every((p) => typeof p === 'object' && p !== null && 'message' in p);
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    return new ApiError({
      status: typeof b.status === 'number' ? b.status : res.status,
      title: typeof b.title === 'string' ? b.title : res.statusText || `HTTP ${res.status}`,
      detail: typeof b.detail === 'string' ? b.detail : '',
      code: typeof b.code === 'string' ? b.code : undefined,
      problems: isProblemArray(b.problems) ? b.problems : [],
    });
  }
  // Not problem+json (a proxy's HTML page, say): show the status, never the raw body.
  return new ApiError({
    status: res.status,
    title: res.statusText || `HTTP ${res.status}`,
    detail: `The server answered ${res.status} without problem details.`,
  });
}

export interface ApiClientOptions {
  token: string | null;
  /** Origin and prefix of the API; the portal is served by the same server, so the default is `/api`. */
  baseUrl?: string;
  /** Called on every 401 so the session can end and ask for a new token. */
  onUnauthenticated?: (error: ApiError) => void;
}

/** A thin, typed wrapper over `fetch` for the endpoints the portal uses. */
export class ApiClient {
  readonly token: string | null;
  private readonly baseUrl: string;
  private readonly onUnauthenticated: ((error: ApiError) => void) | undefined;

  constructor(options: ApiClientOptions) {
    this.token = options.token;
    this.baseUrl = options.baseUrl ?? '/api';
    this.onUnauthenticated = options.onUnauthenticated;
  }

  /** Sends one request; resolves with the parsed JSON body (undefined for 204) or rejects with an `ApiError`. */
  async request<T>(method: string, path: string, init: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError({
        status: 0,
        title: 'Cannot reach the Gantry API',
        detail: `The request to ${path} failed before an answer came back (${e instanceof Error ? e.message : String(e)}). Is the server running?`,
        code: 'unavailable',
      });
    }
    if (!res.ok) {
      const error = await errorFromResponse(res);
      if (res.status === 401) this.onUnauthenticated?.(error);
      throw error;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  whoami(signal?: AbortSignal): Promise<WhoAmI> {
    return this.request('GET', '/whoami', { signal });
  }

  listEntities(query: ListEntitiesQuery, signal?: AbortSignal): Promise<Page<EntityView>> {
    const qs = queryString({
      filter: filterParams(query.filter),
      q: query.q,
      orderBy: query.orderBy,
      order: query.order,
      limit: query.limit,
      cursor: query.cursor,
    });
    return this.request('GET', `/catalog/entities${qs}`, { signal });
  }

  getEntity(kind: string, namespace: string, name: string, signal?: AbortSignal): Promise<EntityView> {
    const path = [kind, namespace, name].map(encodeURIComponent).join('/');
    return this.request('GET', `/catalog/entities/by-ref/${path}`, { signal });
  }

  facets(
    query: { facets: string[]; filter?: EntityFilter; q?: string },
    signal?: AbortSignal,
  ): Promise<FacetsResponse> {
    const qs = queryString({ facet: query.facets, filter: filterParams(query.filter), q: query.q });
    return this.request('GET', `/catalog/facets${qs}`, { signal });
  }

  related(
    query: { ref: string; relation: string; transitive?: boolean; includeSubgroups?: boolean },
    signal?: AbortSignal,
  ): Promise<{ items: EntityView[] }> {
    const qs = queryString({
      ref: query.ref,
      relation: query.relation,
      transitive: query.transitive ? 'true' : undefined,
      includeSubgroups: query.includeSubgroups ? 'true' : undefined,
    });
    return this.request('GET', `/catalog/related${qs}`, { signal });
  }

  graph(ref: string, depth: number, signal?: AbortSignal): Promise<EntityGraph> {
    return this.request('GET', `/catalog/graph${queryString({ ref, depth })}`, { signal });
  }

  listLocations(signal?: AbortSignal): Promise<{ items: CatalogLocation[] }> {
    return this.request('GET', '/catalog/locations', { signal });
  }

  registerLocation(input: RegisterLocationInput): Promise<LocationResult> {
    return this.request('POST', '/catalog/locations', { body: input });
  }

  refreshLocation(id: string): Promise<LocationResult> {
    return this.request('POST', `/catalog/locations/${encodeURIComponent(id)}/refresh`);
  }

  deleteLocation(id: string): Promise<void> {
    return this.request('DELETE', `/catalog/locations/${encodeURIComponent(id)}`);
  }

  listTemplates(query: ListTemplatesQuery = {}, signal?: AbortSignal): Promise<{ items: TemplateSummary[] }> {
    return this.request('GET', `/templates${queryString({ tag: query.tag, owner: query.owner, q: query.q })}`, { signal });
  }

  getTemplate(namespace: string, name: string, signal?: AbortSignal): Promise<TemplateDetail> {
    return this.request('GET', `/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`, { signal });
  }

  /** Runs the template without creating anything; a 422 carries one problem per parameter (`parameters.<field>`). */
  dryRun(namespace: string, name: string, parameters: Record<string, unknown>, signal?: AbortSignal): Promise<DryRunResult> {
    const path = `/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/dry-run`;
    return this.request('POST', path, { body: { parameters }, signal });
  }

  /** Queues a task; 422 for parameter problems, 409 when what it would create exists, 403 when not allowed. */
  createTask(templateRef: string, parameters: Record<string, unknown>): Promise<TaskView> {
    return this.request('POST', '/tasks', { body: { templateRef, parameters } });
  }

  listTasks(query: ListTasksQuery = {}, signal?: AbortSignal): Promise<{ items: TaskView[] }> {
    const qs = queryString({ status: query.status, createdBy: query.createdBy, limit: query.limit });
    return this.request('GET', `/tasks${qs}`, { signal });
  }

  getTask(id: string, signal?: AbortSignal): Promise<TaskView> {
    return this.request('GET', `/tasks/${encodeURIComponent(id)}`, { signal });
  }

  taskLogs(id: string, query: { after?: number; limit?: number } = {}, signal?: AbortSignal): Promise<{ items: TaskLogLine[] }> {
    return this.request('GET', `/tasks/${encodeURIComponent(id)}/logs${queryString({ after: query.after, limit: query.limit })}`, { signal });
  }

  cancelTask(id: string): Promise<TaskView> {
    return this.request('POST', `/tasks/${encodeURIComponent(id)}/cancel`);
  }

  /** URL of a task's event stream (`log`, `task`, `end`), with the token in the query like `eventStreamUrl`. */
  taskStreamUrl(id: string, after = 0): string {
    return `${this.baseUrl}/tasks/${encodeURIComponent(id)}/stream${queryString({ access_token: this.token, after: after || undefined })}`;
  }

  /**
   * URL of the live event stream; `EventSource` cannot send headers, so the token rides in the query.
   * `action` keeps only events whose action starts with it (`pipeline.run.`).
   */
  eventStreamUrl(action?: string): string {
    return `${this.baseUrl}/events/stream${queryString({ action, access_token: this.token })}`;
  }

  listRepos(signal?: AbortSignal): Promise<{ items: RepoView[] }> {
    return this.request('GET', '/repos', { signal });
  }

  listPipelineRuns(query: ListPipelineRunsQuery = {}, signal?: AbortSignal): Promise<{ items: RunView[] }> {
    const qs = queryString({ repo: query.repo, component: query.component, status: query.status, limit: query.limit });
    return this.request('GET', `/pipelines/runs${qs}`, { signal });
  }

  /** Runs a hosted repository's pipeline at a branch head (default: its default branch); 403 when not the repo's team. */
  triggerPipelineRun(input: { repo: string; branch?: string }): Promise<RunView> {
    return this.request('POST', '/pipelines/runs', { body: input });
  }

  getPipelineRun(id: string, signal?: AbortSignal): Promise<RunDetail> {
    return this.request('GET', `/pipelines/runs/${encodeURIComponent(id)}`, { signal });
  }

  pipelineRunLogs(id: string, query: { after?: number; job?: string; limit?: number } = {}, signal?: AbortSignal): Promise<{ items: LogChunk[] }> {
    const qs = queryString({ after: query.after, job: query.job, limit: query.limit });
    return this.request('GET', `/pipelines/runs/${encodeURIComponent(id)}/logs${qs}`, { signal });
  }

  pipelineRunFindings(id: string, signal?: AbortSignal): Promise<{ items: FindingView[] }> {
    return this.request('GET', `/pipelines/runs/${encodeURIComponent(id)}/findings`, { signal });
  }

  pipelineRunArtifacts(id: string, signal?: AbortSignal): Promise<{ items: ArtifactView[] }> {
    return this.request('GET', `/pipelines/runs/${encodeURIComponent(id)}/artifacts`, { signal });
  }

  /** 409 when the run has finished. */
  cancelPipelineRun(id: string): Promise<RunView> {
    return this.request('POST', `/pipelines/runs/${encodeURIComponent(id)}/cancel`);
  }

  /** A new run of the same commit. */
  rerunPipelineRun(id: string): Promise<RunView> {
    return this.request('POST', `/pipelines/runs/${encodeURIComponent(id)}/rerun`);
  }

  /** URL of a run's event stream (`log` chunks after `after`, `run` on changes, `end`). */
  pipelineRunStreamUrl(id: string, after = 0): string {
    return `${this.baseUrl}/pipelines/runs/${encodeURIComponent(id)}/stream${queryString({ access_token: this.token, after: after || undefined })}`;
  }

  /** Component x environment: what should run, the newest deployment and what runs now, per cell. */
  environmentMatrix(signal?: AbortSignal): Promise<MatrixView> {
    return this.request('GET', '/environments/matrix', { signal });
  }

  /** A component's releases, newest first. */
  listReleases(query: { component?: string; limit?: number } = {}, signal?: AbortSignal): Promise<{ items: ReleaseView[] }> {
    return this.request('GET', `/releases${queryString({ component: query.component, limit: query.limit })}`, { signal });
  }

  getRelease(id: string, signal?: AbortSignal): Promise<ReleaseView> {
    return this.request('GET', `/releases/${encodeURIComponent(id)}`, { signal });
  }

  /** What `id` has that `from` has not: commits and changed workload fields. */
  releaseDiff(id: string, from: string, signal?: AbortSignal): Promise<ReleaseDiffView> {
    return this.request('GET', `/releases/${encodeURIComponent(id)}/diff${queryString({ from })}`, { signal });
  }

  /** Deployments, newest first. */
  listDeployments(query: ListDeploymentsQuery = {}, signal?: AbortSignal): Promise<{ items: DeploymentView[] }> {
    const qs = queryString({ component: query.component, environment: query.environment, status: query.status, limit: query.limit });
    return this.request('GET', `/deployments${qs}`, { signal });
  }

  /** 202: queued, or awaiting approval; 409 during a freeze without an (allowed) override. */
  deploy(input: DeployInput): Promise<DeploymentView> {
    return this.request('POST', '/deployments', { body: input });
  }

  promote(input: PromoteInput): Promise<DeploymentView> {
    return this.request('POST', '/deployments/promote', { body: input });
  }

  rollback(input: RollbackInput): Promise<DeploymentView> {
    return this.request('POST', '/deployments/rollback', { body: input });
  }

  /** 409 when the requester approves their own deployment. */
  approveDeployment(id: string): Promise<DeploymentView> {
    return this.request('POST', `/deployments/${encodeURIComponent(id)}/approve`);
  }

  /** The last `tail` lines a running workload wrote. */
  workloadLogs(environment: string, component: string, tail: number, signal?: AbortSignal): Promise<{ lines: string[] }> {
    return this.request('GET', `${workloadPath(environment, component)}/logs${queryString({ tail })}`, { signal });
  }

  /** The built-in packs' policies and the catalog's Policy entities. */
  listPolicies(signal?: AbortSignal): Promise<{ items: PolicySummary[] }> {
    return this.request('GET', '/policies', { signal });
  }

  getPolicy(name: string, signal?: AbortSignal): Promise<PolicyDetail> {
    return this.request('GET', `/policies/${encodeURIComponent(name)}`, { signal });
  }

  /** Recorded decisions, newest first; page with `before` = the previous page's `nextCursor`. */
  listPolicyDecisions(query: ListDecisionsQuery = {}, signal?: AbortSignal): Promise<{ items: RecordedDecision[]; nextCursor: string | null }> {
    const qs = queryString({ policy: query.policy, subject: query.subject, action: query.action, result: query.result, limit: query.limit, before: query.before });
    return this.request('GET', `/policy-decisions${qs}`, { signal });
  }

  listExemptions(query: ListExemptionsQuery = {}, signal?: AbortSignal): Promise<{ items: ExemptionView[] }> {
    return this.request('GET', `/exemptions${queryString({ subject: query.subject, policy: query.policy, status: query.status })}`, { signal });
  }

  /** 201 requested; the subject's team (or an admin) asks, another admin decides. */
  requestExemption(input: RequestExemptionInput): Promise<ExemptionView> {
    return this.request('POST', '/exemptions', { body: input });
  }

  /** Approve, reject (an admin other than the requester) or revoke (the requester or an admin) an exemption. */
  changeExemption(id: string, verb: 'approve' | 'reject' | 'revoke'): Promise<ExemptionView> {
    return this.request('POST', `/exemptions/${encodeURIComponent(id)}/${verb}`);
  }

  /** Every control per component: pass, fail, exempt or not evaluated, with its evidence. */
  compliance(query: ComplianceQuery = {}, signal?: AbortSignal): Promise<ComplianceReport> {
    return this.request('GET', `/compliance${queryString({ team: query.team, component: query.component })}`, { signal });
  }

  /** The same report as CSV; fetched with the bearer token (a plain link could not send it). */
  async complianceCsv(query: ComplianceQuery = {}): Promise<Blob> {
    const path = `/compliance${queryString({ team: query.team, component: query.component, format: 'csv' })}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { headers: { accept: 'text/csv, application/problem+json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) } });
    } catch (e) {
      throw new ApiError({ status: 0, title: 'Cannot reach the Gantry API', detail: `The request to ${path} failed (${e instanceof Error ? e.message : String(e)}).`, code: 'unavailable' });
    }
    if (!res.ok) {
      const error = await errorFromResponse(res);
      if (res.status === 401) this.onUnauthenticated?.(error);
      throw error;
    }
    return res.blob();
  }

  /** URL of a workload's log stream: the last `tail` lines, then each new one (`data: <line>`). */
  workloadLogStreamUrl(environment: string, component: string, tail: number): string {
    return `${this.baseUrl}${workloadPath(environment, component)}/logs${queryString({ tail, follow: 1, access_token: this.token })}`;
  }
}

function workloadPath(environment: string, component: string): string {
  return `/environments/${encodeURIComponent(environment)}/components/${encodeURIComponent(component)}`;
}

/**
 * The policies that refused an action and their messages, when `error` is a refusal by policy (the problem's
 * `problems` carry one `policies.<name>` entry per message); empty for any other error.
 */
export function policyDenials(error: ApiError): PolicyDenial[] {
  const byPolicy = new Map<string, string[]>();
  for (const p of error.problems) {
    if (p.code !== 'policy_denied' || !p.path.startsWith('policies.')) continue;
    const name = p.path.slice('policies.'.length);
    (byPolicy.get(name) ?? byPolicy.set(name, []).get(name)!).push(p.message);
  }
  return [...byPolicy].map(([policy, messages]) => ({ policy, messages }));
}

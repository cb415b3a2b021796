/**
 * Applying an environment to a cluster from Gantry itself, when its settings name a kubeconfig (issue #5;
 * docs/environments-kubernetes.md, "Applying from Gantry"): server-side apply of the rendered objects through the
 * official client (@kubernetes/client-node), then a watch of the Deployment's rollout with `kubectl rollout
 * status`'s rule. The commit in the environment repository stays the desired state; this makes the cluster match it
 * without waiting for Argo CD or Flux, and tells the deployment whether the rollout worked.
 *
 * The client takes about a second to import: callers import this module lazily, only for an environment that has a
 * kubeconfig.
 */
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortError,
  ApiException,
  AppsV1Api,
  FetchError,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  createConfiguration,
  dumpYaml,
  loadYaml,
  type Configuration,
  type KubernetesObject,
  type Middleware,
} from '@kubernetes/client-node';
import { load as loadJsYaml } from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';
import { GantryError, InputError, UnavailableError, type Problem } from '../../../core/errors.js';
import { KUSTOMIZATION_FILE } from './gitops.js';
import { formatPath, type Segment } from './paths.js';

/** The field manager Gantry applies as: the fields it sets are Gantry's, and a later apply may change them. */
export const FIELD_MANAGER = 'gantry';
/** One request may take this long: a cluster that accepts connections and never answers must not hold a deploy. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How often watchRollout reads the Deployment: as quick as a watch to notice, and no stream to keep alive. */
const POLL_MS = 1_000;

export interface ApplyOptions {
  /** A kubeconfig file (the environment's `settings.kubeconfig`). */
  kubeconfigPath: string;
  /** The kubeconfig context (`settings.context`); default its current-context. */
  context?: string;
  /** The objects, as plain JSON (what render gives, or `layoutObjects`). */
  objects: Array<Record<string, unknown>>;
  fieldManager?: 'gantry';
  signal?: AbortSignal;
  log?(line: string): void;
}

export interface AppliedObject {
  kind: string;
  /** Absent for cluster-scoped objects (the Namespace). */
  namespace?: string;
  name: string;
  /** `metadata.generation` after the apply: what a rollout must observe. */
  generation?: number;
}

export interface ApplyResult {
  context: string;
  server: string;
  /** In the order applied. */
  applied: AppliedObject[];
}

export interface RolloutOptions {
  kubeconfigPath: string;
  context?: string;
  namespace: string;
  /** The Deployment's name (the component). */
  name: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Each new rollout message (`1 of 2 updated replicas are available...`). */
  log?(line: string): void;
}

/** The API server refused a request: `status` is the HTTP code, `reason` the Status reason (Forbidden, Invalid...). */
export class KubernetesApiError extends GantryError {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
  ) {
    super(message, { details: { status, reason } });
  }
}

// ---- Applying ------------------------------------------------------------------------------------------------------

/**
 * Server-side applies every object (Namespace first, then `applyOrder`) as field manager `gantry` with force: Gantry
 * owns these objects, so a field someone changed by hand goes back to what git says, as Argo CD's self-heal would
 * do. Everything that can be checked is checked before the first request: the objects (`checkObjects`), the
 * kubeconfig and its context. Stops at the first refusal with an error naming the object
 * (`Deployment acme-production/orders-api: <the API server's message>`); the objects before it stay applied, which
 * is harmless since applying is idempotent and the next apply starts over.
 */
export async function applyEnvironment(opts: ApplyOptions): Promise<ApplyResult> {
  const problems = checkObjects(opts.objects);
  if (problems.length > 0) throw new InputError(`cannot apply: ${problems.length} problem(s) in the objects`, { problems });
  const cluster = connect(opts.kubeconfigPath, opts.context);
  const fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  const api = new ObjectApi(cluster.kc, configuration(cluster, opts.signal));
  opts.log?.(`applying ${opts.objects.length} objects to ${cluster.server} (context ${cluster.context}) as ${fieldManager}`);
  const applied: AppliedObject[] = [];
  for (const object of applyOrder(opts.objects)) {
    opts.signal?.throwIfAborted();
    const label = objectLabel(object);
    let result: KubernetesObject;
    try {
      result = await api.patch(clientForm(object).typed, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
    } catch (e) {
      opts.signal?.throwIfAborted();
      throw requestError(label, cluster, e);
    }
    const meta = object.metadata as { name: string; namespace?: string };
    applied.push({
      kind: String(object.kind),
      ...(result.metadata?.namespace ? { namespace: result.metadata.namespace } : {}),
      name: meta.name,
      ...(result.metadata?.generation !== undefined ? { generation: result.metadata.generation } : {}),
    });
    opts.log?.(`applied ${objectLabel({ ...object, metadata: { ...meta, namespace: result.metadata?.namespace } })}`);
  }
  return { context: cluster.context, server: cluster.server, applied };
}

/**
 * Helm's install order, for the kinds an environment holds: policies, quotas and limits exist before any pod is
 * admitted (a pod created before its LimitRange gets no defaults and the quota refuses it), a ServiceAccount before
 * the pods that run as it, a Service before its pods (they see it in their environment only if it came first).
 */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'Ingress',
];

/** The objects in apply order: by KIND_ORDER (other kinds after, by kind), then namespace, then name. */
export function applyOrder<T extends Record<string, unknown>>(objects: readonly T[]): T[] {
  const rank = (o: T) => {
    const i = KIND_ORDER.indexOf(String(o.kind));
    return i < 0 ? KIND_ORDER.length : i;
  };
  const meta = (o: T) => (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return [...objects].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      compare(String(a.kind), String(b.kind)) ||
      compare(String(meta(a).namespace ?? ''), String(meta(b).namespace ?? '')) ||
      compare(String(meta(a).name), String(meta(b).name)),
  );
}

/** `Deployment acme-production/orders-api`, `Namespace acme-production`: how errors and logs name an object. */
export function objectLabel(o: Record<string, unknown>): string {
  const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? `${meta.namespace}/` : '';
  return `${String(o.kind)} ${ns}${String(meta.name)}`;
}

/**
 * What would make an apply fail half-way or apply something other than the object: not a Kubernetes object
 * (apiVersion, kind, metadata.name), the same object twice, or a field the client would not send. Paths are
 * `objects[3].metadata.name`.
 */
export function checkObjects(objects: readonly unknown[]): Problem[] {
  const problems: Problem[] = [];
  const problem = (at: Segment[], code: string, message: string) => {
    const path = formatPath(['objects', ...at]);
    problems.push({ code, path, message: `${path}: ${message}`, severity: 'error' });
  };
  const seen = new Map<string, number>();
  objects.forEach((o, i) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return problem([i], 'invalid_object', `expected a Kubernetes object (a mapping), found ${describe(o)}`);
    const object = o as Record<string, unknown>;
    const before = problems.length;
    for (const field of ['apiVersion', 'kind'] as const) {
      if (typeof object[field] !== 'string' || object[field] === '') problem([i, field], 'invalid_object', `expected a non-empty string, found ${describe(object[field])}`);
    }
    const meta = object.metadata as Record<string, unknown> | undefined;
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
      problem([i, 'metadata'], 'invalid_object', `expected a mapping with name, found ${describe(meta)}`);
    } else {
      if (typeof meta.name !== 'string' || meta.name === '') problem([i, 'metadata', 'name'], 'invalid_object', `expected a non-empty string, found ${describe(meta.name)}`);
      if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || meta.namespace === '')) {
        problem([i, 'metadata', 'namespace'], 'invalid_object', `expected a non-empty string or no namespace, found ${describe(meta.namespace)}`);
      }
    }
    if (problems.length > before) return;
    const label = objectLabel(object);
    const id = `${String(object.apiVersion).replace(/\/?[^/]*$/, '')} ${label}`; // the API group and the object
    const first = seen.get(id);
    if (first !== undefined) return problem([i], 'duplicate_object', `${label} is also objects[${first}]; each object may be applied once`);
    seen.set(id, i);
    let lost: Segment[] | undefined;
    try {
      lost = clientForm(object).lost;
    } catch (e) {
      return problem([i], 'invalid_object', `${label}: the Kubernetes client cannot read it: ${(e as Error).message}`);
    }
    if (lost) {
      problem(
        [i, ...lost],
        'unsupported_field',
        `${label}: the Kubernetes client's model of ${String(object.apiVersion)} ${String(object.kind)} does not carry this field, ` +
          'so it would be dropped from the apply; expected a field of the Kubernetes API (is it misspelt, or newer than the client?)',
      );
    }
  });
  return problems;
}

/**
 * The object as the client's typed models hold it, and the first path where what the client would send differs
 * from it. The client serialises an object through its model of the kind, where some fields have other names
 * (LimitRangeItem `default` is `_default`, NetworkPolicyIngressRule `from` is `_from`) and unknown fields are
 * dropped: a plain object given to `patch` loses a LimitRange's defaults and a NetworkPolicy's `from` (which then
 * admits every source). `loadYaml` is the client's own way in; `dumpYaml` serialises the way `patch` does.
 */
function clientForm(object: Record<string, unknown>): { typed: KubernetesObject; lost: Segment[] | undefined } {
  const plain = JSON.parse(JSON.stringify(object)) as unknown;
  const typed = loadYaml<KubernetesObject>(JSON.stringify(plain));
  return { typed, lost: firstDifference(plain, loadJsYaml(dumpYaml(typed)), []) };
}

function firstDifference(want: unknown, got: unknown, at: Segment[]): Segment[] | undefined {
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return at;
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      const d = firstDifference(want[i], got[i], [...at, i]);
      if (d) return d;
    }
    return undefined;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return at;
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    for (const k of new Set([...Object.keys(w), ...Object.keys(g)])) {
      const d = firstDifference(w[k], g[k], [...at, k]);
      if (d) return d;
    }
    return undefined;
  }
  return want === got ? undefined : at;
}

// ---- Watching a rollout --------------------------------------------------------------------------------------------

/** A Deployment as far as its rollout goes (the client's V1Deployment fits). */
export interface DeploymentState {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type?: string; reason?: string; message?: string }>;
  };
}

export interface RolloutState {
  state: 'done' | 'failed' | 'progressing';
  message: string;
}

/**
 * `kubectl rollout status`'s rule for a Deployment (kubectl's DeploymentStatusViewer), with its messages: once the
 * controller has observed the current generation, a `Progressing` condition with reason `ProgressDeadlineExceeded`
 * fails; otherwise it is done when every desired replica is updated, no old replica remains and every updated one
 * is available.
 */
export function rolloutState(d: DeploymentState): RolloutState {
  const name = JSON.stringify(d.metadata?.name ?? '');
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { state: 'progressing', message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment ${name} exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}` };
  }
  const updated = s.updatedReplicas ?? 0;
  const waiting = `Waiting for deployment ${name} rollout to finish: `;
  if (d.spec?.replicas !== undefined && updated < d.spec.replicas) {
    return { state: 'progressing', message: `${waiting}${updated} out of ${d.spec.replicas} new replicas have been updated...` };
  }
  if ((s.replicas ?? 0) > updated) {
    return { state: 'progressing', message: `${waiting}${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
  }
  if ((s.availableReplicas ?? 0) < updated) {
    return { state: 'progressing', message: `${waiting}${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  }
  return { state: 'done', message: `deployment ${name} successfully rolled out` };
}

/**
 * Reads the Deployment (readNamespacedDeployment, once a second) until `rolloutState` says done (ok) or failed, or
 * `timeoutMs` passes (not ok; the reason carries the last state). A refusal (404, 403) ends the watch at once; an
 * unreachable cluster or a 5xx is retried until the timeout. The kubeconfig and context are checked before any
 * request (an InputError). An abort of `signal` throws its reason.
 */
export async function watchRollout(opts: RolloutOptions): Promise<{ ok: boolean; reason: string }> {
  const cluster = connect(opts.kubeconfigPath, opts.context);
  const label = `Deployment ${opts.namespace}/${opts.name}`;
  const deadline = Date.now() + opts.timeoutMs;
  const api = new AppsV1Api(configuration(cluster, opts.signal, () => deadline - Date.now()));
  let last = 'the cluster has not answered yet';
  for (;;) {
    opts.signal?.throwIfAborted();
    let current: string;
    try {
      const r = rolloutState(await api.readNamespacedDeployment({ name: opts.name, namespace: opts.namespace }));
      if (r.state === 'done') return { ok: true, reason: r.message };
      if (r.state === 'failed') return { ok: false, reason: `${label}: ${r.message}` };
      current = r.message;
    } catch (e) {
      opts.signal?.throwIfAborted();
      const f = failureOf(cluster, e);
      const retry = f.unreachable || (f.status !== undefined && (f.status >= 500 || f.status === 429));
      if (!retry) return { ok: false, reason: `${label}: ${f.message}` };
      current = f.message;
    }
    if (current !== last) opts.log?.(current);
    last = current;
    const left = deadline - Date.now();
    if (left <= 0) return { ok: false, reason: `${label}: not rolled out within ${formatMs(opts.timeoutMs)}: ${last}` };
    await sleep(Math.min(POLL_MS, left), undefined, opts.signal ? { signal: opts.signal } : {}).catch((e: unknown) => {
      opts.signal?.throwIfAborted(); // its reason, rather than the timer's AbortError
      throw e;
    });
  }
}

// ---- The cluster ---------------------------------------------------------------------------------------------------

interface Cluster {
  kc: KubeConfig;
  context: string;
  server: string;
}

/**
 * Loads the kubeconfig and selects the context, with the official client's loader (relative certificate paths are
 * taken from the file's folder). Every way this can be wrong is an InputError naming the setting, before any request.
 */
function connect(kubeconfigPath: string, context: string | undefined): Cluster {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(kubeconfigPath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EISDIR'
          ? 'a directory; expected a kubeconfig file'
          : err.code === 'EACCES'
            ? 'not readable by this process'
            : `not a valid kubeconfig: ${err instanceof TypeError ? 'expected a mapping with clusters, contexts and users' : err.message}`;
    throw new InputError(`settings.kubeconfig: ${kubeconfigPath}: ${why}`);
  }
  const names = kc.getContexts().map((c) => JSON.stringify(c.name));
  const has = names.length > 0 ? `it has ${names.join(', ')}` : 'it defines no contexts';
  const name = context ?? kc.getCurrentContext();
  if (!name) throw new InputError(`settings.context: not set, and ${kubeconfigPath} has no current-context; ${has}`);
  const ctx = kc.getContextObject(name);
  if (!ctx) {
    const where = context === undefined ? `the current-context of ${kubeconfigPath}` : 'settings.context';
    throw new InputError(`${where}: no context ${JSON.stringify(name)} in ${kubeconfigPath}; ${has}`);
  }
  kc.setCurrentContext(name);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new InputError(`settings.kubeconfig: context ${JSON.stringify(name)} in ${kubeconfigPath} names cluster ${JSON.stringify(ctx.cluster)}, which the file does not define`);
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new InputError(
      `settings.kubeconfig: cluster ${JSON.stringify(cluster.name)} in ${kubeconfigPath} is plain http (${cluster.server}); ` +
        'the Kubernetes client refuses http unless the cluster sets insecure-skip-tls-verify: true',
    );
  }
  return { kc, context: name, server: cluster.server };
}

/**
 * What `kc.makeApiClient` builds (the server, the kubeconfig's credentials), plus a signal on every request: the
 * caller's abort, and a time limit (`budgetMs`, at most REQUEST_TIMEOUT_MS).
 */
function configuration(cluster: Cluster, signal: AbortSignal | undefined, budgetMs: () => number = () => REQUEST_TIMEOUT_MS): Configuration {
  const limits: Middleware = {
    pre: async (ctx) => {
      const timeout = AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, Math.max(1_000, budgetMs())));
      ctx.setSignal(signal ? AbortSignal.any([signal, timeout]) : timeout);
      return ctx;
    },
    post: async (response) => response,
  };
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: cluster.kc },
    promiseMiddleware: [limits],
  });
}

/** KubernetesObjectApi on our configuration, with the context's default namespace as `makeApiClient` sets it. */
class ObjectApi extends KubernetesObjectApi {
  constructor(kc: KubeConfig, config: Configuration) {
    super(config);
    this.setDefaultNamespace(kc);
  }
}

/** What went wrong with a request, from the answer (never from the request, so no credential reaches a message). */
interface Failure {
  message: string;
  /** The API server's HTTP status, when it answered. */
  status?: number;
  /** Its Status reason: Forbidden, Invalid, NotFound... */
  reason?: string;
  /** No answer: the cluster is unreachable or did not answer in time. */
  unreachable: boolean;
}

function failureOf(cluster: Cluster, e: unknown): Failure {
  if (e instanceof ApiException) {
    const s = statusOf(e.body);
    const message = s.message ?? (e.code === 401 ? 'Unauthorized: the cluster did not accept the kubeconfig credentials' : `HTTP ${e.code}`);
    return { message, status: e.code, ...(s.reason ? { reason: s.reason } : {}), unreachable: false };
  }
  const where = `${cluster.server} (context ${cluster.context})`;
  if (e instanceof AbortError || (e as Error | undefined)?.name === 'AbortError') {
    return { message: `the cluster at ${where} did not answer in time`, unreachable: true };
  }
  if (e instanceof FetchError) return { message: `cannot reach the cluster at ${where}: ${e.message}`, unreachable: true };
  // The client's own refusals, e.g. "Unrecognized API version and kind" when the cluster does not serve a kind.
  return { message: (e as Error | undefined)?.message ?? String(e), unreachable: false };
}

/** The failure as an error naming the object: `Deployment acme-production/orders-api: <the API server's message>`. */
function requestError(label: string, cluster: Cluster, e: unknown): Error {
  const f = failureOf(cluster, e);
  const message = `${label}: ${f.message}`;
  if (f.unreachable) return new UnavailableError(message, { cause: e });
  if (f.status !== undefined) return new KubernetesApiError(message, f.status, f.reason);
  return new GantryError(message, { cause: e });
}

function statusOf(body: unknown): { message?: string; reason?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (value === null || typeof value !== 'object') return {};
  const s = value as { message?: unknown; reason?: unknown };
  return {
    ...(typeof s.message === 'string' && s.message ? { message: s.message } : {}),
    ...(typeof s.reason === 'string' && s.reason ? { reason: s.reason } : {}),
  };
}

// ---- The environment repository's layout ---------------------------------------------------------------------------

/**
 * The objects Argo CD or Flux would apply from an environment's folder (relative path -> YAML text, as gitopsLayout
 * writes it and the environment repository holds it): every file the kustomizations list, from
 * `<env>/kustomization.yaml` down through the component folders, with a kustomization's `namespace` set on the
 * objects under it (every kind but Namespace is taken as namespaced, as every kind Gantry lists under a component
 * is). Only what Gantry's layout uses is read (`resources`, `namespace`); any other kustomization field is an error
 * rather than an apply that differs from the controller's.
 */
export function layoutObjects(files: ReadonlyMap<string, string>, envName: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const visit = (dir: string, outerNamespace: string | undefined, chain: string[]) => {
    const file = `${dir}/${KUSTOMIZATION_FILE}`;
    const text = files.get(file);
    if (text === undefined) throw new InputError(`${file}: no such file; expected the kustomization of ${dir}`);
    const [k] = parseYaml(file, text);
    if (k === null || typeof k !== 'object' || Array.isArray(k) || (k as { kind?: unknown }).kind !== 'Kustomization') {
      throw new InputError(`${file}: expected a Kustomization`);
    }
    const kust = k as { namespace?: unknown; resources?: unknown };
    const extra = Object.keys(kust).filter((key) => !['apiVersion', 'kind', 'namespace', 'resources'].includes(key));
    if (extra.length > 0) {
      throw new InputError(`${file}: ${extra.map((x) => JSON.stringify(x)).join(', ')} not supported by Gantry's apply (only resources and namespace); leave this environment to Argo CD or Flux`);
    }
    // kustomize applies the outermost namespace last, so it wins.
    const namespace = outerNamespace ?? (typeof kust.namespace === 'string' ? kust.namespace : undefined);
    const resources = Array.isArray(kust.resources) ? kust.resources : [];
    resources.forEach((entry: unknown, i) => {
      const target = typeof entry === 'string' ? posix.normalize(posix.join(dir, entry)) : undefined;
      if (target === undefined || !target.startsWith(`${envName}/`)) throw new InputError(`${file}: resources[${i}]: expected a relative path inside ${envName}/`);
      const manifest = files.get(target);
      if (manifest !== undefined) {
        for (const doc of parseYaml(target, manifest)) {
          if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${target}: expected a Kubernetes object (a mapping)`);
          const object = doc as Record<string, unknown>;
          if (namespace !== undefined && object.kind !== 'Namespace') {
            object.metadata = { ...((object.metadata as Record<string, unknown> | undefined) ?? {}), namespace };
          }
          out.push(object);
        }
      } else if (files.has(`${target}/${KUSTOMIZATION_FILE}`)) {
        if (chain.includes(target)) throw new InputError(`${file}: resources[${i}]: ${target} includes itself`);
        visit(target, namespace, [...chain, target]);
      } else {
        throw new InputError(`${file}: resources[${i}]: ${target} is neither a file nor a folder with a ${KUSTOMIZATION_FILE}`);
      }
    });
  };
  visit(envName, undefined, [envName]);
  return out;
}

function parseYaml(file: string, text: string): unknown[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const { line, col } = lines.linePos(err.pos[0]);
      throw new InputError(`${file}:${line}:${col}: ${err.message}`);
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

// ---- Small pieces --------------------------------------------------------------------------------------------------

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

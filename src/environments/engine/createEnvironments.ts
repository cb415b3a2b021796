import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { authorize, decide, SYSTEM, type Principal } from '../../auth/authorize.js';
import type { Catalog } from '../../catalog/index.js';
import { ConflictError, errorChain, InputError, NotAllowedError, NotFoundError, type Problem } from '../../core/errors.js';
import { nowIso } from '../../core/ids.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { PushEvent, RepoHost } from '../../hosting/index.js';
import type { Pipelines } from '../../pipelines/index.js';
import { actorOf, NEEDS_APPROVAL, policyDenied, subjectOf, type PolicyActor, type PolicyService, type RecordedAdmission } from '../../policy/index.js';
import type { Job as QueueJob } from '../../store/queue.js';
import type { Store } from '../../store/index.js';
import type { JobContext } from '../../store/worker.js';
import { kubernetesSettings, namespaceOf } from '../drivers/kubernetes/settings.js';
import { activeFreeze } from '../model/freeze.js';
import type {
  EnvironmentSpec,
  EnvironmentType,
  FreezeWindow,
  ProvisionedResource,
  ResolvedWorkload,
  ResourceKey,
  ScoreResource,
  ScoreWorkload,
} from '../model/types.js';
import type { EnvRepo } from './envRepo.js';
import type { DeploymentAction, DeploymentStatus, DeploymentTable, EnvironmentTables, ReleaseTable } from './tables.js';
import type {
  DeploymentView,
  DriftItem,
  DriftView,
  EnvironmentView,
  MatrixCell,
  MatrixView,
  ReleaseDiffView,
  ReleaseView,
  RuntimeState,
} from './views.js';

export const DEPLOY_JOB = 'environments.deploy';
export const RELEASE_BUNDLE = 'release.tar.gz';
const SCORE_FILE = 'score.yaml';
const TERMINAL = new Set<DeploymentStatus>(['succeeded', 'failed', 'rolled_back', 'rejected', 'superseded']);
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** What Gantry records on the Environment entities it creates. */
const ANNOTATION = {
  createdAt: 'gantry.dev/created-at',
  createdBy: 'gantry.dev/created-by',
  branch: 'gantry.dev/preview-branch',
  component: 'gantry.dev/preview-component',
  repo: 'gantry.dev/preview-repo',
};

/** What the local driver offers the engine (src/environments/drivers/local). */
export interface LocalRuntime {
  deploy(w: ResolvedWorkload, bundleDir: string): Promise<{ ok: true; url: string } | { ok: false; reason: string }>;
  undeploy(environment: string, component: string): Promise<void>;
  /** What runs now in one environment (or all). */
  status(environment?: string): Promise<Array<{ environment: string; component: string; releaseId: string | null; state: RuntimeState['state']; pid: number | null; restarts: number; memoryBytes: number | null; startedAt: string | null }>>;
  logs(environment: string, component: string, opts: { tail: number; follow: boolean; signal?: AbortSignal }): AsyncIterable<string>;
  urlOf(environment: string, component: string): string;
  /** After a restart: adopts the processes of a previous platform that run a desired release, stops the rest, starts what is missing. */
  recover(desired: Array<{ workload: ResolvedWorkload; bundleDir: string }>): Promise<{ adopted: number; deployed: number; stopped: number; failed: string[] }>;
}

/** The Score model and the provisioners (src/environments/model, src/environments/resources). */
export interface WorkloadTools {
  parseScore(text: string, file: string): { workload?: ScoreWorkload; problems: Problem[] };
  /** The workload's resources with `${metadata.*}` in their params expanded; throws when one cannot be provisioned here. */
  resources(w: ScoreWorkload): Record<string, ScoreResource>;
  provision(key: ResourceKey, res: ScoreResource): Promise<ProvisionedResource>;
  deprovision(key: ResourceKey, res: ScoreResource): Promise<void>;
  /** Each container's env with placeholders resolved, and which names hold secret values. */
  resolve(w: ScoreWorkload, provisioned: Record<string, ProvisionedResource>, ctx: { environment: string; component: string }): Record<string, { env: Record<string, string>; secretEnv: string[] }>;
  /** The kubernetes driver's files for one environment (GitOps layout), and their problems. */
  kubernetesLayout?(env: EnvironmentSpec, workloads: ResolvedWorkload[]): { files: Map<string, string>; problems: Problem[] };
}

export interface EnvironmentsOptions {
  store: Store;
  catalog: Catalog;
  repos: RepoHost;
  pipelines: Pipelines;
  envRepo: EnvRepo;
  tools: WorkloadTools;
  workspaceDir: string;
  /** Absent in processes without the router (a separate worker): they do not take deploy jobs. */
  runtime?: LocalRuntime;
  /** Admission points deployment.* and kubernetes.manifests (docs/policy.md). */
  policy: PolicyService;
  log?: Logger;
  now?: () => Date;
}

export interface CreateEnvironmentInput {
  name: string;
  type: EnvironmentType;
  owner: string;
  driver?: 'local' | 'kubernetes';
  order?: number;
  requiredApprovals?: number;
  freezeWindows?: FreezeWindow[];
  ttl?: string;
  branch?: string;
  component?: string;
  description?: string;
  settings?: Record<string, unknown>;
}

export interface DeployInput {
  component: string;
  environment: string;
  release?: string;
  overrideFreeze?: string;
  /** Promote only: the environment the release comes from (policies see it as object.from). */
  from?: string;
}

export interface Environments {
  listEnvironments(): Promise<EnvironmentView[]>;
  getEnvironment(name: string): Promise<EnvironmentView>;
  createEnvironment(p: Principal, input: CreateEnvironmentInput): Promise<{ environment: EnvironmentView; deployment: DeploymentView | null }>;
  deleteEnvironment(p: Principal, name: string): Promise<void>;
  listReleases(q?: { component?: string; limit?: number }): Promise<ReleaseView[]>;
  getRelease(id: string): Promise<ReleaseView>;
  createRelease(p: Principal, input: { component: string; sha?: string; branch?: string; runId?: string }): Promise<ReleaseView>;
  diffReleases(fromId: string, toId: string): Promise<ReleaseDiffView>;
  listDeployments(q?: { component?: string; environment?: string; status?: DeploymentStatus; limit?: number }): Promise<DeploymentView[]>;
  getDeployment(id: string): Promise<DeploymentView>;
  deploy(p: Principal, input: DeployInput, action?: DeploymentAction): Promise<DeploymentView>;
  promote(p: Principal, input: { component: string; to: string; overrideFreeze?: string }): Promise<DeploymentView>;
  rollback(p: Principal, input: { component: string; environment: string; to?: string }): Promise<DeploymentView>;
  approve(p: Principal, id: string): Promise<DeploymentView>;
  matrix(): Promise<MatrixView>;
  drift(environment: string): Promise<DriftView>;
  /** Makes what runs match the environment repository; returns what differed before. */
  reconcile(p: Principal, environment: string): Promise<DriftView>;
  /** Every local environment, on a schedule: drift is reported and repaired. */
  reconcileAll(): Promise<void>;
  /** At start-up: what a previous platform left running is adopted or stopped, and what is desired runs. */
  recover(): Promise<{ adopted: number; deployed: number; stopped: number; failed: string[] }>;
  logs(environment: string, component: string, opts: { tail: number; follow: boolean; signal?: AbortSignal }): AsyncIterable<string>;
  /** Previews past their TTL (at `at`, default now) are torn down; returns their names. */
  expirePreviews(at?: Date): Promise<string[]>;
  /** A deleted branch tears down its previews. */
  onPush(e: PushEvent): Promise<void>;
  /** Queue handlers: deploys (only where the runtime is) and releases from green pipeline runs. */
  jobHandlers(): Record<string, (job: QueueJob, ctx: JobContext) => Promise<unknown>>;
}

function parseDurationText(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,5})(m|h|d)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'd' ? 86_400_000 : m[2] === 'h' ? 3_600_000 : 60_000);
}

/** A command for the local driver only, when the container's own entrypoint is not something it can run. */
const LOCAL_COMMAND = 'gantry.dev/local-command';

function localCommandOf(w: ScoreWorkload): string[] | undefined {
  const text = w.metadata.annotations?.[LOCAL_COMMAND];
  const words = text?.trim().split(/\s+/).filter(Boolean);
  return words && words.length > 0 ? words : undefined;
}

function invalid(path: string, message: string): InputError {
  return new InputError(`${path}: ${message}`, { problems: [{ code: 'invalid_input', path, message, severity: 'error' }] });
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

function groupRef(owner: string): string {
  const o = owner.toLowerCase();
  return o.includes(':') ? o : `group:default/${o}`;
}

function toReleaseView(r: ReleaseTable): ReleaseView {
  return {
    id: r.id,
    component: r.component,
    componentRef: r.component_ref,
    owner: r.owner,
    repo: r.repo,
    sha: r.sha,
    branch: r.branch,
    artifactDigest: r.artifact_digest,
    artifactSource: r.artifact_source,
    pipelineRunId: r.pipeline_run_id,
    commits: JSON.parse(r.commits) as ReleaseView['commits'],
    workload: JSON.parse(r.workload) as ScoreWorkload,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** Field-by-field differences of two JSON values, as dotted paths. */
export function diffValues(a: unknown, b: unknown, path = ''): Array<{ path: string; from: unknown; to: unknown }> {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffValues(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, from: a ?? null, to: b ?? null }];
}

export function createEnvironments(opts: EnvironmentsOptions): Environments {
  const { store, catalog, repos, envRepo, tools } = opts;
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? (() => new Date());
  const db = () => store.db.withTables<EnvironmentTables>();
  const releasesDir = join(opts.workspaceDir, 'releases');

  // ---- environments (catalog entities; their files live in the environment repository) ----------------------

  function specOf(e: { name: string; entity: Record<string, unknown>; createdAt: string; ref: string }): { spec: EnvironmentSpec; view: EnvironmentView } {
    const spec = (e.entity.spec ?? {}) as Record<string, unknown>;
    const metadata = (e.entity.metadata ?? {}) as Record<string, unknown>;
    const settings = (spec.settings ?? {}) as Record<string, unknown>;
    const annotations = (metadata.annotations ?? {}) as Record<string, string>;
    const ttl = typeof spec.ttl === 'string' ? spec.ttl : null;
    const ttlMs = ttl ? parseDurationText(ttl) : undefined;
    const created = annotations[ANNOTATION.createdAt] ?? e.createdAt;
    const branch = annotations[ANNOTATION.branch];
    const s: EnvironmentSpec = {
      name: e.name,
      type: spec.type as EnvironmentType,
      owner: groupRef(String(spec.owner ?? '')),
      driver: spec.driver === 'kubernetes' ? 'kubernetes' : 'local',
      order: typeof spec.order === 'number' ? spec.order : spec.type === 'preview' ? 1000 : 100,
      requiredApprovals: typeof spec.requiredApprovals === 'number' ? spec.requiredApprovals : 0,
      freezeWindows: Array.isArray(spec.freezeWindows) ? (spec.freezeWindows as FreezeWindow[]) : [],
      ...(ttlMs ? { ttlMs } : {}),
      ...(branch ? { branch } : {}),
      ...(annotations[ANNOTATION.repo] ? { repo: annotations[ANNOTATION.repo] } : {}),
      settings,
    };
    const view: EnvironmentView = {
      name: s.name,
      title: typeof metadata.title === 'string' ? metadata.title : null,
      description: typeof metadata.description === 'string' ? metadata.description : null,
      type: s.type,
      owner: s.owner,
      driver: s.driver,
      order: s.order,
      requiredApprovals: s.requiredApprovals,
      freezeWindows: s.freezeWindows,
      frozen: activeFreeze(s.freezeWindows, now()) ?? null,
      ttl,
      expiresAt: ttlMs ? new Date(Date.parse(created) + ttlMs).toISOString() : null,
      branch: s.branch ?? null,
      component: annotations[ANNOTATION.component] ?? null,
      ref: e.ref,
      createdAt: created,
    };
    return { spec: s, view };
  }

  async function allEnvironments(): Promise<Array<{ spec: EnvironmentSpec; view: EnvironmentView }>> {
    const page = await catalog.listEntities({ filter: [{ key: 'kind', values: ['environment'] }], limit: 500 });
    return page.items
      .map((e) => specOf(e))
      .sort((a, b) => (a.spec.type === 'preview' ? 1 : 0) - (b.spec.type === 'preview' ? 1 : 0) || a.spec.order - b.spec.order || a.spec.name.localeCompare(b.spec.name));
  }

  async function environment(name: string): Promise<{ spec: EnvironmentSpec; view: EnvironmentView }> {
    const found = (await allEnvironments()).find((e) => e.spec.name === name.toLowerCase());
    if (!found) throw new NotFoundError(`no environment named "${name}" (see gantry env list)`);
    return found;
  }

  // ---- components ----------------------------------------------------------------------------------------------

  async function component(name: string): Promise<{ name: string; ref: string; owner: string | null; repo: string | null; entity: Record<string, unknown> }> {
    let e;
    try {
      e = await catalog.getEntity(name.includes(':') ? name : `component:${name}`);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`no component named "${name}" in the catalog`);
      throw err;
    }
    if (e.kind.toLowerCase() !== 'component') throw invalid('component', `expected a Component, found a ${e.kind} (${e.ref})`);
    const owner = e.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? null;
    const annotations = ((e.entity.metadata as Record<string, unknown>).annotations ?? {}) as Record<string, string>;
    let repo: string | null = annotations['gantry.dev/repo'] ?? null;
    const target = e.source?.locationTarget;
    if (!repo && target) {
      const path = target.split('#')[0] ?? '';
      const rel = relative(repos.reposDir, resolve(path));
      if (rel && !rel.startsWith('..') && !rel.includes('/') && rel.endsWith('.git')) repo = basename(rel, '.git');
    }
    return { name: e.name, ref: e.ref, owner, repo, entity: e.entity };
  }

  // ---- policy admission (deployment.*, kubernetes.manifests) ----------------------------------------------------

  /** The newest pipeline run on a commit of the component's repository, with its security steps' outcome. */
  async function pipelineFacts(repo: string | null, sha: string): Promise<{ id: string; status: string; sha: string; securitySteps: { secretScan: string; dependencyAudit: string } } | undefined> {
    if (!repo) return undefined;
    const run = (await opts.pipelines.listRuns({ repo, sha, limit: 1 }))[0];
    if (!run) return undefined;
    const detail = await opts.pipelines.getRun(run.id);
    const stepStatus = (tool: string): string => {
      const steps = detail.jobs.flatMap((j) => j.steps).filter((st) => st.name.includes(tool));
      if (steps.length === 0) return 'absent';
      return steps.find((st) => st.status !== 'succeeded')?.status ?? 'succeeded';
    };
    return { id: run.id, status: run.status, sha: run.sha, securitySteps: { secretScan: stepStatus('secret-scan'), dependencyAudit: stepStatus('dependency-audit') } };
  }

  const POLICY_ACTIONS: Partial<Record<DeploymentAction, string>> = {
    deploy: 'deployment.create',
    auto: 'deployment.create',
    preview: 'deployment.create',
    promote: 'deployment.promote',
    rollback: 'deployment.rollback',
  };

  /**
   * Asks the policies about a deployment. Denials whose reason is NeedsApproval keep it waiting for approvals;
   * any other enforce-mode denial refuses it (PolicyDeniedError, 403, naming each policy).
   */
  async function admitDeployment(a: {
    actor: PolicyActor;
    c: { ref: string; repo: string | null; entity: Record<string, unknown> };
    env: EnvironmentSpec;
    /** The freeze window the environment is in now (null when none, or for rollbacks). */
    frozen: FreezeWindow | null;
    release: ReleaseTable;
    action: DeploymentAction;
    approvals: Array<{ by: string }>;
    requiredApprovals: number;
    freezeOverride: string | null;
    from?: string;
    deployment?: string;
  }): Promise<{ pending: string[]; admission: RecordedAdmission | null }> {
    const action = POLICY_ACTIONS[a.action];
    if (!action) return { pending: [], admission: null };
    const pipeline = await pipelineFacts(a.c.repo, a.release.sha);
    const subject = subjectOf(a.c.ref, a.c.entity);
    const object = {
      environment: { name: a.env.name, type: a.env.type, owner: a.env.owner, driver: a.env.driver, order: a.env.order, requiredApprovals: a.env.requiredApprovals, freezeWindows: a.env.freezeWindows, settings: a.env.settings },
      release: { id: a.release.id, sha: a.release.sha, workload: JSON.parse(a.release.workload) as Record<string, unknown> },
      ...(pipeline ? { pipeline: { status: pipeline.status, sha: pipeline.sha, securitySteps: pipeline.securitySteps } } : {}),
      approvals: a.approvals.filter((x) => x.by !== a.actor.ref).map((x) => ({ by: x.by })),
      requiredApprovals: a.requiredApprovals,
      frozen: a.frozen !== null,
      ...(a.frozen ? { freezeWindow: { start: a.frozen.start, end: a.frozen.end, ...(a.frozen.reason ? { reason: a.frozen.reason } : {}) } } : {}),
      ...(a.freezeOverride ? { freezeOverride: a.freezeOverride } : {}),
      requestedBy: a.actor.ref,
      ...(a.from ? { from: a.from } : {}),
    };
    const evidence = {
      ...(a.deployment ? { deployment: a.deployment } : {}),
      release: a.release.id,
      sha: a.release.sha,
      pipelineRun: pipeline ? { id: pipeline.id, status: pipeline.status, ...pipeline.securitySteps } : null,
      approvals: a.approvals,
      ...(a.freezeOverride ? { freezeOverride: a.freezeOverride } : {}),
    };
    const admission = await opts.policy.admit(action, { subject, actor: a.actor, object }, { environment: a.env.name, evidence });
    const refusing = admission.denials.filter((d) => d.reason !== NEEDS_APPROVAL);
    if (refusing.length > 0) throw policyDenied(action, a.c.ref, refusing);
    if (a.env.driver === 'kubernetes' && tools.kubernetesLayout) {
      // The manifests this release renders to, checked before anything is committed to the environment repository.
      const { files } = tools.kubernetesLayout(a.env, [await resolvedWorkload(a.env, a.release, false)]);
      const objects = [...files.values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>)).filter((o) => o && typeof o === 'object' && 'kind' in o);
      await opts.policy.enforce('kubernetes.manifests', { subject, actor: a.actor, object: { environment: object.environment, objects } }, { environment: a.env.name, evidence });
    }
    return { pending: admission.denials.filter((d) => d.reason === NEEDS_APPROVAL).flatMap((d) => d.messages.map((m) => `${d.policy}: ${m}`)), admission };
  }

  // ---- releases ------------------------------------------------------------------------------------------------

  async function gitIn(repo: string, args: string[]): Promise<string> {
    const r = await execa('git', args, { env: { GIT_DIR: repos.pathOf(repo) }, stdin: 'ignore', timeout: 60_000, reject: false });
    if (r.exitCode !== 0) throw new InputError(`git ${args[0]} in ${repo} failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
    return r.stdout;
  }

  async function loadRelease(id: string): Promise<ReleaseTable> {
    const r = await db().selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFoundError(`no release ${id}`);
    return r;
  }

  async function createRelease(p: Principal, input: { component: string; sha?: string; branch?: string; runId?: string }): Promise<ReleaseView> {
    const c = await component(input.component);
    authorize(p, 'deployment.create', { owner: c.owner });
    let repo = c.repo;
    let sha = input.sha;
    let branch = input.branch;
    let run: Awaited<ReturnType<Pipelines['getRun']>> | null = null;
    if (input.runId) {
      run = await opts.pipelines.getRun(input.runId);
      if (run.status !== 'succeeded') throw new ConflictError(`pipeline run ${run.id} ${run.status}; only a green run makes a release`);
      repo = run.repo;
      sha = run.sha;
      branch = run.branch;
    }
    if (!repo) throw invalid('component', `${c.ref} has no Gantry-hosted repository (its catalog-info.yaml is not read from one, and it has no gantry.dev/repo annotation)`);
    const info = await repos.get(repo);
    branch = branch ?? info.defaultBranch;
    if (!sha) {
      sha = (await repos.refs(repo)).get(`refs/heads/${branch}`);
      if (!sha) throw new NotFoundError(`${repo} has no branch ${branch}`);
    } else if (!/^[0-9a-f]{40}$/.test(sha)) {
      sha = (await gitIn(repo, ['rev-parse', '--verify', `${sha}^{commit}`]).catch(() => {
        throw invalid('sha', `expected a commit of ${repo}, found ${JSON.stringify(input.sha)}`);
      })).trim();
    }
    // The workload is checked before anything is stored: an unknown resource type, a bad port, a typo.
    const text = await gitIn(repo, ['cat-file', 'blob', `${sha}:${SCORE_FILE}`]).catch(() => null);
    if (text === null) throw invalid(SCORE_FILE, `${repo} has no ${SCORE_FILE} at ${sha.slice(0, 12)}: a release needs the workload's Score file`);
    const parsed = tools.parseScore(text, SCORE_FILE);
    const errors = parsed.problems.filter((x) => x.severity !== 'warning');
    if (!parsed.workload || errors.length > 0) {
      throw new InputError(`${SCORE_FILE} at ${sha.slice(0, 12)} cannot be used: ${errors.map((x) => `${x.position ? `${x.position.file}:${x.position.line}:${x.position.column}: ` : ''}${x.message}`).join('; ')}`, { problems: errors });
    }
    // A green run on this commit that kept a release bundle is the artifact; otherwise the commit's own tree.
    if (!run) {
      const runs = await opts.pipelines.listRuns({ repo, status: 'succeeded', limit: 50 });
      const green = runs.find((r) => r.sha === sha);
      if (green) run = await opts.pipelines.getRun(green.id);
    }
    const id = `r-${randomUUID().slice(0, 8)}`;
    await mkdir(releasesDir, { recursive: true });
    const bundle = join(releasesDir, `${id}.tar.gz`);
    let source = 'source';
    const artifact = run ? await opts.pipelines.artifactFile(run.id, RELEASE_BUNDLE) : null;
    if (run && artifact && existsSync(artifact.file)) {
      await copyFile(artifact.file, bundle);
      source = `pipeline:${run.id}`;
    } else {
      await gitIn(repo, ['archive', '--format=tar.gz', '-o', bundle, sha]);
    }
    const digest = await sha256File(bundle);
    const previous = await db().selectFrom('releases').select(['sha']).where('component', '=', c.name).orderBy('created_at', 'desc').executeTakeFirst();
    const range = previous && previous.sha !== sha ? [`${previous.sha}..${sha}`] : [sha, '--max-count=1'];
    const commits = (await gitIn(repo, ['log', '--max-count=200', '--format=%H %cI', ...range]).catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ sha: l.slice(0, 40), at: l.slice(41) }));
    const row: ReleaseTable = {
      id,
      component: c.name,
      component_ref: c.ref,
      owner: c.owner,
      repo,
      sha,
      branch,
      artifact_digest: digest,
      artifact_source: source,
      bundle: relative(opts.workspaceDir, bundle),
      workload: JSON.stringify(parsed.workload),
      pipeline_run_id: run?.id ?? null,
      commits: JSON.stringify(commits),
      created_at: nowIso(),
      created_by: p.userRef,
    };
    await store.transaction(async (tx) => {
      await tx.withTables<EnvironmentTables>().insertInto('releases').values(row).execute();
      await store.events.append(tx, {
        actor: p.userRef,
        action: 'release.created',
        subject: `release:${id}`,
        payload: { component: c.ref, repo, sha, branch, artifactDigest: digest, artifactSource: source, commits: commits.length },
      });
    });
    return toReleaseView(row);
  }

  /** Unpacks a release's bundle once (into a temporary folder, then renamed: never half-unpacked). */
  async function bundleDirOf(r: ReleaseTable): Promise<string> {
    const dir = join(releasesDir, r.id);
    if (existsSync(dir)) return dir;
    const file = join(opts.workspaceDir, r.bundle);
    if (!existsSync(file)) throw new NotFoundError(`the artifact of release ${r.id} is missing (${r.bundle}); create a new release`);
    if ((await sha256File(file)) !== r.artifact_digest) throw new ConflictError(`the artifact of release ${r.id} does not match its digest ${r.artifact_digest}; it was changed after the release was made`);
    const tmp = `${dir}.tmp-${process.pid}-${randomUUID().slice(0, 6)}`;
    await mkdir(tmp, { recursive: true });
    const x = await execa('tar', ['-xzf', file, '-C', tmp, '--no-same-owner'], { reject: false, stdin: 'ignore' });
    if (x.exitCode !== 0) {
      await rm(tmp, { recursive: true, force: true });
      throw new ConflictError(`the artifact of release ${r.id} could not be unpacked: ${x.stderr.trim()}`);
    }
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(dir)) throw e;
    });
    return dir;
  }

  // ---- desired state (the environment repository) -------------------------------------------------------------

  const desiredPath = (env: string, comp: string) => `${env}/${comp}/release.yaml`;

  type Desired = { releaseId: string; deployment: string; sha: string; since: string; by: string };

  async function desiredOf(env: string, comp: string, at?: string): Promise<Desired | null> {
    return desiredFrom(await envRepo.read(desiredPath(env, comp), at));
  }

  /** Every component's desired release in one environment, read with one git process. */
  async function desiredIn(env: string): Promise<Map<string, Desired>> {
    const comps = await desiredComponents(env);
    const texts = await envRepo.readMany(comps.map((c) => desiredPath(env, c)));
    const out = new Map<string, Desired>();
    for (const c of comps) {
      const d = desiredFrom(texts.get(desiredPath(env, c)) ?? null);
      if (d) out.set(c, d);
    }
    return out;
  }

  function desiredFrom(text: string | null): Desired | null {
    if (!text) return null;
    const doc = parseYaml(text) as { spec?: { release?: string; deployment?: string; sha?: string; at?: string; by?: string } };
    if (!doc?.spec?.release) return null;
    return { releaseId: doc.spec.release, deployment: doc.spec.deployment ?? '', sha: doc.spec.sha ?? '', since: doc.spec.at ?? '', by: doc.spec.by ?? '' };
  }

  async function desiredComponents(env: string): Promise<string[]> {
    return (await envRepo.list(env)).filter((f) => /^[^/]+\/[^/]+\/release\.yaml$/.test(f)).map((f) => f.split('/')[1] as string);
  }

  function releaseFile(env: EnvironmentSpec, r: ReleaseTable, d: DeploymentTable, by: string): string {
    const doc = {
      apiVersion: 'gantry.dev/v1alpha1',
      kind: 'DesiredRelease',
      metadata: { name: r.component, environment: env.name },
      spec: {
        release: r.id,
        component: r.component_ref,
        sha: r.sha,
        branch: r.branch,
        artifactDigest: r.artifact_digest,
        deployment: d.id,
        action: d.action,
        by,
        at: nowIso(),
        workload: JSON.parse(r.workload) as unknown,
      },
    };
    return `# Desired state of ${r.component} in ${env.name}, written by Gantry (deployment ${d.id}).\n${stringifyYaml(doc)}`;
  }

  /** The workload resolved for an environment; `provision` false (kubernetes) leaves resource values to a Secret. */
  // (On the local driver, the gantry.dev/local-command annotation replaces the first container's command.)
  async function resolvedWorkload(env: EnvironmentSpec, r: ReleaseTable, provision: boolean): Promise<ResolvedWorkload> {
    const workload = JSON.parse(r.workload) as ScoreWorkload;
    const provisioned: Record<string, ProvisionedResource> = {};
    // Every resource is checked before any is provisioned (redis without a Redis server fails here, not half-way).
    for (const [name, res] of Object.entries(provision ? tools.resources(workload) : (workload.resources ?? {}))) {
      if (provision) {
        provisioned[name] = await tools.provision({ environment: env.name, component: r.component, name }, res);
      } else {
        provisioned[name] = { type: res.type as ProvisionedResource['type'], outputs: {}, secretOutputs: [] };
      }
    }
    const envs = provision ? tools.resolve(workload, provisioned, { environment: env.name, component: r.component }) : null;
    const localCommand = env.driver === 'local' ? localCommandOf(workload) : undefined;
    const annotations: Record<string, string> = { ...(workload.metadata.annotations ?? {}) };
    if (r.owner) annotations['gantry.dev/owner'] = r.owner;
    return {
      component: r.component,
      environment: env.name,
      releaseId: r.id,
      sha: r.sha,
      artifactDigest: r.artifact_digest,
      annotations,
      containers: Object.entries(workload.containers).map(([name, c], i) => {
        let env: Record<string, string>;
        let secretEnv: string[];
        if (envs) {
          env = envs[name]?.env ?? {};
          secretEnv = envs[name]?.secretEnv ?? [];
        } else {
          // Values that read a resource come from the `<component>-resources` Secret in the cluster.
          env = {};
          secretEnv = [];
          for (const [k, v] of Object.entries(c.variables ?? {})) {
            if (/\$\{resources\./.test(v)) secretEnv.push(k);
            else env[k] = v.replaceAll('${metadata.name}', workload.metadata.name);
          }
        }
        return {
          name,
          image: c.image,
          ...(i === 0 && localCommand ? { command: localCommand } : c.command ? { command: c.command } : {}),
          ...(c.args && !(i === 0 && localCommand) ? { args: c.args } : {}),
          env,
          secretEnv,
          ...(c.resources ? { resources: c.resources } : {}),
          ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}),
          ...(c.livenessProbe ? { livenessProbe: c.livenessProbe } : {}),
        };
      }),
      ports: Object.entries(workload.service?.ports ?? {}).map(([name, port]) => ({ name, port: port.port, targetPort: port.targetPort ?? port.port, protocol: port.protocol ?? 'TCP' })),
      resources: Object.fromEntries(Object.entries(provisioned).map(([k, v]) => [k, { type: v.type, outputs: Object.fromEntries(Object.entries(v.outputs).filter(([o]) => !v.secretOutputs.includes(o))), secretOutputs: v.secretOutputs }])),
    };
  }

  /** Files to write for a deployment: the desired release, plus the kubernetes manifests of the whole environment. */
  async function desiredFiles(env: EnvironmentSpec, comp: string, r: ReleaseTable | null, d: DeploymentTable, by: string): Promise<Record<string, string | null>> {
    const files: Record<string, string | null> = { [desiredPath(env.name, comp)]: r ? releaseFile(env, r, d, by) : null };
    if (env.driver === 'kubernetes' && tools.kubernetesLayout) {
      const workloads: ResolvedWorkload[] = [];
      for (const other of await desiredComponents(env.name)) {
        if (other === comp) continue;
        const desired = await desiredOf(env.name, other);
        if (desired) workloads.push(await resolvedWorkload(env, await loadRelease(desired.releaseId), false));
      }
      if (r) workloads.push(await resolvedWorkload(env, r, false));
      const { files: layout, problems } = tools.kubernetesLayout(env, workloads);
      const errors = problems.filter((x) => x.severity !== 'warning');
      if (errors.length > 0) throw new InputError(`the kubernetes manifests of ${env.name} are not valid: ${errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`, { problems: errors });
      // Manifests of the environment: replace what was there (a removed component's folder goes).
      for (const f of await envRepo.list(env.name)) if (!f.endsWith('/release.yaml')) files[f] = null;
      for (const [path, text] of layout) files[path] = text;
      if (!r) for (const f of Object.keys(files)) if (f.startsWith(`${env.name}/${comp}/`) && !f.endsWith('release.yaml')) files[f] = null;
    }
    return files;
  }

  // ---- deployments ---------------------------------------------------------------------------------------------

  async function loadDeployment(id: string): Promise<DeploymentTable> {
    const d = await db().selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!d) throw new NotFoundError(`no deployment ${id}`);
    return d;
  }

  async function toView(d: DeploymentTable, cache?: Map<string, ReleaseTable | null>): Promise<DeploymentView> {
    let r = cache?.get(d.release_id);
    if (r === undefined) {
      r = (await db().selectFrom('releases').selectAll().where('id', '=', d.release_id).executeTakeFirst()) ?? null;
      cache?.set(d.release_id, r);
    }
    return {
      id: d.id,
      component: d.component,
      environment: d.environment,
      releaseId: d.release_id,
      release: r ? { sha: r.sha, branch: r.branch, artifactDigest: r.artifact_digest, createdAt: r.created_at } : null,
      fromReleaseId: d.from_release_id,
      action: d.action,
      status: d.status,
      requestedBy: d.requested_by,
      requestedAt: d.requested_at,
      approvals: JSON.parse(d.approvals) as DeploymentView['approvals'],
      requiredApprovals: Number(d.required_approvals),
      freezeOverride: d.freeze_override,
      startedAt: d.started_at,
      finishedAt: d.finished_at,
      durationMs: d.started_at && d.finished_at ? Date.parse(d.finished_at) - Date.parse(d.started_at) : null,
      reason: d.reason,
      envCommit: d.env_commit,
      url: d.url,
    };
  }

  async function finish(d: DeploymentTable, status: DeploymentStatus, fields: Partial<DeploymentTable>, event: { action: string; payload?: Record<string, unknown> }): Promise<void> {
    const r = await db().selectFrom('releases').selectAll().where('id', '=', d.release_id).executeTakeFirst();
    // The environment's type tells the delivery metrics whether this was a production deployment.
    const environmentType = (await environment(d.environment).catch(() => null))?.spec.type ?? null;
    const finishedAt = nowIso();
    await store.transaction(async (tx) => {
      await tx.withTables<EnvironmentTables>().updateTable('deployments').set({ status, finished_at: finishedAt, ...fields }).where('id', '=', d.id).execute();
      await store.events.append(tx, {
        actor: d.requested_by,
        action: event.action,
        subject: `deployment:${d.id}`,
        payload: {
          component: r?.component_ref ?? d.component,
          environment: d.environment,
          environmentType,
          release: d.release_id,
          fromRelease: d.from_release_id,
          sha: r?.sha ?? null,
          action: d.action,
          status,
          reason: fields.reason ?? d.reason,
          requestedAt: d.requested_at,
          startedAt: d.started_at,
          finishedAt,
          // For lead time: each change's commit time, and when it reached the environment.
          commits: r ? (JSON.parse(r.commits) as unknown[]) : [],
          ...event.payload,
        },
      });
    });
  }

  async function deploy(p: Principal, input: DeployInput, action: DeploymentAction = 'deploy'): Promise<DeploymentView> {
    const c = await component(input.component);
    const { spec: env, view } = await environment(input.environment);
    authorize(p, 'deployment.create', { owner: c.owner });
    let release: ReleaseTable;
    if (input.release) {
      release = await loadRelease(input.release);
      if (release.component !== c.name) throw invalid('release', `release ${release.id} is of ${release.component}, not ${c.name}`);
    } else {
      const latest = await db().selectFrom('releases').selectAll().where('component', '=', c.name).orderBy('created_at', 'desc').executeTakeFirst();
      if (!latest) throw new NotFoundError(`${c.name} has no release yet: a green pipeline run on its default branch makes one, or gantry release create ${c.name}`);
      release = latest;
    }
    // Checked before anything changes: the artifact is there and intact, the local driver can start it.
    const file = join(opts.workspaceDir, release.bundle);
    if (!existsSync(file)) throw new ConflictError(`the artifact of release ${release.id} is missing (${release.bundle}); create a new release`);
    if (env.driver === 'local') {
      const workload = JSON.parse(release.workload) as ScoreWorkload;
      for (const [name, ctr] of Object.entries(workload.containers)) {
        if (!ctr.command?.length && !localCommandOf(workload)) {
          throw invalid(`containers.${name}.command`, `the local driver runs a command from the release's files; ${SCORE_FILE} of ${release.id} has neither a command nor the ${LOCAL_COMMAND} annotation`);
        }
      }
    }
    const rollback = action === 'rollback';
    let freezeOverride: string | null = null;
    const frozen = view.frozen;
    // Whether a freeze blocks is the delivery pack's no-deploy-in-freeze policy; an override is an admin's call.
    if (frozen && !rollback && input.overrideFreeze) {
      authorize(p, 'deployment.override-freeze', { owner: c.owner });
      freezeOverride = `${input.overrideFreeze} (by ${p.userRef})`;
    }
    const current = await desiredOf(env.name, c.name);
    const required = rollback ? 0 : env.requiredApprovals;
    const id = `d-${randomUUID().slice(0, 8)}`;
    const { pending, admission } = await admitDeployment({
      actor: actorOf(p),
      c,
      env,
      frozen: frozen && !rollback ? frozen : null,
      release,
      action,
      approvals: [],
      requiredApprovals: required,
      freezeOverride,
      ...(input.from ? { from: input.from } : {}),
      // No deployment id in the evidence: a refused request never becomes one (the event of an accepted one lists
      // its decisions).
    });
    const waiting = required > 0 || pending.length > 0;
    const row: DeploymentTable = {
      id,
      component: c.name,
      environment: env.name,
      release_id: release.id,
      from_release_id: current?.releaseId ?? null,
      action,
      status: waiting ? 'awaiting_approval' : 'queued',
      requested_by: p.userRef,
      requested_at: nowIso(),
      approvals: '[]',
      required_approvals: required,
      freeze_override: freezeOverride,
      started_at: null,
      finished_at: null,
      reason: pending.length ? `waiting for approval: ${pending.join('; ')}` : null,
      env_commit: null,
      url: null,
      job_id: null,
    };
    await store.transaction(async (tx) => {
      if (!waiting) {
        const job = await store.queue.enqueue(tx, { type: DEPLOY_JOB, payload: { deploymentId: id }, maxAttempts: 3, actor: p.userRef });
        row.job_id = job.id;
      }
      await tx.withTables<EnvironmentTables>().insertInto('deployments').values(row).execute();
      await store.events.append(tx, {
        actor: p.userRef,
        action: 'deployment.requested',
        subject: `deployment:${id}`,
        payload: {
          component: c.ref,
          environment: env.name,
          release: release.id,
          sha: release.sha,
          action,
          requiredApprovals: required,
          freezeOverride,
          // What the policies said (the decisions are stored with these ids).
          policy: admission ? { decisions: admission.decisions.map((d) => ({ id: d.id, policy: d.policy, result: d.result })), pending } : null,
        },
      });
    });
    return toView(row);
  }

  async function runDeployment(job: QueueJob, jctx: JobContext): Promise<unknown> {
    const id = (job.payload as { deploymentId?: unknown } | null)?.deploymentId;
    if (typeof id !== 'string') throw new InputError('environments.deploy: expected a payload { deploymentId }');
    let d = await loadDeployment(id);
    if (TERMINAL.has(d.status)) return { status: d.status };
    await db().updateTable('deployments').set({ status: 'deploying', started_at: d.started_at ?? nowIso() }).where('id', '=', id).execute();
    d = await loadDeployment(id);
    try {
      return await deployNow(d, jctx);
    } catch (e) {
      if (jctx.signal.aborted) throw e; // the process stops: the job is taken up again after its lease
      // Nothing was switched (the desired state is written before the runtime is touched, and a failed start is
      // rolled back inside deployNow): the deployment failed with the reason.
      const problems = (e as { problems?: Problem[] }).problems ?? [];
      const reason = [errorChain(e), ...problems.slice(0, 10).map((x) => (x.path && !x.message.startsWith(x.path) ? `${x.path}: ${x.message}` : x.message))].join('; ');
      await finish(await loadDeployment(id), 'failed', { reason }, { action: 'deployment.failed', payload: { rolledBack: false } });
      return { status: 'failed' };
    }
  }

  async function deployNow(d: DeploymentTable, jctx: JobContext): Promise<unknown> {
    const id = d.id;
    const { spec: env } = await environment(d.environment);
    const r = await loadRelease(d.release_id);
    // 1. Desired state: one commit. A retried job whose commit landed finds it there and goes on.
    const desired = await desiredOf(env.name, d.component);
    let envCommit = d.env_commit;
    if (desired?.deployment !== d.id) {
      const files = await desiredFiles(env, d.component, r, d, d.requested_by);
      const verb = d.action === 'rollback' ? 'Roll back' : d.action === 'promote' ? 'Promote' : 'Deploy';
      const message = `${verb} ${d.component} ${r.sha.slice(0, 7)} (${r.id}) to ${env.name}\n\nDeployment ${d.id}, requested by ${d.requested_by}.`;
      const c = await envRepo.commit(files, message, { ...SYSTEM, userRef: d.requested_by });
      envCommit = c.sha;
      await db().updateTable('deployments').set({ env_commit: envCommit }).where('id', '=', id).execute();
    }
    // Earlier deployments of this component here that never finished are superseded by this one.
    await db()
      .updateTable('deployments')
      .set({ status: 'superseded', finished_at: nowIso(), reason: `superseded by ${d.id}` })
      .where('component', '=', d.component)
      .where('environment', '=', d.environment)
      .where('id', '!=', d.id)
      .where('status', 'in', ['queued', 'awaiting_approval'])
      .where('requested_at', '<', d.requested_at)
      .execute();
    // 2. Actual state.
    if (env.driver === 'kubernetes') {
      const k = kubernetesSettings(env);
      if (!k.kubeconfig) {
        await finish(d, 'succeeded', { env_commit: envCommit, reason: 'committed to the environment repository; Argo CD or Flux applies it' }, { action: 'deployment.succeeded', payload: { envCommit, driver: 'kubernetes' } });
        return { status: 'succeeded' };
      }
      // With a kubeconfig Gantry applies the environment's manifests itself (server-side apply) and watches the
      // component's rollout; the commit stays the desired state either way.
      const { applyEnvironment, layoutObjects, watchRollout } = await import('../drivers/kubernetes/apply.js');
      const kubeconfigPath = join(opts.workspaceDir, 'kubeconfigs', k.kubeconfig);
      const files = await envRepo.readMany(await envRepo.list(env.name));
      const kube = { kubeconfigPath, ...(k.context ? { context: k.context } : {}), signal: jctx.signal, log: jctx.log };
      await applyEnvironment({ ...kube, objects: layoutObjects(files, env.name) });
      const rollout = await watchRollout({ ...kube, namespace: namespaceOf(env), name: d.component, timeoutMs: 660_000 });
      if (rollout.ok) {
        await finish(d, 'succeeded', { env_commit: envCommit, reason: 'applied and rolled out' }, { action: 'deployment.succeeded', payload: { envCommit, driver: 'kubernetes', applied: true } });
        return { status: 'succeeded' };
      }
      await finish(d, 'failed', { env_commit: envCommit, reason: rollout.reason }, { action: 'deployment.failed', payload: { envCommit, driver: 'kubernetes', rolledBack: false } });
      return { status: 'failed' };
    }
    if (!opts.runtime) throw new Error('this process has no local runtime');
    let outcome: { ok: true; url: string } | { ok: false; reason: string };
    try {
      const w = await resolvedWorkload(env, r, true);
      outcome = await opts.runtime.deploy(w, await bundleDirOf(r));
    } catch (e) {
      if (jctx.signal.aborted) throw e;
      outcome = { ok: false, reason: errorChain(e) };
    }
    if (outcome.ok) {
      await finish(d, 'succeeded', { env_commit: envCommit, url: outcome.url }, { action: 'deployment.succeeded', payload: { envCommit, url: outcome.url, driver: 'local' } });
      return { status: 'succeeded' };
    }
    // 3. It did not become ready: the desired state goes back to what ran before (a commit, like any change);
    // the driver kept the old release serving.
    const previous = d.from_release_id ? await db().selectFrom('releases').selectAll().where('id', '=', d.from_release_id).executeTakeFirst() : undefined;
    const back = await envRepo.commit(
      await desiredFiles(env, d.component, previous ?? null, d, 'gantry'),
      `Roll back ${d.component} in ${env.name}${previous ? ` to ${previous.sha.slice(0, 7)} (${previous.id})` : ''}: ${r.id} failed\n\n${outcome.reason.slice(0, 500)}`,
      SYSTEM,
    );
    if (!previous) await opts.runtime.undeploy(env.name, d.component).catch(() => {});
    await finish(d, 'rolled_back', { env_commit: envCommit, reason: `${outcome.reason}; rolled back${previous ? ` to ${previous.id}` : ''}` }, { action: 'deployment.failed', payload: { envCommit, rollbackCommit: back.sha, rolledBack: true, driver: 'local' } });
    return { status: 'rolled_back' };
  }

  async function releaseFromRun(job: QueueJob): Promise<unknown> {
    const runId = (job.payload as { runId?: unknown } | null)?.runId;
    if (typeof runId !== 'string') throw new InputError('pipeline.succeeded: expected a payload { runId }');
    const run = await opts.pipelines.getRun(runId);
    if (/:\/\//.test(run.repo)) return { skipped: 'not a hosted repository' };
    const info = await repos.get(run.repo).catch(() => null);
    if (!info) return { skipped: 'repository gone' };
    const scoreText = await gitIn(run.repo, ['cat-file', 'blob', `${run.sha}:${SCORE_FILE}`]).catch(() => null);
    if (scoreText === null) return { skipped: `no ${SCORE_FILE}` };
    // The component: the one the repository's catalog-info.yaml declares, else the catalog Component named like
    // the workload, if it is built from this repository.
    let componentRef = run.componentRef;
    if (!componentRef) {
      const name = tools.parseScore(scoreText, SCORE_FILE).workload?.metadata.name;
      const c = name ? await component(name).catch(() => null) : null;
      if (!c || c.repo !== run.repo) return { skipped: 'no catalog component for this repository' };
      componentRef = c.ref;
    }
    const compName = componentRef.replace(/^component:(default\/)?/, '').split('/').pop() as string;
    const envs = await allEnvironments();
    const previews = envs.filter((e) => e.spec.type === 'preview' && e.view.component === compName && e.spec.branch === run.branch && e.spec.repo === run.repo);
    const onMain = run.branch === info.defaultBranch;
    if (!onMain && previews.length === 0) return { skipped: 'not the default branch' };
    const actor: Principal = { ...SYSTEM, userRef: run.actor };
    const existing = await db().selectFrom('releases').selectAll().where('pipeline_run_id', '=', runId).executeTakeFirst();
    const release = existing ? toReleaseView(existing) : await createRelease(SYSTEM, { component: componentRef, runId });
    const targets = onMain ? envs.filter((e) => e.spec.type !== 'preview').slice(0, 1) : previews;
    for (const t of targets) {
      const already = await db().selectFrom('deployments').select('id').where('release_id', '=', release.id).where('environment', '=', t.spec.name).executeTakeFirst();
      if (already) continue;
      await deploy(actor.role === 'admin' ? actor : SYSTEM, { component: release.component, environment: t.spec.name, release: release.id }, t.spec.type === 'preview' ? 'preview' : 'auto').catch((e) =>
        log.warn('auto-deploy refused', { component: release.component, environment: t.spec.name, error: errorChain(e) }),
      );
    }
    return { release: release.id };
  }

  // ---- runtime views -------------------------------------------------------------------------------------------

  async function runtimeOf(env: string): Promise<Map<string, RuntimeState>> {
    const out = new Map<string, RuntimeState>();
    if (!opts.runtime) return out;
    for (const s of await opts.runtime.status(env)) {
      out.set(s.component, { state: s.state, releaseId: s.releaseId, pid: s.pid, restarts: s.restarts, memoryBytes: s.memoryBytes, startedAt: s.startedAt });
    }
    return out;
  }

  async function drift(environmentName: string): Promise<DriftView> {
    const { spec: env } = await environment(environmentName);
    const items: DriftItem[] = [];
    if (env.driver === 'local') {
      const actual = await runtimeOf(env.name);
      // A component with a deployment under way is the deployment's business, not drift.
      const busy = new Set((await db().selectFrom('deployments').select('component').where('environment', '=', env.name).where('status', 'in', ['queued', 'deploying']).execute()).map((r) => r.component));
      const desired = (await desiredComponents(env.name)).filter((c) => !busy.has(c));
      for (const comp of desired) {
        const want = await desiredOf(env.name, comp);
        const have = actual.get(comp);
        if (!have) items.push({ component: comp, desired: want?.releaseId ?? null, actual: null, state: 'missing', problem: `${want?.releaseId} should run but nothing does` });
        else if (have.releaseId !== want?.releaseId) items.push({ component: comp, desired: want?.releaseId ?? null, actual: have.releaseId, state: have.state, problem: `${have.releaseId} runs but ${want?.releaseId} is desired` });
        else if (have.state === 'crashed' || have.state === 'failed' || have.state === 'stopped') items.push({ component: comp, desired: want?.releaseId ?? null, actual: have.releaseId, state: have.state, problem: `${have.releaseId} is ${have.state}` });
      }
      for (const [comp, have] of actual) {
        if (!desired.includes(comp) && !busy.has(comp)) items.push({ component: comp, desired: null, actual: have.releaseId, state: have.state, problem: `${comp} runs but is not in the environment repository` });
      }
    }
    return { environment: env.name, checkedAt: nowIso(), items };
  }

  async function reconcileEnv(p: Principal, name: string): Promise<DriftView> {
    const before = await drift(name);
    if (before.items.length === 0 || !opts.runtime) return before;
    const { spec: env } = await environment(name);
    await store.transaction((tx) =>
      store.events.append(tx, { actor: p.userRef, action: 'environment.drift.detected', subject: `environment:${env.name}`, payload: { items: before.items } }),
    );
    for (const item of before.items) {
      try {
        if (!item.desired) {
          await opts.runtime.undeploy(env.name, item.component);
        } else {
          const r = await loadRelease(item.desired);
          const result = await opts.runtime.deploy(await resolvedWorkload(env, r, true), await bundleDirOf(r));
          if (!result.ok) log.warn('reconcile could not start the desired release', { environment: env.name, component: item.component, reason: result.reason });
        }
      } catch (e) {
        log.warn('reconcile failed', { environment: env.name, component: item.component, error: errorChain(e) });
      }
    }
    await store.transaction((tx) =>
      store.events.append(tx, { actor: p.userRef, action: 'environment.reconciled', subject: `environment:${env.name}`, payload: { fixed: before.items.map((i) => i.component) } }),
    );
    return before;
  }

  async function deleteEnvironment(p: Principal, name: string): Promise<void> {
    const { spec: env, view } = await environment(name);
    authorize(p, 'environment.delete', { owner: env.owner, environmentType: env.type });
    const comps = await desiredComponents(env.name);
    for (const comp of comps) {
      await opts.runtime?.undeploy(env.name, comp).catch((e) => log.warn('undeploy failed', { error: errorChain(e) }));
      const desired = await desiredOf(env.name, comp);
      if (desired) {
        const r = await db().selectFrom('releases').selectAll().where('id', '=', desired.releaseId).executeTakeFirst();
        const workload = r ? (JSON.parse(r.workload) as ScoreWorkload) : null;
        for (const [res, def] of Object.entries(workload?.resources ?? {})) {
          await tools.deprovision({ environment: env.name, component: comp, name: res }, def).catch((e) => log.warn('deprovision failed', { resource: res, error: errorChain(e) }));
        }
      }
    }
    const files: Record<string, string | null> = {};
    for (const f of await envRepo.list(env.name)) files[f] = null;
    const entityFile = `environments/${env.name}.yaml`;
    if (await envRepo.read(entityFile)) files[entityFile] = null;
    await envRepo.commit(files, `Delete environment ${env.name}`, p);
    const loc = (await catalog.listLocations()).find((l) => l.target === `${repos.pathOf(envRepo.name)}#main:${entityFile}`);
    if (loc) await catalog.removeLocation(SYSTEM, loc.id);
    else await catalog.deleteEntity(SYSTEM, view.ref).catch(() => {});
    await store.transaction((tx) => store.events.append(tx, { actor: p.userRef, action: 'environment.deleted', subject: `environment:${env.name}`, payload: { type: env.type, components: comps } }));
  }

  const api: Environments = {
    async listEnvironments() {
      return (await allEnvironments()).map((e) => e.view);
    },
    async getEnvironment(name) {
      return (await environment(name)).view;
    },

    async createEnvironment(p, input) {
      const name = String(input.name ?? '').toLowerCase();
      if (!NAME.test(name)) throw invalid('name', `expected a DNS-1123 label (lower-case letters, digits and -, at most 63), found ${JSON.stringify(input.name)}`);
      if (name === 'environments') throw invalid('name', 'expected another name: "environments" is the folder of the environment entities in the environment repository');
      const types: EnvironmentType[] = ['development', 'staging', 'production', 'preview'];
      if (!types.includes(input.type)) throw invalid('type', `expected one of ${types.join(', ')}, found ${JSON.stringify(input.type)}`);
      if (!input.owner) throw invalid('owner', 'expected the owning team (a group), found nothing');
      const owner = groupRef(input.owner);
      authorize(p, 'environment.create', { owner, environmentType: input.type });
      if (input.ttl !== undefined && !parseDurationText(input.ttl)) throw invalid('ttl', `expected a duration such as 30m, 24h or 7d, found ${JSON.stringify(input.ttl)}`);
      if (input.type === 'preview' && !input.ttl) throw invalid('ttl', 'expected a TTL for a preview environment (such as 24h)');
      if ((input.branch || input.component) && input.type !== 'preview') throw invalid('branch', 'expected branch and component only for a preview environment');
      if (input.type === 'preview' && (!input.branch || !input.component)) throw invalid(input.branch ? 'component' : 'branch', 'expected the component and the branch a preview environment is for');
      if ((input.driver ?? 'local') === 'kubernetes') {
        // The driver's settings are checked now (a typo, a kubeconfig that is not a file name), not at the first deploy.
        kubernetesSettings({ name, type: input.type, owner, driver: 'kubernetes', order: 0, requiredApprovals: 0, freezeWindows: [], settings: input.settings ?? {} });
      }
      if ((await allEnvironments()).some((e) => e.spec.name === name)) throw new ConflictError(`an environment named ${name} already exists`);
      let comp: Awaited<ReturnType<typeof component>> | null = null;
      if (input.component) {
        comp = await component(input.component);
        authorize(p, 'deployment.create', { owner: comp.owner });
        if (!comp.repo) throw invalid('component', `${comp.ref} has no Gantry-hosted repository to build a preview from`);
        if (!(await repos.refs(comp.repo)).has(`refs/heads/${input.branch}`)) throw invalid('branch', `${comp.repo} has no branch ${JSON.stringify(input.branch)}`);
      }
      const entity = {
        apiVersion: 'gantry.dev/v1alpha1',
        kind: 'Environment',
        metadata: {
          name,
          ...(input.description ? { description: input.description } : {}),
          annotations: {
            [ANNOTATION.createdAt]: nowIso(),
            [ANNOTATION.createdBy]: p.userRef,
            ...(input.branch ? { [ANNOTATION.branch]: input.branch } : {}),
            ...(comp ? { [ANNOTATION.component]: comp.name, [ANNOTATION.repo]: comp.repo as string } : {}),
          },
        },
        spec: {
          type: input.type,
          owner,
          driver: input.driver ?? 'local',
          order: input.order ?? (input.type === 'preview' ? 1000 : 100),
          requiredApprovals: input.requiredApprovals ?? 0,
          ...(input.freezeWindows?.length ? { freezeWindows: input.freezeWindows } : {}),
          ...(input.ttl ? { ttl: input.ttl } : {}),
          ...(input.settings && Object.keys(input.settings).length ? { settings: input.settings } : {}),
        },
      };
      const text = stringifyYaml(entity);
      const check = catalog.validate(text, `environments/${name}.yaml`);
      const errors = check.problems.filter((x) => x.severity !== 'warning');
      if (errors.length > 0) throw new InputError(`the environment is not valid: ${errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`, { problems: errors });
      await envRepo.ensure();
      const file = `environments/${name}.yaml`;
      await envRepo.commit({ [file]: `# Environment ${name}, created by ${p.userRef} through Gantry.\n${text}` }, `Create environment ${name} (${input.type})`, p);
      await catalog.addLocation(SYSTEM, { target: `${repos.pathOf(envRepo.name)}#main:${file}`, type: 'git', owner });
      await store.transaction((tx) => store.events.append(tx, { actor: p.userRef, action: 'environment.created', subject: `environment:${name}`, payload: { type: input.type, owner, driver: input.driver ?? 'local', branch: input.branch ?? null, component: comp?.ref ?? null } }));
      let deployment: DeploymentView | null = null;
      if (comp && input.branch) {
        const release = await createRelease(p, { component: comp.name, branch: input.branch });
        deployment = await deploy(p, { component: comp.name, environment: name, release: release.id }, 'preview');
      }
      return { environment: (await environment(name)).view, deployment };
    },

    deleteEnvironment,

    async listReleases(q = {}) {
      let query = db().selectFrom('releases').selectAll().orderBy('created_at', 'desc').limit(Math.min(Math.max(q.limit ?? 50, 1), 500));
      if (q.component) query = query.where('component', '=', (await component(q.component)).name);
      return (await query.execute()).map(toReleaseView);
    },
    async getRelease(id) {
      return toReleaseView(await loadRelease(id));
    },
    createRelease,

    async diffReleases(fromId, toId) {
      const a = await loadRelease(fromId);
      const b = await loadRelease(toId);
      if (a.component !== b.component) throw invalid('from', `releases of different components (${a.component}, ${b.component})`);
      const out = a.sha === b.sha ? '' : await gitIn(b.repo, ['log', '--max-count=200', '--format=%H%x1f%cI%x1f%an%x1f%s', `${a.sha}..${b.sha}`]).catch(() => '');
      const commits = out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [sha, at, author, subject] = l.split('\x1f') as [string, string, string, string];
          return { sha, at, author, subject };
        });
      return { from: toReleaseView(a), to: toReleaseView(b), commits, workload: diffValues(JSON.parse(a.workload), JSON.parse(b.workload)) };
    },

    async listDeployments(q = {}) {
      let query = db().selectFrom('deployments').selectAll().orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(Math.min(Math.max(q.limit ?? 50, 1), 500));
      if (q.component) query = query.where('component', '=', (await component(q.component)).name);
      if (q.environment) query = query.where('environment', '=', q.environment.toLowerCase());
      if (q.status) query = query.where('status', '=', q.status);
      const cache = new Map<string, ReleaseTable | null>();
      const rows = await query.execute();
      const out: DeploymentView[] = [];
      for (const r of rows) out.push(await toView(r, cache));
      return out;
    },
    async getDeployment(id) {
      return toView(await loadDeployment(id));
    },
    deploy,

    async promote(p, input) {
      const c = await component(input.component);
      const envs = (await allEnvironments()).filter((e) => e.spec.type !== 'preview');
      const i = envs.findIndex((e) => e.spec.name === input.to.toLowerCase());
      if (i < 0) throw new NotFoundError(`no environment named "${input.to}" in the promotion order (${envs.map((e) => e.spec.name).join(' -> ')})`);
      if (i === 0) throw invalid('to', `${input.to} is the first environment; deploy to it instead of promoting`);
      const from = envs[i - 1]!.spec.name;
      const current = await desiredOf(from, c.name);
      if (!current) throw new ConflictError(`${c.name} is not deployed in ${from}, the environment before ${input.to}`);
      const last = await db().selectFrom('deployments').select(['status']).where('component', '=', c.name).where('environment', '=', from).where('release_id', '=', current.releaseId).orderBy('requested_at', 'desc').executeTakeFirst();
      if (last && last.status !== 'succeeded') throw new ConflictError(`${current.releaseId} is ${last.status.replace('_', ' ')} in ${from}; only a release that succeeded there is promoted`);
      return deploy(p, { component: c.name, environment: input.to, release: current.releaseId, from, ...(input.overrideFreeze ? { overrideFreeze: input.overrideFreeze } : {}) }, 'promote');
    },

    async rollback(p, input) {
      const c = await component(input.component);
      const { spec: env } = await environment(input.environment);
      let to = input.to;
      if (!to) {
        const current = await desiredOf(env.name, c.name);
        const history = await db().selectFrom('deployments').select(['release_id']).where('component', '=', c.name).where('environment', '=', env.name).where('status', '=', 'succeeded').orderBy('requested_at', 'desc').execute();
        to = history.find((h) => h.release_id !== current?.releaseId)?.release_id;
        if (!to) throw new ConflictError(`${c.name} has no earlier release that succeeded in ${env.name} to roll back to`);
      }
      return deploy(p, { component: c.name, environment: env.name, release: to }, 'rollback');
    },

    async approve(p, id) {
      const d = await loadDeployment(id);
      if (d.status !== 'awaiting_approval') throw new ConflictError(`deployment ${id} is ${d.status.replace('_', ' ')}, not awaiting approval`);
      if (d.requested_by === p.userRef) throw new NotAllowedError('the person who asked for a deployment cannot approve it; another member of the team must');
      const approvals = JSON.parse(d.approvals) as Array<{ by: string; at: string }>;
      if (approvals.some((a) => a.by === p.userRef)) throw new ConflictError(`${p.userRef} has already approved deployment ${id}`);
      const c = await component(d.component);
      const { spec: env, view } = await environment(d.environment);
      const asComponentTeam = decide(p, 'deployment.approve', { owner: c.owner });
      if (!asComponentTeam.allowed) authorize(p, 'deployment.approve', { owner: env.owner });
      approvals.push({ by: p.userRef, at: nowIso() });
      // The policies decide again with this approval counted: a refusal (say, a freeze window began) leaves the
      // deployment as it was; approvals still missing keep it waiting.
      const fromEnv = d.action === 'promote' ? (await allEnvironments()).filter((e) => e.spec.type !== 'preview' && e.spec.order < env.order).pop()?.spec.name : undefined;
      const { pending } = await admitDeployment({
        actor: { ref: d.requested_by, role: 'member', teams: [] },
        c,
        env,
        frozen: view.frozen && d.action !== 'rollback' ? view.frozen : null,
        release: await loadRelease(d.release_id),
        action: d.action,
        approvals,
        requiredApprovals: Number(d.required_approvals),
        freezeOverride: d.freeze_override,
        ...(fromEnv ? { from: fromEnv } : {}),
        deployment: d.id,
      });
      const ready = approvals.length >= Number(d.required_approvals) && pending.length === 0;
      await store.transaction(async (tx) => {
        let jobId: string | null = null;
        if (ready) jobId = (await store.queue.enqueue(tx, { type: DEPLOY_JOB, payload: { deploymentId: id }, maxAttempts: 3, actor: p.userRef })).id;
        await tx
          .withTables<EnvironmentTables>()
          .updateTable('deployments')
          .set({
            approvals: JSON.stringify(approvals),
            reason: pending.length ? `waiting for approval: ${pending.join('; ')}` : null,
            ...(ready ? { status: 'queued' as const, job_id: jobId } : {}),
          })
          .where('id', '=', id)
          .where('status', '=', 'awaiting_approval')
          .execute();
        await store.events.append(tx, { actor: p.userRef, action: 'deployment.approved', subject: `deployment:${id}`, payload: { approvals: approvals.length, required: Number(d.required_approvals), queued: ready, pending } });
      });
      return toView(await loadDeployment(id));
    },

    async matrix() {
      const envs = await allEnvironments();
      const comps = await db().selectFrom('releases').select(['component', 'component_ref', 'owner']).distinct().orderBy('component').execute();
      const byComponent = new Map<string, MatrixView['components'][number]>();
      for (const c of comps) if (!byComponent.has(c.component)) byComponent.set(c.component, { component: c.component, componentRef: c.component_ref, owner: c.owner, cells: {} });
      const cache = new Map<string, ReleaseTable | null>();
      // The newest deployment per (component, environment), in one query.
      const latestRows = new Map<string, DeploymentTable>();
      const newest = db()
        .selectFrom('deployments')
        .select((eb) => ['environment', 'component', eb.fn.max('requested_at').as('at')])
        .groupBy(['environment', 'component'])
        .as('m');
      const rows = await db()
        .selectFrom('deployments as d')
        .innerJoin(newest, (j) => j.onRef('m.environment', '=', 'd.environment').onRef('m.component', '=', 'd.component').onRef('m.at', '=', 'd.requested_at'))
        .selectAll('d')
        .orderBy('d.id')
        .execute();
      for (const d of rows) latestRows.set(`${d.environment}/${d.component}`, d);
      for (const e of envs) {
        const runtime = e.spec.driver === 'local' ? await runtimeOf(e.spec.name) : new Map<string, RuntimeState>();
        const desiredHere = await desiredIn(e.spec.name);
        for (const row of byComponent.values()) {
          const desired = desiredHere.get(row.component) ?? null;
          const latestRow = latestRows.get(`${e.spec.name}/${row.component}`);
          const rt = runtime.get(row.component) ?? (desired && e.spec.driver === 'kubernetes' ? { state: 'committed' as const, releaseId: desired.releaseId, pid: null, restarts: 0, memoryBytes: null, startedAt: null } : null);
          const cell: MatrixCell = {
            desired: desired ? { releaseId: desired.releaseId, sha: desired.sha, since: desired.since, by: desired.by } : null,
            latest: latestRow ? await toView(latestRow, cache) : null,
            runtime: rt,
            url: desired && e.spec.driver === 'local' && opts.runtime ? opts.runtime.urlOf(e.spec.name, row.component) : null,
          };
          if (cell.desired || cell.latest) row.cells[e.spec.name] = cell;
        }
      }
      return { environments: envs.map((e) => e.view), components: [...byComponent.values()] };
    },

    drift,
    async reconcile(p, name) {
      const { spec: env } = await environment(name);
      authorize(p, 'environment.create', { owner: env.owner, environmentType: env.type === 'production' || env.type === 'staging' ? env.type : 'development' });
      return reconcileEnv(p, name);
    },
    async reconcileAll() {
      if (!opts.runtime) return;
      for (const e of await allEnvironments()) {
        if (e.spec.driver !== 'local') continue;
        await reconcileEnv(SYSTEM, e.spec.name).catch((err) => log.warn('reconcile failed', { environment: e.spec.name, error: errorChain(err) }));
      }
    },

    async recover() {
      if (!opts.runtime) return { adopted: 0, deployed: 0, stopped: 0, failed: [] };
      const desired: Array<{ workload: ResolvedWorkload; bundleDir: string }> = [];
      const failed: string[] = [];
      for (const e of await allEnvironments()) {
        if (e.spec.driver !== 'local') continue;
        for (const comp of await desiredComponents(e.spec.name)) {
          try {
            const want = await desiredOf(e.spec.name, comp);
            if (!want) continue;
            const r = await loadRelease(want.releaseId);
            desired.push({ workload: await resolvedWorkload(e.spec, r, true), bundleDir: await bundleDirOf(r) });
          } catch (err) {
            failed.push(`${e.spec.name}/${comp}: ${errorChain(err)}`);
          }
        }
      }
      const r = await opts.runtime.recover(desired);
      await store.transaction((tx) => store.events.append(tx, { actor: SYSTEM.userRef, action: 'environment.recovered', subject: 'environment:*', payload: { ...r, failed: [...failed, ...r.failed] } }));
      return { ...r, failed: [...failed, ...r.failed] };
    },

    logs(environmentName, comp, o) {
      if (!opts.runtime) throw new NotFoundError('this process runs no workloads');
      return opts.runtime.logs(environmentName.toLowerCase(), comp.toLowerCase(), o);
    },

    async expirePreviews(at) {
      const gone: string[] = [];
      const t = (at ?? now()).getTime();
      for (const e of await allEnvironments()) {
        if (e.spec.type !== 'preview' || !e.view.expiresAt || Date.parse(e.view.expiresAt) > t) continue;
        try {
          await deleteEnvironment(SYSTEM, e.spec.name);
          gone.push(e.spec.name);
        } catch (err) {
          log.warn('could not tear down an expired preview', { environment: e.spec.name, error: errorChain(err) });
        }
      }
      return gone;
    },

    async onPush(e) {
      const deleted = e.updates.filter((u) => u.after === null && u.ref.startsWith('refs/heads/')).map((u) => u.ref.slice('refs/heads/'.length));
      if (deleted.length === 0) return;
      for (const env of await allEnvironments()) {
        if (env.spec.type === 'preview' && env.spec.repo === e.repo && env.spec.branch && deleted.includes(env.spec.branch)) {
          await deleteEnvironment(SYSTEM, env.spec.name).catch((err) => log.warn('could not tear down a preview', { environment: env.spec.name, error: errorChain(err) }));
        }
      }
    },

    jobHandlers() {
      const handlers: Record<string, (job: QueueJob, ctx: JobContext) => Promise<unknown>> = {
        'pipeline.succeeded': (job) => releaseFromRun(job),
      };
      if (opts.runtime) handlers[DEPLOY_JOB] = runDeployment;
      return handlers;
    },
  };
  return api;
}

import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { authorize, type Principal } from '../auth/authorize.js';
import { ConflictError, InputError, NotFoundError, UnavailableError, errorChain } from '../core/errors.js';
import { nowIso } from '../core/ids.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Store } from '../store/index.js';

/**
 * The `repos` table (migration 003_repos). Kept here rather than in the store's schema.ts because only
 * the hosting domain reads or writes it; queries reach it through Kysely's `withTables`.
 */
export interface RepoTable {
  name: string;
  /** Owning group ref (lower-cased); null for admin-created repos without a team. */
  owner: string | null;
  description: string;
  created_at: string;
  created_by: string;
  default_branch: string;
}

/** A hosted repository as the API shows it. */
export interface RepoView {
  name: string;
  owner: string | null;
  description: string;
  createdAt: string;
  createdBy: string;
  defaultBranch: string;
  /** Filled by the caller, who knows the server's URL (see {@link cloneUrlOf}). */
  cloneUrl?: string;
}

/** One ref a push changed. `before` is null for a created ref, `after` null for a deleted one. */
export interface RefUpdate {
  ref: string;
  before: string | null;
  after: string | null;
}

/** What listeners hear after a push changed refs (the same facts as the `hosting.repo.pushed` event). */
export interface PushEvent {
  repo: string;
  updates: RefUpdate[];
  /** The pusher's user ref. */
  pusher: string;
}

export interface CreateRepoInput {
  name: string;
  /** Group ref (`group:default/team-a`) or a group name in the default namespace (`team-a`). */
  owner?: string | null;
  description?: string;
}

/** A push in progress: created before git receives the pack, finished once git has exited. */
export interface PushSession {
  /**
   * Compares the refs with those seen when the push began; when any changed, appends `hosting.repo.pushed`
   * and tells the push listeners. Releases the repo's push lock whatever happens. Returns null when nothing changed.
   */
  finish(): Promise<PushEvent | null>;
}

export interface RepoHost {
  /** Creates the bare repository and its row. Members may create repos only for one of their teams. */
  create(p: Principal, input: CreateRepoInput): Promise<RepoView>;
  list(): Promise<RepoView[]>;
  /** NotFoundError when no repo has that name; InputError when the name is not a valid repo name. */
  get(name: string): Promise<RepoView>;
  /** Deletes the row (with a `hosting.repo.deleted` event) and then the repository on disk. */
  remove(p: Principal, name: string): Promise<void>;
  /** Absolute path of the bare repository; InputError for a name that is invalid or would leave reposDir. */
  pathOf(name: string): string;
  /** Registers a push listener; returns the function that removes it. */
  onPush(listener: (e: PushEvent) => void): () => void;
  /** Every ref of the repository with the object id it points at. */
  refs(name: string): Promise<Map<string, string>>;
  /**
   * Starts recording a push by `pusher`: snapshots the refs. Pushes to one repository are serialised within
   * this process so that the before/after comparison of each one sees only its own changes.
   */
  beginPush(pusher: Principal, name: string): Promise<PushSession>;
  /** Where the repositories live. */
  readonly reposDir: string;
}

export interface RepoHostOptions {
  reposDir: string;
  store: Store;
  /** Where failing push listeners are reported. */
  log?: Logger;
}

const NAME = /^[a-z0-9][a-z0-9\-_.]{0,99}$/;
const GROUP_REF = /^group:[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*$/;
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const MAX_DESCRIPTION = 1000;
const DEFAULT_BRANCH = 'main';

type Repos = { repos: RepoTable };

/**
 * Checks a repository name: `[a-z0-9][a-z0-9-_.]{0,99}`, without `..` and not ending in `.git` (URLs may
 * add `.git`, so `x.git` would be ambiguous). Throws InputError naming what was found.
 */
export function assertRepoName(name: unknown): asserts name is string {
  let why: string | null = null;
  if (typeof name !== 'string') why = `expected a string, found ${name === null ? 'null' : typeof name}`;
  else if (!NAME.test(name)) {
    why = `expected 1–100 characters of a-z, 0-9, "-", "_", ".", starting with a letter or digit, found "${truncate(name)}"`;
  } else if (name.includes('..')) why = `expected no "..", found "${name}"`;
  else if (name.endsWith('.git')) why = `expected a name without the ".git" suffix, found "${name}"`;
  if (why) {
    throw new InputError(`name: ${why}`, { problems: [{ code: 'invalid_name', path: 'name', message: why }] });
  }
}

/** The URL to clone a hosted repository from, given the server's base URL (`http://127.0.0.1:7007`). */
export function cloneUrlOf(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/git/${name}`;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function normaliseOwner(owner: string | null | undefined): string | null {
  if (owner === undefined || owner === null || owner === '') return null;
  if (typeof owner !== 'string') {
    throw new InputError(`owner: expected a group ref like group:default/team-a, found ${typeof owner}`, {
      problems: [{ code: 'invalid_ref', path: 'owner', message: 'expected a group ref like group:default/team-a' }],
    });
  }
  const o = owner.trim().toLowerCase();
  const ref = GROUP_NAME.test(o) ? `group:default/${o}` : o;
  if (!GROUP_REF.test(ref)) {
    const message = `expected a group ref like group:default/team-a, found "${truncate(owner)}"`;
    throw new InputError(`owner: ${message}`, { problems: [{ code: 'invalid_ref', path: 'owner', message }] });
  }
  return ref;
}

function normaliseDescription(d: unknown): string {
  if (d === undefined || d === null) return '';
  if (typeof d !== 'string' || d.length > MAX_DESCRIPTION) {
    const found = typeof d === 'string' ? `${d.length} characters` : typeof d;
    const message = `expected a string of at most ${MAX_DESCRIPTION} characters, found ${found}`;
    throw new InputError(`description: ${message}`, {
      problems: [{ code: 'invalid_value', path: 'description', message }],
    });
  }
  return d.trim();
}

function view(r: RepoTable): RepoView {
  return {
    name: r.name,
    owner: r.owner,
    description: r.description,
    createdAt: r.created_at,
    createdBy: r.created_by,
    defaultBranch: r.default_branch,
  };
}

/**
 * The environment for git commands the host runs: the process's own, minus `GIT_*` variables, so that a
 * server started from inside a git hook (GIT_DIR set) cannot point our commands at another repository.
 */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  return { ...env, ...extra };
}

async function git(args: string[], what: string): Promise<string> {
  try {
    const r = await execa('git', args, { env: gitEnv(), extendEnv: false, stdin: 'ignore' });
    return r.stdout;
  } catch (e) {
    throw new UnavailableError(`git ${what} failed: ${errorChain(e)}`, { cause: e });
  }
}

/** Diff of two ref snapshots, sorted by ref name. */
export function refUpdates(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const out: RefUpdate[] = [];
  for (const ref of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(ref) ?? null;
    const a = after.get(ref) ?? null;
    if (a !== b) out.push({ ref, before: b, after: a });
  }
  return out.sort((x, y) => (x.ref < y.ref ? -1 : x.ref > y.ref ? 1 : 0));
}

/**
 * Hosts bare git repositories under `reposDir` (`<name>.git`), with their metadata in the store. The HTTP
 * side (src/hosting/http.ts) serves them; this object owns names, paths, authorisation and push events.
 */
export function createRepoHost(opts: RepoHostOptions): RepoHost {
  if (!opts.reposDir || !isAbsolute(resolve(opts.reposDir))) {
    throw new InputError(`reposDir: expected a directory path, found "${String(opts.reposDir)}"`);
  }
  const reposDir = resolve(opts.reposDir);
  const { store } = opts;
  const log = opts.log ?? silentLogger;
  const db = () => store.db.withTables<Repos>();
  const listeners = new Set<(e: PushEvent) => void>();
  /** Tail of the push queue per repo: each push waits for the one before it. */
  const pushLocks = new Map<string, Promise<void>>();

  function pathOf(name: string): string {
    assertRepoName(name);
    const path = resolve(reposDir, `${name}.git`);
    // The name rules already forbid separators and "..": this is the second, independent line of defence.
    const rel = relative(reposDir, path);
    if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.includes(sep)) {
      throw new InputError(`name: "${name}" does not resolve to a directory inside the repositories folder`, {
        problems: [{ code: 'invalid_name', path: 'name', message: 'the name leaves the repositories folder' }],
      });
    }
    return path;
  }

  async function row(name: string): Promise<RepoTable> {
    assertRepoName(name);
    const r = await db().selectFrom('repos').selectAll().where('name', '=', name).executeTakeFirst();
    if (!r) throw new NotFoundError(`no hosted repository named "${name}"`, { details: { name } });
    return r;
  }

  async function refs(name: string): Promise<Map<string, string>> {
    const out = await git(
      ['--git-dir', pathOf(name), 'for-each-ref', '--format=%(objectname) %(refname)'],
      `for-each-ref in ${name}`,
    );
    const map = new Map<string, string>();
    for (const line of out.split('\n')) {
      const i = line.indexOf(' ');
      if (i > 0) map.set(line.slice(i + 1), line.slice(0, i));
    }
    return map;
  }

  async function lockPush(name: string): Promise<() => void> {
    const prev = pushLocks.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    pushLocks.set(name, tail);
    await prev;
    return () => {
      release();
      if (pushLocks.get(name) === tail) pushLocks.delete(name);
    };
  }

  function notify(e: PushEvent): void {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        log.error('a push listener failed', { repo: e.repo, error: errorChain(err) });
      }
    }
  }

  return {
    reposDir,
    pathOf,

    async create(p, input) {
      assertRepoName(input?.name);
      const name = input.name;
      const owner = normaliseOwner(input.owner);
      const description = normaliseDescription(input.description);
      authorize(p, 'hosting.repo.create', { owner });
      const conflict = () =>
        new ConflictError(`a hosted repository named "${name}" already exists`, { details: { name } });
      if (await db().selectFrom('repos').select('name').where('name', '=', name).executeTakeFirst()) throw conflict();

      const path = pathOf(name);
      await mkdir(reposDir, { recursive: true });
      try {
        // Not recursive: an existing directory means another create won the race (or a leftover is in the way).
        await mkdir(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ConflictError(`${path} already exists; a hosted repository named "${name}" cannot be created there`, {
            details: { name },
          });
        }
        throw e;
      }
      const r: RepoTable = {
        name,
        owner,
        description,
        created_at: nowIso(),
        created_by: p.userRef,
        default_branch: DEFAULT_BRANCH,
      };
      try {
        await git(['init', '--quiet', '--bare', `--initial-branch=${DEFAULT_BRANCH}`, path], `init ${name}`);
        // http-backend refuses anonymous receive-pack unless told; Gantry authenticates every push itself.
        await git(['--git-dir', path, 'config', 'http.receivepack', 'true'], `config in ${name}`);
        await store.transaction(async (tx) => {
          await tx.withTables<Repos>().insertInto('repos').values(r).execute();
          await store.events.append(tx, {
            actor: p.userRef,
            action: 'hosting.repo.created',
            subject: `repo:${name}`,
            payload: { owner, description, defaultBranch: DEFAULT_BRANCH },
          });
        });
      } catch (e) {
        await rm(path, { recursive: true, force: true });
        if (await db().selectFrom('repos').select('name').where('name', '=', name).executeTakeFirst()) throw conflict();
        throw e;
      }
      return view(r);
    },

    async list() {
      return (await db().selectFrom('repos').selectAll().orderBy('name').execute()).map(view);
    },

    async get(name) {
      return view(await row(name));
    },

    async remove(p, name) {
      const r = await row(name);
      authorize(p, 'hosting.repo.delete', { owner: r.owner });
      const path = pathOf(name);
      await store.transaction(async (tx) => {
        await tx.withTables<Repos>().deleteFrom('repos').where('name', '=', name).execute();
        await store.events.append(tx, {
          actor: p.userRef,
          action: 'hosting.repo.deleted',
          subject: `repo:${name}`,
          payload: { owner: r.owner },
        });
      });
      await rm(path, { recursive: true, force: true });
    },

    onPush(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    refs,

    async beginPush(pusher, name) {
      pathOf(name);
      const release = await lockPush(name);
      let before: Map<string, string>;
      try {
        before = await refs(name);
      } catch (e) {
        release();
        throw e;
      }
      let finished: Promise<PushEvent | null> | null = null;
      const finish = async (): Promise<PushEvent | null> => {
        try {
          const updates = refUpdates(before, await refs(name));
          if (updates.length === 0) return null;
          const event: PushEvent = { repo: name, updates, pusher: pusher.userRef };
          await store.transaction((tx) =>
            store.events.append(tx, {
              actor: pusher.userRef,
              action: 'hosting.repo.pushed',
              subject: `repo:${name}`,
              payload: { updates, pusher: pusher.userRef },
            }),
          );
          notify(event);
          return event;
        } finally {
          release();
        }
      };
      return {
        finish() {
          finished ??= finish();
          return finished;
        },
      };
    },
  };
}

/**
 * The CLI's HTTP client for the Gantry API (docs/api.md) and the rules that decide which server and token a
 * command uses.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Problem } from '../core/errors.js';
import { CliError } from './errors.js';

/** RFC 9457 problem details as the API sends them (see docs/api.md, "Errors"). */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  problems?: Problem[];
}

/** The API answered with an error status; `problem` is its problem+json body (or one made from the status). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

/** The server did not answer at all (refused, DNS, reset, timed out). */
export class UnreachableError extends CliError {
  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach Gantry at ${url}: ${reason}`, {
      cause,
      hints: ['Is the server running? Start one with `gantry up`, or check --server / GANTRY_URL.'],
    });
  }
}

/** Which server and token a command talks to, and where each came from (for messages; never the token). */
export interface Connection {
  url: string;
  token: string | null;
  urlSource: string;
  tokenSource: string | null;
  /** Stored tokens not used because they belong to another server, e.g. `./.gantry/admin-token (for URL)`. */
  skippedTokens: string[];
}

export interface ConnectionOptions {
  /** `--server` */
  server?: string;
  /** `--token` */
  token?: string;
  /** Directory whose `.gantry/` workspace is consulted; defaults to the process's cwd. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** What `gantry login` saves. */
export interface UserConfig {
  server: string;
  token: string;
  userRef?: string;
  savedAt?: string;
}

/** Where `gantry login` keeps its config: `$XDG_CONFIG_HOME/gantry/config.json`, else `~/.config/gantry/config.json`. */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'gantry', 'config.json');
}

/** The saved user config, or null when there is none. A config that is not valid JSON is an error, not ignored. */
export async function readUserConfig(env: NodeJS.ProcessEnv = process.env): Promise<UserConfig | null> {
  const path = userConfigPath(env);
  const text = await readOptional(path);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: expected a JSON object, found text that is not JSON (${(e as Error).message})`, {
      hints: ['Run `gantry login --server URL --token T` again to rewrite it.'],
    });
  }
  const c = parsed as Partial<UserConfig> | null;
  if (!c || typeof c.server !== 'string' || typeof c.token !== 'string') {
    throw new CliError(`${path}: expected { "server": string, "token": string }, found ${JSON.stringify(parsed)?.slice(0, 80)}`);
  }
  return c as UserConfig;
}

/**
 * Saves the user config readable by its owner only (0600 in a 0700 folder): it holds a bearer token. Written
 * to a temporary file first so an interrupted login never leaves half a file.
 */
export async function writeUserConfig(config: UserConfig, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = userConfigPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return path;
}

/** Checks and normalises a server URL: http(s) only, no trailing slash, so `${url}/api/...` is always right. */
export function normalizeServerUrl(raw: string, source = '--server'): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new CliError(`${source}: expected a URL such as http://127.0.0.1:7007, found ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CliError(`${source}: expected an http:// or https:// URL, found ${JSON.stringify(raw)}`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

interface Candidate {
  url: string | null;
  token: string | null;
  source: string;
}

async function workspaceCandidate(cwd: string): Promise<Candidate | null> {
  // The file names match workspacePaths() in src/core/config.ts; not imported so `gantry catalog list`
  // doesn't load the platform's config schema.
  const dir = join(cwd, '.gantry');
  const infoText = await readOptional(join(dir, 'server.json'));
  const tokenText = await readOptional(join(dir, 'admin-token'));
  if (infoText === null && tokenText === null) return null;
  let url: string | null = null;
  if (infoText !== null) {
    try {
      const info = JSON.parse(infoText) as { url?: unknown };
      if (typeof info.url === 'string') url = normalizeServerUrl(info.url, join(dir, 'server.json'));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`${join(dir, 'server.json')}: expected JSON { "url": string }, found text that is not JSON`);
    }
  }
  const token = tokenText?.trim() || null;
  return { url, token, source: './.gantry' };
}

/**
 * Decides the server and token, in order: `--server`/`--token`, `GANTRY_URL`/`GANTRY_TOKEN`, the workspace in
 * the current directory (`./.gantry/server.json` and `./.gantry/admin-token`, written by `gantry up`), then the
 * user config from `gantry login`.
 *
 * A stored token (workspace or user config) is only sent to the server it was stored with: pointing
 * `--server` elsewhere must not leak the local admin token to that server.
 */
export async function resolveConnection(opts: ConnectionOptions = {}): Promise<Connection> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const workspace = await workspaceCandidate(cwd);
  // Read only when needed, so a broken user config does not break commands given --server and --token.
  let userCandidate: Candidate | null | undefined;
  const userConfig = async (): Promise<Candidate | null> => {
    if (userCandidate === undefined) {
      const user = await readUserConfig(env);
      userCandidate = user
        ? { url: normalizeServerUrl(user.server, userConfigPath(env)), token: user.token || null, source: userConfigPath(env) }
        : null;
    }
    return userCandidate;
  };

  let url: string | null = null;
  let urlSource = '';
  if (opts.server) [url, urlSource] = [normalizeServerUrl(opts.server, '--server'), '--server'];
  else if (env.GANTRY_URL) [url, urlSource] = [normalizeServerUrl(env.GANTRY_URL, 'GANTRY_URL'), 'GANTRY_URL'];
  else if (workspace?.url) [url, urlSource] = [workspace.url, `${workspace.source}/server.json`];
  else {
    const user = await userConfig();
    if (user?.url) [url, urlSource] = [user.url, user.source];
  }
  if (!url) {
    throw new CliError('no Gantry server is configured', {
      hints: [
        'Start one here with `gantry up`, or point at a running one with --server URL, GANTRY_URL,',
        'or `gantry login --server URL --token T`.',
      ],
    });
  }

  let token: string | null = null;
  let tokenSource: string | null = null;
  const skippedTokens: string[] = [];
  if (opts.token) [token, tokenSource] = [opts.token, '--token'];
  else if (env.GANTRY_TOKEN) [token, tokenSource] = [env.GANTRY_TOKEN, 'GANTRY_TOKEN'];
  else if (workspace?.token && workspace.url === url) [token, tokenSource] = [workspace.token, './.gantry/admin-token'];
  else {
    const user = await userConfig();
    if (user?.token && user.url === url) [token, tokenSource] = [user.token, user.source];
    if (!token) {
      if (workspace?.token) skippedTokens.push(`./.gantry/admin-token (for ${workspace.url ?? 'a server that is not running'})`);
      if (user?.token) skippedTokens.push(`${user.source} (for ${user.url})`);
    }
  }
  return { url, token, urlSource, tokenSource, skippedTokens };
}

/** The hint printed when a command needs a token and none was found. */
export function missingTokenError(url: string, skippedTokens: string[] = []): CliError {
  return new CliError(`no API token for ${url}`, {
    hints: [
      ...skippedTokens.map((s) => `Not sent, as it belongs to another server: ${s}.`),
      'Pass --token or set GANTRY_TOKEN, or save one with `gantry login --server URL --token T`.',
      'The admin token of a server started with `gantry up` is in <workspace>/admin-token (./.gantry/admin-token);',
      'an admin makes more with `gantry token create`.',
    ],
  });
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined | null>;
  body?: unknown;
}

function userAgent(): string {
  return `gantry-cli (node ${process.versions.node})`;
}

/** A small typed client of the Gantry HTTP API. Errors: `ApiError` (an answer with an error status) or `UnreachableError`. */
export class ApiClient {
  readonly url: string;
  readonly #token: string | null;
  /** Where the URL and token came from, for messages (`whoami`); never the token itself. */
  readonly sources: { url: string; token: string | null };

  constructor(url: string, token: string | null, sources: { url: string; token: string | null } = { url: 'argument', token: null }) {
    this.url = url;
    this.#token = token;
    this.sources = sources;
  }

  /** Builds the absolute URL of an API path with its query (arrays become repeated parameters). */
  urlFor(path: string, query: RequestOptions['query'] = {}): string {
    const u = new URL(this.url + path);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u.toString();
  }

  /** Sends one request; resolves to the parsed JSON body, or undefined for 204. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent() };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.urlFor(path, opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (e) {
      throw new UnreachableError(this.url, describeFetchFailure(e), e);
    }
    const type = res.headers.get('content-type') ?? '';
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new UnreachableError(this.url, `the connection broke while reading the answer (${describeFetchFailure(e)})`, e);
    }
    if (!res.ok) throw new ApiError(problemFrom(res, type, text));
    if (res.status === 204 || text === '') return undefined as T;
    if (!type.includes('json')) {
      throw new CliError(
        `unexpected answer from ${this.url}${path}: expected JSON, found ${type || 'no content type'} (is ${this.url} a Gantry server?)`,
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`unexpected answer from ${this.url}${path}: the body is not valid JSON`);
    }
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {} });
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /** Opens a text/event-stream; resolves to its body once the server answered 200. */
  async stream(path: string, query?: RequestOptions['query']): Promise<AsyncIterable<Uint8Array>> {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'user-agent': userAgent() };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let res: Response;
    try {
      res = await fetch(this.urlFor(path, query), { headers });
    } catch (e) {
      throw new UnreachableError(this.url, describeFetchFailure(e), e);
    }
    if (!res.ok || !res.body) throw new ApiError(problemFrom(res, res.headers.get('content-type') ?? '', await res.text().catch(() => '')));
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }
}

function problemFrom(res: Response, type: string, text: string): ProblemDetails {
  if (type.includes('json')) {
    try {
      const body = JSON.parse(text) as Partial<ProblemDetails>;
      if (body && typeof body === 'object') return { ...body, status: res.status };
    } catch {
      // Fall through to a problem made from the status line.
    }
  }
  const snippet = text.trim().slice(0, 200);
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: snippet || undefined };
}

function describeFetchFailure(e: unknown): string {
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
  const cause = (e as { cause?: unknown }).cause as { code?: string; message?: string } | undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return (e as Error).message ?? String(e);
}

/** Global options every command sees (`gantry --server URL --token T <command>`). */
export interface GlobalOptions {
  server?: string;
  token?: string;
}

/** Resolves the connection and returns a client; fails with a clear message when no token is available. */
export async function connect(opts: GlobalOptions, { requireToken = true } = {}): Promise<ApiClient> {
  const conn = await resolveConnection({ server: opts.server, token: opts.token });
  if (requireToken && !conn.token) throw missingTokenError(conn.url, conn.skippedTokens);
  return new ApiClient(conn.url, conn.token, { url: conn.urlSource, token: conn.tokenSource });
}

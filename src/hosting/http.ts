import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import { authorize, type Principal } from '../auth/authorize.js';
import { GantryError, InputError, NotAuthenticatedError, NotFoundError, errorChain } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { gitEnv, type PushSession, type RepoHost } from './repos.js';

export interface GitHttpOptions {
  /** Turns a presented API token into a principal; throws NotAuthenticatedError for a bad one. */
  authenticate(secret: string): Promise<Principal>;
  /** The path the handler is mounted under (default `/git`): `<prefix>/<name>[.git]/info/refs` etc. */
  prefix?: string;
  log?: Logger;
}

/** The smart-HTTP endpoints git clients use (gitprotocol-http(5)); the dumb protocol is not served. */
type Service = 'git-upload-pack' | 'git-receive-pack';

interface GitRequest {
  name: string;
  service: Service;
  /** `info/refs` (the ref advertisement, GET) or the service itself (POST). */
  endpoint: 'info/refs' | Service;
}

const MAX_CGI_HEAD = 64 * 1024;
const MAX_STDERR = 16 * 1024;
/** Realm git shows when it asks for credentials; the password is a Gantry API token. */
const CHALLENGE = 'Basic realm="gantry"';

/**
 * Works out which repository and which git service a request is for, from the raw (still percent-encoded)
 * path after the prefix. Only the three smart-HTTP endpoints are accepted; the repository name must pass the
 * host's name rules, so nothing a client sends ever becomes a path by itself.
 */
export function parseGitRequest(pathAfterPrefix: string, method: string, query: URLSearchParams): GitRequest {
  const m = /^\/([^/]+)\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(pathAfterPrefix);
  if (!m) {
    throw new NotFoundError(
      `expected /<repo>/info/refs, /<repo>/git-upload-pack or /<repo>/git-receive-pack (git's smart HTTP protocol), found "${pathAfterPrefix.slice(0, 200)}"`,
    );
  }
  let segment: string;
  try {
    segment = decodeURIComponent(m[1]!);
  } catch {
    throw new InputError(`repository: expected a percent-encoded name, found "${m[1]!.slice(0, 100)}"`);
  }
  const name = segment.endsWith('.git') ? segment.slice(0, -4) : segment;
  const endpoint = m[2] as GitRequest['endpoint'];
  if (endpoint === 'info/refs') {
    if (method !== 'GET') throw new MethodError('GET');
    const service = query.get('service');
    if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
      throw new InputError(
        `service: expected ?service=git-upload-pack or ?service=git-receive-pack (only git's smart HTTP protocol is served), found ${service === null ? 'none' : `"${service.slice(0, 100)}"`}`,
      );
    }
    return { name, service, endpoint };
  }
  if (method !== 'POST') throw new MethodError('POST');
  return { name, service: endpoint, endpoint };
}

class MethodError extends InputError {
  constructor(readonly allow: string) {
    super(`method: expected ${allow} for this git endpoint`);
  }
}

/** The API token in `Authorization`: HTTP Basic (token as password, any user name) or Bearer. */
export function tokenOf(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  // `https://<token>@host/...` puts the token in the user name; accept it there too.
  return password || user || null;
}

/**
 * Git errors go back as text/plain: git prints such bodies to the user as `remote: ...` lines, whereas the
 * API's problem+json would be hidden. The status follows the API's mapping (src/server/problem.ts).
 */
function errorResponse(e: unknown, log: Logger): Response {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' };
  let status = 500;
  let message = 'internal error; the server log has the details';
  if (e instanceof GantryError) {
    message = e.message;
    status = {
      input: 400,
      not_found: 404,
      conflict: 409,
      not_allowed: 403,
      not_authenticated: 401,
      unavailable: 503,
      internal: 500,
    }[e.code];
    if (e instanceof MethodError) {
      status = 405;
      headers.allow = e.allow;
    }
  } else {
    log.error('git http request failed', { error: errorChain(e) });
  }
  if (status === 401) headers['www-authenticate'] = CHALLENGE;
  return new Response(`${message}\n`, { status, headers });
}

type Backend = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * A hono handler for `<prefix>/*` that serves the host's repositories over git's smart HTTP protocol by
 * running `git http-backend` as a CGI program per request. Every request needs a valid API token; pushes
 * also need `hosting.repo.push` on the repository. After each receive-pack the ref changes are recorded
 * (event + push listeners) before the response ends, so a `git push` that returned has been recorded.
 */
export function gitHttpHandler(host: RepoHost, opts: GitHttpOptions): (c: Context) => Promise<Response> {
  const prefix = (opts.prefix ?? '/git').replace(/\/+$/, '');
  if (!prefix.startsWith('/')) throw new InputError(`prefix: expected a path starting with "/", found "${prefix}"`);
  const log = opts.log ?? silentLogger;

  return async (c) => {
    const req = c.req.raw;
    try {
      const url = new URL(req.url);
      if (!url.pathname.startsWith(`${prefix}/`)) throw new NotFoundError(`expected a path under ${prefix}/`);
      const g = parseGitRequest(url.pathname.slice(prefix.length), req.method, url.searchParams);
      // Name rules and the reposDir containment check run before anything touches the store or the disk.
      host.pathOf(g.name);

      const secret = tokenOf(req.headers.get('authorization') ?? undefined);
      if (!secret) throw new NotAuthenticatedError('authentication required: use a Gantry API token as the password');
      const principal = await opts.authenticate(secret);
      const repo = await host.get(g.name);
      if (g.service === 'git-receive-pack') authorize(principal, 'hosting.repo.push', { owner: repo.owner });

      // The ref advertisement for receive-pack is not a push; only the POST changes refs.
      const push = g.endpoint === 'git-receive-pack' ? await host.beginPush(principal, g.name) : null;
      try {
        return await runBackend(req, g, principal, push);
      } catch (e) {
        await push
          ?.finish()
          .catch((x: unknown) => log.error('recording a push failed', { repo: g.name, error: errorChain(x) }));
        throw e;
      }
    } catch (e) {
      return errorResponse(e, log);
    }
  };

  /** Spawns http-backend for one request and turns its CGI output into a streamed Response. */
  async function runBackend(
    req: Request,
    g: GitRequest,
    principal: Principal,
    push: PushSession | null,
  ): Promise<Response> {
    const env = gitEnv({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      GIT_PROJECT_ROOT: host.reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      // Built from the validated name, never from the client's path.
      PATH_INFO: `/${g.name}.git/${g.endpoint}`,
      REQUEST_METHOD: req.method,
      QUERY_STRING: g.endpoint === 'info/refs' ? `service=${g.service}` : '',
      REMOTE_USER: principal.userRef,
    });
    const header = (h: string) => req.headers.get(h);
    const contentType = header('content-type');
    if (contentType) env.CONTENT_TYPE = contentType;
    const contentLength = header('content-length');
    if (contentLength && /^\d+$/.test(contentLength)) env.CONTENT_LENGTH = contentLength;
    // http-backend inflates gzip request bodies itself (git gzips fetch negotiation).
    const encoding = header('content-encoding');
    if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
    // Protocol v2 is negotiated through this header (gitprotocol-v2(5), "HTTP Transport").
    const protocol = header('git-protocol');
    if (protocol && /^[\x20-\x7e]{1,256}$/.test(protocol)) env.HTTP_GIT_PROTOCOL = protocol;

    const child: Backend = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    child.stderr.on('data', (b: Buffer) => {
      if (stderrBytes < MAX_STDERR) stderr.push(b);
      stderrBytes += b.length;
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (e) => {
        log.error('could not run git http-backend', { error: errorChain(e) });
        resolve(null);
      });
      child.once('close', (code) => resolve(code));
    });
    // A backend that exits before reading all of the body makes stdin fail with EPIPE; the exit tells why.
    child.stdin.on('error', () => undefined);
    const finished = exited.then(async (code) => {
      if (code !== 0) {
        log.warn('git http-backend failed', {
          repo: g.name,
          service: g.service,
          code,
          stderr: Buffer.concat(stderr).toString('utf8').slice(0, 2000),
        });
      }
      try {
        await push?.finish();
      } catch (e) {
        log.error('recording a push failed', { repo: g.name, error: errorChain(e) });
      }
    });

    if (req.body && req.method === 'POST') {
      const body = Readable.fromWeb(req.body as unknown as NodeReadableStream<Uint8Array>);
      body.on('error', (e) => {
        // The client went away mid-request: git must not act on a truncated pack.
        log.warn('git request body failed', { repo: g.name, error: errorChain(e) });
        child.kill();
      });
      body.pipe(child.stdin);
    } else {
      child.stdin.end();
    }

    const stdout = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let head: Buffer = Buffer.alloc(0);
    let split = -1;
    let sepLen = 0;
    while (split < 0) {
      const r = await stdout.next();
      if (r.done) break;
      head = Buffer.concat([head, r.value]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      if (crlf >= 0 && (lf < 0 || crlf < lf)) [split, sepLen] = [crlf, 4];
      else if (lf >= 0) [split, sepLen] = [lf, 2];
      else if (head.length > MAX_CGI_HEAD) break;
    }
    if (split < 0) {
      child.kill();
      await finished;
      throw new Error(
        `git http-backend gave no CGI headers: ${Buffer.concat(stderr).toString('utf8').slice(0, 500) || 'no output'}`,
      );
    }

    let status = 200;
    const headers = new Headers();
    for (const line of head.subarray(0, split).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10) || 500;
      else headers.append(k, v);
    }
    const rest = head.subarray(split + sepLen);

    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (rest.length > 0) controller.enqueue(new Uint8Array(rest));
      },
      async pull(controller) {
        const r = await stdout.next();
        if (!r.done) {
          controller.enqueue(new Uint8Array(r.value));
          return;
        }
        // Close only once the push is recorded: when git's client sees the end, the platform knows.
        await finished;
        controller.close();
      },
      cancel() {
        // A push must be left to finish (killing it mid-update could leave ref locks behind); a fetch need not.
        if (g.service === 'git-upload-pack') child.kill();
        else void (async () => {
          while (!(await stdout.next()).done);
        })();
      },
    });
    return new Response(body, { status, headers });
  }
}

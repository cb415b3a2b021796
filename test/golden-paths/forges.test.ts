import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/authorize.js';
import { startPlatform, type Platform } from '../../src/platform.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'fixtures', 'templates');
const ADMIN: Principal = { userRef: 'user:default/admin', role: 'admin', teams: [] };

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  privateToken: string | undefined;
  body: Record<string, unknown> | null;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : null;
}

/**
 * GitHub and GitLab are not reachable from here, so a local HTTP server answers the few REST calls the publish
 * actions make, the way those APIs document them, and creates real bare repositories that git pushes into.
 */
describe('publish:github and publish:gitlab through their REST APIs', () => {
  let platform: Platform;
  let dir: string;
  let forge: Server;
  let forgeUrl: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-forges-'));
    const remotes = join(dir, 'remotes');
    await mkdir(remotes, { recursive: true });
    forge = createServer((req, res) => {
      void (async () => {
        const body = await bodyOf(req);
        const path = req.url ?? '';
        seen.push({ method: req.method ?? '', path, auth: req.headers.authorization, privateToken: req.headers['private-token'] as string | undefined, body });
        const send = (status: number, data: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(data === null ? '' : JSON.stringify(data));
        };
        if (req.method === 'GET' && path === '/users/acme') return send(200, { login: 'acme', type: 'Organization' });
        if (req.method === 'POST' && path === '/orgs/acme/repos') {
          const name = String(body?.name);
          if (name === 'taken') return send(422, { message: 'Repository creation failed.', errors: [{ message: 'name already exists on this account' }] });
          const bare = join(remotes, `gh-${name}.git`);
          await run('git', ['init', '--quiet', '--bare', bare]);
          return send(201, { full_name: `acme/${name}`, clone_url: bare, html_url: `https://github.example/acme/${name}` });
        }
        if (req.method === 'DELETE' && path.startsWith('/repos/acme/')) return send(204, null);
        if (req.method === 'GET' && path === '/api/v4/namespaces/platform') return send(200, { id: 7, full_path: 'platform' });
        if (req.method === 'POST' && path === '/api/v4/projects') {
          const bare = join(remotes, `gl-${String(body?.path)}.git`);
          await run('git', ['init', '--quiet', '--bare', bare]);
          return send(201, { id: 42, http_url_to_repo: bare, web_url: `https://gitlab.example.com/platform/${String(body?.path)}` });
        }
        send(404, { message: 'Not Found' });
      })();
    });
    await new Promise<void>((resolve) => forge.listen(0, '127.0.0.1', resolve));
    forgeUrl = `http://127.0.0.1:${(forge.address() as AddressInfo).port}`;
    platform = await startPlatform({
      workspaceDir: join(dir, 'ws'),
      port: 0,
      seedSample: false,
      builtInTemplates: false,
      quiet: true,
      github: { apiUrl: forgeUrl, token: 'ghp_secret_token_value' },
      gitlab: { url: forgeUrl, token: 'glpat-secret-token-value' },
    });
    await platform.catalog.registerEntities(ADMIN, {
      yaml: 'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team-a }\nspec: { type: team, children: [] }\n',
    });
    await platform.catalog.addLocation(ADMIN, { target: `${FIXTURES}#forges/template.yaml`, type: 'dir' });
  });

  afterAll(async () => {
    await platform?.stop();
    forge?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function runTask(template: string, parameters: Record<string, unknown>) {
    const t = await platform.scaffolder.createTask(ADMIN, template, parameters);
    for (;;) {
      const v = await platform.scaffolder.getTask(t.id);
      if (['succeeded', 'failed', 'cancelled'].includes(v.status)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('creates the GitHub repository in the organisation and pushes with the token in a header', async () => {
    seen.length = 0;
    const task = await runTask('to-github', { name: 'payments-api' });
    expect(task.error).toBeNull();
    expect(task.status).toBe('succeeded');
    expect(task.output?.links[0]?.url).toBe('https://github.example/acme/payments-api');
    const create = seen.find((s) => s.method === 'POST');
    expect(create).toMatchObject({ path: '/orgs/acme/repos', auth: 'Bearer ghp_secret_token_value', body: { name: 'payments-api', description: 'Made by Gantry', private: true } });
    const log = (await run('git', ['--git-dir', join(dir, 'remotes', 'gh-payments-api.git'), 'show', 'main:catalog-info.yaml'])).stdout;
    expect(log).toContain('name: payments-api');
    expect(log).toContain('gantry.dev/template: to-github@sha-');
    // The token is never in the task's logs or outputs.
    const text = JSON.stringify([await platform.scaffolder.taskLogs(task.id), task]);
    expect(text).not.toContain('ghp_secret_token_value');
  });

  it('a failing step after publish:github deletes the repository it created', async () => {
    seen.length = 0;
    const task = await runTask('to-github', { name: 'doomed', fail: true });
    expect(task.status).toBe('failed');
    expect(seen.map((s) => `${s.method} ${s.path}`)).toContain('DELETE /repos/acme/doomed');
  });

  it("reports the API's refusal with its message", async () => {
    const task = await runTask('to-github', { name: 'taken' });
    expect(task.status).toBe('failed');
    expect(task.error?.message).toContain('answered 422: Repository creation failed.');
  });

  it('creates the GitLab project in the namespace and pushes', async () => {
    seen.length = 0;
    const task = await runTask('to-gitlab', { name: 'ledger' });
    expect(task.status).toBe('succeeded');
    const create = seen.find((s) => s.method === 'POST');
    expect(create).toMatchObject({ path: '/api/v4/projects', privateToken: 'glpat-secret-token-value', body: { name: 'ledger', path: 'ledger', namespace_id: 7, visibility: 'internal' } });
    expect((await run('git', ['--git-dir', join(dir, 'remotes', 'gl-ledger.git'), 'log', '--oneline', 'main'])).stdout).toMatch(/Initial commit/);
  });
});

describe('publish:github without a token', () => {
  it('is refused before anything is created, saying which setting is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-forges-'));
    const platform = await startPlatform({ workspaceDir: dir, port: 0, seedSample: false, builtInTemplates: false, quiet: true, github: { apiUrl: 'http://127.0.0.1:9' } });
    try {
      await platform.catalog.addLocation(ADMIN, { target: `${FIXTURES}#forges/template.yaml`, type: 'dir' });
      await expect(platform.scaffolder.createTask(ADMIN, 'to-github', { name: 'x-api' })).rejects.toThrow(/GANTRY_GITHUB_TOKEN/);
      expect(await platform.scaffolder.listTasks()).toEqual([]);
    } finally {
      await platform.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

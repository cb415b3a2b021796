import { existsSync } from 'node:fs';
import { authorize } from '../../../auth/authorize.js';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { assertRepoName, cloneUrlOf } from '../../../hosting/index.js';
import { UnavailableError } from '../../../core/errors.js';
import { parseRepoUrl } from '../../model/render.js';
import { git } from '../git.js';
import { resolveInside } from '../paths.js';
import type { Action, ActionContext, ForgeConfig, TaskFacts } from '../types.js';
import { inputError, str } from './input.js';
import { planEntities, refsInWorkspace, registerHostedRepo } from './register.js';

/** Annotations every entity a task publishes carries, so later upgrades know where it came from. */
export const PROVENANCE = {
  template: 'gantry.dev/template',
  parameters: 'gantry.dev/template-parameters',
  task: 'gantry.dev/scaffolder-task',
  sourceTemplate: 'backstage.io/source-template',
} as const;

/**
 * Adds the provenance annotations to every entity in `catalog-info.yaml` at `dir` (when there is one),
 * keeping the file's layout and comments.
 */
export async function stampProvenance(dir: string, task: TaskFacts): Promise<boolean> {
  const file = join(dir, 'catalog-info.yaml');
  if (!existsSync(file)) return false;
  const text = await readFile(file, 'utf8');
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return false;
  let stamped = false;
  const parts: string[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length === 0 && doc.get('kind') !== undefined && doc.get('metadata') !== undefined) {
      const set = (key: string, value: string) => doc.setIn(['metadata', 'annotations', key], value);
      set(PROVENANCE.sourceTemplate, task.templateRef);
      set(PROVENANCE.template, `${task.templateName}@${task.templateVersion}`);
      set(PROVENANCE.parameters, JSON.stringify(task.parameters));
      set(PROVENANCE.task, task.id);
      stamped = true;
    }
    const s = String(doc);
    parts.push(i > 0 && !s.startsWith('---') ? `---\n${s}` : s);
  }
  if (stamped) await writeFile(file, parts.join(''));
  return stamped;
}

/** Commits everything in `dir` as the task's user (a fresh repository on `branch`); returns the commit id. */
async function commitAll(ctx: ActionContext, dir: string, branch: string): Promise<string> {
  const { env, message } = authorOf(ctx);
  if (!existsSync(join(dir, '.git'))) await git(['init', '--quiet', '-b', branch], { cwd: dir, signal: ctx.signal });
  await git(['add', '--all'], { cwd: dir, signal: ctx.signal });
  const status = await git(['status', '--porcelain'], { cwd: dir, signal: ctx.signal });
  if (status.trim() !== '') await git(['commit', '--quiet', '--no-gpg-sign', '-m', message], { cwd: dir, signal: ctx.signal, env });
  return (await git(['rev-parse', 'HEAD'], { cwd: dir, signal: ctx.signal })).trim();
}

/**
 * Commits the workspace straight into the hosted bare repository (its object store, with a throw-away index),
 * which saves a working repository and a push: the same commit, a third of the git processes. Recorded as a
 * push (event, catalog refresh) like any other. A resumed step whose earlier attempt committed keeps that commit.
 */
async function commitIntoHostedRepo(ctx: ActionContext, dir: string, name: string, branch: string): Promise<string> {
  const bare = ctx.services.repos.pathOf(name);
  const ref = `refs/heads/${branch}`;
  const existing = (await ctx.services.repos.refs(name)).get(ref);
  if (existing) {
    ctx.log(`${branch} already holds ${existing.slice(0, 12)} from an earlier attempt; keeping it`);
    return existing;
  }
  const index = join(dirname(dir), `.index-${ctx.stepId}-${process.pid}`);
  const author = authorOf(ctx);
  const env = { GIT_DIR: bare, GIT_WORK_TREE: dir, GIT_INDEX_FILE: index, ...author.env };
  const session = await ctx.services.repos.beginPush(ctx.task.user, name);
  try {
    await git(['add', '--all', '--force', '.'], { cwd: dir, signal: ctx.signal, env });
    const tree = (await git(['write-tree'], { cwd: dir, signal: ctx.signal, env })).trim();
    const commit = (await git(['commit-tree', '--no-gpg-sign', tree, '-m', author.message], { cwd: dir, signal: ctx.signal, env })).trim();
    // Only if the branch is still unborn: a concurrent push wins, and this step fails rather than overwrite it.
    await git(['update-ref', ref, commit, ''], { env: { GIT_DIR: bare }, signal: ctx.signal });
    return commit;
  } finally {
    await rm(index, { force: true });
    await session.finish();
  }
}

function authorOf(ctx: ActionContext): { env: Record<string, string>; message: string } {
  const name = str(ctx.input, 'gitAuthorName') ?? ctx.task.user.userRef.replace(/^user:(default\/)?/, '');
  const email = str(ctx.input, 'gitAuthorEmail') ?? `${name.replace(/[^\w.-]/g, '-')}@users.gantry.local`;
  const message = str(ctx.input, 'gitCommitMessage') ?? `Initial commit from template ${ctx.task.templateName}@${ctx.task.templateVersion}`;
  return {
    env: { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: 'Gantry scaffolder', GIT_COMMITTER_EMAIL: 'scaffolder@gantry.local' },
    message,
  };
}

async function sourceDir(ctx: ActionContext): Promise<string> {
  return resolveInside(ctx.workspace, str(ctx.input, 'sourcePath', { fallback: '.' }), 'input.sourcePath');
}

/** `publish:git`: a repository hosted by Gantry itself, served at `<server>/git/<name>`. */
export const publishGit: Action = {
  id: 'publish:git',
  description: "Creates a repository in Gantry's own git hosting and pushes the workspace to it.",
  async run(ctx) {
    let name = str(ctx.input, 'repoName');
    const repoUrl = str(ctx.input, 'repoUrl');
    if (!name && repoUrl) name = parseRepoUrl(repoUrl).repo;
    if (!name) throw inputError('repoName', 'expected the name of the repository to create, found nothing');
    try {
      assertRepoName(name);
    } catch (e) {
      throw inputError('repoName', (e as Error).message);
    }
    const owner = str(ctx.input, 'owner') ?? (repoUrl ? parseRepoUrl(repoUrl).owner : undefined) ?? null;
    const branch = str(ctx.input, 'defaultBranch', { fallback: 'main' })!;
    const dir = await sourceDir(ctx);
    const remoteUrl = cloneUrlOf(ctx.services.baseUrl(), name);
    await stampProvenance(dir, ctx.task);
    if (ctx.dryRun) {
      // The same rule the real run meets, checked before anything exists (members publish for their teams).
      const group = owner === null ? null : owner.includes(':') ? owner.toLowerCase() : `group:default/${owner.toLowerCase()}`;
      authorize(ctx.task.user, 'hosting.repo.create', { owner: group });
      ctx.plan.repos.push(name);
      ctx.log(`would create the hosted repository ${name}${owner ? ` owned by ${owner}` : ''} and push to ${branch}`);
      if (existsSync(join(dir, 'catalog-info.yaml'))) {
        const { refs } = await refsInWorkspace(ctx, 'catalog-info.yaml', dir);
        planEntities(ctx, refs);
        ctx.log(`would register its catalog-info.yaml in the catalog: ${refs.join(', ')}`);
      }
      return { remoteUrl, repoContentsUrl: remoteUrl, repoName: name, commitHash: null, defaultBranch: branch };
    }
    const mine = ctx.resources.some((r) => r.type === 'repo' && r.name === name && r.stepId === ctx.stepId);
    if (!mine) {
      await ctx.services.repos.create(ctx.task.user, { name, owner, description: str(ctx.input, 'description') ?? '' });
      await ctx.addResource({ type: 'repo', name, ...(ctx.input.keepOnFailure === true ? { kept: true } : {}) });
      ctx.log(`created the hosted repository ${name}`);
    } else {
      ctx.log(`the hosted repository ${name} was created by an earlier attempt of this task; pushing again`);
    }
    const commitHash = await commitIntoHostedRepo(ctx, dir, name, branch);
    ctx.log(`pushed ${commitHash.slice(0, 12)} to ${remoteUrl} (${branch})`);
    // The repository's catalog location is registered with it, so its entity exists as soon as it does.
    const registered = ctx.resources.some((r) => r.type === 'location' && r.repo === name && r.path === 'catalog-info.yaml');
    if (!registered && existsSync(join(dir, 'catalog-info.yaml'))) {
      await registerHostedRepo(ctx, name, 'catalog-info.yaml');
      ctx.log(`registered ${name}/catalog-info.yaml in the catalog`);
    }
    return { remoteUrl, repoContentsUrl: remoteUrl, repoName: name, commitHash, defaultBranch: branch };
  },
};

async function forgeCall(forge: ForgeConfig, what: string, path: string, init: { method: string; body?: unknown; headers: Record<string, string> }): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${forge.apiUrl.replace(/\/+$/, '')}${path}`, {
      method: init.method,
      headers: { accept: 'application/json', 'content-type': 'application/json', ...init.headers },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new UnavailableError(`${what}: ${forge.apiUrl} did not answer (${(e as Error).message})`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { message?: unknown };
      if (body.message) detail = typeof body.message === 'string' ? body.message : JSON.stringify(body.message);
    } catch {
      // not JSON: the text as it is
    }
    const err = new UnavailableError(`${what}: ${init.method} ${path} answered ${res.status}: ${detail}`);
    if (res.status >= 400 && res.status < 500) (err as { retryable?: boolean }).retryable = false;
    throw err;
  }
  return text ? (JSON.parse(text) as unknown) : null;
}

function needToken(forge: ForgeConfig, action: string, variable: string): string {
  if (!forge.token) throw inputError('repoUrl', `${action} needs an access token: set ${variable} for the platform`);
  return forge.token;
}

/** Pushes over HTTPS with the token in a header (never in the URL, so it is not stored in .git/config or logs). */
async function pushWithToken(ctx: ActionContext, dir: string, cloneUrl: string, basicUser: string, token: string, branch: string): Promise<void> {
  const header = `Authorization: Basic ${Buffer.from(`${basicUser}:${token}`).toString('base64')}`;
  await git(['-c', `http.extraHeader=${header}`, 'push', '--quiet', '--force', cloneUrl, `HEAD:refs/heads/${branch}`], { cwd: dir, signal: ctx.signal });
}

/** `publish:github`: creates the repository through GitHub's REST API, then pushes. */
export const publishGithub: Action = {
  id: 'publish:github',
  description: "Creates a GitHub repository through GitHub's REST API and pushes the workspace (needs GANTRY_GITHUB_TOKEN).",
  async run(ctx) {
    const repoUrl = str(ctx.input, 'repoUrl', { required: true });
    const { owner, repo } = parseRepoUrl(repoUrl);
    if (!owner) throw inputError('repoUrl', `expected "github.com?owner=<org or user>&repo=<name>", found ${JSON.stringify(repoUrl)}`);
    const branch = str(ctx.input, 'defaultBranch', { fallback: 'main' })!;
    const dir = await sourceDir(ctx);
    await stampProvenance(dir, ctx.task);
    const forge = ctx.services.github;
    needToken(forge, 'publish:github', 'GANTRY_GITHUB_TOKEN');
    if (ctx.dryRun) {
      ctx.log(`would create the GitHub repository ${owner}/${repo} and push to ${branch}`);
      const html = `https://github.com/${owner}/${repo}`;
      return { remoteUrl: html, repoContentsUrl: `${html}/blob/${branch}`, commitHash: null };
    }
    const token = needToken(forge, 'publish:github', 'GANTRY_GITHUB_TOKEN');
    const headers = { authorization: `Bearer ${token}`, 'x-github-api-version': '2022-11-28' };
    const account = (await forgeCall(forge, 'publish:github', `/users/${encodeURIComponent(owner)}`, { method: 'GET', headers })) as { type?: string };
    const body = {
      name: repo,
      description: str(ctx.input, 'description') ?? '',
      private: (str(ctx.input, 'repoVisibility') ?? 'private') !== 'public',
      auto_init: false,
    };
    const path = account?.type === 'Organization' ? `/orgs/${encodeURIComponent(owner)}/repos` : '/user/repos';
    const created = (await forgeCall(forge, 'publish:github', path, { method: 'POST', body, headers })) as { clone_url: string; html_url: string; full_name: string };
    await ctx.addResource({ type: 'github-repo', fullName: created.full_name, apiUrl: forge.apiUrl, ...(ctx.input.keepOnFailure === true ? { kept: true } : {}) });
    ctx.log(`created the GitHub repository ${created.full_name}`);
    const commitHash = await commitAll(ctx, dir, branch);
    await pushWithToken(ctx, dir, created.clone_url, 'x-access-token', token, branch);
    ctx.log(`pushed ${commitHash.slice(0, 12)} to ${created.html_url} (${branch})`);
    return { remoteUrl: created.html_url, repoContentsUrl: `${created.html_url}/blob/${branch}`, cloneUrl: created.clone_url, commitHash };
  },
};

/** `publish:gitlab`: creates the project through GitLab's REST API (v4), then pushes. */
export const publishGitlab: Action = {
  id: 'publish:gitlab',
  description: "Creates a GitLab project through GitLab's REST API and pushes the workspace (needs GANTRY_GITLAB_TOKEN).",
  async run(ctx) {
    const repoUrl = str(ctx.input, 'repoUrl', { required: true });
    const { owner, repo, host } = parseRepoUrl(repoUrl);
    if (!owner) throw inputError('repoUrl', `expected "<gitlab host>?owner=<group>&repo=<name>", found ${JSON.stringify(repoUrl)}`);
    const branch = str(ctx.input, 'defaultBranch', { fallback: 'main' })!;
    const dir = await sourceDir(ctx);
    await stampProvenance(dir, ctx.task);
    const forge: ForgeConfig = { ...ctx.services.gitlab, apiUrl: ctx.services.gitlab.apiUrl || `https://${host}` };
    needToken(forge, 'publish:gitlab', 'GANTRY_GITLAB_TOKEN');
    if (ctx.dryRun) {
      ctx.log(`would create the GitLab project ${owner}/${repo} on ${forge.apiUrl} and push to ${branch}`);
      const web = `${forge.apiUrl.replace(/\/+$/, '')}/${owner}/${repo}`;
      return { remoteUrl: web, repoContentsUrl: `${web}/-/blob/${branch}`, commitHash: null };
    }
    const token = needToken(forge, 'publish:gitlab', 'GANTRY_GITLAB_TOKEN');
    const headers = { 'private-token': token };
    const ns = (await forgeCall(forge, 'publish:gitlab', `/api/v4/namespaces/${encodeURIComponent(owner)}`, { method: 'GET', headers })) as { id: number };
    const visibility = str(ctx.input, 'repoVisibility') ?? 'private';
    const created = (await forgeCall(forge, 'publish:gitlab', '/api/v4/projects', {
      method: 'POST',
      headers,
      body: { name: repo, path: repo, namespace_id: ns.id, description: str(ctx.input, 'description') ?? '', visibility, default_branch: branch },
    })) as { id: number; http_url_to_repo: string; web_url: string };
    await ctx.addResource({ type: 'gitlab-project', id: created.id, apiUrl: forge.apiUrl, ...(ctx.input.keepOnFailure === true ? { kept: true } : {}) });
    ctx.log(`created the GitLab project ${owner}/${repo} (id ${created.id})`);
    const commitHash = await commitAll(ctx, dir, branch);
    await pushWithToken(ctx, dir, created.http_url_to_repo, 'oauth2', token, branch);
    ctx.log(`pushed ${commitHash.slice(0, 12)} to ${created.web_url} (${branch})`);
    return { remoteUrl: created.web_url, repoContentsUrl: `${created.web_url}/-/blob/${branch}`, cloneUrl: created.http_url_to_repo, projectId: created.id, commitHash };
  },
};

/** Deletes a forge repository a failed task created (best effort; the caller logs what could not be undone). */
export async function deleteForgeResource(r: { type: 'github-repo'; fullName: string; apiUrl: string } | { type: 'gitlab-project'; id: number; apiUrl: string }, forges: { github: ForgeConfig; gitlab: ForgeConfig }): Promise<void> {
  if (r.type === 'github-repo') {
    const token = forges.github.token ?? '';
    await forgeCall({ ...forges.github, apiUrl: r.apiUrl }, 'cleanup', `/repos/${r.fullName}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  } else {
    const token = forges.gitlab.token ?? '';
    await forgeCall({ ...forges.gitlab, apiUrl: r.apiUrl }, 'cleanup', `/api/v4/projects/${r.id}`, { method: 'DELETE', headers: { 'private-token': token } });
  }
}

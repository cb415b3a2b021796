import { NotAuthenticatedError, InputError } from '../../core/errors.js';
import { verifyGithubSignature, verifyGitlabToken } from '../../metrics/sources/index.js';
import type { Api, ServerDeps } from '../context.js';

/**
 * GitHub and GitLab webhooks: one URL per forge for everything Gantry listens to. Not bearer-authenticated: the
 * shared secret is the proof (GANTRY_GITHUB_WEBHOOK_SECRET, GANTRY_GITLAB_WEBHOOK_SECRET), checked over the raw
 * body before anything is read; no secret configured refuses every delivery. A verified delivery is kept as it
 * came for the delivery metrics (parsed into changes, deployments and incidents: docs/metrics.md), and a push
 * starts the repository's pipeline run (docs/pipelines.md).
 */
export function webhookRoutes(app: Api, deps: ServerDeps): void {
  app.post('/api/webhooks/github', async (c) => {
    const secret = process.env.GANTRY_GITHUB_WEBHOOK_SECRET;
    if (!secret) throw new NotAuthenticatedError('GitHub webhooks are not configured: set GANTRY_GITHUB_WEBHOOK_SECRET');
    const body = await c.req.text();
    if (!verifyGithubSignature(secret, body, c.req.header('x-hub-signature-256'))) {
      throw new NotAuthenticatedError('the X-Hub-Signature-256 header does not match the body signed with the webhook secret');
    }
    const event = c.req.header('x-github-event') ?? '';
    if (event === 'ping') return c.json({ ok: true, event }, 200);
    const metrics = deps.metrics ? await deps.metrics.receiveWebhook('github', event, c.req.header('x-github-delivery'), body) : null;
    // After the metrics (kept whatever happens next): a trigger that fails answers 503 and GitHub's retry runs it
    // again, while the delivery is recognised as one already stored.
    let runs: string[] = [];
    if (event === 'push') {
      const p = parsed(body) as { ref?: string; after?: string; deleted?: boolean; repository?: { clone_url?: string }; pusher?: { name?: string } };
      runs = await webhookPush(deps, p.repository?.clone_url, p.ref, p.after, p.deleted === true, `github:${p.pusher?.name ?? 'unknown'}`);
    }
    return c.json({ ok: true, event, metrics, runs }, 202);
  });

  app.post('/api/webhooks/gitlab', async (c) => {
    const secret = process.env.GANTRY_GITLAB_WEBHOOK_SECRET;
    if (!secret) throw new NotAuthenticatedError('GitLab webhooks are not configured: set GANTRY_GITLAB_WEBHOOK_SECRET');
    if (!verifyGitlabToken(secret, c.req.header('x-gitlab-token'))) throw new NotAuthenticatedError('the X-Gitlab-Token header does not match the webhook secret');
    const body = await c.req.text();
    const p = parsed(body) as { object_kind?: string; ref?: string; after?: string; project?: { git_http_url?: string }; user_username?: string };
    const event = c.req.header('x-gitlab-event') ?? (p.object_kind === 'push' ? 'Push Hook' : (p.object_kind ?? ''));
    const delivery = c.req.header('x-gitlab-event-uuid') ?? c.req.header('x-gitlab-webhook-uuid') ?? c.req.header('idempotency-key');
    const metrics = deps.metrics ? await deps.metrics.receiveWebhook('gitlab', event, delivery, body) : null;
    let runs: string[] = [];
    if (p.object_kind === 'push') {
      const deleted = /^0+$/.test(p.after ?? '');
      runs = await webhookPush(deps, p.project?.git_http_url, p.ref, p.after, deleted, `gitlab:${p.user_username ?? 'unknown'}`);
    }
    return c.json({ ok: true, event, metrics, runs }, 202);
  });
}

function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new InputError(`the webhook body is not JSON: ${(e as Error).message}`);
  }
}

/** A push to a branch of a repository hosted on GitHub/GitLab starts its pipeline run. */
async function webhookPush(deps: ServerDeps, url: string | undefined, ref: string | undefined, after: string | undefined, deleted: boolean, who: string): Promise<string[]> {
  // Without a clone URL, ref and commit there is nothing to run (the metrics may still have used the delivery).
  if (!url || !ref || !after || deleted || !ref.startsWith('refs/heads/')) return [];
  const actor = { userRef: `system:webhook/${who}`, role: 'admin' as const, teams: [] };
  const run = await deps.pipelines.trigger(actor, { repo: url, branch: ref.slice('refs/heads/'.length), sha: after, event: 'webhook' });
  return run ? [run.id] : [];
}

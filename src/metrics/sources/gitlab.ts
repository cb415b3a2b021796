import { InputError } from '../../core/errors.js';
import type { ChangeFact, DeploymentFactStatus, IncidentFact, ParseResult } from '../model/facts.js';
import { causeShaIn, componentsFromLabels, hasIncidentLabel, isHotfixRef, mentionsRollback, parseSeverity, severityFromLabels } from './labels.js';
import { describeValue, isFullSha, isRecord, PayloadReader } from './payload.js';

/**
 * Turns one GitLab webhook delivery into delivery facts. `event` is the `X-Gitlab-Event` header; `payload` the
 * parsed JSON body, trusted in nothing (https://docs.gitlab.com/user/project/integrations/webhook_events/).
 * GitLab's times come as ISO-8601 or as `2024-05-01 12:00:00 UTC` / `… +0200`; both are read. Pure: the same
 * delivery always gives the same facts. Throws InputError (one problem with the field path) when a payload
 * Gantry reads is malformed.
 */
export function parseGitlab(event: string, payload: unknown): ParseResult {
  const name = event.trim();
  const handler = HANDLERS[name.toLowerCase()];
  if (!handler) return ignored(`GitLab ${name ? `"${name}"` : 'unnamed'} events are not read for delivery metrics`);
  if (!isRecord(payload)) {
    const message = `expected a JSON object, found ${describeValue(payload)}`;
    throw new InputError(`Malformed GitLab ${name} payload: ${message}`, {
      problems: [{ code: 'invalid_type', path: '', message, severity: 'error' }],
    });
  }
  return handler(new PayloadReader(payload, `GitLab ${name} payload`));
}

const HANDLERS: Record<string, (r: PayloadReader) => ParseResult> = {
  'push hook': parsePush,
  'deployment hook': parseDeployment,
  'merge request hook': parseMergeRequest,
  'issue hook': parseIssue,
  // Confidential issues are delivered under their own header with the same payload.
  'confidential issue hook': parseIssue,
};

function ignored(reason: string): ParseResult {
  return { facts: [], ignored: reason };
}

function changeFact(project: string, sha: string, committedAt: string): ChangeFact {
  return { kind: 'change', id: `gitlab:${project}:${sha}`, source: 'gitlab', component: null, repo: project, sha, committedAt };
}

function parsePush(r: PayloadReader): ParseResult {
  const project = r.string('project.path_with_namespace');
  const ref = r.string('ref');
  const after = r.optionalString('after');
  if (after !== null && /^0+$/.test(after)) return ignored(`push deleting ${ref}`);
  const defaultRef = `refs/heads/${r.string('project.default_branch')}`;
  if (ref !== defaultRef) return ignored(`push to ${ref}, not to the default branch ${defaultRef}`);
  // GitLab lists at most the newest 20 commits of a push (total_commits_count says how many there were).
  const commits = r.array('commits');
  if (commits.length === 0) return ignored(`push to ${ref} with no commits`);
  return { facts: commits.map((_, i) => changeFact(project, r.sha(`commits[${i}].id`), r.time(`commits[${i}].timestamp`))) };
}

const STATUSES: Record<string, DeploymentFactStatus | undefined> = {
  created: 'pending',
  running: 'pending',
  // Waiting for an approval: not finished either.
  blocked: 'pending',
  success: 'success',
  failed: 'failure',
};

function parseDeployment(r: PayloadReader): ParseResult {
  const project = r.string('project.path_with_namespace');
  const id = r.id('deployment_id');
  const state = r.string('status').toLowerCase();
  if (state === 'canceled' || state === 'skipped') return ignored(`deployment ${id} ${state}`);
  const status = STATUSES[state];
  if (!status) return ignored(`deployment status "${state}" is not one Gantry reads`);
  const finishedAt = r.time('status_changed_at');
  const ref = r.optionalString('ref');
  const tier = r.optionalString('environment_tier');
  return {
    facts: [
      {
        kind: 'deployment',
        id: `gitlab:${project}:${id}`,
        source: 'gitlab',
        component: null,
        repo: project,
        environment: r.string('environment'),
        // GitLab says which environments are production (the deployment tier); without it the name decides.
        production: tier === null ? null : tier.toLowerCase() === 'production',
        sha: deploymentSha(r),
        status,
        rollback: mentionsRollback(ref),
        hotfix: isHotfixRef(ref),
        // The payload has no creation time; only a `running` delivery says when the deployment started.
        startedAt: state === 'running' ? finishedAt : null,
        finishedAt,
        commits: null,
        reverts: null,
        url: r.optionalString('deployable_url'),
      },
    ],
  };
}

/**
 * The deployed commit. The payload documents only `short_sha` (8 digits: too short to match commits safely)
 * and `commit_url`, which ends in the full sha; a `sha` field is used first in case GitLab sends one.
 */
function deploymentSha(r: PayloadReader): string | null {
  const sha = r.value('sha');
  if (typeof sha === 'string' && isFullSha(sha)) return sha.toLowerCase();
  const url = r.optionalString('commit_url');
  const m = url === null ? null : /\/commit\/([0-9a-f]{40}|[0-9a-f]{64})(?:[/?#]|$)/i.exec(url);
  return m?.[1] ? m[1].toLowerCase() : null;
}

function parseMergeRequest(r: PayloadReader): ParseResult {
  const iid = r.id('object_attributes.iid');
  const action = r.optionalString('object_attributes.action');
  if (action !== 'merge') return ignored(`merge request !${iid} ${action ?? 'changed'}, not merged`);
  const target = r.string('object_attributes.target_branch');
  const defaultBranch = r.string('project.default_branch');
  if (target !== defaultBranch) return ignored(`merge request !${iid} merged into ${target}, not the default branch ${defaultBranch}`);
  const project = r.string('project.path_with_namespace');
  // Fast-forward merges leave merge_commit_sha empty: the squash commit, or else the last commit, is what lands.
  const shaPath = ['object_attributes.merge_commit_sha', 'object_attributes.squash_commit_sha', 'object_attributes.last_commit.id'].find(
    (p) => r.value(p) != null,
  );
  const sha = r.sha(shaPath ?? 'object_attributes.merge_commit_sha');
  const at = r.value('object_attributes.merged_at') != null ? r.time('object_attributes.merged_at') : r.time('object_attributes.updated_at');
  return { facts: [changeFact(project, sha, at)] };
}

function parseIssue(r: PayloadReader): ParseResult {
  const iid = r.id('object_attributes.iid');
  const labelsPath = r.value('labels') != null ? 'labels' : 'object_attributes.labels';
  const labels = r.optionalArray(labelsPath).map((l, i) => (typeof l === 'string' ? l : r.string(`${labelsPath}[${i}].title`)));
  // GitLab's own incidents (issue type Incident) are incidents whatever their labels.
  const type = r.optionalString('object_attributes.type') ?? r.optionalString('object_attributes.issue_type');
  if (!hasIncidentLabel(labels) && type?.toLowerCase() !== 'incident') return ignored(`issue #${iid} is not labelled incident`);
  const project = r.string('project.path_with_namespace');
  const createdAt = r.time('object_attributes.created_at');
  const closed = r.string('object_attributes.state') === 'closed';
  const severityField = r.optionalString('object_attributes.severity');
  const fact: IncidentFact = {
    kind: 'incident',
    id: `gitlab:${project}#${iid}`,
    source: 'gitlab',
    title: r.string('object_attributes.title'),
    severity: severityFromLabels(labels) ?? (severityField === null ? null : parseSeverity(severityField)) ?? 'sev3',
    startedAt: createdAt,
    detectedAt: createdAt,
    acknowledgedAt: firstAssignedAt(r, createdAt),
    resolvedAt: closed
      ? r.value('object_attributes.closed_at') != null
        ? r.time('object_attributes.closed_at')
        : r.time('object_attributes.updated_at')
      : null,
    components: componentsFromLabels(labels),
    repo: project,
    causeDeployment: null,
    causeSha: causeShaIn(r.optionalString('object_attributes.description')),
    url: r.optionalString('object_attributes.url'),
  };
  return { facts: [fact] };
}

/**
 * When the issue was first assigned, if this delivery says: opened already assigned, or `changes` shows the
 * assignees going from none to some (GitLab sends `changes.assignees` / `changes.assignee_ids`).
 */
function firstAssignedAt(r: PayloadReader, createdAt: string): string | null {
  const action = r.optionalString('object_attributes.action');
  const assigned = r.optionalArray('object_attributes.assignee_ids').length > 0 || r.optionalArray('assignees').length > 0;
  if (action === 'open' && assigned) return createdAt;
  for (const key of ['changes.assignees', 'changes.assignee_ids']) {
    const change = r.value(key);
    if (!isRecord(change)) continue;
    const before = r.optionalArray(`${key}.previous`);
    const after = r.optionalArray(`${key}.current`);
    if (before.length === 0 && after.length > 0) return r.time('object_attributes.updated_at');
  }
  return null;
}

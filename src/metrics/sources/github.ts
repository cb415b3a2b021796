import { InputError } from '../../core/errors.js';
import type { ChangeFact, DeploymentFact, DeploymentFactStatus, IncidentFact, ParseResult } from '../model/facts.js';
import { causeShaIn, componentsFromLabels, hasIncidentLabel, isHotfixRef, mentionsRollback, severityFromLabels } from './labels.js';
import { describeValue, isRecord, PayloadReader } from './payload.js';

/**
 * Turns one GitHub webhook delivery into delivery facts. `event` is the `X-GitHub-Event` header; `payload` the
 * parsed JSON body, trusted in nothing (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
 * Pure: the same delivery always gives the same facts, so stored payloads can be replayed after a fix.
 * Throws InputError (one problem with the field path) when a payload Gantry reads is malformed.
 */
export function parseGithub(event: string, payload: unknown): ParseResult {
  const name = event.trim().toLowerCase();
  const handler = HANDLERS[name];
  if (!handler) {
    if (name === 'ping') return ignored('ping: GitHub checking that the webhook answers');
    return ignored(`GitHub ${name ? `"${name}"` : 'unnamed'} events are not read for delivery metrics`);
  }
  if (!isRecord(payload)) {
    const message = `expected a JSON object, found ${describeValue(payload)}`;
    throw new InputError(`Malformed GitHub ${name} payload: ${message}`, {
      problems: [{ code: 'invalid_type', path: '', message, severity: 'error' }],
    });
  }
  return handler(new PayloadReader(payload, `GitHub ${name} payload`));
}

const HANDLERS: Record<string, (r: PayloadReader) => ParseResult> = {
  push: parsePush,
  deployment: (r) => ({ facts: [deploymentFact(r, 'pending', r.time('deployment.created_at'), null)] }),
  deployment_status: parseDeploymentStatus,
  pull_request: parsePullRequest,
  issues: parseIssue,
};

function ignored(reason: string): ParseResult {
  return { facts: [], ignored: reason };
}

function parsePush(r: PayloadReader): ParseResult {
  const repo = r.string('repository.full_name');
  const ref = r.string('ref');
  if (r.value('deleted') === true) return ignored(`push deleting ${ref}`);
  const defaultRef = `refs/heads/${r.string('repository.default_branch')}`;
  if (ref !== defaultRef) return ignored(`push to ${ref}, not to the default branch ${defaultRef}`);
  const commits = r.array('commits');
  if (commits.length === 0) return ignored(`push to ${ref} with no commits`);
  const facts: ChangeFact[] = commits.map((_, i) => {
    const sha = r.sha(`commits[${i}].id`);
    return changeFact(repo, sha, r.time(`commits[${i}].timestamp`));
  });
  return { facts };
}

function changeFact(repo: string, sha: string, committedAt: string): ChangeFact {
  return { kind: 'change', id: `github:${repo}:${sha}`, source: 'github', component: null, repo, sha, committedAt };
}

const STATES: Record<string, DeploymentFactStatus | undefined> = {
  success: 'success',
  failure: 'failure',
  error: 'failure',
  queued: 'pending',
  pending: 'pending',
  in_progress: 'pending',
};

function parseDeploymentStatus(r: PayloadReader): ParseResult {
  const state = r.string('deployment_status.state').toLowerCase();
  if (state === 'inactive') {
    // GitHub marks the previous deployment inactive when a newer one succeeds; it says nothing new about it.
    return ignored(`deployment ${r.id('deployment.id')} marked inactive (replaced by a later deployment)`);
  }
  const status = STATES[state];
  if (!status) return ignored(`deployment_status.state "${state}" is not one Gantry reads`);
  const finishedAt =
    r.value('deployment_status.created_at') == null && r.value('deployment_status.updated_at') != null
      ? r.time('deployment_status.updated_at')
      : r.time('deployment_status.created_at');
  const url = r.optionalString('deployment_status.log_url') ?? r.optionalString('deployment_status.target_url');
  return { facts: [deploymentFact(r, status, finishedAt, url)] };
}

/** The `deployment` object's own fields, shared by the deployment and deployment_status events. */
function deploymentFact(r: PayloadReader, status: DeploymentFactStatus, finishedAt: string, url: string | null): DeploymentFact {
  const repo = r.string('repository.full_name');
  const id = r.id('deployment.id');
  // A status may move the deployment to another environment; the status's name is then the newer one.
  const environment = r.optionalString('deployment_status.environment') ?? r.string('deployment.environment');
  const sha = r.value('deployment.sha') == null ? null : r.sha('deployment.sha');
  const ref = r.optionalString('deployment.ref');
  const flags = customPayload(r.value('deployment.payload'));
  const production = r.optionalBoolean('deployment.production_environment');
  return {
    kind: 'deployment',
    id: `github:${repo}:${id}`,
    source: 'github',
    component: null,
    repo,
    environment,
    production,
    sha,
    status,
    rollback:
      flags.rollback === true ||
      mentionsRollback(r.optionalString('deployment.task')) ||
      mentionsRollback(r.optionalString('deployment.description')),
    hotfix: flags.hotfix === true || isHotfixRef(ref),
    startedAt: r.time('deployment.created_at'),
    finishedAt,
    commits: null,
    reverts: null,
    url,
  };
}

/** `deployment.payload`: the creator's own JSON, an object or (from older API clients) a JSON string. */
function customPayload(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isRecord(parsed)) return parsed;
    } catch {
      // Not JSON: free text carries no flags.
    }
  }
  return {};
}

function parsePullRequest(r: PayloadReader): ParseResult {
  const action = r.string('action');
  const number = r.id('pull_request.number');
  if (action !== 'closed') return ignored(`pull request #${number} ${action}, not merged`);
  if (r.value('pull_request.merged') !== true) return ignored(`pull request #${number} closed without merging`);
  const base = r.string('pull_request.base.ref');
  const defaultBranch = r.string('repository.default_branch');
  if (base !== defaultBranch) return ignored(`pull request #${number} merged into ${base}, not the default branch ${defaultBranch}`);
  const repo = r.string('repository.full_name');
  return { facts: [changeFact(repo, r.sha('pull_request.merge_commit_sha'), r.time('pull_request.merged_at'))] };
}

function parseIssue(r: PayloadReader): ParseResult {
  const action = r.string('action');
  const number = r.id('issue.number');
  if (action === 'deleted') return ignored(`issue #${number} deleted`);
  const labels = r.optionalArray('issue.labels').map((l, i) => (typeof l === 'string' ? l : r.string(`issue.labels[${i}].name`)));
  if (!hasIncidentLabel(labels)) return ignored(`issue #${number} is not labelled incident`);
  const repo = r.string('repository.full_name');
  const createdAt = r.time('issue.created_at');
  const state = r.string('issue.state');
  const closed = state === 'closed';
  const assignees = r.optionalArray('issue.assignees');
  // Issues carry no assignment history; the delivery that makes the first assignment (or opens the issue
  // already assigned) is the only one that knows when it happened.
  let acknowledgedAt: string | null = null;
  if (action === 'opened' && assignees.length > 0) acknowledgedAt = createdAt;
  else if (action === 'assigned' && assignees.length === 1) acknowledgedAt = r.time('issue.updated_at');
  const fact: IncidentFact = {
    kind: 'incident',
    id: `github:${repo}#${number}`,
    source: 'github',
    title: r.string('issue.title'),
    severity: severityFromLabels(labels) ?? 'sev3',
    startedAt: createdAt,
    detectedAt: createdAt,
    acknowledgedAt,
    resolvedAt: closed ? (r.optionalTime('issue.closed_at') ?? r.time('issue.updated_at')) : null,
    components: componentsFromLabels(labels),
    repo,
    causeDeployment: null,
    causeSha: causeShaIn(r.optionalString('issue.body')),
    url: r.optionalString('issue.html_url'),
  };
  return { facts: [fact] };
}

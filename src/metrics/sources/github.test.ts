import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { DeploymentFact, IncidentFact } from '../model/facts.js';
import { fixture, variant, type Json } from './fixtures/load.js';
import { parseGithub } from './github.js';

const REPO = 'acme/orders-api';
const MERGE_SHA = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

function onlyDeployment(event: string, payload: unknown): DeploymentFact {
  const { facts, ignored } = parseGithub(event, payload);
  expect(ignored).toBeUndefined();
  expect(facts).toHaveLength(1);
  return facts[0] as DeploymentFact;
}

describe('parseGithub push', () => {
  it('gives one change per commit of a push to the default branch, times in UTC', () => {
    expect(parseGithub('push', fixture('github/push.json'))).toEqual({
      facts: [
        {
          kind: 'change',
          id: `github:${REPO}:8a6ef0ed2bca2f06c8bd8e8e4d1d4c6b1a3e9f21`,
          source: 'github',
          component: null,
          repo: REPO,
          sha: '8a6ef0ed2bca2f06c8bd8e8e4d1d4c6b1a3e9f21',
          // 09:15:02 at -04:00
          committedAt: '2024-05-01T13:15:02.000Z',
        },
        {
          kind: 'change',
          id: `github:${REPO}:${MERGE_SHA}`,
          source: 'github',
          component: null,
          repo: REPO,
          sha: MERGE_SHA,
          committedAt: '2024-05-01T13:20:41.000Z',
        },
      ],
    });
  });

  it('ignores a push to another branch, a tag, and a branch deletion, saying why', () => {
    const feature = variant('github/push.json', (p) => (p.ref = 'refs/heads/charge-check'));
    expect(parseGithub('push', feature)).toEqual({
      facts: [],
      ignored: 'push to refs/heads/charge-check, not to the default branch refs/heads/main',
    });
    const tag = variant('github/push.json', (p) => (p.ref = 'refs/tags/v1.4.0'));
    expect(parseGithub('push', tag).ignored).toBe('push to refs/tags/v1.4.0, not to the default branch refs/heads/main');
    const deleted = variant('github/push.json', (p) => {
      p.deleted = true;
      p.after = '0000000000000000000000000000000000000000';
      p.commits = [];
    });
    expect(parseGithub('push', deleted)).toEqual({ facts: [], ignored: 'push deleting refs/heads/main' });
  });

  it('throws InputError naming the field when the repository or a commit time is missing or wrong', () => {
    const noRepo = variant('github/push.json', (p) => delete p.repository);
    const e1 = inputError(() => parseGithub('push', noRepo));
    expect(e1.problems).toEqual([
      { code: 'missing_field', path: 'repository.full_name', message: 'repository.full_name: expected a non-empty string, found nothing', severity: 'error' },
    ]);
    const badTime = variant('github/push.json', (p) => (p.commits[1].timestamp = 'yesterday'));
    const e2 = inputError(() => parseGithub('push', badTime));
    expect(e2.problems[0]?.path).toBe('commits[1].timestamp');
    expect(e2.problems[0]?.code).toBe('invalid_time');
    expect(e2.problems[0]?.message).toMatch(/^commits\[1\]\.timestamp: expected an ISO-8601 time .*, found "yesterday"$/);
    expect(e2.message).toContain('GitHub push payload');
  });

  it('does not crash on unexpected shapes', () => {
    expect(inputError(() => parseGithub('push', null)).problems[0]?.message).toBe('expected a JSON object, found null');
    expect(inputError(() => parseGithub('push', [1, 2])).problems[0]?.message).toBe('expected a JSON object, found a list of 2 items');
    const commitsObject = variant('github/push.json', (p) => (p.commits = { id: 'x' }));
    expect(inputError(() => parseGithub('push', commitsObject)).problems[0]?.path).toBe('commits');
    const shortSha = variant('github/push.json', (p) => (p.commits[0].id = '8a6ef0e'));
    expect(inputError(() => parseGithub('push', shortSha)).problems[0]?.message).toBe('commits[0].id: expected a full commit sha (40 hex digits), found "8a6ef0e"');
    const repoString = variant('github/push.json', (p) => (p.repository = 'acme/orders-api'));
    expect(inputError(() => parseGithub('push', repoString)).problems[0]?.path).toBe('repository.full_name');
  });
});

describe('parseGithub deployment and deployment_status', () => {
  it('reads a created deployment as pending, started and last heard of at its creation', () => {
    expect(onlyDeployment('deployment', fixture('github/deployment.json'))).toEqual({
      kind: 'deployment',
      id: `github:${REPO}:145988746`,
      source: 'github',
      component: null,
      repo: REPO,
      environment: 'production',
      production: true,
      sha: MERGE_SHA,
      status: 'pending',
      rollback: false,
      hotfix: false,
      startedAt: '2024-05-01T13:25:00.000Z',
      finishedAt: '2024-05-01T13:25:00.000Z',
      commits: null,
      reverts: null,
      url: null,
    });
  });

  it('reads a successful status: finished at the status, started at the deployment, production left to the lead', () => {
    expect(onlyDeployment('deployment_status', fixture('github/deployment_status.json'))).toEqual({
      kind: 'deployment',
      id: `github:${REPO}:145988746`,
      source: 'github',
      component: null,
      repo: REPO,
      environment: 'production',
      production: null,
      sha: MERGE_SHA,
      status: 'success',
      rollback: false,
      hotfix: false,
      startedAt: '2024-05-01T13:25:00.000Z',
      finishedAt: '2024-05-01T13:31:12.000Z',
      commits: null,
      reverts: null,
      url: 'https://ci.acme.example/runs/9912/log',
    });
  });

  it.each([
    ['success', 'success'],
    ['failure', 'failure'],
    ['error', 'failure'],
    ['queued', 'pending'],
    ['pending', 'pending'],
    ['in_progress', 'pending'],
  ] as const)('maps state %s to %s', (state, status) => {
    const payload = variant('github/deployment_status.json', (p) => (p.deployment_status.state = state));
    expect(onlyDeployment('deployment_status', payload).status).toBe(status);
  });

  it('ignores an inactive status (the deployment was replaced) and states it does not know', () => {
    const inactive = variant('github/deployment_status.json', (p) => (p.deployment_status.state = 'inactive'));
    expect(parseGithub('deployment_status', inactive)).toEqual({
      facts: [],
      ignored: 'deployment 145988746 marked inactive (replaced by a later deployment)',
    });
    const future = variant('github/deployment_status.json', (p) => (p.deployment_status.state = 'waiting'));
    expect(parseGithub('deployment_status', future)).toEqual({ facts: [], ignored: 'deployment_status.state "waiting" is not one Gantry reads' });
  });

  it('uses updated_at when the status has no created_at, the production_environment flag when it is a boolean, and the environment the status names', () => {
    const payload = variant('github/deployment_status.json', (p) => {
      delete p.deployment_status.created_at;
      p.deployment_status.updated_at = '2024-05-01T15:31:12+02:00';
      p.deployment.production_environment = false;
      p.deployment_status.environment = 'production-eu';
    });
    const fact = onlyDeployment('deployment_status', payload);
    expect(fact.finishedAt).toBe('2024-05-01T13:31:12.000Z');
    expect(fact.production).toBe(false);
    // A status may move the deployment to another environment.
    expect(fact.environment).toBe('production-eu');
  });

  it('throws on a status time that is not a time, naming the field', () => {
    const payload = variant('github/deployment_status.json', (p) => (p.deployment_status.created_at = 'x'));
    const e = inputError(() => parseGithub('deployment_status', payload));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]?.path).toBe('deployment_status.created_at');
    expect(e.problems[0]?.message).toMatch(/^deployment_status\.created_at: expected an ISO-8601 time .*found "x"$/);
  });

  it.each([
    ['ref hotfix/', (p: Json) => (p.deployment.ref = 'hotfix/zero-total'), { hotfix: true, rollback: false }],
    ['ref hotfix-', (p: Json) => (p.deployment.ref = 'hotfix-1.4.1'), { hotfix: true, rollback: false }],
    ['ref hotfixes (not a hotfix)', (p: Json) => (p.deployment.ref = 'hotfixes'), { hotfix: false, rollback: false }],
    ['payload.hotfix', (p: Json) => (p.deployment.payload = { hotfix: true }), { hotfix: true, rollback: false }],
    ['task rollback', (p: Json) => (p.deployment.task = 'deploy:rollback'), { hotfix: false, rollback: true }],
    ['description Roll back', (p: Json) => (p.deployment.description = 'Roll back to 1.3.9'), { hotfix: false, rollback: true }],
    ['description Revert', (p: Json) => (p.deployment.description = 'REVERT #42'), { hotfix: false, rollback: true }],
    ['payload.rollback', (p: Json) => (p.deployment.payload = { rollback: true }), { hotfix: false, rollback: true }],
    ['payload as a JSON string', (p: Json) => (p.deployment.payload = '{"rollback":true,"hotfix":true}'), { hotfix: true, rollback: true }],
    ['payload.rollback not true', (p: Json) => (p.deployment.payload = { rollback: 'yes' }), { hotfix: false, rollback: false }],
  ])('reads hotfix and rollback from %s', (_name, change, expected) => {
    const fact = onlyDeployment('deployment', variant('github/deployment.json', change));
    expect({ hotfix: fact.hotfix, rollback: fact.rollback }).toEqual(expected);
    const status = onlyDeployment('deployment_status', variant('github/deployment_status.json', change));
    expect({ hotfix: status.hotfix, rollback: status.rollback }).toEqual(expected);
  });
});

describe('parseGithub pull_request', () => {
  it('gives the merge commit of a merged pull request, with the id a push of it gets', () => {
    const { facts } = parseGithub('pull_request', fixture('github/pull_request.json'));
    expect(facts).toEqual([
      { kind: 'change', id: `github:${REPO}:${MERGE_SHA}`, source: 'github', component: null, repo: REPO, sha: MERGE_SHA, committedAt: '2024-05-01T13:20:41.000Z' },
    ]);
    const pushed = parseGithub('push', fixture('github/push.json')).facts.map((f) => f.id);
    expect(pushed).toContain(facts[0]?.id);
  });

  it('ignores other actions, closing without merging, and merges into other branches', () => {
    expect(parseGithub('pull_request', variant('github/pull_request.json', (p) => (p.action = 'opened')))).toEqual({
      facts: [],
      ignored: 'pull request #42 opened, not merged',
    });
    expect(parseGithub('pull_request', variant('github/pull_request.json', (p) => (p.pull_request.merged = false))).ignored).toBe(
      'pull request #42 closed without merging',
    );
    expect(parseGithub('pull_request', variant('github/pull_request.json', (p) => (p.pull_request.base.ref = 'release/1.4'))).ignored).toBe(
      'pull request #42 merged into release/1.4, not the default branch main',
    );
  });
});

describe('parseGithub issues', () => {
  const expected: IncidentFact = {
    kind: 'incident',
    id: `github:${REPO}#118`,
    source: 'github',
    title: 'Checkout returns 500 for every order',
    severity: 'sev2',
    startedAt: '2024-05-01T14:02:00.000Z',
    detectedAt: '2024-05-01T14:02:00.000Z',
    acknowledgedAt: null,
    resolvedAt: '2024-05-01T15:10:30.000Z',
    components: ['orders-api', 'payments'],
    repo: REPO,
    causeDeployment: null,
    causeSha: MERGE_SHA,
    url: 'https://github.com/acme/orders-api/issues/118',
  };

  it('reads an issue labelled incident (any case), with its root cause, severity and components from labels', () => {
    expect(parseGithub('issues', fixture('github/issues.json'))).toEqual({ facts: [expected] });
  });

  it('ignores an issue without the incident label', () => {
    const bug = variant('github/issues.json', (p) => (p.issue.labels = [{ id: 1, name: 'bug' }, { id: 2, name: 'incident-review' }]));
    expect(parseGithub('issues', bug)).toEqual({ facts: [], ignored: 'issue #118 is not labelled incident' });
  });

  it('takes the time of the first assignment when the delivery is that assignment, and leaves an open issue unresolved', () => {
    const assigned = variant('github/issues.json', (p) => {
      p.action = 'assigned';
      p.issue.state = 'open';
      p.issue.closed_at = null;
      p.issue.updated_at = '2024-05-01T14:09:00Z';
    });
    expect(parseGithub('issues', assigned).facts[0]).toEqual({ ...expected, acknowledgedAt: '2024-05-01T14:09:00.000Z', resolvedAt: null });
    const second = variant('github/issues.json', (p) => {
      p.action = 'assigned';
      p.issue.assignees = [{ login: 'danalee' }, { login: 'sortiz' }];
    });
    expect((parseGithub('issues', second).facts[0] as IncidentFact).acknowledgedAt).toBeNull();
    const openedAssigned = variant('github/issues.json', (p) => (p.action = 'opened'));
    expect((parseGithub('issues', openedAssigned).facts[0] as IncidentFact).acknowledgedAt).toBe('2024-05-01T14:02:00.000Z');
  });

  it.each([
    [['incident'], 'sev3'],
    [['incident', 'sev-1'], 'sev1'],
    [['incident', 'P4'], 'sev4'],
    [['incident', 'severity: high'], 'sev2'],
    [['incident', 'severity:1'], 'sev1'],
    [['incident', 'low', 'critical'], 'sev1'],
    [['incident', 'medium'], 'sev3'],
    [['incident', 'sev5'], 'sev3'],
  ])('reads severity from labels %j as %s', (labels, severity) => {
    const payload = variant('github/issues.json', (p) => (p.issue.labels = labels.map((name, id) => ({ id, name }))));
    expect((parseGithub('issues', payload).facts[0] as IncidentFact).severity).toBe(severity);
  });

  it('reads root cause only as 7–40 hex digits and lower-cases it', () => {
    const body = (text: string | null): string | null =>
      (parseGithub('issues', variant('github/issues.json', (p) => (p.issue.body = text))).facts[0] as IncidentFact).causeSha;
    expect(body('ROOT CAUSE: 0D1A26E')).toBe('0d1a26e');
    expect(body('root cause:0d1a26e67d8f')).toBe('0d1a26e67d8f');
    expect(body('root cause: 0d1a26')).toBeNull();
    expect(body('root cause: the config change')).toBeNull();
    expect(body('root cause: ' + 'a'.repeat(41))).toBeNull();
    expect(body(null)).toBeNull();
  });

  it('throws when a label is not an object with a name', () => {
    const payload = variant('github/issues.json', (p) => (p.issue.labels = [{ id: 1, name: 'incident' }, 42]));
    expect(inputError(() => parseGithub('issues', payload)).problems[0]?.path).toBe('issue.labels[1].name');
  });
});

describe('parseGithub other events', () => {
  it('ignores ping and events it does not read, naming them', () => {
    expect(parseGithub('ping', fixture('github/ping.json'))).toEqual({ facts: [], ignored: 'ping: GitHub checking that the webhook answers' });
    expect(parseGithub('star', { action: 'created' })).toEqual({ facts: [], ignored: 'GitHub "star" events are not read for delivery metrics' });
    expect(parseGithub('', null).ignored).toBe('GitHub unnamed events are not read for delivery metrics');
  });

  it('gives identical facts for the same payload parsed twice, and for the payload replayed from its stored JSON', () => {
    for (const [event, name] of [
      ['push', 'github/push.json'],
      ['deployment_status', 'github/deployment_status.json'],
      ['issues', 'github/issues.json'],
    ] as const) {
      const payload = fixture(name);
      const first = parseGithub(event, payload);
      expect(parseGithub(event, payload)).toEqual(first);
      expect(parseGithub(event, JSON.parse(JSON.stringify(payload)))).toEqual(first);
      expect(JSON.stringify(parseGithub(event, payload))).toBe(JSON.stringify(first));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { DeploymentFact, IncidentFact } from '../model/facts.js';
import { fixture, variant } from './fixtures/load.js';
import { parseGitlab } from './gitlab.js';

const PROJECT = 'shop/payments';
const HEAD = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

function deployment(payload: unknown): DeploymentFact {
  const { facts, ignored } = parseGitlab('Deployment Hook', payload);
  expect(ignored).toBeUndefined();
  return facts[0] as DeploymentFact;
}

function incident(payload: unknown, event = 'Issue Hook'): IncidentFact {
  const { facts, ignored } = parseGitlab(event, payload);
  expect(ignored).toBeUndefined();
  return facts[0] as IncidentFact;
}

describe('parseGitlab Push Hook', () => {
  it('gives one change per commit of a push to the default branch', () => {
    expect(parseGitlab('Push Hook', fixture('gitlab/push.json'))).toEqual({
      facts: [
        {
          kind: 'change',
          id: `gitlab:${PROJECT}:b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327`,
          source: 'gitlab',
          component: null,
          repo: PROJECT,
          sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
          committedAt: '2024-05-02T08:27:31.000Z',
        },
        { kind: 'change', id: `gitlab:${PROJECT}:${HEAD}`, source: 'gitlab', component: null, repo: PROJECT, sha: HEAD, committedAt: '2024-05-02T09:36:29.000Z' },
      ],
    });
  });

  it('ignores pushes to other branches and branch deletions', () => {
    expect(parseGitlab('Push Hook', variant('gitlab/push.json', (p) => (p.ref = 'refs/heads/auth-retry')))).toEqual({
      facts: [],
      ignored: 'push to refs/heads/auth-retry, not to the default branch refs/heads/main',
    });
    const deleted = variant('gitlab/push.json', (p) => {
      p.after = '0000000000000000000000000000000000000000';
      p.commits = [];
    });
    expect(parseGitlab('Push Hook', deleted).ignored).toBe('push deleting refs/heads/main');
  });

  it('throws when the project is missing', () => {
    const e = inputError(() => parseGitlab('Push Hook', variant('gitlab/push.json', (p) => delete p.project)));
    expect(e.problems[0]?.message).toBe('project.path_with_namespace: expected a non-empty string, found nothing');
  });
});

describe('parseGitlab Deployment Hook', () => {
  it('reads a successful deployment: GitLab time with an offset, sha from commit_url, production from the tier', () => {
    expect(deployment(fixture('gitlab/deployment.json'))).toEqual({
      kind: 'deployment',
      id: `gitlab:${PROJECT}:15`,
      source: 'gitlab',
      component: null,
      repo: PROJECT,
      environment: 'production',
      production: true,
      sha: HEAD,
      status: 'success',
      rollback: false,
      hotfix: false,
      startedAt: null,
      // 12:05 at +0200
      finishedAt: '2024-05-02T10:05:00.000Z',
      commits: null,
      reverts: null,
      url: 'https://gitlab.acme.example/shop/payments/-/jobs/796',
    });
  });

  it.each([
    ['created', 'pending', null],
    ['running', 'pending', '2024-05-02T10:05:00.000Z'],
    ['blocked', 'pending', null],
    ['failed', 'failure', null],
  ] as const)('maps status %s to %s', (status, expected, startedAt) => {
    const fact = deployment(variant('gitlab/deployment.json', (p) => (p.status = status)));
    expect(fact.status).toBe(expected);
    expect(fact.startedAt).toBe(startedAt);
  });

  it('ignores canceled deployments', () => {
    expect(parseGitlab('Deployment Hook', variant('gitlab/deployment.json', (p) => (p.status = 'canceled')))).toEqual({
      facts: [],
      ignored: 'deployment 15 canceled',
    });
  });

  it('prefers a full sha field, never uses short_sha alone, and lets the name decide production without a tier', () => {
    const withSha = variant('gitlab/deployment.json', (p) => (p.sha = 'B6568DB1BC1DCD7F8B4D5A946B0B91F9DACD7327'));
    expect(deployment(withSha).sha).toBe('b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327');
    const shortOnly = variant('gitlab/deployment.json', (p) => {
      delete p.commit_url;
      delete p.environment_tier;
    });
    expect(deployment(shortOnly)).toMatchObject({ sha: null, production: null });
    expect(deployment(variant('gitlab/deployment.json', (p) => (p.environment_tier = 'staging'))).production).toBe(false);
  });

  it('reads hotfix and rollback from the ref', () => {
    expect(deployment(variant('gitlab/deployment.json', (p) => (p.ref = 'hotfix/auth-timeout')))).toMatchObject({ hotfix: true, rollback: false });
    expect(deployment(variant('gitlab/deployment.json', (p) => (p.ref = 'rollback-1.8.2')))).toMatchObject({ hotfix: false, rollback: true });
  });

  it('throws on a status_changed_at without a zone, naming the field', () => {
    const e = inputError(() => parseGitlab('Deployment Hook', variant('gitlab/deployment.json', (p) => (p.status_changed_at = '2024-05-02 12:05:00'))));
    expect(e.problems[0]?.path).toBe('status_changed_at');
    expect(e.problems[0]?.message).toMatch(/found "2024-05-02 12:05:00"$/);
  });
});

describe('parseGitlab Merge Request Hook', () => {
  it('gives the merge commit at merged_at (GitLab UTC form)', () => {
    expect(parseGitlab('Merge Request Hook', fixture('gitlab/merge_request.json')).facts).toEqual([
      { kind: 'change', id: `gitlab:${PROJECT}:${HEAD}`, source: 'gitlab', component: null, repo: PROJECT, sha: HEAD, committedAt: '2024-05-02T09:39:58.000Z' },
    ]);
  });

  it('falls back to updated_at, and to the squash or last commit after a fast-forward merge', () => {
    const noMergedAt = variant('gitlab/merge_request.json', (p) => delete p.object_attributes.merged_at);
    expect(parseGitlab('Merge Request Hook', noMergedAt).facts[0]).toMatchObject({ committedAt: '2024-05-02T09:40:00.000Z' });
    const fastForward = variant('gitlab/merge_request.json', (p) => (p.object_attributes.merge_commit_sha = null));
    expect(parseGitlab('Merge Request Hook', fastForward).facts[0]).toMatchObject({ sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327' });
  });

  it('ignores other actions and merges into other branches', () => {
    expect(parseGitlab('Merge Request Hook', variant('gitlab/merge_request.json', (p) => (p.object_attributes.action = 'update'))).ignored).toBe(
      'merge request !7 update, not merged',
    );
    expect(parseGitlab('Merge Request Hook', variant('gitlab/merge_request.json', (p) => (p.object_attributes.target_branch = 'stable'))).ignored).toBe(
      'merge request !7 merged into stable, not the default branch main',
    );
  });
});

describe('parseGitlab Issue Hook', () => {
  const expected: IncidentFact = {
    kind: 'incident',
    id: `gitlab:${PROJECT}#23`,
    source: 'gitlab',
    title: 'Card payments time out',
    severity: 'sev2',
    startedAt: '2024-05-02T10:20:00.000Z',
    detectedAt: '2024-05-02T10:20:00.000Z',
    acknowledgedAt: '2024-05-02T10:26:00.000Z',
    resolvedAt: null,
    components: ['payments'],
    repo: PROJECT,
    causeDeployment: null,
    causeSha: null,
    url: 'https://gitlab.acme.example/shop/payments/-/issues/23',
  };

  it('reads an issue labelled incident: scoped severity and component labels, first assignment from changes', () => {
    expect(parseGitlab('Issue Hook', fixture('gitlab/issue.json'))).toEqual({ facts: [expected] });
  });

  it('reads a closed incident with its root cause, in ISO times too', () => {
    const closed = variant('gitlab/issue.json', (p) => {
      p.object_attributes.state = 'closed';
      p.object_attributes.action = 'close';
      p.object_attributes.created_at = '2024-05-02T12:20:00.250+02:00';
      p.object_attributes.closed_at = '2024-05-02 11:45:00 UTC';
      p.object_attributes.description = 'Timeouts came with the retry change.\n\nRoot cause: b6568db1';
      delete p.changes;
    });
    expect(incident(closed)).toEqual({
      ...expected,
      startedAt: '2024-05-02T10:20:00.250Z',
      detectedAt: '2024-05-02T10:20:00.250Z',
      acknowledgedAt: null,
      resolvedAt: '2024-05-02T11:45:00.000Z',
      causeSha: 'b6568db1',
    });
  });

  it('ignores an issue without the incident label, but reads GitLab incidents (type Incident) and confidential issues', () => {
    const noLabel = variant('gitlab/issue.json', (p) => {
      p.labels = [{ id: 1, title: 'bug' }];
      p.object_attributes.labels = p.labels;
    });
    expect(parseGitlab('Issue Hook', noLabel)).toEqual({ facts: [], ignored: 'issue #23 is not labelled incident' });
    const typed = variant('gitlab/issue.json', (p) => {
      p.labels = [];
      p.object_attributes.type = 'Incident';
      p.object_attributes.severity = 'critical';
    });
    expect(incident(typed)).toMatchObject({ severity: 'sev1', components: [] });
    expect(incident(fixture('gitlab/issue.json'), 'Confidential Issue Hook')).toEqual(expected);
  });

  it.each([
    [['incident', 'severity::1'], 'sev1'],
    [['incident', 'severity::critical'], 'sev1'],
    [['incident', 'severity::low'], 'sev4'],
    [['incident', 'sev3'], 'sev3'],
    [['incident'], 'sev3'],
  ])('reads severity from labels %j as %s', (titles, severity) => {
    const payload = variant('gitlab/issue.json', (p) => (p.labels = titles.map((title, id) => ({ id, title }))));
    expect(incident(payload).severity).toBe(severity);
  });

  it('throws on a bad created_at naming the field', () => {
    const e = inputError(() => parseGitlab('Issue Hook', variant('gitlab/issue.json', (p) => (p.object_attributes.created_at = '02/05/2024'))));
    expect(e.problems[0]).toMatchObject({ code: 'invalid_time', path: 'object_attributes.created_at' });
  });
});

describe('parseGitlab other events', () => {
  it('ignores events it does not read, naming them', () => {
    expect(parseGitlab('Pipeline Hook', { object_kind: 'pipeline' })).toEqual({ facts: [], ignored: 'GitLab "Pipeline Hook" events are not read for delivery metrics' });
  });

  it('gives identical facts for the same payload parsed twice', () => {
    for (const [event, name] of [
      ['Push Hook', 'gitlab/push.json'],
      ['Deployment Hook', 'gitlab/deployment.json'],
      ['Merge Request Hook', 'gitlab/merge_request.json'],
      ['Issue Hook', 'gitlab/issue.json'],
    ] as const) {
      const payload = fixture(name);
      const first = parseGitlab(event, payload);
      expect(first.facts.length).toBeGreaterThan(0);
      expect(parseGitlab(event, payload)).toEqual(first);
      expect(parseGitlab(event, JSON.parse(JSON.stringify(payload)))).toEqual(first);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { DeploymentView, EnvironmentView } from '../../src/environments/index.js';
import { approvalProgress, diffValue, isRequester, nextEnvironment, orderedEnvironments, rollbackTarget, splitReason, freezeText } from '../../web/src/components/EnvFormat.js';

function env(name: string, order: number, type: EnvironmentView['type'] = 'development'): EnvironmentView {
  return {
    name,
    title: null,
    description: null,
    type,
    owner: 'group:default/team-a',
    driver: 'local',
    order,
    requiredApprovals: 0,
    freezeWindows: [],
    frozen: null,
    ttl: null,
    expiresAt: null,
    branch: null,
    component: null,
    ref: `environment:default/${name}`,
    createdAt: '2026-01-01T00:00:00Z',
  };
}

function deployment(id: string, releaseId: string, status: DeploymentView['status']): DeploymentView {
  return {
    id,
    component: 'shop',
    environment: 'dev',
    releaseId,
    release: { sha: `${releaseId}-sha`, branch: 'main', artifactDigest: 'sha256:x', createdAt: '2026-01-01T00:00:00Z' },
    fromReleaseId: null,
    action: 'deploy',
    status,
    requestedBy: 'user:default/alice',
    requestedAt: '2026-01-01T00:00:00Z',
    approvals: [],
    requiredApprovals: 0,
    freezeOverride: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    reason: null,
    envCommit: null,
    url: null,
  };
}

describe('promotion order', () => {
  const envs = [env('prod', 30, 'production'), env('pr-7', 1000, 'preview'), env('dev', 10), env('staging', 20, 'staging')];

  it('orders by `order` and leaves previews out', () => {
    expect(orderedEnvironments(envs).map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  it('promotes to the next environment, and nowhere from the last one or a preview', () => {
    expect(nextEnvironment(envs, 'dev')?.name).toBe('staging');
    expect(nextEnvironment(envs, 'staging')?.name).toBe('prod');
    expect(nextEnvironment(envs, 'prod')).toBeNull();
    expect(nextEnvironment(envs, 'pr-7')).toBeNull();
  });
});

describe('rollbackTarget', () => {
  it('is the newest release that succeeded here and is not the current one, as the API picks it', () => {
    const history = [deployment('d4', 'r3', 'failed'), deployment('d3', 'r2', 'succeeded'), deployment('d2', 'r1', 'superseded'), deployment('d1', 'r1', 'succeeded')];
    expect(rollbackTarget(history, 'r2')).toEqual({ releaseId: 'r1', sha: 'r1-sha' });
    // A release that failed or never ran is never the target.
    expect(rollbackTarget([deployment('d2', 'r2', 'rolled_back'), deployment('d1', 'r1', 'succeeded')], 'r1')).toBeNull();
    expect(rollbackTarget([], 'r1')).toBeNull();
  });
});

describe('approvals', () => {
  it('says how far a deployment is from going ahead', () => {
    expect(approvalProgress({ approvals: [], requiredApprovals: 1 })).toBe('0 of 1 approval');
    expect(approvalProgress({ approvals: [{ by: 'user:default/bob', at: '' }], requiredApprovals: 2 })).toBe('1 of 2 approvals');
  });

  it('knows the requester, whatever the case of the ref', () => {
    expect(isRequester(deployment('d1', 'r1', 'awaiting_approval'), 'user:default/Alice')).toBe(true);
    expect(isRequester(deployment('d1', 'r1', 'awaiting_approval'), 'user:default/bob')).toBe(false);
  });
});

describe('diffValue', () => {
  it('shows strings as they are, other values as JSON, and absence in words', () => {
    expect(diffValue('two')).toBe('two');
    expect(diffValue({ port: 80 })).toBe('{"port":80}');
    expect(diffValue(null)).toBe('(none)');
    expect(diffValue(undefined)).toBe('(none)');
  });
});

describe('splitReason', () => {
  it('keeps the first line as the summary and the rest, dedented, as the detail', () => {
    expect(splitReason('failed: exited with code 1; last log lines:\n  [gantry] started\n    nested\n  cannot start\n')).toEqual({
      summary: 'failed: exited with code 1; last log lines:',
      detail: '[gantry] started\n  nested\ncannot start',
    });
    expect(splitReason('superseded by d-1')).toEqual({ summary: 'superseded by d-1', detail: '' });
  });
});

describe('freezeText', () => {
  it('names the reason and the end: weekly windows in UTC, absolute ones as a date', () => {
    expect(freezeText({ start: 'Fri 16:00', end: 'Mon 08:00', reason: 'Weekend' })).toBe('Weekend (until Mon 08:00 UTC)');
    expect(freezeText({ start: '2026-01-01T00:00:00Z', end: '2026-01-02T08:00:00Z' })).toMatch(/^Frozen \(until Jan 2, 2026, .+\)$/);
  });
});

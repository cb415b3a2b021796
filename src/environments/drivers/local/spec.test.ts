import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.js';
import type { ResolvedWorkload } from '../../model/types.js';
import { instanceSpecOf, maskSecrets } from './spec.js';

function workload(over: Partial<ResolvedWorkload> = {}, container: Partial<ResolvedWorkload['containers'][number]> = {}): ResolvedWorkload {
  return {
    component: 'orders',
    environment: 'dev',
    releaseId: 'rel-1',
    sha: 'a'.repeat(40),
    artifactDigest: null,
    annotations: {},
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    resources: {},
    containers: [{ name: 'main', image: '.', command: ['node', 'server.js'], args: ['--x'], env: { A: '1', DB_PASSWORD: 's3cret!' }, secretEnv: ['DB_PASSWORD'], ...container }],
    ...over,
  };
}

function problemsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).problems.map((p) => ({ path: p.path, message: p.message }));
  }
  throw new Error('expected an InputError');
}

describe('instanceSpecOf', () => {
  it('runs command + args in the bundle with the container env and a few inherited basics', () => {
    const spec = instanceSpecOf(workload(), '/b', { platformEnv: { PATH: '/usr/bin', HOME: '/h', DATABASE_URL: 'postgres://platform', GANTRY_TOKEN: 't' } });
    expect(spec.argv).toEqual(['node', 'server.js', '--x']);
    expect(spec.cwd).toBe('/b');
    expect(spec.env).toEqual({ PATH: '/usr/bin', HOME: '/h', A: '1', DB_PASSWORD: 's3cret!' });
    expect(spec.secretEnv).toEqual(['DB_PASSWORD']);
    expect(spec.readiness).toEqual({ kind: 'http', path: '/readyz' });
    expect(spec.readinessTimeoutMs).toBe(30_000);
    expect(spec.routable).toBe(true);
  });

  it('uses the readiness probe path and a given deadline', () => {
    const spec = instanceSpecOf(workload({}, { readinessProbe: { httpGet: { path: '/health/ready', port: 8080 } } }), '/b', { readinessTimeoutMs: 5000 });
    expect(spec.readiness).toEqual({ kind: 'http', path: '/health/ready' });
    expect(spec.readinessTimeoutMs).toBe(5000);
  });

  it('treats a workload without ports or probe as an unrouted worker, ready after staying up', () => {
    const spec = instanceSpecOf(workload({ ports: [] }), '/b');
    expect(spec.routable).toBe(false);
    expect(spec.readiness).toEqual({ kind: 'uptime', uptimeMs: 1000 });
  });

  it('needs a command, naming the container', () => {
    expect(problemsOf(() => instanceSpecOf(workload({}, { command: undefined }), '/b'))).toEqual([{ path: 'containers.main.command', message: 'containers.main.command: the local driver needs a command' }]);
    expect(problemsOf(() => instanceSpecOf(workload({}, { command: [] }), '/b'))[0]!.path).toBe('containers.main.command');
  });

  it('reports every problem with its path before anything runs', () => {
    const w = workload({ component: 'Orders', environment: 'dev_1' }, { readinessProbe: { exec: { command: ['true'] } }, secretEnv: ['MISSING'] });
    expect(problemsOf(() => instanceSpecOf(w, '/b', { readinessTimeoutMs: -1 })).map((p) => p.path)).toEqual([
      'component',
      'environment',
      'containers.main.readinessProbe.exec',
      'containers.main.secretEnv',
      'readinessTimeoutMs',
    ]);
  });

  it('runs one container per workload', () => {
    const w = workload();
    const two = { ...w, containers: [w.containers[0]!, { ...w.containers[0]!, name: 'sidecar' }] };
    expect(problemsOf(() => instanceSpecOf(two, '/b'))).toEqual([
      { path: 'containers', message: 'containers: the local driver runs exactly one container per workload; found 2 (main, sidecar)' },
    ]);
  });
});

describe('maskSecrets', () => {
  it('masks secret values, longest first, and leaves short ones (too likely to be ordinary text)', () => {
    const env = { A: 'abcd', B: 'abcdef', C: 'xy', D: 'plain' };
    expect(maskSecrets('abcdef abcd xy plain', env, ['A', 'B', 'C'])).toBe('*** *** xy plain');
  });
});

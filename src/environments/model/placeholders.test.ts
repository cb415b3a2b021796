import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { checkReference, resolvePlaceholders, resolveResourceParams, splitPlaceholders } from './placeholders.js';
import type { ProvisionedResource, ScoreWorkload } from './types.js';

const workload: ScoreWorkload = {
  apiVersion: 'score.dev/v1b1',
  metadata: { name: 'orders-api', annotations: { 'gantry.dev/owner': 'payments' }, tier: 2 },
  containers: {
    main: {
      image: '.',
      variables: {
        DATABASE_URL: '${resources.db.url}',
        DB_HOST: '${resources.db.host}:${resources.db.port}',
        NAME: '${metadata.name}-$${HOME}-$$',
        OWNER: '${metadata.annotations.gantry.dev/owner}',
        MODE: '${resources.settings.mode}',
      },
    },
    sidecar: { image: 'busybox', variables: { TIER: 'tier-${metadata.tier}' } },
  },
  resources: {
    db: { type: 'postgres' },
    settings: { type: 'environment', params: { mode: 'fast' } },
    web: { type: 'route', params: { path: '/${metadata.name}', nested: ['${metadata.annotations.gantry\\.dev/owner}'] } },
  },
};

const provisioned: Record<string, ProvisionedResource> = {
  db: {
    type: 'postgres',
    outputs: { host: 'db.internal', port: '5432', url: 'postgres://u:s3cret@db.internal:5432/d' },
    secretOutputs: ['password', 'url'],
  },
  settings: { type: 'environment', outputs: { mode: 'fast' }, secretOutputs: [] },
};

const ctx = { environment: 'dev', component: 'orders-api' };

describe('splitPlaceholders', () => {
  it('splits text and references; $$ is a literal $ and \\. a dot inside a part', () => {
    expect(splitPlaceholders('a ${resources.db.host}:$${x} $$ \\${y}')).toEqual([
      { text: 'a ' },
      { ref: ['resources', 'db', 'host'], source: '${resources.db.host}' },
      { text: ':${x} $ \\' },
      { ref: ['y'], source: '${y}' },
    ]);
    expect(splitPlaceholders('${metadata.annotations.a\\.b/c}')).toEqual([{ ref: ['metadata', 'annotations', 'a.b/c'], source: '${metadata.annotations.a\\.b/c}' }]);
    expect(splitPlaceholders('$HOME $')).toEqual([{ text: '$HOME $' }]);
  });

  it('returns a message for unterminated, empty or spaced references', () => {
    expect(splitPlaceholders('x ${resources.db')).toMatch(/^unterminated placeholder/);
    expect(splitPlaceholders('${}')).toMatch(/no empty parts/);
    expect(splitPlaceholders('${resources..host}')).toMatch(/no empty parts/);
    expect(splitPlaceholders('${ resources.db.host }')).toMatch(/without spaces/);
  });
});

describe('checkReference', () => {
  it('accepts declared outputs, any key of an environment resource and existing metadata', () => {
    expect(checkReference(['resources', 'db', 'password'], workload, 'container')).toBeUndefined();
    expect(checkReference(['resources', 'settings', 'anything', 'at.all'], workload, 'container')).toBeUndefined();
    expect(checkReference(['metadata', 'tier'], workload, 'container')).toBeUndefined();
    expect(checkReference(['metadata', 'annotations', 'gantry', 'dev/owner'], workload, 'params')).toBeUndefined();
  });

  it('names what is wrong and what was expected', () => {
    expect(checkReference(['resources', 'web', 'scheme'], workload, 'container')).toContain('route resource web has no output "scheme"; expected one of: host, path, url, port');
    expect(checkReference(['resources', 'db', 'host', 'x'], workload, 'container')).toContain('has no output "host.x"');
    expect(checkReference(['metadata', 'annotations', 'nope'], workload, 'container')).toContain('expected one of: gantry.dev/owner');
    expect(checkReference(['resources', 'db', 'host'], workload, 'params')).toContain('${metadata...} placeholders only');
  });
});

describe('resolvePlaceholders', () => {
  it('resolves every container, marking variables that hold a secret output', () => {
    const out = resolvePlaceholders(workload, provisioned, ctx);
    expect(out.main).toEqual({
      env: {
        DATABASE_URL: 'postgres://u:s3cret@db.internal:5432/d',
        DB_HOST: 'db.internal:5432',
        NAME: 'orders-api-${HOME}-$',
        OWNER: 'payments',
        MODE: 'fast',
      },
      secretEnv: ['DATABASE_URL'],
    });
    expect(out.sidecar).toEqual({ env: { TIER: 'tier-2' }, secretEnv: [] });
  });

  it('throws an InputError listing each variable whose output the provisioned resource lacks', () => {
    // As without a PostgreSQL server: a SQLite file has a path and a url, no host.
    const sqlite = { ...provisioned, db: { type: 'postgres' as const, outputs: { path: '/w/db.sqlite', url: 'file:/w/db.sqlite' }, secretOutputs: [] } };
    let error: unknown;
    try {
      resolvePlaceholders(workload, sqlite, ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems.map((p) => p.path)).toEqual(['containers.main.variables.DB_HOST']);
    expect(problems[0]?.message).toContain('the postgres resource db has no output "host" in dev (it has: path, url)');
    expect(() => resolvePlaceholders(workload, { settings: provisioned.settings! }, ctx)).toThrow(/2 variables cannot be resolved/);
  });
});

describe('resolveResourceParams', () => {
  it('expands metadata placeholders in params, deeply, and leaves other resources as they are', () => {
    const resources = resolveResourceParams(workload);
    expect(resources.web?.params).toEqual({ path: '/orders-api', nested: ['payments'] });
    expect(resources.db).toBe(workload.resources?.db);
  });
});

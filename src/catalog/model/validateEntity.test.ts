import { describe, expect, it } from 'vitest';
import type { Problem } from '../../core/errors.js';
import { KNOWN_KINDS } from './kinds.js';
import { validateEntity } from './validateEntity.js';
import {
  isValidAnnotationKey,
  isValidEntityName,
  isValidLabelKey,
  isValidLabelValue,
  isValidNamespace,
  isValidTag,
  parseDurationMs,
} from './validators.js';

function component(metadata: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', ...metadata },
    spec: { type: 'service', lifecycle: 'production', owner: 'payments', ...spec },
  };
}

function errors(problems: Problem[]): Array<[string, string]> {
  return problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.path]);
}

describe('format rules', () => {
  it.each([
    ['a', true],
    ['payments-api', true],
    ['Payments.API_v2', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['', false],
    ['-leading', false],
    ['trailing.', false],
    ['Bad Name!', false],
    ['a/b', false],
    [42, false],
  ])('entity name %j valid: %s', (name, ok) => {
    expect(isValidEntityName(name)).toBe(ok);
  });

  it.each([
    ['default', true],
    ['team-a', true],
    ['a1-b2', true],
    ['Default', false],
    ['team_a', false],
    ['team--a', false],
    ['-a', false],
    ['a'.repeat(64), false],
  ])('namespace %j valid: %s', (ns, ok) => {
    expect(isValidNamespace(ns)).toBe(ok);
  });

  it.each([
    ['java', true],
    ['c++', true],
    ['c#', true],
    ['lang:go', true],
    ['spring-boot', true],
    ['Java', false],
    ['go 1.15.3', false],
    ['go_lang', false],
    ['a--b', false],
    ['', false],
    ['t'.repeat(64), false],
  ])('tag %j valid: %s', (tag, ok) => {
    expect(isValidTag(tag)).toBe(ok);
  });

  it.each([
    ['team', true],
    ['backstage.io/team', true],
    ['example.com/Some_Key.1', true],
    ['Example.com/key', false],
    ['a/b/c', false],
    ['/key', false],
    ['key with space', false],
  ])('label/annotation key %j valid: %s', (key, ok) => {
    expect(isValidLabelKey(key)).toBe(ok);
    expect(isValidAnnotationKey(key)).toBe(ok);
  });

  it.each([
    ['', true],
    ['go1.15.3', true],
    ['Music', true],
    ['two words', false],
    ['-x', false],
  ])('label value %j valid: %s', (value, ok) => {
    expect(isValidLabelValue(value)).toBe(ok);
  });

  it.each([
    ['72h', 72 * 3_600_000],
    ['1h30m', 90 * 60_000],
    ['500ms', 500],
    ['2d', 2 * 86_400_000],
    ['0h', undefined],
    ['72', undefined],
    ['h', undefined],
    ['72 hours', undefined],
  ])('duration %j is %s ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('validateEntity', () => {
  it('accepts a good component and fills in the default namespace', () => {
    const { entity, problems } = validateEntity(component({ tags: ['java'], labels: { tier: 'gold' } }));
    expect(problems).toEqual([]);
    expect(entity?.metadata.namespace).toBe('default');
    expect(entity?.spec?.owner).toBe('payments');
  });

  it('does not change the object it was given', () => {
    const raw = component();
    const copy = structuredClone(raw);
    validateEntity(raw);
    expect(raw).toEqual(copy);
  });

  it('names the field, the expectation and what was found', () => {
    const { entity, problems } = validateEntity(component({ name: 'Bad Name!' }));
    expect(entity).toBeUndefined();
    expect(problems).toEqual([
      {
        code: 'invalid_name',
        path: 'metadata.name',
        message:
          'metadata.name: expected a string of 1–63 characters [a-zA-Z0-9] at both ends with [-_.] between, found "Bad Name!"',
        severity: 'error',
      },
    ]);
  });

  it('reports every bad metadata field in one pass', () => {
    const { problems } = validateEntity(
      component({
        namespace: 'Not_A_Label',
        title: 5,
        tags: ['ok', 'Not OK'],
        labels: { 'bad key!': 'v', good: 'bad value', num: 1.5 },
        annotations: { 'example.com/ok': 'x', 'a/b/c': 'x', 'example.com/n': 3 },
        links: [{ url: 'not a url' }, { title: 'no url' }, { url: 'https://x.dev', icon: 'bad icon' }, 'str'],
      }),
    );
    expect(errors(problems)).toEqual([
      ['invalid_namespace', 'metadata.namespace'],
      ['wrong_type', 'metadata.title'],
      ['invalid_label', 'metadata.labels.bad key!'],
      ['invalid_label', 'metadata.labels.good'],
      ['invalid_label', 'metadata.labels.num'],
      ['invalid_annotation', 'metadata.annotations.a/b/c'],
      ['invalid_annotation', 'metadata.annotations.example.com/n'],
      ['invalid_tag', 'metadata.tags[1]'],
      ['invalid_link', 'metadata.links[0].url'],
      ['missing_field', 'metadata.links[1].url'],
      ['invalid_link', 'metadata.links[2].icon'],
      ['invalid_link', 'metadata.links[3]'],
    ]);
    expect(problems.find((p) => p.path === 'metadata.labels.num')?.message).toContain('found the number 1.5');
  });

  it('rejects a document that is not a mapping', () => {
    for (const raw of [null, 'text', [1, 2], 3]) {
      const { entity, problems } = validateEntity(raw);
      expect(entity).toBeUndefined();
      expect(errors(problems)).toEqual([['not_an_object', '']]);
    }
  });

  it('reports missing envelope fields', () => {
    const { problems } = validateEntity({});
    expect(errors(problems)).toEqual([
      ['missing_field', 'apiVersion'],
      ['missing_field', 'kind'],
      ['missing_field', 'metadata'],
    ]);
  });

  it('reports unknown kinds and wrong apiVersions without crashing', () => {
    const unknown = validateEntity({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} });
    expect(errors(unknown.problems)).toEqual([['unknown_kind', 'kind']]);
    expect(unknown.problems[0]?.message).toContain('"Widget"');

    const lower = validateEntity({ ...component(), kind: 'component' });
    expect(errors(lower.problems)).toEqual([['unknown_kind', 'kind']]);
    expect(lower.problems[0]?.message).toContain('did you mean "Component"');

    const bare = validateEntity({ kind: 'user', metadata: { name: 'x' } });
    expect(errors(bare.problems)).toEqual([
      ['missing_field', 'apiVersion'],
      ['unknown_kind', 'kind'],
    ]);

    const version = validateEntity({ ...component(), apiVersion: 'backstage.io/v2' });
    expect(errors(version.problems)).toEqual([['unknown_kind', 'apiVersion']]);

    const template = validateEntity({ ...component(), kind: 'Template' });
    expect(template.problems[0]?.message).toContain('"scaffolder.backstage.io/v1beta3" for kind Template');
  });

  it('accepts backstage.io/v1beta1 as Backstage does', () => {
    expect(validateEntity({ ...component(), apiVersion: 'backstage.io/v1beta1' }).problems).toEqual([]);
  });

  it('warns about unexpected top-level keys and drops them', () => {
    const { entity, problems } = validateEntity({ ...component(), relations: [], extra: 1 });
    expect(problems.map((p) => [p.code, p.path, p.severity])).toEqual([
      ['unknown_field', 'relations', 'warning'],
      ['unknown_field', 'extra', 'warning'],
    ]);
    expect(entity).toBeDefined();
    expect(Object.keys(entity ?? {})).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('puts the file in problem positions when one is named', () => {
    const { problems } = validateEntity(component({ name: '' }), { file: 'api.json' });
    expect(problems[0]?.position).toEqual({ file: 'api.json', line: 1, column: 1 });
  });

  it('reports a missing spec with the fields the kind needs', () => {
    const { problems } = validateEntity({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'x' } });
    expect(errors(problems)).toEqual([['missing_field', 'spec']]);
    expect(problems[0]?.message).toContain('type, lifecycle, owner');
  });
});

describe('required spec fields per kind', () => {
  const v = 'backstage.io/v1alpha1';
  const cases: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['Component', v, { type: 's', lifecycle: 'l', owner: 'o' }, ['type', 'lifecycle', 'owner']],
    ['API', v, { type: 'openapi', lifecycle: 'l', owner: 'o', definition: 'openapi: 3.0.0' }, ['type', 'lifecycle', 'owner', 'definition']],
    ['Resource', v, { type: 'database', owner: 'o' }, ['type', 'owner']],
    ['System', v, { owner: 'o' }, ['owner']],
    ['Domain', v, { owner: 'o' }, ['owner']],
    ['Group', v, { type: 'team', children: [] }, ['type', 'children']],
    ['Template', 'scaffolder.backstage.io/v1beta3', { type: 'service', steps: [{ action: 'fetch:template' }] }, ['type', 'steps']],
    ['Environment', 'gantry.dev/v1alpha1', { type: 'staging', owner: 'platform' }, ['type', 'owner']],
  ];

  it.each(cases)('%s: complete spec is valid, each required field is reported when absent', (kind, apiVersion, spec, required) => {
    const base = { apiVersion, kind, metadata: { name: 'thing' } };
    expect(validateEntity({ ...base, spec }).problems).toEqual([]);
    for (const field of required) {
      const rest = { ...spec };
      delete rest[field];
      expect(errors(validateEntity({ ...base, spec: rest }).problems)).toEqual([['missing_field', `spec.${field}`]]);
    }
  });

  it('Location needs target or targets', () => {
    const base = { apiVersion: v, kind: 'Location', metadata: { name: 'l' } };
    expect(validateEntity({ ...base, spec: { target: './a.yaml' } }).problems).toEqual([]);
    expect(validateEntity({ ...base, spec: { targets: ['./a.yaml'] } }).problems).toEqual([]);
    expect(errors(validateEntity({ ...base, spec: { type: 'url' } }).problems)).toEqual([['missing_field', 'spec.target']]);
    expect(errors(validateEntity({ ...base, spec: { targets: './a.yaml' } }).problems)).toEqual([['wrong_type', 'spec.targets']]);
  });

  it('User without memberOf is accepted with a warning, as Backstage is lenient there', () => {
    const { entity, problems } = validateEntity({ apiVersion: v, kind: 'User', metadata: { name: 'jane' }, spec: {} });
    expect(entity).toBeDefined();
    expect(problems.map((p) => [p.code, p.path, p.severity])).toEqual([['missing_field', 'spec.memberOf', 'warning']]);
  });

  it('API definition may be a placeholder object but not any other object', () => {
    const base = { apiVersion: v, kind: 'API', metadata: { name: 'a' } };
    const spec = { type: 'openapi', lifecycle: 'production', owner: 'o' };
    expect(validateEntity({ ...base, spec: { ...spec, definition: { $text: './openapi.yaml' } } }).problems).toEqual([]);
    expect(errors(validateEntity({ ...base, spec: { ...spec, definition: { openapi: '3.0.0' } } }).problems)).toEqual([
      ['wrong_type', 'spec.definition'],
    ]);
  });

  it('Template steps need an action and parameters must be schema mappings', () => {
    const base = { apiVersion: 'scaffolder.backstage.io/v1beta3', kind: 'Template', metadata: { name: 't' } };
    const { problems } = validateEntity({
      ...base,
      spec: { type: 'service', steps: [{ id: 'a' }, 'x', { action: 3 }], parameters: [{}, 'x'], owner: 'user:guest' },
    });
    expect(errors(problems)).toEqual([
      ['missing_field', 'spec.steps[0].action'],
      ['wrong_type', 'spec.steps[1]'],
      ['wrong_type', 'spec.steps[2].action'],
      ['wrong_type', 'spec.parameters[1]'],
    ]);
  });

  it('reports wrong types of spec fields', () => {
    const { problems } = validateEntity(component({}, { type: '', owner: 7, providesApis: 'one-api', system: null }));
    expect(errors(problems)).toEqual([
      ['wrong_type', 'spec.type'],
      ['wrong_type', 'spec.owner'],
      ['wrong_type', 'spec.system'],
      ['wrong_type', 'spec.providesApis'],
    ]);
  });

  it('reports refs that cannot be parsed, e.g. dependsOn without a kind', () => {
    const { problems } = validateEntity(component({}, { dependsOn: ['resource:artists-db', 'billing'], owner: 'group:Bad_NS/x' }));
    expect(errors(problems)).toEqual([
      ['invalid_ref', 'spec.owner'],
      ['invalid_ref', 'spec.dependsOn[1]'],
    ]);
    expect(problems[1]?.message).toContain('explicit kind');
  });
});

describe('Environment kind', () => {
  const env = (spec: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'gantry.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name: 'pr-42' },
    spec: { type: 'preview', owner: 'payments', ...spec },
  });

  it('accepts every documented field', () => {
    const { entity, problems } = validateEntity(
      env({
        driver: 'kubernetes',
        order: 3,
        requiredApprovals: 2,
        ttl: '72h',
        freezeWindows: [{ start: '2025-12-20T00:00:00Z', end: '2026-01-02T00:00:00Z', reason: 'holidays' }, { start: 'Fri 18:00', end: 'Mon 06:00' }],
        settings: { replicas: 2 },
      }),
    );
    expect(problems).toEqual([]);
    expect(entity?.spec?.ttl).toBe('72h');
  });

  it('rejects bad values, one problem each', () => {
    const { problems } = validateEntity(
      env({
        type: 'qa',
        driver: 'docker',
        order: 'first',
        requiredApprovals: -1,
        ttl: '3 days',
        freezeWindows: [{ start: '2025-12-20' }, 'x', { start: '0 18 * * 5', end: 'Mon 06:00' }],
        settings: [],
      }),
    );
    expect(problems.find((p) => p.path === 'spec.freezeWindows[2].start')?.message).toMatch(/expected an ISO time such as 2026-12-24T00:00:00Z, or a weekly day and UTC time such as "Fri 16:00", found "0 18 \* \* 5"$/);
    expect(errors(problems)).toEqual([
      ['wrong_type', 'spec.type'],
      ['wrong_type', 'spec.driver'],
      ['wrong_type', 'spec.order'],
      ['wrong_type', 'spec.requiredApprovals'],
      ['wrong_type', 'spec.ttl'],
      ['missing_field', 'spec.freezeWindows[0].end'],
      ['wrong_type', 'spec.freezeWindows[1]'],
      ['invalid_value', 'spec.freezeWindows[2].start'],
      ['wrong_type', 'spec.settings'],
    ]);
    expect(problems[0]?.message).toBe('spec.type: expected one of development, staging, production, preview, found "qa"');
  });

  it('warns about unknown spec keys (likely typos) but accepts the entity', () => {
    const { entity, problems } = validateEntity(env({ requiredApproval: 1 }));
    expect(entity).toBeDefined();
    expect(problems.map((p) => [p.code, p.path, p.severity])).toEqual([['unknown_field', 'spec.requiredApproval', 'warning']]);
  });
});

describe('KNOWN_KINDS', () => {
  it('lists every kind Gantry accepts with its apiVersions', () => {
    expect(KNOWN_KINDS.map((k) => k.kind).sort()).toEqual(
      ['API', 'Component', 'Domain', 'Environment', 'Group', 'Location', 'Policy', 'Resource', 'System', 'Template', 'User'].sort(),
    );
    expect(KNOWN_KINDS.find((k) => k.kind === 'Component')?.apiVersions).toEqual(['backstage.io/v1alpha1', 'backstage.io/v1beta1']);
    expect(KNOWN_KINDS.find((k) => k.kind === 'Template')?.apiVersions).toEqual(['scaffolder.backstage.io/v1beta3']);
    expect(KNOWN_KINDS.find((k) => k.kind === 'Environment')?.apiVersions).toEqual(['gantry.dev/v1alpha1']);
  });
});

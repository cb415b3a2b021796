import { describe, expect, it } from 'vitest';
import type { Entity } from './entity.js';
import { fieldsOf, searchTextOf } from './fieldsOf.js';
import { locationTargetsOf } from './locationTargetsOf.js';

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'Payments-API',
    title: 'Payments API',
    description: 'Takes the money.',
    uid: 'u-1',
    tags: ['java', 'Rest'],
    labels: { Tier: 'Gold' },
    annotations: { 'github.com/project-slug': 'acme/payments' },
  },
  spec: {
    type: 'service',
    lifecycle: 'production',
    owner: 'Payments',
    system: 'billing',
    providesApis: ['payments', 'api:ledger/ledger'],
    dependsOn: ['resource:payments-db'],
    replicas: 3,
    public: false,
    nothing: null,
    definition: 'x'.repeat(201),
    deploy: { region: 'eu-west-1', zones: ['a', 'b'], steps: [{ id: 'build' }, { id: 'ship' }] },
  },
};

describe('fieldsOf', () => {
  it('flattens the envelope, metadata and spec into lower-cased pairs', () => {
    expect(fieldsOf(component)).toEqual([
      ['kind', 'component'],
      ['apiversion', 'backstage.io/v1alpha1'],
      ['metadata.name', 'payments-api'],
      ['metadata.namespace', 'default'],
      ['metadata.title', 'payments api'],
      ['metadata.uid', 'u-1'],
      ['metadata.tags', 'java'],
      ['metadata.tags', 'rest'],
      ['metadata.labels.tier', 'gold'],
      ['metadata.annotations.github.com/project-slug', 'acme/payments'],
      ['spec.type', 'service'],
      ['spec.lifecycle', 'production'],
      ['spec.owner', 'group:default/payments'],
      ['spec.system', 'system:default/billing'],
      ['spec.providesapis', 'api:default/payments'],
      ['spec.providesapis', 'api:ledger/ledger'],
      ['spec.dependson', 'resource:default/payments-db'],
      ['spec.replicas', '3'],
      ['spec.public', 'false'],
      ['spec.deploy.region', 'eu-west-1'],
      ['spec.deploy.zones', 'a'],
      ['spec.deploy.zones', 'b'],
      ['spec.deploy.steps.id', 'build'],
      ['spec.deploy.steps.id', 'ship'],
    ]);
  });

  it("normalises refs in the entity's namespace and skips duplicates", () => {
    const user: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: 'guest', namespace: 'dev' },
      spec: { memberOf: ['team-a', 'group:dev/team-a', 'group:default/team-b'] },
    };
    expect(fieldsOf(user).filter(([k]) => k.startsWith('spec.'))).toEqual([
      ['spec.memberof', 'group:dev/team-a'],
      ['spec.memberof', 'group:default/team-b'],
    ]);
  });

  it('only normalises the ref fields of the entity kind', () => {
    const location: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Location',
      metadata: { name: 'l' },
      spec: { owner: 'not-a-ref-here', targets: ['./A.yaml'] },
    };
    expect(fieldsOf(location).filter(([k]) => k.startsWith('spec.'))).toEqual([
      ['spec.owner', 'not-a-ref-here'],
      ['spec.targets', './a.yaml'],
    ]);
  });
});

describe('searchTextOf', () => {
  it('joins name, title, description, tags, kind and spec.type, lower-cased', () => {
    expect(searchTextOf(component)).toBe('payments-api payments api takes the money. java rest component service');
  });
});

describe('locationTargetsOf', () => {
  it('returns target then targets as written, and nothing for other kinds', () => {
    const location: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Location',
      metadata: { name: 'l' },
      spec: { target: './One.yaml', targets: ['https://example.com/a.yaml', './b/*.yaml'] },
    };
    expect(locationTargetsOf(location)).toEqual(['./One.yaml', 'https://example.com/a.yaml', './b/*.yaml']);
    expect(locationTargetsOf(component)).toEqual([]);
  });
});

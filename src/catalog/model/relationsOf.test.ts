import { describe, expect, it } from 'vitest';
import type { Entity } from './entity.js';
import { RELATION_INVERSES, relationsOf, type RelationType } from './relationsOf.js';

const V1 = 'backstage.io/v1alpha1';

function entity(kind: string, spec: Record<string, unknown>, name = 'self', namespace?: string): Entity {
  return {
    apiVersion: kind === 'Template' ? 'scaffolder.backstage.io/v1beta3' : kind === 'Environment' ? 'gantry.dev/v1alpha1' : V1,
    kind,
    metadata: namespace ? { name, namespace } : { name },
    spec,
  };
}

/** The relations as `source type target` lines, sorted, for readable comparisons. */
function lines(e: Entity): string[] {
  return relationsOf(e)
    .relations.map((r) => `${r.source} ${r.type} ${r.target}`)
    .sort();
}

describe('relationsOf', () => {
  it('declares both directions for every ref field of a Component, with Backstage defaults', () => {
    const e = entity('Component', {
      type: 'service',
      lifecycle: 'production',
      owner: 'payments',
      system: 'billing',
      subcomponentOf: 'platform',
      providesApis: ['payments-api'],
      consumesApis: ['ledger/ledger-api'],
      dependsOn: ['resource:payments-db'],
      dependencyOf: ['component:checkout'],
    });
    expect(lines(e)).toEqual(
      [
        'component:default/self ownedBy group:default/payments',
        'group:default/payments ownerOf component:default/self',
        'component:default/self partOf system:default/billing',
        'system:default/billing hasPart component:default/self',
        'component:default/self partOf component:default/platform',
        'component:default/platform hasPart component:default/self',
        'component:default/self providesApi api:default/payments-api',
        'api:default/payments-api apiProvidedBy component:default/self',
        'component:default/self consumesApi api:ledger/ledger-api',
        'api:ledger/ledger-api apiConsumedBy component:default/self',
        'component:default/self dependsOn resource:default/payments-db',
        'resource:default/payments-db dependencyOf component:default/self',
        'component:default/self dependencyOf component:default/checkout',
        'component:default/checkout dependsOn component:default/self',
      ].sort(),
    );
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['API', { owner: 'user:jane', system: 'billing' }, ['ownedBy user:default/jane', 'partOf system:default/billing']],
    [
      'Resource',
      { owner: 'team', system: 's', dependsOn: ['resource:disk'], dependencyOf: ['component:app'] },
      ['ownedBy group:default/team', 'partOf system:default/s', 'dependsOn resource:default/disk', 'dependencyOf component:default/app'],
    ],
    ['System', { owner: 'team', domain: 'music' }, ['ownedBy group:default/team', 'partOf domain:default/music']],
    ['Domain', { owner: 'team', subdomainOf: 'media' }, ['ownedBy group:default/team', 'partOf domain:default/media']],
    ['User', { memberOf: ['team-a', 'group:ops/sre'] }, ['memberOf group:default/team-a', 'memberOf group:ops/sre']],
    [
      'Group',
      { type: 'team', parent: 'eng', children: ['team-b'], members: ['jane'] },
      ['childOf group:default/eng', 'parentOf group:default/team-b', 'hasMember user:default/jane'],
    ],
    ['Template', { type: 'service', steps: [], owner: 'user:guest' }, ['ownedBy user:default/guest']],
    ['Environment', { type: 'staging', owner: 'platform' }, ['ownedBy group:default/platform']],
  ])('%s: each declared relation and its inverse', (kind, spec, outgoing) => {
    const e = entity(kind, spec);
    const self = `${kind.toLowerCase()}:default/self`;
    const expected = outgoing.flatMap((o) => {
      const [type, target] = o.split(' ') as [RelationType, string];
      return [`${self} ${type} ${target}`, `${target} ${RELATION_INVERSES[type]} ${self}`];
    });
    expect(lines(e)).toEqual(expected.sort());
    expect(relationsOf(e).problems).toEqual([]);
  });

  it('Location declares no relations', () => {
    expect(lines(entity('Location', { targets: ['./a.yaml'] }))).toEqual([]);
  });

  it("defaults the namespace to the entity's own and lower-cases refs", () => {
    const e = entity('User', { memberOf: ['Team-A', 'group:default/Team-B'] }, 'Guest', 'development');
    expect(lines(e)).toEqual(
      [
        'user:development/guest memberOf group:development/team-a',
        'group:development/team-a hasMember user:development/guest',
        'user:development/guest memberOf group:default/team-b',
        'group:default/team-b hasMember user:development/guest',
      ].sort(),
    );
  });

  it('de-duplicates relations declared twice', () => {
    const e = entity('Group', { type: 'team', children: ['a', 'group:a', 'group:default/A'] });
    expect(relationsOf(e).relations).toHaveLength(2);
  });

  it('turns unparseable refs into problems, keeping the good relations', () => {
    const e = entity('Component', { type: 's', lifecycle: 'l', owner: 'team', dependsOn: ['billing-db', 42] });
    const { relations, problems } = relationsOf(e);
    expect(relations).toHaveLength(2);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['invalid_ref', 'spec.dependsOn[0]'],
      ['invalid_ref', 'spec.dependsOn[1]'],
    ]);
    expect(problems[0]?.message).toContain('explicit kind');
  });

  it('every relation type has an inverse whose inverse is itself', () => {
    for (const [type, inverse] of Object.entries(RELATION_INVERSES)) {
      expect(RELATION_INVERSES[inverse]).toBe(type);
    }
  });
});

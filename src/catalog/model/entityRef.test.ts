import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { parseEntityRef, stringifyEntityRef, tryParseEntityRef } from './entityRef.js';

describe('parseEntityRef', () => {
  it('reads the full form and lower-cases every part', () => {
    expect(parseEntityRef('Component:Default/Payments-API')).toEqual({
      kind: 'component',
      namespace: 'default',
      name: 'payments-api',
    });
  });

  it('applies the default kind and namespace only to the parts the ref leaves out', () => {
    const ctx = { defaultKind: 'Group', defaultNamespace: 'finance' };
    expect(parseEntityRef('payments', ctx)).toEqual({ kind: 'group', namespace: 'finance', name: 'payments' });
    expect(parseEntityRef('user:jane', ctx)).toEqual({ kind: 'user', namespace: 'finance', name: 'jane' });
    expect(parseEntityRef('ops/payments', ctx)).toEqual({ kind: 'group', namespace: 'ops', name: 'payments' });
    expect(parseEntityRef('user:ops/jane', ctx)).toEqual({ kind: 'user', namespace: 'ops', name: 'jane' });
  });

  it('uses namespace "default" when neither the ref nor the context names one', () => {
    expect(parseEntityRef('system:audio')).toEqual({ kind: 'system', namespace: 'default', name: 'audio' });
  });

  it('treats a slash before the first colon as "no kind", as Backstage does', () => {
    // The name part then contains a colon, which is not a valid name.
    const r = tryParseEntityRef('ns/a:b', { defaultKind: 'component' });
    expect('error' in r && r.error).toMatch(/name in an entity ref/);
  });

  it('accepts the compound form with defaults for missing parts', () => {
    expect(parseEntityRef({ name: 'Jane' }, { defaultKind: 'user' })).toEqual({
      kind: 'user',
      namespace: 'default',
      name: 'jane',
    });
    expect(parseEntityRef({ kind: 'API', namespace: 'x', name: 'petstore' })).toEqual({
      kind: 'api',
      namespace: 'x',
      name: 'petstore',
    });
  });

  it('throws InputError with an invalid_ref problem when the kind is missing and has no default', () => {
    let caught: unknown;
    try {
      parseEntityRef('billing-db');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    const err = caught as InputError;
    expect(err.problems[0]?.code).toBe('invalid_ref');
    expect(err.message).toContain('explicit kind');
    expect(err.message).toContain('"billing-db"');
  });

  it.each([
    ['', /empty string/],
    [':name', /no empty part/],
    ['component:/name', /no empty part/],
    ['component:ns/', /no empty part/],
    ['comp onent:name', /kind in an entity ref/],
    ['component:Bad_NS/name', /namespace in an entity ref/],
    ['component:default/bad name', /name in an entity ref/],
    ['component:default/a/b', /name in an entity ref/],
  ])('rejects %j', (ref, message) => {
    expect(() => parseEntityRef(ref, { defaultKind: 'component' })).toThrow(message);
  });
});

describe('stringifyEntityRef', () => {
  it('lower-cases a ref', () => {
    expect(stringifyEntityRef({ kind: 'Group', namespace: 'Default', name: 'Team-A' })).toBe('group:default/team-a');
  });

  it('reads an entity and defaults its namespace', () => {
    expect(
      stringifyEntityRef({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'Svc' } }),
    ).toBe('component:default/svc');
    expect(
      stringifyEntityRef({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: { name: 'guest', namespace: 'development' },
      }),
    ).toBe('user:development/guest');
  });

  it('round-trips with parseEntityRef', () => {
    const text = 'resource:prod/artists-db';
    expect(stringifyEntityRef(parseEntityRef(text))).toBe(text);
  });
});

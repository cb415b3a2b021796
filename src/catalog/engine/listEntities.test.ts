import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { parseFilter, parseRelationType, relationOfKey, searchTerms } from './listEntities.js';

describe('parseFilter', () => {
  it('splits key and comma-separated values, lower-cased and trimmed', () => {
    expect(parseFilter('spec.type=service,website')).toEqual({ key: 'spec.type', values: ['service', 'website'] });
    expect(parseFilter(' Kind = Component , API ')).toEqual({ key: 'kind', values: ['component', 'api'] });
    expect(parseFilter('spec.owner=group:default/payments')).toEqual({ key: 'spec.owner', values: ['group:default/payments'] });
    expect(parseFilter('metadata.annotations.backstage.io/techdocs-ref=dir:.')).toEqual({
      key: 'metadata.annotations.backstage.io/techdocs-ref',
      values: ['dir:.'],
    });
  });

  it('says what is wrong with a bad filter', () => {
    for (const bad of ['kind', '=component', 'kind=', 'kind=,,', 'bad key=x']) {
      expect(() => parseFilter(bad), bad).toThrow(InputError);
    }
    expect(() => parseFilter('kind')).toThrow(/expected key=value/);
  });
});

describe('relations in filters', () => {
  it('maps relation names case-insensitively and refuses unknown ones', () => {
    expect(relationOfKey('relations.ownedby')).toBe('ownedBy');
    expect(relationOfKey('spec.owner')).toBeNull();
    expect(() => relationOfKey('relations.likes')).toThrow(InputError);
    expect(parseRelationType('DEPENDENCYOF')).toBe('dependencyOf');
    expect(() => parseRelationType('friendOf')).toThrow(/expected one of ownedBy/);
  });
});

describe('searchTerms', () => {
  it('keeps only letters and digits, so no input is query syntax', () => {
    expect(searchTerms('payments-api v2')).toEqual(['payments', 'api', 'v2']);
    expect(searchTerms('"a" AND (b* OR :c) & !d')).toEqual(['a', 'and', 'b', 'or', 'c', 'd']);
    expect(searchTerms('Zürich café')).toEqual(['zürich', 'café']);
    expect(searchTerms('  *** ')).toEqual([]);
    expect(searchTerms(undefined)).toEqual([]);
    expect(searchTerms('x '.repeat(100))).toHaveLength(16);
  });
});

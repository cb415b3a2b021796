import { describe, expect, it } from 'vitest';
import { checkParameters, type JsonSchema } from '../../src/golden-paths/index.js';
import { checkField, defaultsOf, fieldsOf, problemField, problemText, valuesToSend } from '../../web/src/parameterSchema.js';

/**
 * The portal checks parameter values before sending them; its messages must be the server's own
 * (src/golden-paths/model/parameters.ts), so a user sees the same words on blur and after a 422.
 */

const PAGE: JsonSchema = {
  title: 'Everything',
  required: ['name', 'port', 'tier'],
  properties: {
    name: { title: 'Name', type: 'string', pattern: '^[a-z][a-z0-9-]{1,30}[a-z0-9]$' },
    short: { type: 'string', minLength: 3, maxLength: 5 },
    port: { type: 'integer', minimum: 1024, maximum: 65535 },
    ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    tier: { type: 'string', enum: ['tier-1', 'tier-2'], enumNames: ['One', 'Two'] },
    tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, minItems: 1, maxItems: 2 },
    flag: { type: 'boolean', default: true },
    owner: { type: 'string', 'ui:field': 'OwnerPicker' },
  },
};

const VALID = { name: 'orders-api', port: 8080, tier: 'tier-1' };

function serverMessage(field: string, values: Record<string, unknown>): string | null {
  const { problems } = checkParameters([PAGE], valuesToSend([PAGE], values));
  const p = problems.find((x) => problemField(x) === field);
  return p ? problemText(p) : null;
}

function clientMessage(field: string, values: Record<string, unknown>): string | null {
  const f = fieldsOf(PAGE).find((x) => x.name === field);
  if (!f) throw new Error(`no field ${field}`);
  return checkField(f, values[field]);
}

describe('parameter checks in the portal', () => {
  const cases: [string, string, unknown][] = [
    ['pattern', 'name', 'Bad Name'],
    ['required, left out', 'name', undefined],
    ['required, emptied', 'name', ''],
    ['minLength', 'short', 'ab'],
    ['maxLength', 'short', 'abcdef'],
    ['integer type', 'port', 80.5],
    ['minimum', 'port', 80],
    ['maximum', 'port', 70000],
    ['exclusiveMinimum', 'ratio', 0],
    ['exclusiveMaximum', 'ratio', 1],
    ['enum', 'tier', 'tier-9'],
    ['string type', 'owner', 42],
    ['minItems', 'tags', []],
    ['maxItems', 'tags', ['a', 'b', 'c']],
    ['item pattern', 'tags', ['ok', 'Not OK']],
    ['blank rows are no items', 'tags', ['', '  ']],
  ];

  it.each(cases)('%s: the same message as the server', (_what, field, value) => {
    const values = { ...VALID, tags: ['a'], [field]: value };
    const client = clientMessage(field, values);
    const server = serverMessage(field, values);
    if (field === 'tags' && Array.isArray(value) && value.every((v) => String(v).trim() === '')) {
      // An optional list with nothing in it is left out, as if untouched: neither side complains.
      expect(client).toBeNull();
      expect(server).toBeNull();
      return;
    }
    expect(server).not.toBeNull();
    expect(client).toBe(server);
  });

  it('passes values the server accepts, and sends no empty inputs', () => {
    const values = { ...VALID, short: '', ratio: 0.5, tags: ['abc', ''], owner: 'group:default/team-a' };
    for (const f of fieldsOf(PAGE)) expect(clientMessage(f.name, values)).toBeNull();
    const sent = valuesToSend([PAGE], values);
    expect(sent).toEqual({ name: 'orders-api', port: 8080, tier: 'tier-1', ratio: 0.5, tags: ['abc'], owner: 'group:default/team-a' });
    expect(checkParameters([PAGE], sent).problems).toEqual([]);
  });

  it('reads widgets, labels and defaults from the schema', () => {
    const widgets = Object.fromEntries(fieldsOf(PAGE).map((f) => [f.name, f.widget]));
    expect(widgets).toEqual({
      name: 'text',
      short: 'text',
      port: 'number',
      ratio: 'number',
      tier: 'select',
      tags: 'string-list',
      flag: 'checkbox',
      owner: 'entity-picker',
    });
    expect(fieldsOf(PAGE).map((f) => f.label)).toEqual(['Name', 'Short', 'Port', 'Ratio', 'Tier', 'Tags', 'Flag', 'Owner']);
    expect(fieldsOf({ properties: { failAfterPublish: { type: 'boolean' } } })[0]?.label).toBe('Fail after publish');
    expect(defaultsOf([PAGE])).toEqual({ flag: true });
    const secret = fieldsOf({ properties: { a: { type: 'string', 'ui:field': 'Secret' }, b: { type: 'string', 'ui:widget': 'password' }, c: { type: 'string', 'ui:widget': 'textarea' } } });
    expect(secret.map((f) => f.widget)).toEqual(['password', 'password', 'textarea']);
    const ordered = fieldsOf({ 'ui:order': ['c', '*', 'a'], properties: { a: {}, b: {}, c: {}, d: {} } });
    expect(ordered.map((f) => f.name)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('strips the field lead from server messages and names list items', () => {
    expect(problemText({ code: 'invalid_parameter', path: 'parameters.name', message: 'parameters.name (Name): expected a value (required), found nothing' })).toBe(
      'expected a value (required), found nothing',
    );
    expect(problemText({ code: 'invalid_parameter', path: 'parameters.tags[1]', message: 'parameters.tags[1]: expected text matching ^[a-z]+$, found "X"' })).toBe(
      'item 2: expected text matching ^[a-z]+$, found "X"',
    );
    expect(problemField({ code: 'conflict', path: 'repo', message: 'x' })).toBeNull();
  });
});

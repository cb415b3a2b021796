import { describe, expect, it } from 'vitest';
import { componentsFromLabels, hasIncidentLabel, isHotfixRef, mentionsRollback, parseSeverity, severityFromLabels } from './labels.js';

describe('severity from labels', () => {
  it.each([
    ['sev1', 'sev1'],
    ['SEV-2', 'sev2'],
    ['sev_3', 'sev3'],
    ['p4', 'sev4'],
    ['critical', 'sev1'],
    ['High', 'sev2'],
    ['severity:1', 'sev1'],
    ['severity::2', 'sev2'],
    ['severity: medium', 'sev3'],
    ['severity::low', 'sev4'],
    ['severity::p1', 'sev1'],
  ])('reads %j as %s', (label, expected) => {
    expect(parseSeverity(label)).toBe(expected);
  });

  it.each(['1', 'sev0', 'sev5', 'p5', 'severity::unknown', 'priority::1', 'highest', 'bug'])('reads %j as no severity', (label) => {
    expect(parseSeverity(label)).toBeNull();
  });

  it('reads a bare 1–4 only when asked (an import field named severity)', () => {
    expect(parseSeverity('2', { bareNumber: true })).toBe('sev2');
    expect(parseSeverity('2')).toBeNull();
  });

  it('takes the most severe of several labels', () => {
    expect(severityFromLabels(['incident', 'sev3', 'p2', 'low'])).toBe('sev2');
    expect(severityFromLabels(['incident', 'bug'])).toBeNull();
  });
});

describe('other label conventions', () => {
  it('finds the incident label in any case, and only that exact name', () => {
    expect(hasIncidentLabel(['bug', ' Incident '])).toBe(true);
    expect(hasIncidentLabel(['incidents', 'incident-review', 'type::incident'])).toBe(false);
  });

  it('reads components from component: and component:: labels, once each, in order', () => {
    expect(componentsFromLabels(['component:orders-api', 'Component::payments', 'component:orders-api', 'component:', 'components:x'])).toEqual([
      'orders-api',
      'payments',
    ]);
  });

  it('reads hotfix refs and rollback wording', () => {
    expect([isHotfixRef('hotfix/x'), isHotfixRef('refs/heads/hotfix-2'), isHotfixRef('HOTFIX/y'), isHotfixRef('hotfixes'), isHotfixRef('main'), isHotfixRef(null)]).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(['rollback', 'Roll back to 1.2', 'roll-back', 'rolled back', 'Revert "Add cache"', 'deploy', null].map(mentionsRollback)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from '../../policy/engine/engine.js';
import type { ServiceScan } from '../model/scan.js';
import { BUILT_IN_SCORECARDS, BUILT_IN_SCORECARDS_DIR, builtInScorecards } from './builtInScorecards.js';
import { evaluateScorecard } from './evaluateScorecard.js';
import { scorecardDoraOf, scorecardFactsOf } from './facts.js';
import { doraMetrics, ordersScan, ordersSubject, withCapabilities } from './testFixtures.js';
import type { PolicySubject } from '../../policy/model/types.js';
import type { ScorecardDora, ScorecardResult } from './types.js';

const engine = createPolicyEngine();
const card = (name: string) => builtInScorecards().find((c) => c.metadata.name === name)!;

function score(name: string, o: { scan?: ServiceScan | null; subject?: PolicySubject; decisions?: Record<string, string>; dora?: ScorecardDora | null } = {}): ScorecardResult {
  const scan = o.scan === undefined ? ordersScan() : o.scan;
  return evaluateScorecard(
    card(name),
    { subject: o.subject ?? ordersSubject(), object: { facts: scan ? scorecardFactsOf(scan) : null, decisions: o.decisions ?? {}, metrics: { dora: o.dora ?? null } } },
    { engine, now: new Date('2026-03-02T10:00:00Z') },
  );
}

const failing = (r: ScorecardResult) => r.checks.filter((c) => c.status !== 'pass').map((c) => c.id);
const messageOf = (r: ScorecardResult, id: string) => r.checks.find((c) => c.id === id)!.message;

describe('built-in scorecards', () => {
  it('all load without problems, one file each, every check with a how-to-fix', () => {
    expect(readdirSync(BUILT_IN_SCORECARDS_DIR).filter((f) => f.endsWith('.yaml')).sort()).toEqual(BUILT_IN_SCORECARDS.map((n) => `${n}.yaml`).sort());
    const cards = builtInScorecards();
    expect(cards.map((c) => c.metadata.name)).toEqual([...BUILT_IN_SCORECARDS]);
    for (const c of cards) {
      expect(c.spec.levels).toEqual(['Bronze', 'Silver', 'Gold']);
      for (const level of c.spec.levels) expect(c.spec.checks.some((k) => k.level === level)).toBe(true);
      for (const k of c.spec.checks) expect(k.howToFix.length).toBeGreaterThan(40);
    }
  });

  describe('production readiness', () => {
    it('orders-api is Silver: deploy job disabled and no SLO keep it from Gold', () => {
      const r = score('production-readiness');
      expect(r.level).toBe('Silver');
      expect(failing(r)).toEqual(['deploys-from-ci', 'has-slo']);
      expect(messageOf(r, 'deploys-from-ci')).toBe('deploying from CI is absent');
      expect(messageOf(r, 'has-slo')).toBe('no gantry.dev/slo annotation');
    });

    it('reaches Gold with an active deploy step and an SLO', () => {
      const subject = ordersSubject({ annotations: { 'gantry.dev/slo': 'https://slo.acme.dev/orders-api' } });
      const r = score('production-readiness', { scan: withCapabilities(ordersScan(), { deploy: 'present' }), subject });
      expect(failing(r)).toEqual([]);
      expect(r.level).toBe('Gold');
      expect(r.counts).toEqual({ pass: 11, fail: 0, exempt: 0, error: 0 });
    });

    it('drops to Bronze without tests in CI, and to no level without an owner', () => {
      const noTests = score('production-readiness', { scan: withCapabilities(ordersScan(), { test: 'unknown' }) });
      expect(noTests.level).toBe('Bronze');
      expect(messageOf(noTests, 'tests-in-ci')).toMatch(/^no test step seen; some CI steps run logic Gantry cannot read/);
      const { owner: _owner, ...spec } = ordersSubject().spec;
      const unowned = score('production-readiness', { subject: ordersSubject({ spec }) });
      expect(unowned.level).toBeNull();
      expect(failing(unowned)).toEqual(['has-owner', 'deploys-from-ci', 'has-slo']);
    });

    it('fails the CI check when every job is disabled, naming the systems found', () => {
      const scan = ordersScan();
      scan.ci[0]!.jobs[0]!.active = false;
      const r = score('production-readiness', { scan });
      expect(r.level).toBeNull();
      expect(messageOf(r, 'ci-present')).toBe('CI pipelines found (github-actions) but none of their jobs can run: each is disabled or never triggered');
    });

    it('a Dockerfile whose user cannot be told is not non-root', () => {
      const scan = ordersScan();
      scan.container.dockerfiles[0]!.nonRootFinalStage = null;
      const r = score('production-readiness', { scan: withCapabilities(scan, { deploy: 'present' }), subject: ordersSubject({ annotations: { 'gantry.dev/slo': 'slo:orders' } }) });
      expect(r.level).toBe('Silver');
      expect(messageOf(r, 'runs-non-root')).toBe('final stage runs as root, or its user cannot be told, in: services/orders/Dockerfile');
    });

    it('never assessed: facts checks fail with a message saying so, catalog checks still run', () => {
      const r = score('production-readiness', { scan: null });
      expect(r.level).toBeNull();
      expect(r.checks.filter((c) => c.status === 'pass').map((c) => c.id)).toEqual(['has-owner', 'lifecycle-set']);
      expect(messageOf(r, 'has-readme')).toBe('never assessed: run gantry assess on its repository');
    });

    it('does not apply to a library', () => {
      const r = score('production-readiness', { subject: ordersSubject({ spec: { type: 'library', owner: 'group:default/payments' } }) });
      expect(r.applicable).toBe(false);
      expect(r.checks).toEqual([]);
      expect(r.level).toBeNull();
    });
  });

  describe('security', () => {
    it('orders-api is Bronze: no SAST', () => {
      const r = score('security', { decisions: { 'no-latest-images': 'allow', 'resource-limits-set': 'warn' } });
      expect(r.level).toBe('Bronze');
      expect(failing(r)).toEqual(['sast']);
      expect(messageOf(r, 'sast')).toBe('no active CI job runs static analysis');
    });

    it('reaches Gold with SAST; an unpinned base image holds it at Bronze', () => {
      const withSast = withCapabilities(ordersScan(), { sast: 'present' });
      expect(score('security', { scan: withSast }).level).toBe('Gold');
      withSast.container.dockerfiles[0]!.pinnedBase = false;
      const unpinned = score('security', { scan: withSast });
      expect(unpinned.level).toBe('Bronze');
      expect(messageOf(unpinned, 'pinned-base-image')).toBe('unpinned base image in: services/orders/Dockerfile');
    });

    it('Silver when the image runs as root', () => {
      const scan = withCapabilities(ordersScan(), { sast: 'present' });
      scan.container.dockerfiles[0]!.nonRootFinalStage = false;
      expect(score('security', { scan }).level).toBe('Silver');
    });

    it('a policy denial or a missing secret scan means no level', () => {
      const denied = score('security', { decisions: { 'no-latest-images': 'allow', 'production-needs-approval': 'deny', 'containers-run-as-non-root': 'exempt' } });
      expect(denied.level).toBeNull();
      expect(messageOf(denied, 'no-policy-denials')).toBe('denied by: production-needs-approval');
      const noSecrets = score('security', { scan: withCapabilities(ordersScan(), { 'secret-scan': 'absent' }) });
      expect(noSecrets.level).toBeNull();
      expect(failing(noSecrets)).toEqual(['secret-scan', 'sast']);
    });
  });

  describe('observability', () => {
    it('orders-api is Silver (no OpenTelemetry); Gold with it; nothing without structured logs', () => {
      const silver = score('observability');
      expect(silver.level).toBe('Silver');
      expect(failing(silver)).toEqual(['opentelemetry-traces']);
      const scan = ordersScan();
      scan.observability.opentelemetry = [{ file: 'services/orders/src/tracing.ts', line: 1, excerpt: "import { NodeSDK } from '@opentelemetry/sdk-node'" }];
      expect(score('observability', { scan }).level).toBe('Gold');
      scan.observability.structuredLogging = [];
      // Gold's and Silver's checks pass, but levels are cumulative: Bronze fails, so no level.
      expect(score('observability', { scan }).level).toBeNull();
    });

    it('Bronze without a Prometheus client', () => {
      const scan = ordersScan();
      scan.observability.prometheus = [];
      expect(score('observability', { scan }).level).toBe('Bronze');
    });
  });

  describe('delivery', () => {
    it('follows the DORA level at each boundary', () => {
      const levelOf = (deployments: number, level: Parameters<typeof doraMetrics>[1]) => score('delivery', { dora: scorecardDoraOf(doraMetrics(deployments, level)) }).level;
      expect(levelOf(0, null)).toBeNull();
      expect(levelOf(2, 'low')).toBe('Bronze');
      expect(levelOf(6, 'medium')).toBe('Silver');
      expect(levelOf(13, 'high')).toBe('Gold');
      expect(levelOf(200, 'elite')).toBe('Gold');
    });

    it('says why when there are no metrics or no deployments', () => {
      expect(messageOf(score('delivery'), 'deployed-recently')).toBe('no DORA metrics: no production deployment recorded');
      const none = score('delivery', { dora: scorecardDoraOf(doraMetrics(0, null)) });
      expect(messageOf(none, 'deployed-recently')).toBe('no successful production deployment in the last 90 days');
      expect(messageOf(none, 'dora-medium')).toBe('DORA level is not known over the last 90 days');
      const low = score('delivery', { dora: scorecardDoraOf(doraMetrics(2, 'low')) });
      expect(messageOf(low, 'dora-high')).toBe('DORA level is low over the last 90 days');
    });
  });
});

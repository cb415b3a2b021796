import { describe, expect, it } from 'vitest';
import { driftVariantsOf, variantKey } from './driftVariants.js';
import { serviceScan } from './testFixtures.js';

describe('driftVariantsOf', () => {
  it('orders items the same way whatever order the scan found them in', () => {
    const a = driftVariantsOf(
      serviceScan('.', {
        ci: [{ system: 'jenkins', kinds: ['test', 'build'] }, { system: 'circleci', kinds: ['deploy', 'lint'] }],
        monitoring: ['health-check', 'opentelemetry'],
        languages: ['typescript', 'javascript'],
        buildTools: ['pnpm', 'npm'],
        deployment: ['kustomize', 'helm'],
      }),
    );
    expect(a).toEqual({
      ciSystem: ['circleci', 'jenkins'],
      pipelineShape: ['build', 'test', 'lint', 'deploy'],
      monitoringStack: ['opentelemetry', 'health-check'],
      securityControls: [],
      buildStack: ['javascript', 'typescript', 'npm', 'pnpm'],
      deployment: ['helm', 'kustomize'],
    });
    expect(variantKey(a.pipelineShape)).toBe('build+test+lint+deploy');
    expect(variantKey(a.securityControls)).toBe('none');
  });

  it('counts CI systems with an active job only; a system seen twice once', () => {
    const v = driftVariantsOf(
      serviceScan('.', {
        ci: [
          { system: 'github-actions', kinds: ['build'] },
          { system: 'github-actions', kinds: ['test'] },
          { system: 'travis', kinds: ['build', 'test', 'lint'], active: false },
        ],
      }),
    );
    expect(v.ciSystem).toEqual(['github-actions']);
    expect(v.pipelineShape).toEqual(['build', 'test']);
  });

  it('marks kinds hidden behind a step whose logic is elsewhere with ?, after the present ones', () => {
    const v = driftVariantsOf(serviceScan('.', { ci: [{ system: 'jenkins', kinds: ['test', 'sast'], unknownStep: true }] }));
    expect(variantKey(v.pipelineShape)).toBe('test+sast+?build+?lint+?dependency-scan+?secret-scan+?publish-image+?deploy');
    expect(v.securityControls).toEqual(['?dependency-scan', 'sast', '?secret-scan']);
  });

  it('security: every image must run as non-root and be pinned; a USER from an ARG is unknown', () => {
    const controls = (dockerfiles: Array<{ nonRoot: boolean | null; pinned: boolean }>) => driftVariantsOf(serviceScan('.', { dockerfiles })).securityControls;
    expect(controls([])).toEqual([]);
    expect(controls([{ nonRoot: true, pinned: true }])).toEqual(['non-root-image', 'pinned-base-image']);
    expect(controls([{ nonRoot: true, pinned: true }, { nonRoot: false, pinned: true }])).toEqual(['pinned-base-image']);
    expect(controls([{ nonRoot: true, pinned: true }, { nonRoot: null, pinned: false }])).toEqual(['?non-root-image']);
    expect(controls([{ nonRoot: null, pinned: true }, { nonRoot: false, pinned: true }])).toEqual(['pinned-base-image']);
    expect(driftVariantsOf(serviceScan('.', { bots: ['renovate', 'dependabot'] })).securityControls).toEqual(['dependency-bot']);
  });

  it('a service with nothing found is none in every dimension', () => {
    const v = driftVariantsOf(serviceScan('.'));
    expect(Object.values(v).map(variantKey)).toEqual(['none', 'none', 'none', 'none', 'none', 'none']);
  });
});

/**
 * Hand-built service scans for the drift tests: a builder that fills in what a scanner would (evidence, CI
 * capabilities through the real `capabilitiesOf`), and eight services of three teams whose variants are worked
 * out by hand in driftReport.test.ts.
 */
import type { BuildTool, CiPipeline, CiSystem, DeploymentDescriptor, Language, ServiceScan, StepKind } from '../model/scan.js';
import { capabilitiesOf } from '../scan/ci/index.js';
import type { DriftInput } from './driftReport.js';

type Monitoring = 'opentelemetry' | 'prometheus' | 'structured-logging' | 'health-check';

export interface ServiceSpec {
  name?: string;
  /** One pipeline per entry, one job; `unknownStep` adds a step whose logic is elsewhere. */
  ci?: Array<{ system: CiSystem; kinds?: StepKind[]; active?: boolean; unknownStep?: boolean }>;
  monitoring?: Monitoring[];
  dockerfiles?: Array<{ nonRoot: boolean | null; pinned: boolean }>;
  bots?: Array<'dependabot' | 'renovate'>;
  languages?: Language[];
  buildTools?: BuildTool[];
  deployment?: DeploymentDescriptor[];
}

const at = (file: string, line?: number) => (line === undefined ? { file } : { file, line });

export function serviceScan(path: string, spec: ServiceSpec = {}): ServiceScan {
  const folder = path === '.' ? '' : `${path}/`;
  const ci: CiPipeline[] = (spec.ci ?? []).map((p, i) => ({
    system: p.system,
    file: `${p.system}-${i}.yml`,
    name: `${p.system} ${i}`,
    triggers: p.active === false ? [] : ['push'],
    jobs: [
      {
        name: 'main',
        active: p.active !== false,
        ...(p.active === false ? { inactiveReason: 'no trigger' } : {}),
        steps: [
          ...(p.kinds ?? []).map((kind, k) => ({ name: kind, kinds: [kind], unknown: false, evidence: { file: `${p.system}-${i}.yml`, line: 10 + k, job: 'main', step: kind } })),
          ...(p.unknownStep ? [{ name: 'shared', kinds: [], unknown: true, evidence: { file: `${p.system}-${i}.yml`, line: 99, job: 'main', step: 'shared' } }] : []),
        ],
        evidence: at(`${p.system}-${i}.yml`, 5),
      },
    ],
  }));
  const has = (m: Monitoring) => ((spec.monitoring ?? []).includes(m) ? [at(`${folder}src/main.ts`, 3)] : []);
  return {
    path,
    name: spec.name ?? (path === '.' ? 'service' : path.split('/').pop()!),
    languages: (spec.languages ?? []).map((name) => ({ name, evidence: [at(`${folder}src/main`)] })),
    buildTools: (spec.buildTools ?? []).map((name) => ({ name, evidence: [at(`${folder}build`)] })),
    container: {
      dockerfiles: (spec.dockerfiles ?? []).map((d, i) => ({
        file: `${folder}Dockerfile${i === 0 ? '' : `.${i}`}`,
        baseImages: [{ image: d.pinned ? 'node:20.11-alpine' : 'node:latest', line: 1, stage: null }],
        pinnedBase: d.pinned,
        nonRootFinalStage: d.nonRoot,
        evidence: [at(`${folder}Dockerfile`, 1)],
      })),
      builders: [],
    },
    ci,
    capabilities: capabilitiesOf(ci),
    deployment: (spec.deployment ?? []).map((name) => ({ name, evidence: [at(`${folder}deploy/${name}.yaml`)] })),
    observability: {
      opentelemetry: has('opentelemetry'),
      prometheus: has('prometheus'),
      healthCheck: has('health-check'),
      structuredLogging: has('structured-logging'),
    },
    ownership: { codeowners: null, readme: null, catalogInfo: null },
    dependencyBots: (spec.bots ?? []).map((name) => ({ name, evidence: [at(name === 'dependabot' ? '.github/dependabot.yml' : 'renovate.json')] })),
  };
}

const FULL_PIPELINE: StepKind[] = ['build', 'test', 'lint', 'dependency-scan'];
const FULL_MONITORING: Monitoring[] = ['opentelemetry', 'prometheus', 'structured-logging', 'health-check'];

/**
 * Eight services of three teams (payments, search, web) in seven repositories. Worked out by hand:
 *
 * | service              | ciSystem          | pipelineShape                   | monitoring | security                        | buildStack        | deployment |
 * | payments services/api| gha               | b+t+l+ds                        | full       | ds+non-root+pinned+bot          | ts+npm            | helm+k8s   |
 * | payments services/wkr| gha               | b+t+l+ds                        | otel+log   | ds+pinned+bot (root image)      | ts+npm            | helm+k8s   |
 * | ledger               | jenkins           | b+t                             | prom+hc    | ?non-root (USER from ARG)       | java+maven        | helm       |
 * | search               | gha               | b+t+l+ds                        | full       | ds+non-root+pinned+bot          | go+go-modules     | helm+k8s   |
 * | indexer              | gha (gitlab off)  | build + ?everything else        | full       | ?ds+?sast+?secret               | go+go-modules     | none       |
 * | web                  | gha               | b+t+l+ds                        | log+hc     | ds+non-root+pinned+bot          | ts+npm            | helm+k8s   |
 * | web-admin            | circleci+gha      | b+t+l+ds+publish-image+deploy   | full       | ds                              | js+ts+npm         | k8s+kustomize |
 * | docs                 | none              | none                            | none       | none                            | js+npm            | none       |
 */
export function eightServices(): DriftInput[] {
  return [
    {
      repository: 'acme/payments',
      team: 'payments',
      service: serviceScan('services/api', {
        name: 'payments-api',
        ci: [{ system: 'github-actions', kinds: FULL_PIPELINE }],
        monitoring: FULL_MONITORING,
        dockerfiles: [{ nonRoot: true, pinned: true }],
        bots: ['dependabot'],
        languages: ['typescript'],
        buildTools: ['npm'],
        deployment: ['kubernetes', 'helm'],
      }),
    },
    {
      repository: 'acme/payments',
      team: 'payments',
      service: serviceScan('services/worker', {
        name: 'payments-worker',
        ci: [{ system: 'github-actions', kinds: FULL_PIPELINE }],
        monitoring: ['structured-logging', 'opentelemetry'],
        dockerfiles: [{ nonRoot: true, pinned: true }, { nonRoot: false, pinned: true }],
        bots: ['dependabot'],
        languages: ['typescript'],
        buildTools: ['npm'],
        deployment: ['helm', 'kubernetes'],
      }),
    },
    {
      repository: 'acme/ledger',
      team: 'payments',
      service: serviceScan('.', {
        name: 'ledger',
        ci: [{ system: 'jenkins', kinds: ['build', 'test'] }],
        monitoring: ['prometheus', 'health-check'],
        dockerfiles: [{ nonRoot: null, pinned: false }],
        languages: ['java'],
        buildTools: ['maven'],
        deployment: ['helm'],
      }),
    },
    {
      repository: 'acme/search',
      team: 'search',
      service: serviceScan('.', {
        name: 'search',
        ci: [{ system: 'github-actions', kinds: ['dependency-scan', 'lint', 'test', 'build'] }],
        monitoring: FULL_MONITORING,
        dockerfiles: [{ nonRoot: true, pinned: true }],
        bots: ['renovate'],
        languages: ['go'],
        buildTools: ['go-modules'],
        deployment: ['kubernetes', 'helm'],
      }),
    },
    {
      repository: 'acme/indexer',
      team: 'search',
      service: serviceScan('.', {
        name: 'indexer',
        ci: [
          { system: 'github-actions', kinds: ['build'], unknownStep: true },
          { system: 'gitlab-ci', kinds: FULL_PIPELINE, active: false },
        ],
        monitoring: FULL_MONITORING,
        languages: ['go'],
        buildTools: ['go-modules'],
      }),
    },
    {
      repository: 'acme/web',
      team: 'web',
      service: serviceScan('.', {
        name: 'web',
        ci: [{ system: 'github-actions', kinds: FULL_PIPELINE }],
        monitoring: ['health-check', 'structured-logging'],
        dockerfiles: [{ nonRoot: true, pinned: true }],
        bots: ['dependabot', 'renovate'],
        languages: ['typescript'],
        buildTools: ['npm'],
        deployment: ['helm', 'kubernetes'],
      }),
    },
    {
      repository: 'acme/web-admin',
      team: 'web',
      service: serviceScan('.', {
        name: 'web-admin',
        ci: [
          { system: 'github-actions', kinds: FULL_PIPELINE },
          { system: 'circleci', kinds: ['publish-image', 'deploy'] },
        ],
        monitoring: FULL_MONITORING,
        languages: ['typescript', 'javascript'],
        buildTools: ['npm'],
        deployment: ['kustomize', 'kubernetes'],
      }),
    },
    {
      repository: 'acme/docs',
      team: 'web',
      service: serviceScan('.', { name: 'docs', languages: ['javascript'], buildTools: ['npm'] }),
    },
  ];
}

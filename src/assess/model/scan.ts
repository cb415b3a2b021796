/**
 * What an assessment finds in a repository, without running any of its code: per service (a repository may hold
 * many), how it builds, ships, is checked, observed and owned. Every fact carries its evidence, so a person can
 * check it. Scanners (src/assess/scan) produce these; the assess engine stores them as facts per component and
 * time, and scorecards read them.
 */

/** Where a fact was seen: a file and line, or a CI job and step. Paths are relative to the repository root, with `/`. */
export interface Evidence {
  file: string;
  /** 1-based; absent when the whole file is the evidence (a Dockerfile exists). */
  line?: number;
  /** The CI job (GitHub Actions job id, GitLab job name, Jenkins stage, ...). */
  job?: string;
  /** The step within the job (its name or id, else its 1-based index as `#3`). */
  step?: string;
  /** What was seen there, quoted briefly (`uses: github/codeql-action/analyze@v3`, `"@opentelemetry/sdk-node"`). */
  excerpt?: string;
}

/** A thing found, with where. */
export interface Finding<T extends string = string> {
  name: T;
  evidence: Evidence[];
}

export type Language = 'javascript' | 'typescript' | 'java' | 'kotlin' | 'go' | 'python' | 'csharp' | 'rust' | 'ruby' | 'php' | 'scala';

export type BuildTool = 'npm' | 'pnpm' | 'yarn' | 'bun' | 'maven' | 'gradle' | 'go-modules' | 'pip' | 'poetry' | 'uv' | 'pipenv' | 'dotnet' | 'cargo' | 'bundler' | 'composer' | 'sbt';

export interface Dockerfile {
  file: string;
  /** The final stage's base images, in order of the FROM lines (`node:20.11-alpine`, `scratch`). */
  baseImages: Array<{ image: string; line: number; stage: string | null }>;
  /** The final stage's base is pinned: a digest (`@sha256:`), or a tag that is not `latest` and names a version. */
  pinnedBase: boolean;
  /** The final stage runs as a non-root user (a USER that is not root/0 after its FROM); null when it cannot be told (USER from an ARG). */
  nonRootFinalStage: boolean | null;
  evidence: Evidence[];
}

export type CiSystem = 'github-actions' | 'gitlab-ci' | 'jenkins' | 'circleci' | 'azure-pipelines' | 'cloud-build' | 'travis';

/** What a CI step does, as far as its command or action tells. */
export type StepKind = 'build' | 'test' | 'lint' | 'dependency-scan' | 'sast' | 'secret-scan' | 'publish-image' | 'deploy';
export const STEP_KINDS: readonly StepKind[] = ['build', 'test', 'lint', 'dependency-scan', 'sast', 'secret-scan', 'publish-image', 'deploy'];

export interface CiStep {
  /** The step's name or id, else `#<index>`. */
  name: string;
  kinds: StepKind[];
  /** The step's logic is elsewhere (a shared library, a reusable workflow or template in another repository, an unknown plugin): what it does is not known, and not guessed. */
  unknown: boolean;
  evidence: Evidence;
}

export interface CiJob {
  name: string;
  /** Can run: not disabled (`if: false`, `when: never`, `rules: [{when: never}]`, commented out does not count), and some trigger starts the pipeline. */
  active: boolean;
  /** Why not active, when it is not. */
  inactiveReason?: string;
  steps: CiStep[];
  evidence: Evidence;
}

export interface CiPipeline {
  system: CiSystem;
  file: string;
  /** The pipeline's name (a workflow's `name`, else its file). */
  name: string;
  /** Events that start it (`push`, `pull_request`, `schedule`, `merge_request`, `manual`, ...); empty: never triggered. */
  triggers: string[];
  jobs: CiJob[];
}

/** Per step kind: present (an active job has such a step), absent (none, and nothing unknown could hide one), or unknown (none seen, but some step's logic is elsewhere). */
export type CapabilityState = 'present' | 'absent' | 'unknown';

export type DeploymentDescriptor = 'kubernetes' | 'helm' | 'kustomize' | 'score' | 'compose' | 'terraform';

export interface ServiceScan {
  /** The service's folder relative to the repository root (`.` for the whole repository). */
  path: string;
  /** Its name: from catalog-info.yaml, the build file (package.json name, artifactId, module path), else the folder. */
  name: string;
  languages: Array<Finding<Language>>;
  buildTools: Array<Finding<BuildTool>>;
  container: {
    dockerfiles: Dockerfile[];
    /** Images built without a Dockerfile: buildpacks (`pack build`, spring-boot `build-image`), Jib, ko. */
    builders: Array<Finding<'buildpacks' | 'jib' | 'ko'>>;
  };
  ci: CiPipeline[];
  /** Summary over the active jobs of every pipeline that applies to this service. */
  capabilities: Record<StepKind, { state: CapabilityState; evidence: Evidence[] }>;
  deployment: Array<Finding<DeploymentDescriptor>>;
  observability: {
    /** OpenTelemetry SDK or API declared as a dependency or imported in code (a mention in a comment does not count). */
    opentelemetry: Evidence[];
    /** A Prometheus client library declared or imported. */
    prometheus: Evidence[];
    /** A health-check endpoint (`/health`, `/healthz`, `/readyz`, `/livez`, actuator health) or a container HEALTHCHECK / Kubernetes probe. */
    healthCheck: Evidence[];
    /** A structured (JSON) logging library declared or configured (pino, winston json, logback JSON encoder, structlog, zap, zerolog, serilog...). */
    structuredLogging: Evidence[];
  };
  ownership: {
    codeowners: { file: string; owners: string[] } | null;
    readme: string | null;
    catalogInfo: { file: string; name: string | null; owner: string | null } | null;
  };
  /** Dependency update bots, reported apart from scanning (they update, they do not check). */
  dependencyBots: Array<Finding<'dependabot' | 'renovate'>>;
}

export interface RepositoryScan {
  /** How the repository was named to the scanner (a path or a git URL). */
  source: string;
  /** The commit scanned, when it is a git repository. */
  commit: string | null;
  /** Files read (for throughput numbers). */
  files: number;
  services: ServiceScan[];
  /** Files that could not be read or parsed (a broken YAML workflow): reported, never fatal. */
  problems: Array<{ file: string; line?: number; message: string }>;
}

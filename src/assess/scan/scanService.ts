import type { ServiceScan } from '../model/scan.js';
import { scanContainers } from './containers.js';
import { scanDeployment } from './deployment.js';
import { type RepoFiles } from './files.js';
import { scanObservability } from './observability.js';
import { scanDependencyBots, scanOwnership } from './ownership.js';
import { detectBuildTools, detectLanguages } from './stack.js';

/**
 * Everything but CI about one service: its own files (the folder without the services nested in it), plus the
 * repository-level files that apply to every service (CODEOWNERS, Dependabot and Renovate configuration, the
 * root README when the service has none). Parses are shared across the services of one RepoFiles.
 */
export function scanService(files: RepoFiles, service: { path: string; name: string }): Omit<ServiceScan, 'ci' | 'capabilities'> {
  const folder = service.path;
  const buildTools = detectBuildTools(files, folder);
  const container = scanContainers(files, folder);
  return {
    path: folder,
    name: service.name,
    languages: detectLanguages(files, folder),
    buildTools,
    container,
    deployment: scanDeployment(files, folder),
    observability: scanObservability(files, folder),
    ownership: scanOwnership(files, folder),
    dependencyBots: scanDependencyBots(files, folder, { buildTools, hasDockerfile: container.dockerfiles.length > 0 }),
  };
}

/**
 * Repository scanners for `gantry assess` (issue #8): they read a repository's files, never run its code, and
 * report per service how it builds, ships, is observed and owned, each fact with its evidence. CI pipelines are
 * read by ./ci; `scanRepository` combines both. All scanners of one RepoFiles share one index and parse each
 * file at most once (see `repoIndex`).
 */
export { filesFromDirectory, filesFromMap, repoIndex, scanProblems, MAX_FILE_BYTES, type RepoFiles, type RepoIndex } from './files.js';
export { findServices, ownFiles, serviceOf, aggregatorFolders, isTestFolder, type FoundService } from './services.js';
export { detectLanguages, detectBuildTools, scanStack, stripComments } from './stack.js';
export { scanContainers, parseDockerfile, dockerfileFacts, isDockerfileName, isPinnedImage, type ParsedDockerfile, type DockerStage } from './containers.js';
export { scanDeployment, findProbes, manifestDocuments, isWorkload, type ManifestDocument } from './deployment.js';
export { scanObservability, importsOf, healthRoutes, isTestFile } from './observability.js';
export { scanOwnership, scanDependencyBots, parseCodeowners, codeownersFor, compileGlob, globMatches, CODEOWNERS_LOCATIONS, type CodeownersRule, type Glob } from './ownership.js';
export { scanService } from './scanService.js';
export { scanCi, capabilitiesOf, appliesTo, scopeToService } from './ci/index.js';
export { scanRepository } from './repository.js';

import type { RepositoryScan } from '../model/scan.js';
import { capabilitiesOf, scanCi, scopeToService } from './ci/index.js';
import { repoIndex, scanProblems, type RepoFiles } from './files.js';
import { scanService } from './scanService.js';
import { findServices } from './services.js';

/**
 * Scans one repository: its services (a monorepo has many), what each is built, shipped, checked, observed and owned
 * with, and the CI pipelines that concern each service (a path-filtered workflow of another service's folder does
 * not), summed up as capabilities. Reads files only; never runs anything. Unreadable or broken files are problems.
 */
export function scanRepository(files: RepoFiles, opts: { source: string; commit?: string | null }): RepositoryScan {
  const { pipelines, problems: ciProblems } = scanCi(files);
  const services = findServices(files).map((found) => {
    const base = scanService(files, found);
    const ci = pipelines.map((p) => scopeToService(p, found.path, files)).filter((p) => p !== null);
    return { ...base, ci, capabilities: capabilitiesOf(ci) };
  });
  return {
    source: opts.source,
    commit: opts.commit ?? null,
    files: repoIndex(files).paths.length,
    services,
    problems: [...scanProblems(files), ...ciProblems],
  };
}

/**
 * How a service is deployed, by its descriptors: Kubernetes manifests, Helm charts, Kustomize, Score, Compose
 * and Terraform. Manifests are read line by line (top-level `apiVersion:` and `kind:` of each document), so
 * Helm templates, which are not YAML until rendered, are read the same way.
 */
import type { DeploymentDescriptor, Evidence, Finding } from '../model/scan.js';
import { baseName, folderOf, isWithin, LineIndex, repoIndex, type RepoFiles } from './files.js';
import { isTestFolder, ownFiles } from './services.js';

/** Kinds that run containers. Knative `Service` counts only with its serving.knative.dev apiVersion. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod', 'ReplicaSet', 'ReplicationController', 'Rollout', 'DeploymentConfig']);

/** One YAML document's top-level apiVersion and kind, with the kind's line. */
export interface ManifestDocument {
  apiVersion: string | null;
  kind: string | null;
  line: number;
}

function scalar(s: string): string {
  return s.replace(/\s+#.*$/, '').trim().replace(/^["']|["']$/g, '');
}

/** The top-level apiVersion/kind of each document of a (multi-document) YAML file or template. */
export function manifestDocuments(text: string): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  let current: ManifestDocument = { apiVersion: null, kind: null, line: 0 };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('---') || l.startsWith('...')) {
      if (current.kind !== null || current.apiVersion !== null) out.push(current);
      current = { apiVersion: null, kind: null, line: 0 };
      continue;
    }
    if (l.startsWith('apiVersion:')) current.apiVersion = scalar(l.slice(11));
    else if (l.startsWith('kind:')) {
      current.kind = scalar(l.slice(5));
      current.line = i + 1;
    }
  }
  if (current.kind !== null || current.apiVersion !== null) out.push(current);
  return out;
}

/** Does the document describe a workload? */
export function isWorkload(doc: ManifestDocument): boolean {
  if (!doc.apiVersion || !doc.kind) return false;
  if (doc.kind === 'Service') return doc.apiVersion.startsWith('serving.knative.dev/');
  return WORKLOAD_KINDS.has(doc.kind);
}

const PROBE = /^[ \t]*(?:-[ \t]+)?(livenessProbe|readinessProbe|startupProbe)[ \t]*:/gm;

/** Kubernetes liveness, readiness and startup probes in a manifest, template or values file, as health-check evidence (a commented-out probe does not match). */
export function findProbes(text: string, file: string): Evidence[] {
  if (!text.includes('Probe')) return [];
  const lines = new LineIndex(text);
  const out: Evidence[] = [];
  for (const m of text.matchAll(PROBE)) {
    const line = lines.lineAt(m.index);
    out.push({ file, line, excerpt: lines.excerpt(line) });
  }
  return out;
}

function isYaml(path: string): boolean {
  return path.endsWith('.yaml') || path.endsWith('.yml');
}

const COMPOSE = /^(?:docker-compose[\w.-]*|compose(?:\.[\w.-]+)?)\.ya?ml$/;
const KUSTOMIZATION = /^(?:kustomization\.ya?ml|Kustomization)$/;

/** The workload documents of a YAML file (memoised). */
function workloadsIn(files: RepoFiles, path: string): Array<ManifestDocument & { excerpt: string }> {
  return repoIndex(files).memo(`workloads:${path}`, () => {
    const text = files.read(path);
    if (text === null || !text.includes('kind:')) return [];
    const lines = new LineIndex(text);
    return manifestDocuments(text).filter(isWorkload).map((d) => ({ ...d, excerpt: lines.excerpt(d.line) }));
  });
}

interface DeploymentFiles {
  findings: Map<DeploymentDescriptor, Evidence[]>;
  /** Files in which Kubernetes probes may be written: workload manifests and chart files. */
  probeFiles: string[];
}

function deploymentFiles(files: RepoFiles, folder: string): DeploymentFiles {
  return repoIndex(files).memo(`deployment:${folder}`, () => {
    // Manifests among test fixtures deploy nothing of the service.
    const own = ownFiles(files, folder).filter((p) => !isTestFolder(folderOf(p)));
    const findings = new Map<DeploymentDescriptor, Evidence[]>();
    const add = (kind: DeploymentDescriptor, ev: Evidence) => {
      let list = findings.get(kind);
      if (!list) findings.set(kind, (list = []));
      list.push(ev);
    };
    const charts = own.filter((p) => baseName(p) === 'Chart.yaml').map(folderOf);
    const probeFiles: string[] = [];
    for (const p of own) {
      const name = baseName(p);
      if (name === 'Chart.yaml') {
        const text = files.read(p) ?? '';
        const m = /^name:.*$/m.exec(text);
        const lines = new LineIndex(text);
        add('helm', m ? { file: p, line: lines.lineAt(m.index), excerpt: lines.excerpt(lines.lineAt(m.index)) } : { file: p });
        continue;
      }
      if (/^helmfile\.ya?ml(?:\.gotmpl)?$/.test(name)) {
        add('helm', { file: p });
        continue;
      }
      if (p.endsWith('.tf') || p.endsWith('.tf.json')) {
        add('terraform', { file: p });
        continue;
      }
      if (!isYaml(p) && name !== 'Kustomization') continue;
      if (KUSTOMIZATION.test(name)) {
        add('kustomize', { file: p });
        continue;
      }
      if (COMPOSE.test(name)) {
        add('compose', { file: p });
        continue;
      }
      if (/^score[\w.-]*\.ya?ml$/.test(name)) {
        const text = files.read(p) ?? '';
        const m = /^apiVersion:[ \t]*["']?score\.dev\//m.exec(text);
        if (m) {
          const lines = new LineIndex(text);
          add('score', { file: p, line: lines.lineAt(m.index), excerpt: lines.excerpt(lines.lineAt(m.index)) });
          continue;
        }
      }
      if (charts.some((c) => isWithin(p, c))) {
        // Chart templates and values are the chart's; their probes still count.
        probeFiles.push(p);
        continue;
      }
      const workloads = workloadsIn(files, p);
      if (workloads.length) probeFiles.push(p);
      for (const w of workloads) add('kubernetes', { file: p, line: w.line, excerpt: w.excerpt });
    }
    return { findings, probeFiles };
  });
}

/** Deployment descriptors in one service folder, each with the files (and lines) that say so. */
export function scanDeployment(files: RepoFiles, folder: string): Array<Finding<DeploymentDescriptor>> {
  return [...deploymentFiles(files, folder).findings].map(([name, evidence]) => ({ name, evidence: [...evidence] }));
}

/** Kubernetes probes in the service's workload manifests and Helm charts. */
export function deploymentHealthChecks(files: RepoFiles, folder: string): Evidence[] {
  const out: Evidence[] = [];
  for (const p of deploymentFiles(files, folder).probeFiles) {
    const text = files.read(p);
    if (text !== null) out.push(...findProbes(text, p));
  }
  return out;
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentHealthChecks, findProbes, manifestDocuments, scanDeployment } from './deployment.js';
import { filesFromDirectory, filesFromMap } from './files.js';

const fixture = (name: string) => filesFromDirectory(join(import.meta.dirname, 'fixtures', name));

describe('scanDeployment on the fixtures', () => {
  it('node-service: a Deployment (the Service next to it is no workload) and its readiness probe; the commented-out liveness probe does not count', async () => {
    const files = await fixture('node-service');
    expect(scanDeployment(files, '.')).toEqual([{ name: 'kubernetes', evidence: [{ file: 'deploy/k8s/deployment.yaml', line: 2, excerpt: 'kind: Deployment' }] }]);
    expect(deploymentHealthChecks(files, '.')).toEqual([{ file: 'deploy/k8s/deployment.yaml', line: 22, excerpt: 'readinessProbe:' }]);
  });

  it('java-service: a Helm chart (its templates are not listed as plain manifests), probes from the template', async () => {
    const files = await fixture('java-service');
    expect(scanDeployment(files, '.')).toEqual([{ name: 'helm', evidence: [{ file: 'charts/orders/Chart.yaml', line: 2, excerpt: 'name: orders' }] }]);
    expect(deploymentHealthChecks(files, '.')).toEqual([
      { file: 'charts/orders/templates/deployment.yaml', line: 23, excerpt: 'livenessProbe:' },
      { file: 'charts/orders/templates/deployment.yaml', line: 27, excerpt: 'readinessProbe:' },
    ]);
  });

  it('go-service: Compose; python-service: Score; monorepo api: Kubernetes and Kustomize; the root Terraform belongs to no service', async () => {
    expect(scanDeployment(await fixture('go-service'), '.')).toEqual([{ name: 'compose', evidence: [{ file: 'docker-compose.yml' }] }]);
    expect(scanDeployment(await fixture('python-service'), '.')).toEqual([{ name: 'score', evidence: [{ file: 'score.yaml', line: 1, excerpt: 'apiVersion: score.dev/v1b1' }] }]);
    const mono = await fixture('monorepo');
    expect(scanDeployment(mono, 'services/api')).toEqual([
      { name: 'kubernetes', evidence: [{ file: 'services/api/deploy/deployment.yaml', line: 2, excerpt: 'kind: Deployment' }] },
      { name: 'kustomize', evidence: [{ file: 'services/api/deploy/kustomization.yaml' }] },
    ]);
    expect(scanDeployment(mono, 'services/web')).toEqual([]);
  });
});

describe('descriptors', () => {
  it('recognises each kind by name and content', () => {
    const files = filesFromMap({
      'k8s/all.yaml': '---\napiVersion: v1\nkind: ConfigMap\n---\n# a job\napiVersion: batch/v1\nkind: CronJob\n...\n',
      'k8s/knative.yaml': 'apiVersion: serving.knative.dev/v1\nkind: Service\n',
      'k8s/svc.yaml': 'apiVersion: v1\nkind: Service\n',
      'k8s/crd.yaml': "apiVersion: 'argoproj.io/v1alpha1'\nkind: Rollout # canary\n",
      'openapi.yaml': 'openapi: 3.0.0\ninfo:\n  title: x\n  kind: Deployment\n',
      'compose.override.yaml': 'services: {}\n',
      'docker-compose.prod.yml': 'services: {}\n',
      'score-dev.yaml': 'apiVersion: score.dev/v1b1\n',
      'score.yaml': 'apiVersion: other/v1\n',
      'infra/main.tf': 'resource "x" "y" {}\n',
      'infra/vars.tf.json': '{}',
      'overlays/prod/Kustomization': 'resources: []\n',
      'helmfile.yaml': 'releases: []\n',
    });
    expect(scanDeployment(files, '.')).toEqual([
      { name: 'compose', evidence: [{ file: 'compose.override.yaml' }, { file: 'docker-compose.prod.yml' }] },
      { name: 'helm', evidence: [{ file: 'helmfile.yaml' }] },
      { name: 'terraform', evidence: [{ file: 'infra/main.tf' }, { file: 'infra/vars.tf.json' }] },
      {
        name: 'kubernetes',
        evidence: [
          { file: 'k8s/all.yaml', line: 7, excerpt: 'kind: CronJob' },
          { file: 'k8s/crd.yaml', line: 2, excerpt: 'kind: Rollout # canary' },
          { file: 'k8s/knative.yaml', line: 2, excerpt: 'kind: Service' },
        ],
      },
      { name: 'kustomize', evidence: [{ file: 'overlays/prod/Kustomization' }] },
      { name: 'score', evidence: [{ file: 'score-dev.yaml', line: 1, excerpt: 'apiVersion: score.dev/v1b1' }] },
    ]);
  });

  it('reads documents of a Helm template, which is no YAML before rendering', () => {
    expect(manifestDocuments('{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: {{ .Values.kind | default "Deployment" }}\n{{- end }}\n---\nkind: Job\n')).toEqual([
      { apiVersion: 'apps/v1', kind: '{{ .Values.kind | default "Deployment" }}', line: 3 },
      { apiVersion: null, kind: 'Job', line: 6 },
    ]);
  });

  it('finds liveness, readiness and startup probes, in list items too', () => {
    expect(findProbes('containers:\n  - startupProbe:\n      exec: {}\n    livenessProbe: {}\n    # readinessProbe:\n', 'd.yaml')).toEqual([
      { file: 'd.yaml', line: 2, excerpt: '- startupProbe:' },
      { file: 'd.yaml', line: 4, excerpt: 'livenessProbe: {}' },
    ]);
  });
});

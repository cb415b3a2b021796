/**
 * The kubernetes driver (issue #5): renders a workload and its environment as Kubernetes objects with
 * kubernetes-models, validates them offline (including what `validate()` misses: unknown fields, DNS-1123 names,
 * labels), and lays them out for the environment repository so Argo CD or Flux can sync it. Pure functions; applying
 * to a cluster is Argo CD's or Flux's job. Doc: docs/environments-kubernetes.md.
 */
export {
  renderWorkload,
  renderEnvironment,
  secretName,
  secretKeys,
  instanceName,
  LABEL_NAME,
  LABEL_INSTANCE,
  LABEL_PART_OF,
  LABEL_ENVIRONMENT,
  LABEL_RELEASE,
  ANNOTATION_COMMIT,
  ANNOTATION_ARTIFACT,
  type RenderOptions,
} from './render.js';
export { validateObjects, objectProblems, type RenderedObject, type ObjectProblem } from './validate.js';
export { gitopsLayout, validateLayout, KUSTOMIZATION_FILE } from './gitops.js';
export { kubernetesSettings, namespaceOf, DEFAULT_REGISTRY, type KubernetesSettings, type Quantities } from './settings.js';
export {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkDns1035Label,
  checkPortName,
  checkQualifiedName,
  checkLabelValue,
  checkEnvVarName,
  checkConfigKey,
} from './names.js';
export { formatPath, type Segment } from './paths.js';

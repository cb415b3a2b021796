/**
 * Kubernetes' name and value syntaxes, as the API server checks them (k8s.io/apimachinery/pkg/util/validation).
 * kubernetes-models' `validate()` only checks types, so a manifest with `Orders-API` as a name passes it and is
 * then rejected by the cluster, long after the commit. Each check returns what is wrong, or undefined.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Names of Namespaces, containers and label-like parts: at most 63 of `a-z 0-9 -`, alphanumeric at both ends. */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (found ${value.length})`;
  if (!DNS1123_LABEL.test(value)) {
    return 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Names of most objects (Deployment, ServiceAccount, ...): dot-separated DNS-1123 labels, at most 253 characters. */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters (found ${value.length})`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Service names become DNS names in the cluster, so they must also start with a letter. */
export function checkDns1035Label(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (found ${value.length})`;
  if (!DNS1035_LABEL.test(value)) {
    return 'must be a DNS-1035 label: lower-case letters, digits and "-", starting with a letter and ending with a letter or digit';
  }
  return undefined;
}

/** Container port names (IANA_SVC_NAME): at most 15 characters, at least one letter, no `--`. */
export function checkPortName(value: string): string | undefined {
  if (value.length > 15) return `must be at most 15 characters (found ${value.length})`;
  if (!IANA_SVC_NAME.test(value)) {
    return 'must be an IANA service name: lower-case letters, digits and "-", starting and ending with a letter or digit';
  }
  if (value.includes('--')) return 'must not contain "--"';
  if (!/[a-z]/.test(value)) return 'must contain at least one letter';
  return undefined;
}

/** Label and annotation keys: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function checkQualifiedName(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'must be a name with at most one "/" prefix (e.g. "app.kubernetes.io/name")';
  const name = parts.length === 2 ? (parts[1] as string) : key;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === '') return 'must not have an empty prefix before "/"';
    const bad = checkDns1123Subdomain(prefix);
    if (bad) return `prefix "${prefix}" ${bad}`;
  }
  if (name.length === 0) return 'must have a name (after the prefix, if any)';
  if (name.length > 63) return `name part must be at most 63 characters (found ${name.length})`;
  if (!QUALIFIED_NAME.test(name)) {
    return 'name part must consist of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Label values: empty, or at most 63 of letters, digits, `-_.`, alphanumeric at both ends. */
export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (found ${value.length})`;
  if (!LABEL_VALUE.test(value)) {
    return 'must be empty or consist of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Environment variable names, as the API server accepts them (and shells can read without quoting). */
export function checkEnvVarName(value: string): string | undefined {
  if (!ENV_VAR_NAME.test(value)) {
    return 'must consist of letters, digits, "_", "-" and ".", and must not start with a digit';
  }
  return undefined;
}

/** Keys of a Secret or ConfigMap. */
export function checkConfigKey(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters (found ${value.length})`;
  if (!CONFIG_KEY.test(value)) return 'must consist of letters, digits, "-", "_" and "."';
  if (value === '.' || value === '..') return 'must not be "." or ".."';
  return undefined;
}

/**
 * Field format rules of the Backstage descriptor format, which follow Kubernetes' object names, labels and
 * annotations (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/). Each rule has an
 * `expected` text so every message about it says the same thing.
 */

const OBJECT_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_LABEL = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const TAG = /^[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*$/;
const KIND = /^[a-zA-Z][a-zA-Z0-9]*$/;

/** `metadata.name`, and the name part of refs. */
export function isValidEntityName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 63 && OBJECT_NAME.test(value);
}
export const ENTITY_NAME_EXPECTED =
  'a string of 1–63 characters [a-zA-Z0-9] at both ends with [-_.] between';

/** RFC 1123 DNS label: `metadata.namespace`. */
export function isValidNamespace(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 63 && DNS_LABEL.test(value);
}
export const NAMESPACE_EXPECTED = 'a lower-case DNS label of 1–63 characters: [a-z0-9] separated by single -';

/** RFC 1123 DNS subdomain: dot-separated DNS labels, at most 253 characters. */
export function isValidDnsSubdomain(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 253 &&
    value.split('.').every((part) => isValidNamespace(part))
  );
}

/** Tags are lower-case words joined by `-`; `:`, `+` and `#` are allowed so `c++` and `c#` work. */
export function isValidTag(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 63 && TAG.test(value);
}
export const TAG_EXPECTED = 'a lower-case string of 1–63 characters: [a-z0-9:+#] separated by single -';

/** `prefix/name` where the optional prefix is a DNS subdomain; used by label and annotation keys. */
function isValidPrefixedName(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = value.split('/');
  if (parts.length === 1) return isValidEntityName(parts[0]);
  if (parts.length === 2) return isValidDnsSubdomain(parts[0]) && isValidEntityName(parts[1]);
  return false;
}

/** Label keys: `[prefix/]name` as Kubernetes has them. */
export function isValidLabelKey(value: unknown): value is string {
  return isValidPrefixedName(value);
}
export const KEY_EXPECTED =
  'a key of the form [prefix/]name: an optional DNS subdomain prefix, and a name of 1–63 characters [a-zA-Z0-9] at both ends with [-_.] between';

/** Label values are names, or empty. */
export function isValidLabelValue(value: unknown): value is string {
  return value === '' || isValidEntityName(value);
}
export const LABEL_VALUE_EXPECTED =
  'an empty string or a string of 1–63 characters [a-zA-Z0-9] at both ends with [-_.] between';

/** Annotation keys follow the label key rule; their values may be any string. */
export function isValidAnnotationKey(value: unknown): value is string {
  return isValidPrefixedName(value);
}

/** Kinds are identifiers: `Component`, `API`, `Environment`. */
export function isValidKind(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 63 && KIND.test(value);
}
export const KIND_EXPECTED = 'a string of 1–63 characters starting with a letter, letters and digits only';

/** An absolute URL, as `new URL()` accepts it. */
export function isValidUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds of a duration such as `72h`, `90m` or `1h30m` (units ms, s, m, h, d, w), or undefined when
 * the text is not such a duration or is zero.
 */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(DURATION_PART)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  }
  return total > 0 && Number.isFinite(total) ? total : undefined;
}
export const DURATION_EXPECTED = 'a positive duration such as "72h", "30m" or "1h30m" (units ms, s, m, h, d, w)';

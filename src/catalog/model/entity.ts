/**
 * The entity envelope, as in Backstage's descriptor format (ADR 002): `apiVersion`, `kind`, `metadata`,
 * `spec`. Relations and status are computed by the catalog and are not part of what users write.
 */

/** The namespace an entity lives in when its descriptor names none. */
export const DEFAULT_NAMESPACE = 'default';

/** Metadata common to every kind. Extra keys are allowed, as Backstage allows them. */
export interface EntityMetadata {
  name: string;
  namespace?: string;
  title?: string;
  description?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  tags?: string[];
  links?: Array<{ url: string; title?: string; icon?: string; type?: string }>;
  uid?: string;
  etag?: string;
  [k: string]: unknown;
}

/** One catalog entity as written in a descriptor (after validation). */
export interface Entity {
  apiVersion: string;
  kind: string;
  metadata: EntityMetadata;
  spec?: Record<string, unknown>;
}

/** A plain object (a YAML mapping or JSON object), not an array or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { randomBytes, randomUUID } from 'node:crypto';

/** A new random id (UUID v4). */
export function newId(): string {
  return randomUUID();
}

/** A URL-safe random secret of `bytes` bytes of entropy. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Now as an ISO-8601 UTC string: the store's time format. */
export function nowIso(): string {
  return new Date().toISOString();
}

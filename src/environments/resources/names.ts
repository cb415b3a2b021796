import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { ResourceKey } from '../model/types.js';

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1). */
export const PG_IDENTIFIER_MAX = 63;

const SIMPLE = /^[a-z0-9]+$/;

/**
 * The role and database name of a postgres resource: `gx_<env>_<component>_<name>`. When a part has characters
 * other than a-z and 0-9 (`orders-api`, `Ünïcode`), sanitising could make two keys one name (`a-b`+`c` and
 * `a`+`b-c` both give `a_b_c`), and when the name is too long truncating could; then the name ends in a short
 * hash of the exact key, so distinct keys always get distinct names.
 */
export function postgresName(key: ResourceKey): string {
  const parts = [key.environment, key.component, key.name];
  const plain = `gx_${parts.join('_')}`;
  if (parts.every((p) => SIMPLE.test(p)) && plain.length <= PG_IDENTIFIER_MAX) return plain;
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 10);
  const body = `gx_${parts.map((p) => p.toLowerCase().replace(/[^a-z0-9]+/g, '_')).join('_')}`.replace(/_+/g, '_');
  return `${body.slice(0, PG_IDENTIFIER_MAX - hash.length - 1).replace(/_+$/, '')}_${hash}`;
}

/**
 * The password of a postgres resource's role: HMAC-SHA256 of the key under the platform's secret key, base64url.
 * Deterministic, so it is never stored and provisioning again gives the same one; different for every key and
 * every platform (secret key).
 */
export function derivePassword(secretKey: Buffer, key: ResourceKey): string {
  return createHmac('sha256', secretKey)
    .update(`gantry/postgres-password/v1\0${key.environment}\0${key.component}\0${key.name}`)
    .digest('base64url');
}

/**
 * A SCRAM-SHA-256 verifier of a password (RFC 5802/7677, PostgreSQL's `rolpassword` format). Sending the verifier
 * rather than the password in `ALTER ROLE ... PASSWORD` keeps the password out of the server's statement log.
 * The password is ASCII (base64url), so SASLprep leaves it unchanged.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

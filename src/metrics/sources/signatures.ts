import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks GitHub's `X-Hub-Signature-256: sha256=<hex>` header: the HMAC-SHA256 of the exact raw body (the bytes
 * received, before any JSON parsing) under the webhook secret, compared in constant time
 * (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). False when the header is
 * missing or malformed, and when the secret is empty (a webhook without a secret is not trusted).
 */
export function verifyGithubSignature(secret: string, rawBody: Uint8Array | string, header: string | undefined): boolean {
  if (!secret || typeof header !== 'string') return false;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m?.[1]) return false;
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[1], 'hex'));
}

/**
 * Checks GitLab's `X-Gitlab-Token` header, which carries the secret itself
 * (https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token).
 * Both sides are hashed first so the comparison takes the same time whatever their lengths. False when the
 * header is missing or the secret is empty.
 */
export function verifyGitlabToken(secret: string, header: string | undefined): boolean {
  if (!secret || typeof header !== 'string') return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(secret), digest(header));
}

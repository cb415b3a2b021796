import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyGithubSignature, verifyGitlabToken } from './signatures.js';

// The test vector published in GitHub's "Validating webhook deliveries" page.
const SECRET = "It's a Secret to Everybody";
const BODY = 'Hello, World!';
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('verifyGithubSignature', () => {
  it("accepts GitHub's documented example, from a string or from bytes", () => {
    expect(verifyGithubSignature(SECRET, BODY, SIGNATURE)).toBe(true);
    expect(verifyGithubSignature(SECRET, new TextEncoder().encode(BODY), SIGNATURE)).toBe(true);
    expect(verifyGithubSignature(SECRET, BODY, SIGNATURE.toUpperCase().replace('SHA256=', 'sha256='))).toBe(true);
  });

  it('rejects a signature made with another secret or over another body', () => {
    expect(verifyGithubSignature('another secret', BODY, SIGNATURE)).toBe(false);
    expect(verifyGithubSignature(SECRET, 'Hello, World!\n', SIGNATURE)).toBe(false);
    // One digit changed.
    expect(verifyGithubSignature(SECRET, BODY, SIGNATURE.replace(/7$/, '8'))).toBe(false);
  });

  it('checks the exact raw bytes: the same JSON re-serialised does not verify', () => {
    const raw = readFileSync(new URL('./fixtures/github/ping.json', import.meta.url));
    const header = 'sha256=' + createHmacHex(SECRET, raw);
    expect(verifyGithubSignature(SECRET, raw, header)).toBe(true);
    expect(verifyGithubSignature(SECRET, JSON.stringify(JSON.parse(raw.toString('utf8'))), header)).toBe(false);
  });

  it('rejects a missing or malformed header and an empty secret', () => {
    expect(verifyGithubSignature(SECRET, BODY, undefined)).toBe(false);
    expect(verifyGithubSignature(SECRET, BODY, '')).toBe(false);
    expect(verifyGithubSignature(SECRET, BODY, SIGNATURE.slice('sha256='.length))).toBe(false);
    expect(verifyGithubSignature(SECRET, BODY, 'sha1=2a6cc9e4b6a9fbbb2e6ea5c0ff7e0e3d2d1f1b4a')).toBe(false);
    expect(verifyGithubSignature(SECRET, BODY, 'sha256=757107ea')).toBe(false);
    expect(verifyGithubSignature(SECRET, BODY, 'sha256=' + 'zz'.repeat(32))).toBe(false);
    expect(verifyGithubSignature('', BODY, SIGNATURE)).toBe(false);
  });
});

describe('verifyGitlabToken', () => {
  it('accepts exactly the secret', () => {
    expect(verifyGitlabToken('s3cret-token', 's3cret-token')).toBe(true);
  });

  it('rejects another token, of any length, a missing header and an empty secret', () => {
    expect(verifyGitlabToken('s3cret-token', 's3cret-tokem')).toBe(false);
    expect(verifyGitlabToken('s3cret-token', 's3cret')).toBe(false);
    expect(verifyGitlabToken('s3cret-token', 's3cret-token ')).toBe(false);
    expect(verifyGitlabToken('s3cret-token', '')).toBe(false);
    expect(verifyGitlabToken('s3cret-token', undefined)).toBe(false);
    expect(verifyGitlabToken('', '')).toBe(false);
  });
});

// Independent of the code under test: node's HMAC, as GitHub computes it.
function createHmacHex(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

import { describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../core/errors.js';
import { parseGitRequest, tokenOf } from './http.js';

const q = (s = '') => new URLSearchParams(s);

describe('parseGitRequest', () => {
  it('reads the three smart-HTTP endpoints, with or without .git', () => {
    expect(parseGitRequest('/demo/info/refs', 'GET', q('service=git-upload-pack'))).toEqual({
      name: 'demo',
      service: 'git-upload-pack',
      endpoint: 'info/refs',
    });
    expect(parseGitRequest('/demo.git/info/refs', 'GET', q('service=git-receive-pack'))).toEqual({
      name: 'demo',
      service: 'git-receive-pack',
      endpoint: 'info/refs',
    });
    expect(parseGitRequest('/demo.git/git-receive-pack', 'POST', q())).toEqual({
      name: 'demo',
      service: 'git-receive-pack',
      endpoint: 'git-receive-pack',
    });
  });

  it('decodes the name but keeps it one path segment', () => {
    expect(parseGitRequest('/%64emo/git-upload-pack', 'POST', q()).name).toBe('demo');
    expect(parseGitRequest('/..%2Fetc/git-upload-pack', 'POST', q()).name).toBe('../etc');
    expect(() => parseGitRequest('/../etc/git-upload-pack', 'POST', q())).toThrow(NotFoundError);
    expect(() => parseGitRequest('/%E0%A4%A/git-upload-pack', 'POST', q())).toThrow(InputError);
  });

  it('refuses other paths, the dumb protocol and wrong methods', () => {
    expect(() => parseGitRequest('/demo/HEAD', 'GET', q())).toThrow(NotFoundError);
    expect(() => parseGitRequest('/demo/objects/info/packs', 'GET', q())).toThrow(NotFoundError);
    expect(() => parseGitRequest('/demo/info/refs', 'GET', q())).toThrow(/found none/);
    expect(() => parseGitRequest('/demo/info/refs', 'GET', q('service=git-upload-archive'))).toThrow(
      /found "git-upload-archive"/,
    );
    expect(() => parseGitRequest('/demo/info/refs', 'POST', q('service=git-upload-pack'))).toThrow(/expected GET/);
    expect(() => parseGitRequest('/demo/git-upload-pack', 'GET', q())).toThrow(/expected POST/);
  });
});

describe('tokenOf', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  it('takes the token from Bearer, or from Basic as password or user name', () => {
    expect(tokenOf('Bearer gty_abc')).toBe('gty_abc');
    expect(tokenOf(basic('anyone:gty_abc'))).toBe('gty_abc');
    expect(tokenOf(basic('gty_abc:'))).toBe('gty_abc');
    expect(tokenOf(basic('gty_abc'))).toBe('gty_abc');
    expect(tokenOf(basic('x:pa:ss'))).toBe('pa:ss');
  });
  it('finds nothing in a missing, empty or foreign header', () => {
    expect(tokenOf(undefined)).toBeNull();
    expect(tokenOf(basic(':'))).toBeNull();
    expect(tokenOf('Digest username="x"')).toBeNull();
    expect(tokenOf('Bearer')).toBeNull();
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivePassword, PG_IDENTIFIER_MAX, postgresName, scramVerifier } from './names.js';

const key = (environment: string, component: string, name: string) => ({ environment, component, name });

describe('postgresName', () => {
  it('is gx_<env>_<component>_<name> when every part is plain lowercase letters and digits', () => {
    expect(postgresName(key('dev', 'orders', 'db'))).toBe('gx_dev_orders_db');
  });

  it('sanitises other characters and adds a hash, so keys that sanitise alike stay distinct', () => {
    const a = postgresName(key('a-b', 'c', 'db'));
    const b = postgresName(key('a', 'b-c', 'db'));
    expect(a).toMatch(/^gx_a_b_c_db_[0-9a-f]{10}$/);
    expect(b).toMatch(/^gx_a_b_c_db_[0-9a-f]{10}$/);
    expect(a).not.toBe(b);
    expect(postgresName(key('dev', 'Orders "API"; drop', 'db'))).toMatch(/^gx_dev_orders_api_drop_db_[0-9a-f]{10}$/);
  });

  it('stays within 63 characters, distinct for keys that differ only past the cut', () => {
    const long = 'x'.repeat(80);
    const a = postgresName(key('dev', long, 'one'));
    const b = postgresName(key('dev', long, 'two'));
    expect(a.length).toBeLessThanOrEqual(PG_IDENTIFIER_MAX);
    expect(b.length).toBeLessThanOrEqual(PG_IDENTIFIER_MAX);
    expect(a).not.toBe(b);
    expect(postgresName(key('dev', long, 'one'))).toBe(a);
  });
});

describe('derivePassword', () => {
  it('is deterministic per secret key and resource key, and differs otherwise', () => {
    const secret = Buffer.alloc(32, 1);
    const p = derivePassword(secret, key('dev', 'orders', 'db'));
    expect(p).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(derivePassword(secret, key('dev', 'orders', 'db'))).toBe(p);
    expect(derivePassword(secret, key('dev', 'orders', 'db2'))).not.toBe(p);
    expect(derivePassword(secret, key('staging', 'orders', 'db'))).not.toBe(p);
    expect(derivePassword(Buffer.alloc(32, 2), key('dev', 'orders', 'db'))).not.toBe(p);
  });
});

describe('scramVerifier', () => {
  it('matches the RFC 7677 test vector', () => {
    // RFC 7677 section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations; the
    // client proof there is built from the StoredKey this verifier holds, so check the ServerSignature instead:
    // it is HMAC(ServerKey, AuthMessage) = 6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=.
    const v = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const [, serverKey] = v.split('$')[2]!.split(':');
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const signature = createHmac('sha256', Buffer.from(serverKey!, 'base64')).update(authMessage).digest('base64');
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$/);
    expect(signature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });
});

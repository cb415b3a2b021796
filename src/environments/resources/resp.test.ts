import { describe, expect, it } from 'vitest';
import { parseRedisUrl, parseReply } from './resp.js';

const reply = (text: string) => parseReply(Buffer.from(text), 0);

describe('parseReply', () => {
  it('reads simple strings, integers, bulk strings, nulls and arrays', () => {
    expect(reply('+OK\r\n')).toEqual({ reply: 'OK', end: 5 });
    expect(reply(':15\r\n')).toEqual({ reply: 15, end: 5 });
    expect(reply('$4\r\nhé!\r\n')).toEqual({ reply: 'hé!', end: 10 });
    expect(reply('$-1\r\n')).toEqual({ reply: null, end: 5 });
    expect(reply('*2\r\n+a\r\n:1\r\n')).toEqual({ reply: ['a', 1], end: 12 });
  });

  it('waits for a whole reply', () => {
    expect(reply('+OK')).toBeUndefined();
    expect(reply('$10\r\nabc')).toBeUndefined();
    expect(reply('*2\r\n+a\r\n')).toBeUndefined();
  });

  it('turns error replies into errors, consuming the whole reply', () => {
    const r = reply('-WRONGPASS invalid username-password pair\r\n+OK\r\n');
    expect(r?.reply).toBeInstanceOf(Error);
    expect((r?.reply as Error).message).toBe('redis: WRONGPASS invalid username-password pair');
    expect(r?.end).toBe(43);
    expect(reply('*2\r\n-ERR x\r\n+b\r\n')?.end).toBe(16);
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port and credentials; refuses TLS and other schemes', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(parseRedisUrl('redis://:p%40ss@cache')).toEqual({ host: 'cache', port: 6379, password: 'p@ss' });
    expect(parseRedisUrl('redis://app:pw@[::1]:6380/2')).toEqual({ host: '::1', port: 6380, username: 'app', password: 'pw' });
    expect(() => parseRedisUrl('rediss://cache')).toThrow(/TLS is not supported/);
    expect(() => parseRedisUrl('not a url')).toThrow(/not a URL/);
  });
});

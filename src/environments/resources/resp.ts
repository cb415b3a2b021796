import { connect, type Socket } from 'node:net';
import { GantryError, UnavailableError } from '../../core/errors.js';

/**
 * Just enough of the Redis protocol (RESP2) for the redis provisioner: one connection, commands sent one at a time,
 * replies parsed. Gantry needs a handful of commands (AUTH, PING, SELECT, SET NX, GET, DBSIZE, FLUSHDB), which does
 * not justify a client library.
 */

export type RespReply = string | number | null | RespReply[];

/** What a `redis://[user:password@]host[:port]` URL names; `rediss://` (TLS) is not supported. */
export interface RedisAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export function parseRedisUrl(text: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GantryError('redis: the configured Redis URL is not a URL (redis://[:password@]host[:port])');
  }
  if (url.protocol !== 'redis:') throw new GantryError(`redis: expected a redis:// URL, found ${url.protocol}// (TLS is not supported)`);
  const address: RedisAddress = { host: (url.hostname || '127.0.0.1').replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379) };
  if (url.username) address.username = decodeURIComponent(url.username);
  if (url.password) address.password = decodeURIComponent(url.password);
  return address;
}

export class RespClient {
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<{ resolve: (r: RespReply) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(this.failure);
    };
    socket.on('error', (e) => fail(new UnavailableError(`redis: connection failed: ${e.message}`)));
    socket.on('close', () => fail(new UnavailableError('redis: the server closed the connection')));
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer within 15 s')));
  }

  /** Connects, authenticates when the address has a password, and checks the server answers PING. */
  static async open(address: RedisAddress): Promise<RespClient> {
    const socket = connect({ host: address.host, port: address.port, timeout: 10_000 });
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        socket.destroy();
        reject(new UnavailableError(`redis: cannot connect to ${address.host}:${address.port}: ${why}`));
      };
      socket.once('connect', resolve);
      socket.once('error', (e) => fail(e.message));
      socket.once('timeout', () => fail('no answer within 10 s'));
    });
    socket.removeAllListeners('timeout');
    const client = new RespClient(socket);
    try {
      if (address.password !== undefined) {
        await client.command(...(address.username ? ['AUTH', address.username, address.password] : ['AUTH', address.password]));
      }
      const pong = await client.command('PING');
      if (pong !== 'PONG') throw new UnavailableError(`redis: expected PONG from ${address.host}:${address.port}, found ${JSON.stringify(pong)}`);
    } catch (e) {
      client.close();
      throw e;
    }
    return client;
  }

  command(...args: string[]): Promise<RespReply> {
    if (this.failure) return Promise.reject(this.failure);
    const parts = [`*${args.length}\r\n`];
    for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(parts.join(''));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const w = this.waiting.shift();
      if (!w) continue;
      if (parsed.reply instanceof Error) w.reject(parsed.reply);
      else w.resolve(parsed.reply);
    }
  }
}

type Parsed = { reply: RespReply | Error; end: number };

/** One reply starting at `at`, or undefined while more bytes are needed. Error replies become Errors. */
export function parseReply(buf: Buffer, at: number): Parsed | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at] as number)) {
    case '+':
      return { reply: line, end: next };
    case '-':
      // Never echo the command: an AUTH error must not carry the password.
      return { reply: new GantryError(`redis: ${line}`), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { reply: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { reply: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RespReply[] = [];
      let error: Error | undefined;
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, pos);
        if (!item) return undefined;
        if (item.reply instanceof Error) error ??= item.reply;
        else items.push(item.reply);
        pos = item.end;
      }
      return { reply: error ?? items, end: pos };
    }
    default:
      return { reply: new GantryError(`redis: unexpected reply ${JSON.stringify(buf.toString('utf8', at, Math.min(eol, at + 40)))}`), end: next };
  }
}

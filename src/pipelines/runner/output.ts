import { StringDecoder } from 'node:string_decoder';
import { formatBytes } from './format.js';

/** Secrets shorter than this are not masked: masking `a` or `true` would garble every log and hide nothing. */
export const MIN_SECRET_LENGTH = 4;
const MASK = '***';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces secret values with `***`. A multi-line value (a private key) is also masked line by line, since a
 * program may print it with other line endings.
 */
export class SecretMasker {
  readonly #re: RegExp | null;
  /** Length of the longest value masked; a stream holds back one less than this. */
  readonly maxLength: number;

  constructor(values: Iterable<string>) {
    const set = new Set<string>();
    for (const v of values) {
      if (v.length >= MIN_SECRET_LENGTH) set.add(v);
      if (v.includes('\n')) {
        for (const line of v.split('\n')) {
          const t = line.replace(/\r$/, '').trim();
          if (t.length >= MIN_SECRET_LENGTH) set.add(t);
        }
      }
    }
    // Longest first, so a value that contains another is masked whole.
    const sorted = [...set].sort((a, b) => b.length - a.length);
    this.#re = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : null;
    this.maxLength = sorted[0]?.length ?? 0;
  }

  /** Masks a complete text (a reason, a finding, an error message). */
  mask(text: string): string {
    return this.#re ? text.replace(this.#re, MASK) : text;
  }

  /** A masker for one stream of chunks: catches values split across chunks. */
  stream(): MaskingStream {
    return new MaskingStream(this.#re, this.maxLength);
  }
}

/**
 * Streaming masking. Holds back the last `maxLength - 1` characters of what it has seen, since they may be the
 * start of a secret whose end is in the next chunk. Any secret that starts earlier than that is complete in the
 * buffer, so it is masked before it is passed on.
 */
export class MaskingStream {
  #tail = '';

  constructor(
    private readonly re: RegExp | null,
    private readonly maxLength: number,
  ) {}

  push(text: string): string {
    if (!this.re) return text;
    const buf = this.#tail + text;
    const cut = buf.length - (this.maxLength - 1);
    let out = '';
    let pos = 0;
    for (const m of buf.matchAll(this.re)) {
      // A match in the held-back region may be the prefix of a longer secret: decide on the next chunk.
      if (m.index >= cut) break;
      out += buf.slice(pos, m.index) + MASK;
      pos = m.index + m[0].length;
    }
    let keepFrom = Math.max(pos, cut);
    // Do not split a UTF-16 surrogate pair between what is passed on and what is held back.
    if (keepFrom > pos && keepFrom < buf.length && isHighSurrogate(buf.charCodeAt(keepFrom - 1))) keepFrom--;
    out += buf.slice(pos, keepFrom);
    this.#tail = buf.slice(keepFrom);
    return out;
  }

  /** What is still held back, masked. */
  end(): string {
    const rest = this.#tail;
    this.#tail = '';
    return this.re ? rest.replace(this.re, MASK) : rest;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

const NO_SPACE = Buffer.from('No space left on device');

/**
 * One step's output on its way to `onLog`: decoded as UTF-8, masked, capped at `maxBytes`. Beyond the cap one
 * notice line is sent and the rest is dropped (the caller keeps reading the pipe, so the process never blocks on
 * a full pipe). It also notes whether the output said "No space left on device" (disk-full detection).
 */
export class StepOutput {
  readonly #decoder = new StringDecoder('utf8');
  readonly #masking: MaskingStream;
  #sent = 0;
  #truncated = false;
  #endsWithNewline = true;
  #carry: Buffer = Buffer.alloc(0);
  /** The output contained "No space left on device". */
  sawNoSpace = false;
  /** The first error `emit` threw (a hook failure); later output is dropped. */
  failure: unknown = undefined;

  constructor(
    private readonly masker: SecretMasker,
    private readonly maxBytes: number,
    private readonly emit: (chunk: string) => void,
  ) {
    this.#masking = masker.stream();
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  /** Raw bytes from the process. */
  write(chunk: Buffer): void {
    this.#scanNoSpace(chunk);
    if (this.#truncated || this.failure !== undefined) return;
    this.#send(this.#masking.push(this.#decoder.write(chunk)));
  }

  /** A line from a built-in step: masked and counted like process output. */
  line(text: string): void {
    this.#flush();
    if (this.#truncated || this.failure !== undefined) return;
    this.#send(this.masker.mask(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** A line from the runner itself (`[gantry] ...`): masked, never capped; there are only a few. */
  notice(text: string): void {
    this.#flush();
    const prefix = this.#endsWithNewline ? '' : '\n';
    this.#forward(prefix + this.masker.mask(`[gantry] ${text}\n`));
  }

  /** Flushes what the decoder and the masker still hold. */
  end(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#truncated || this.failure !== undefined) return;
    this.#send(this.#masking.push(this.#decoder.end()) + this.#masking.end());
  }

  #send(text: string): void {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    if (this.#sent + bytes <= this.maxBytes) {
      this.#sent += bytes;
      this.#forward(text);
      return;
    }
    const b = Buffer.from(text);
    let n = this.maxBytes - this.#sent;
    // Back up to the start of a UTF-8 character.
    while (n > 0 && ((b[n] ?? 0) & 0xc0) === 0x80) n--;
    if (n > 0) this.#forward(b.subarray(0, n).toString('utf8'));
    this.#sent = this.maxBytes;
    this.#truncated = true;
    this.#forward(`${this.#endsWithNewline ? '' : '\n'}[gantry] output truncated after ${formatBytes(this.maxBytes)}; the step keeps running\n`);
  }

  #forward(text: string): void {
    if (this.failure !== undefined || !text) return;
    try {
      this.emit(text);
      this.#endsWithNewline = text.endsWith('\n');
    } catch (e) {
      this.failure = e;
    }
  }

  #scanNoSpace(chunk: Buffer): void {
    if (this.sawNoSpace) return;
    if (chunk.includes(NO_SPACE)) {
      this.sawNoSpace = true;
      return;
    }
    // The phrase may straddle two chunks: look at the end of the last one joined to the start of this one.
    const joined = Buffer.concat([this.#carry, chunk.subarray(0, NO_SPACE.length - 1)]);
    if (joined.includes(NO_SPACE)) this.sawNoSpace = true;
    const keep = NO_SPACE.length - 1;
    this.#carry = chunk.length >= keep ? chunk.subarray(chunk.length - keep) : Buffer.concat([this.#carry, chunk]).subarray(-keep);
  }
}

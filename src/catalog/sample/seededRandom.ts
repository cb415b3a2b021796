/**
 * A deterministic pseudo-random source: the same seed gives the same sequence on every machine.
 * Mulberry32: tiny, fast, and good enough for test data. Generated data must be reproducible across runs and
 * machines (the sample files are committed and compared in tests), so Math.random is never used. A class,
 * not closures: benchmark generators create one per entity, and per-instance functions cost 10x more.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick: expected a non-empty list, found an empty one');
    return items[this.int(items.length)] as T;
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/** A SeededRandom for the given seed. */
export function seededRandom(seed: number): SeededRandom {
  return new SeededRandom(seed);
}

/**
 * Mixes numbers and strings into one 32-bit seed (FNV-1a over the parts, then a murmur3 finaliser), so
 * generators can derive an independent stream per item (`hashSeed(seed, 'component', i)`) without keeping
 * state for the items before it.
 */
export function hashSeed(...parts: Array<number | string>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'number' ? `#${part}` : `'${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derives the seed of item `i` from a base seed with integer arithmetic only (golden-ratio step and the
 * murmur3 finaliser): for generators that need millions of per-item streams, where hashing a string each
 * time would dominate.
 */
export function itemSeed(base: number, i: number): number {
  let h = (base ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit integer finaliser (murmur-style avalanche): well-spread bits from a cheap hash. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashPair(s: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  const hi = mix32(h1 ^ s.length);
  return [hi, mix32(h2 ^ hi) | 1];
}

/**
 * A scalable Bloom filter of strings: about 4 bytes a member, whatever the strings. It never misses
 * a string it has seen (no false negatives); it may take a new string for a seen one, about once
 * in five million. Used where a false alarm is harmless (an id gets a `~2` suffix it did not need)
 * and memory must not grow with 16 or more bytes a record.
 */
export class RepeatFilter {
  private filters: { bits: Uint32Array; m: number; capacity: number; count: number }[] = [];
  private static readonly BITS_PER_ITEM = 32;
  private static readonly K = 22;

  constructor(firstCapacity = 1 << 14) {
    this.grow(firstCapacity);
  }

  private grow(capacity: number): void {
    const m = capacity * RepeatFilter.BITS_PER_ITEM;
    this.filters.push({ bits: new Uint32Array(Math.ceil(m / 32)), m, capacity, count: 0 });
  }

  /** True when `s` may have been added before (certainly, if it was); false when it certainly was not. */
  has(s: string): boolean {
    const [a, b] = hashPair(s);
    return this.filters.some((f) => this.test(f, a, b));
  }

  /** Adds `s`; returns false when it may have been there already. */
  add(s: string): boolean {
    const [a, b] = hashPair(s);
    if (this.filters.some((f) => this.test(f, a, b))) return false;
    let f = this.filters[this.filters.length - 1]!;
    if (f.count >= f.capacity) {
      this.grow(f.capacity * 2);
      f = this.filters[this.filters.length - 1]!;
    }
    for (let i = 0; i < RepeatFilter.K; i++) {
      const bit = ((a + Math.imul(i, b)) >>> 0) % f.m;
      f.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    f.count++;
    return true;
  }

  private test(f: { bits: Uint32Array; m: number }, a: number, b: number): boolean {
    for (let i = 0; i < RepeatFilter.K; i++) {
      const bit = ((a + Math.imul(i, b)) >>> 0) % f.m;
      if ((f.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** A small, fast, seeded PRNG (mulberry32): uniform floats in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

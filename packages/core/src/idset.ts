/** A 32-bit integer finaliser (murmur-style avalanche): well-spread bits from a cheap hash. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A set of strings kept as 64-bit hashes in one typed array (16 bytes a member at most): for
 * checking millions of ids for repeats without holding the ids. Two different strings with the
 * same 64-bit hash (odds about n^2 / 2^65: 1 in 2 million for 4 million ids) count as a repeat.
 */
export class HashedStringSet {
  private table = new Uint32Array(2 * 1024);
  private mask = 1023;
  size = 0;

  /** Adds a string; false when it (or its hash) was there already. */
  add(s: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x9e3779b9;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    let hi = mix32(h1 ^ s.length);
    let lo = mix32(h2 ^ hi);
    if (hi === 0 && lo === 0) lo = 1;
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    return this.insert(hi, lo);
  }

  private insert(hi: number, lo: number): boolean {
    const t = this.table;
    let i = (hi ^ lo) & this.mask;
    for (;;) {
      const a = t[2 * i]!;
      const b = t[2 * i + 1]!;
      if (a === 0 && b === 0) {
        t[2 * i] = hi;
        t[2 * i + 1] = lo;
        this.size++;
        return true;
      }
      if (a === hi && b === lo) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    this.mask = old.length - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
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

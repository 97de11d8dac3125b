import { FNV_OFFSET_32, FNV_PRIME_32 } from "./fnv.js";

/** MurmurHash3's 32-bit finaliser: a good bijective mix of a 32-bit value. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit integer finaliser (murmur-style avalanche): well-spread bits from a cheap hash. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashPair(s: string): [number, number] {
  let h1 = FNV_OFFSET_32;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, FNV_PRIME_32);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  const hi = mix32(h1 ^ s.length);
  return [hi, (mix32(h2 ^ hi) | 1) >>> 0];
}

/** One table of 32-bit fingerprints, open addressing with linear probing; 0 marks an empty slot. */
interface FingerprintTable {
  slots: Uint32Array;
  mask: number;
  count: number;
  /** Fingerprints it takes before the next table starts (three quarters full). */
  capacity: number;
}

/**
 * A set of strings that keeps 32-bit fingerprints, not the strings: 4 to 8 bytes a member (tables
 * are three quarters full at most, and the newest is filling). It never misses a string it has
 * seen; it may take a new string for a seen one when their fingerprints meet, about once in a
 * hundred million strings. Used where such a false alarm is harmless (an
 * id gets a `~2` suffix it did not need) and memory must not grow with the strings.
 *
 * A string's slot comes from one hash and its fingerprint from another, so a lookup compares one
 * short run of neighbouring slots (one cache line, mostly) per table. Full tables are kept and a
 * new one of twice the size is started: nothing is rehashed.
 */
export class RepeatFilter {
  private tables: FingerprintTable[] = [];

  constructor(firstSlots = 1 << 15) {
    this.grow(1 << Math.max(4, Math.ceil(Math.log2(firstSlots))));
  }

  private grow(size: number): void {
    this.tables.push({ slots: new Uint32Array(size), mask: size - 1, count: 0, capacity: (size >>> 2) * 3 });
  }

  private static find(t: FingerprintTable, slot: number, fp: number): number {
    const { slots, mask } = t;
    let i = slot & mask;
    for (let v = slots[i]!; v !== 0; v = slots[i]!) {
      if (v === fp) return -1;
      i = (i + 1) & mask;
    }
    return i;
  }

  /** True when `s` may have been added before (certainly, if it was); false when it certainly was not. */
  has(s: string): boolean {
    const [slot, fp] = hashPair(s);
    return this.tables.some((t) => RepeatFilter.find(t, slot, fp) < 0);
  }

  /** Adds `s`; returns false when it may have been there already. */
  add(s: string): boolean {
    const [slot, fp] = hashPair(s);
    const last = this.tables.length - 1;
    for (let k = 0; k < last; k++) if (RepeatFilter.find(this.tables[k]!, slot, fp) < 0) return false;
    let t = this.tables[last]!;
    let at = RepeatFilter.find(t, slot, fp);
    if (at < 0) return false;
    if (t.count >= t.capacity) {
      this.grow(t.slots.length * 2);
      t = this.tables[last + 1]!;
      at = RepeatFilter.find(t, slot, fp);
    }
    t.slots[at] = fp;
    t.count++;
    return true;
  }
}

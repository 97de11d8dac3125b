/** Fast non-cryptographic hashing and compact hash tables (ids and hashes, not records). */

import { fmix32 } from "@mathtune/core/internal";

export { fmix32 };

/** A 32-bit MurmurHash3-style hash of a string's UTF-16 code units. */
export function hash32(s: string, seed = 0): number {
  let h = seed | 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  return fmix32(h ^ n);
}

/** A 64-bit hash as two 32-bit halves `[hi, lo]`. */
export function hash64(s: string, seed = 0): [number, number] {
  return [hash32(s, seed ^ 0x5bd1e995), hash32(s, (seed + 0x27d4eb2f) | 0)];
}

/**
 * Open-addressing table from a 64-bit key (hi, lo) to a non-negative integer, one value per key.
 * About 12 bytes a slot; it doubles when more than half full.
 */
export class Table64 {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private val: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.val = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  /** The value for a key, or -1. */
  get(hi: number, lo: number): number {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const v = this.val[i]!;
      if (v < 0) return -1;
      if (this.lo[i] === lo >>> 0 && this.hi[i] === hi >>> 0) return v;
      i = (i + 1) & this.mask;
    }
  }

  /** Stores `value` unless the key is there; returns the value already stored, or -1 when inserted. */
  setIfAbsent(hi: number, lo: number, value: number): number {
    if ((this.size + 1) * 2 > this.val.length) this.grow();
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const v = this.val[i]!;
      if (v < 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.val[i] = value;
        this.size++;
        return -1;
      }
      if (this.lo[i] === lo >>> 0 && this.hi[i] === hi >>> 0) return v;
      i = (i + 1) & this.mask;
    }
  }

  get bytes(): number {
    return this.val.length * 12;
  }

  private grow(): void {
    const { hi, lo, val } = this;
    const cap = val.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.val = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.size = 0;
    for (let j = 0; j < val.length; j++) if (val[j]! >= 0) this.setIfAbsent(hi[j]!, lo[j]!, val[j]!);
  }
}

/**
 * Open-addressing multimap from a 32-bit key to non-negative integers (several values per key),
 * for LSH buckets. About 8 bytes a slot; it doubles when more than 60% full.
 */
export class MultiTable32 {
  private key: Uint32Array;
  private val: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.key = new Uint32Array(cap);
    this.val = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  add(key: number, value: number): void {
    if ((this.size + 1) * 5 > this.val.length * 3) this.grow();
    let i = key & this.mask;
    while (this.val[i]! >= 0) i = (i + 1) & this.mask;
    this.key[i] = key;
    this.val[i] = value;
    this.size++;
  }

  /** Calls `fn` with each value stored under `key`, in insertion order; stops when it returns true. */
  find(key: number, fn: (value: number) => boolean): void {
    const k = key >>> 0;
    let i = k & this.mask;
    for (;;) {
      const v = this.val[i]!;
      if (v < 0) return;
      if (this.key[i] === k && fn(v)) return;
      i = (i + 1) & this.mask;
    }
  }

  get bytes(): number {
    return this.val.length * 8;
  }

  private grow(): void {
    const { key, val } = this;
    const cap = val.length * 2;
    this.key = new Uint32Array(cap);
    this.val = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.size = 0;
    // Re-adding in slot order would reorder a key's values; the values are record ordinals and
    // callers only ask "is any of them similar", so order inside a bucket does not matter.
    for (let j = 0; j < val.length; j++) if (val[j]! >= 0) this.add(key[j]!, val[j]!);
  }
}

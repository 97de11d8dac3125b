import { fmix32, hash32 } from "./hash.js";
import { mathTokenHashes, normalizeProblem } from "./text.js";
import { FNV_PRIME_32 } from "@mathtune/core/internal";

export type ShingleUnit = "word" | "char";

/** Hashes of the n-grams of a text: word n-grams over `mathTokens`, or character n-grams of the normalised text. A text shorter than n gives one shingle, the whole of it. */
export function shingleHashes(text: string, unit: ShingleUnit, n: number): Uint32Array {
  return shinglesOfNormalized(normalizeProblem(text), unit, n);
}

/** `shingleHashes` of a text that is already the output of `normalizeProblem`. */
export function shinglesOfNormalized(s: string, unit: ShingleUnit, n: number): Uint32Array {
  if (unit === "char") {
    if (s.length <= n) return Uint32Array.of(hash32(s, 0x3c6ef372));
    const out = new Uint32Array(s.length - n + 1);
    for (let i = 0; i + n <= s.length; i++) {
      let h = 0x3c6ef372 ^ n;
      for (let j = 0; j < n; j++) h = Math.imul(h ^ s.charCodeAt(i + j), FNV_PRIME_32);
      out[i] = fmix32(h);
    }
    return out;
  }
  const th = mathTokenHashes(s);
  if (th.length <= n) {
    let h = 0x6a09e667 ^ th.length;
    for (let i = 0; i < th.length; i++) h = Math.imul(h ^ th[i]!, FNV_PRIME_32);
    return Uint32Array.of(fmix32(h));
  }
  const out = new Uint32Array(th.length - n + 1);
  for (let i = 0; i < out.length; i++) {
    let h = 0x6a09e667 ^ n;
    for (let j = 0; j < n; j++) h = Math.imul(h ^ th[i + j]!, FNV_PRIME_32);
    out[i] = fmix32(h);
  }
  return out;
}

/**
 * Per-permutation parameters, fixed so that signatures are the same on every run: `a` (odd) in
 * the first half, `b` in the second. Permutation i maps a (well-mixed) shingle hash h to
 * a_i * h + b_i mod 2^32, the linear family most MinHash implementations use.
 */
function seeds(numPerm: number): Uint32Array {
  const s = new Uint32Array(numPerm * 2);
  for (let i = 0; i < numPerm; i++) {
    s[i] = (fmix32(Math.imul(i + 1, 0x9e3779b1)) | 1) >>> 0;
    s[numPerm + i] = fmix32(Math.imul(i + 1, 0x85ebca6b) ^ 0x7f4a7c15);
  }
  return s;
}

/** MinHash signature of a set of shingle hashes: for each permutation, the least permuted value. */
export function minhash(
  shingles: Uint32Array,
  numPerm: number,
  perms: Uint32Array = seeds(numPerm),
  out: Uint32Array = new Uint32Array(numPerm),
): Uint32Array {
  out.fill(0xffffffff);
  for (let i = 0; i < numPerm; i++) {
    const a = perms[i]!;
    const b = perms[numPerm + i]!;
    let min = 0xffffffff;
    for (let k = 0; k < shingles.length; k++) {
      const x = (Math.imul(shingles[k]!, a) + b) >>> 0;
      if (x < min) min = x;
    }
    out[i] = min;
  }
  return out;
}

/** Probability that two sets with Jaccard similarity `s` share a bucket with `bands` bands of `rows` rows. */
export function lshCandidateProbability(s: number, bands: number, rows: number): number {
  return 1 - (1 - s ** rows) ** bands;
}

/**
 * LSH banding for a threshold: the fewest bands (largest rows) that still catch a pair at the
 * threshold with probability >= 0.95, with bands * rows <= numPerm. Fewer bands use less memory.
 */
export function lshParams(numPerm: number, threshold: number, bands?: number): { bands: number; rows: number } {
  if (bands !== undefined) return { bands, rows: Math.max(1, Math.floor(numPerm / bands)) };
  for (let rows = numPerm; rows >= 1; rows--) {
    const b = Math.floor(numPerm / rows);
    if (lshCandidateProbability(threshold, b, rows) >= 0.95) return { bands: b, rows };
  }
  return { bands: numPerm, rows: 1 };
}

/** A MinHasher with fixed settings. */
export class MinHasher {
  readonly perms: Uint32Array;
  private readonly buf: Uint32Array;
  constructor(
    readonly numPerm: number,
    readonly unit: ShingleUnit,
    readonly n: number,
  ) {
    this.perms = seeds(numPerm);
    this.buf = new Uint32Array(numPerm);
  }
  /** The signature of a text; the returned array is reused by the next call. */
  signature(text: string): Uint32Array {
    return this.signatureOfNormalized(normalizeProblem(text));
  }
  /** The signature of a text already normalised with `normalizeProblem`. */
  signatureOfNormalized(norm: string): Uint32Array {
    return minhash(shinglesOfNormalized(norm, this.unit, this.n), this.numPerm, this.perms, this.buf);
  }
}

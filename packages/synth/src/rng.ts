/** Small, fast, seedable PRNG (mulberry32 over a murmur-mixed key). Same keys, same stream. */

import { fmix32, mulberry32 } from "@mathtune/core/internal";

export class Rng {
  /** Uniform in [0, 1): core's mulberry32, seeded from the keys. */
  readonly next: () => number;

  /** Keys are non-negative integers (up to 2^53); the stream depends on all of them, in order. */
  constructor(...keys: number[]) {
    let h = 0x2545f491;
    for (const k of keys) {
      const lo = k >>> 0;
      const hi = Math.floor(k / 4294967296) >>> 0;
      h = fmix32(h ^ lo) + 0x9e3779b9;
      h = fmix32(h ^ hi) + 0x7f4a7c15;
    }
    this.next = mulberry32(h);
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn with the given non-negative weights (at least one positive). */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** Two different items. */
  pickTwo<T>(items: readonly T[]): [T, T] {
    const i = Math.floor(this.next() * items.length);
    let j = Math.floor(this.next() * (items.length - 1));
    if (j >= i) j++;
    return [items[i]!, items[j]!];
  }
}

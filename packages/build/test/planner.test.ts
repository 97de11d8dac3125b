import { exactCounts, permutation, StratifiedSplitter } from "@mathtune/build";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const fractions = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .filter(([a, b, c]) => a + b + c > 0)
  .map(([a, b, c]) => ({ train: a / (a + b + c), validation: b / (a + b + c), test: c / (a + b + c) }));

describe("split planner", () => {
  it("exactCounts: sums to n, each within one of n * fraction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fractions, (n, f) => {
        const c = exactCounts(n, f);
        expect(c.train + c.validation + c.test).toBe(n);
        for (const s of ["train", "validation", "test"] as const) expect(Math.abs(c[s] - n * f[s])).toBeLessThan(1);
      }),
    );
  });

  it("permutation: a bijection of [0, n), seeded", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.string(), (n, seed, key) => {
        const p = permutation(n, seed, key);
        const seen = new Uint8Array(n);
        for (let k = 0; k < n; k++) {
          const v = p(k);
          expect(v >= 0 && v < n).toBe(true);
          expect(seen[v]).toBe(0);
          seen[v] = 1;
        }
      }),
      { numRuns: 60 },
    );
  });

  it("splitter: no record lost, strata within one record of the target, same seed same split, other seed other split", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 50, maxLength: 600 }), fractions, fc.integer({ min: 0, max: 1e6 }), (keys, f, seed) => {
        const run = (s: number) => {
          const sp = new StratifiedSplitter(f, s);
          const idx = keys.map((k) => sp.count(k));
          const strata = sp.plan();
          return { out: idx.map((i) => sp.assign(i)), strata };
        };
        const a = run(seed);
        expect(a.out).toHaveLength(keys.length);
        for (const k of new Set(keys)) {
          const got = { train: 0, validation: 0, test: 0 };
          keys.forEach((kk, i) => kk === k && got[a.out[i]!]++);
          const n = keys.filter((x) => x === k).length;
          expect(got).toEqual(a.strata[k]);
          for (const s of ["train", "validation", "test"] as const) expect(Math.abs(got[s] - n * f[s])).toBeLessThanOrEqual(1);
        }
        expect(run(seed).out).toEqual(a.out);
      }),
      { numRuns: 80 },
    );
    // A different seed gives a different split (for a non-trivial input).
    const keys = Array.from({ length: 500 }, (_, i) => `k${i % 5}`);
    const run = (s: number) => {
      const sp = new StratifiedSplitter({ train: 0.8, validation: 0.1, test: 0.1 }, s);
      const idx = keys.map((k) => sp.count(k));
      sp.plan();
      return idx.map((i) => sp.assign(i));
    };
    expect(run(1)).not.toEqual(run(2));
  });
});

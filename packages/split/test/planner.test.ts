import type { MathRecord } from "@mathtune/core";
import {
  parseSplitOptions,
  pinnedSplit,
  SplitOptionsSchema,
  SPLITS,
  StratifiedSplitter,
  stratumOf,
} from "@mathtune/split";
import { exactCounts, permutation } from "../src/split.js";
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
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.string(),
        (n, seed, key) => {
          const p = permutation(n, seed, key);
          const seen = new Uint8Array(n);
          for (let k = 0; k < n; k++) {
            const v = p(k);
            expect(v >= 0 && v < n).toBe(true);
            expect(seen[v]).toBe(0);
            seen[v] = 1;
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("splitter: no record lost, strata within one record of the target, same seed same split, other seed other split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 50, maxLength: 600 }),
        fractions,
        fc.integer({ min: 0, max: 1e6 }),
        (keys, f, seed) => {
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
            for (const s of ["train", "validation", "test"] as const)
              expect(Math.abs(got[s] - n * f[s])).toBeLessThanOrEqual(1);
          }
          expect(run(seed).out).toEqual(a.out);
        },
      ),
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

  it("splitter: pinned records keep their split and count in their stratum; counts cap at the stratum's size", () => {
    const sp = StratifiedSplitter.fromOptions(parseSplitOptions({ counts: { validation: 3, test: 50 } }), 7);
    const a = Array.from({ length: 40 }, () => sp.count("a"));
    const b = Array.from({ length: 10 }, () => sp.count("b"));
    sp.count("a", "test");
    sp.count("a", "test");
    sp.count("b", "validation");
    const strata = sp.plan();
    // a: 40 free records: 3 validation, 37 test (capped), 0 train; plus 2 pinned to test
    expect(strata.a).toEqual({ train: 0, validation: 3, test: 39 });
    // b: 10 free: 3 validation, 7 test; plus 1 pinned to validation
    expect(strata.b).toEqual({ train: 0, validation: 4, test: 7 });
    const got = { a: { train: 0, validation: 0, test: 0 }, b: { train: 0, validation: 0, test: 0 } };
    for (const i of a) got.a[sp.assign(i)]++;
    for (const i of b) got.b[sp.assign(i)]++;
    expect(got).toEqual({ a: { train: 0, validation: 3, test: 37 }, b: { train: 0, validation: 3, test: 7 } });
  });
});

describe("split options", () => {
  it("fill in the defaults: 0.8 / 0.1 / 0.1 by source, source splits not kept", () => {
    expect(parseSplitOptions(undefined)).toEqual({
      train: 0.8,
      validation: 0.1,
      test: 0.1,
      by: ["source"],
      respectSourceSplit: false,
    });
    expect(parseSplitOptions({ by: ["category"], train: 0.5, validation: 0.5, test: 0 }).by).toEqual(["category"]);
    expect(SplitOptionsSchema.properties.train.default).toBe(0.8);
  });

  it("reject fractions that do not add up to 1, unknown names (the other planner's) and bad values, with E_OPTIONS_INVALID", () => {
    expect(() => parseSplitOptions({ train: 0.9 })).toThrow(
      expect.objectContaining({ code: "E_OPTIONS_INVALID", message: expect.stringContaining("must be 1 (got 1.1)") }),
    );
    expect(() => parseSplitOptions({ stratifyBy: ["source"] })).toThrow(
      expect.objectContaining({ code: "E_OPTIONS_INVALID", message: expect.stringContaining("stratifyBy") }),
    );
    expect(() => parseSplitOptions({ respectSourceSplits: true })).toThrow(
      expect.objectContaining({ code: "E_OPTIONS_INVALID" }),
    );
    expect(() => parseSplitOptions({ counts: { test: -1 } })).toThrow(
      expect.objectContaining({ code: "E_OPTIONS_INVALID" }),
    );
  });

  it("stratumOf: one field's value, or the values joined; meta.<key>; '-' where missing", () => {
    const r: MathRecord = { id: "x", source: "gsm8k", problem: "p", difficulty: 3, lang: "en", meta: { grade: 5 } };
    expect(stratumOf(["source"])(r)).toBe("gsm8k");
    expect(stratumOf(["source", "difficulty", "meta.grade", "category"])(r)).toBe("gsm8k | 3 | 5 | -");
    expect(stratumOf([])(r)).toBe("");
  });

  it("pinnedSplit: the source's split when kept and it is a split name", () => {
    const r = (split?: string): MathRecord => ({
      id: "x",
      source: "s",
      problem: "p",
      lang: "en",
      ...(split ? { split } : {}),
    });
    for (const s of SPLITS) expect(pinnedSplit(r(s), true)).toBe(s);
    expect(pinnedSplit(r("test"), false)).toBeUndefined();
    expect(pinnedSplit(r("dev"), true)).toBeUndefined();
    expect(pinnedSplit(r(), true)).toBeUndefined();
  });
});

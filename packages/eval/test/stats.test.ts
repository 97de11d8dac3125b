import { mcnemarExact, wilson } from "@mathtune/eval";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("wilson", () => {
  it.each([
    // k, n, lower, upper (Wilson 95% score intervals, as published tables give them)
    [0, 10, 0, 0.2775],
    [10, 20, 0.2993, 0.7007],
    [10, 10, 0.7225, 1],
    [81, 263, 0.2553, 0.3662],
    [1, 1, 0.2065, 1],
  ])("%i of %i: [%f, %f]", (k, n, lo, hi) => {
    const [a, b] = wilson(k, n);
    expect(a).toBeCloseTo(lo, 4);
    expect(b).toBeCloseTo(hi, 4);
  });
  it("n = 0 gives [0, 0]; k outside 0..n is refused", () => {
    expect(wilson(0, 0)).toEqual([0, 0]);
    expect(() => wilson(3, 2)).toThrow(RangeError);
  });
  it("always holds the estimate and stays in [0, 1]", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const k = Math.round(f * n);
        const [lo, hi] = wilson(k, n);
        return lo >= 0 && hi <= 1 && lo <= k / n + 1e-12 && hi >= k / n - 1e-12;
      }),
    );
  });
});

describe("exact McNemar", () => {
  it.each([
    // b, c, two-sided exact p
    [0, 0, 1],
    [0, 5, 0.0625], // 2 * (1/2)^5
    [1, 9, 0.021484375], // 2 * (1 + 10) / 1024
    [1, 7, 0.0703125], // Fagerland, Lydersen & Laake (2013): exact conditional p = 0.070
    [5, 5, 1],
    [3, 4, 1],
    [59, 121, 4.434449e-6], // Wikipedia's McNemar table (b = 121, c = 59); exact p from Python big integers: 2 * sum(comb(180, i), i < 60) / 2^180
  ])("b=%i c=%i: p=%f", (b, c, p) => {
    const got = mcnemarExact(b, c);
    if (p < 1e-3) expect(got / p).toBeCloseTo(1, 5);
    else expect(got).toBeCloseTo(p, 7);
  });
  it("is symmetric, at most 1, and holds for large n (log space)", () => {
    expect(mcnemarExact(7, 1)).toBe(mcnemarExact(1, 7));
    expect(mcnemarExact(5000, 5100)).toBeGreaterThan(0.3);
    expect(mcnemarExact(5000, 5100)).toBeLessThanOrEqual(1);
    expect(mcnemarExact(0, 2000)).toBe(0); // underflows to 0, never NaN
    expect(() => mcnemarExact(-1, 2)).toThrow(RangeError);
  });
  it("matches the direct binomial sum for small n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), (b, c) => {
        const n = b + c;
        if (n === 0) return mcnemarExact(b, c) === 1;
        let s = 0;
        let comb = 1;
        for (let i = 0; i <= Math.min(b, c); i++) {
          if (i > 0) comb = (comb * (n - i + 1)) / i;
          s += comb;
        }
        const direct = Math.min(1, (2 * s) / 2 ** n);
        return Math.abs(mcnemarExact(b, c) - direct) < 1e-9 * Math.max(1, direct);
      }),
    );
  });
});

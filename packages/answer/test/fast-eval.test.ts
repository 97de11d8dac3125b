import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compare } from "@mathtune/answer";
import { fastSym } from "../src/fast-eval.js";
import { ensureEngine, parseSym, evalSym } from "../src/symbolic.js";

describe("fast evaluator", () => {
  it.each([
    ["2x^2+3x-1", { x: 2 }, 13],
    ["\\frac{1}{2}x", { x: 4 }, 2],
    ["3\\sqrt{2}", {}, 3 * Math.SQRT2],
    ["\\sqrt[3]{-8}", {}, -2],
    ["2\\pi r", { r: 1 }, 2 * Math.PI],
    ["(x+1)(x-1)", { x: 3 }, 8],
    ["x^{10}", { x: 2 }, 1024],
    ["-x^2", { x: 3 }, -9],
    ["\\sin(\\pi)", {}, Math.sin(Math.PI)],
    ["a \\cdot b \\div c", { a: 6, b: 2, c: 3 }, 4],
  ])("%s at %j is %d", (text, env, value) => {
    expect(fastSym(text)?.run(env)).toBeCloseTo(value, 12);
  });

  it.each([
    "x^23",
    "e^x",
    "2i",
    "f(x)",
    "xy",
    "sqrt(2)",
    "x**2",
    "|x|",
    "\\log(x)",
    "\\sin x",
    "a^b^c",
    "2 3",
    "x!",
    "1,2",
    "\\alpha",
  ])("leaves %s to the compute engine", (text) => {
    expect(fastSym(text)).toBeUndefined();
  });

  it("agrees with the compute engine on random polynomials", () => {
    ensureEngine();
    const poly = fc
      .array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 5 })), {
        minLength: 1,
        maxLength: 5,
      })
      .map((ts) => ts.map(([c, p]) => `${c < 0 ? "-" : "+"}${Math.abs(c)}x^{${p}}`).join(""));
    fc.assert(
      fc.property(poly, fc.double({ min: -3, max: 3, noNaN: true }), (p, x) => {
        const fast = fastSym(p)!.run({ x });
        const cas = evalSym(parseSym(p, performance.now() + 5000)!, { x }, performance.now() + 5000)!.re;
        expect(Math.abs(fast - cas)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(cas)));
      }),
      { numRuns: 50 },
    );
  });

  it("a factored product equals its expansion and differs from it plus one", () => {
    fc.assert(
      fc.property(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -30, max: 30 }), (a, b) => {
        const f = `(x${a < 0 ? "-" : "+"}${Math.abs(a)})(x${b < 0 ? "-" : "+"}${Math.abs(b)})`;
        const e = `x^2${a + b < 0 ? "-" : "+"}${Math.abs(a + b)}x${a * b < 0 ? "-" : "+"}${Math.abs(a * b)}`;
        expect(compare(f, e).verdict).toBe("equal");
        expect(compare(f, `${e}+1`).verdict).toBe("different");
      }),
      { numRuns: 100 },
    );
  });
});

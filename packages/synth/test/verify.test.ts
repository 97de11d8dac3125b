import { generate, verify } from "@mathtune/synth";
import { checkChains, evaluate, Frac, mathSegments, texToAscii } from "../src/verify.js";
import type { MathRecord } from "@mathtune/core";
import { describe, expect, it } from "vitest";

describe("Frac", () => {
  it.each([
    ["12", "12"],
    ["-3.25", "-13/4"],
    ["0.5", "1/2"],
    ["6/4", "3/2"],
    ["-10/5", "-2"],
    ["007", "7"],
  ])("parses %s as %s", (text, want) => {
    expect(Frac.parse(text).toString()).toBe(want);
  });

  it("rejects what is not a number", () => {
    expect(() => Frac.parse("1e3")).toThrow(/not a number/);
    expect(() => Frac.parse("abc")).toThrow(/not a number/);
  });

  it.each([
    ["2.345", 2, "47/20"], // 2.35
    ["2.344", 2, "117/50"], // 2.34
    ["-2.345", 2, "-47/20"], // half away from zero
    ["0.5", 0, "1"],
    ["7/3", 3, "2333/1000"],
  ])("rounds %s to %i places as %s", (v, dp, want) => {
    expect(Frac.parse(v).round(dp).toString()).toBe(want);
  });
});

describe("evaluate", () => {
  it.each([
    ["1 + 2 * 3", "7"],
    ["(1 + 2) * 3", "9"],
    ["10 - 4 - 3", "3"],
    ["2 ^ 10", "1024"],
    ["-3 ^ 2", "-9"],
    ["(-3) ^ 2", "9"],
    ["15%", "3/20"],
    ["240*15/100", "36"],
    ["3x + 1", "7", { x: new Frac(2n) }],
    ["2(x + 1)", "6", { x: new Frac(2n) }],
    ["sqrt(9/16)", "3/4"],
    ["1/3 + 1/6", "1/2"],
  ] as Array<[string, string, Record<string, Frac>?]>)("%s = %s", (src, want, vars) => {
    expect(evaluate(src, vars ?? {}).toString()).toBe(want);
  });

  it("gives pi to 50 places", () => {
    expect(evaluate("pi").round(10).toString()).toBe(Frac.parse("3.1415926536").toString());
  });

  it.each(["1 +", "(1 + 2", "2 ^ 0.5", "sqrt(2)", "y + 1", "1 $ 2"])("refuses %s", (src) => {
    expect(() => evaluate(src)).toThrow();
  });
});

describe("texToAscii and checkChains", () => {
  it.each([
    ["3 \\times 4 + 5", "7 + 5 + 5"],
    ["\\frac{3}{4} + \\frac{5}{6}", "19/12"],
    ["2 \\times \\left(-5\\right) - \\left(-16\\right)", "6"],
    ["12 \\div 0.5", "24"],
    ["49\\pi", "49 * pi"],
  ])("%s reads as an expression", (tex, same) => {
    expect(evaluate(texToAscii(tex)).eq(evaluate(same))).toBe(true);
  });

  it("refuses LaTeX outside the subset", () => {
    expect(() => texToAscii("\\sqrt{2}")).toThrow(/unsupported/);
  });

  it.each([
    ["3 \\times 4 = 12", 1, 0],
    ["\\frac{9}{12} + \\frac{10}{12} = \\frac{19}{12}", 1, 0],
    ["12 + 12 = 24 = 20 + 4", 2, 0],
    ["49\\pi \\approx 153.938", 1, 0],
    ["10 \\div 3 \\approx 3.33", 1, 0],
    ["3 \\times 4 = 13", 1, 1],
    ["10 \\div 3 \\approx 3.34", 1, 1],
    ["2x + 5 = 17", 0, 0],
  ] as Array<[string, number, number]>)("$%s$: %i relations, %i problems", (tex, checked, problems) => {
    const r = checkChains(tex);
    expect(r.checked).toBe(checked);
    expect(r.problems.length).toBe(problems);
  });

  it("finds $...$ segments", () => {
    expect(mathSegments("a $1 + 1$ b $x$ c")).toEqual(["1 + 1", "x"]);
  });
});

describe("verify catches wrong records", () => {
  const records = generate({ count: 600, seed: 77 });
  const clone = (r: MathRecord): MathRecord => structuredClone(r);

  it("accepts the generated records", () => {
    for (const r of records) expect(verify(r).problems, r.id).toEqual([]);
  });

  it("a changed answer (and answer line) fails", () => {
    let n = 0;
    for (const r of records) {
      const bad = clone(r);
      const v = Frac.parse(r.answer!).add(new Frac(1n, r.answerKind === "decimal" ? 100n : 1n));
      const text =
        r.answerKind === "fraction"
          ? v.toString()
          : r.answerKind === "decimal"
            ? (Number(v.n) / Number(v.d)).toFixed(2).replace(/0+$/, "").replace(/\.$/, "")
            : v.toString();
      bad.answer = text;
      bad.solution = r.solution!.replace(/(Answer: |答：)[^\n]+$/, `$1${text}`);
      bad.answerKind = /\//.test(text) ? "fraction" : /\./.test(text) ? "decimal" : "integer";
      expect(verify(bad).ok, `${r.id}: ${text}`).toBe(false);
      n++;
    }
    expect(n).toBe(600);
  });

  it("an answer line that disagrees with the answer fails", () => {
    for (const r of records.slice(0, 100)) {
      const bad = clone(r);
      bad.solution = r.solution!.replace(/(Answer: |答：)[^\n]+$/, "$19999");
      expect(verify(bad).problems.join()).toMatch(/answer line/);
    }
  });

  it("a wrong number in a solution step fails", () => {
    let changed = 0;
    for (const r of records) {
      const lines = r.solution!.split("\n");
      const i = lines.findIndex((l) => /\$[^$]*=\s*-?\d+(\.\d+)?\$/.test(l));
      if (i < 0) continue;
      const bad = clone(r);
      lines[i] = lines[i]!.replace(
        /(=\s*-?)(\d+)((?:\.\d+)?)\$/,
        (_m, a: string, d: string, f: string) => `${a}${BigInt(d) + 1n}${f}$`,
      );
      bad.solution = lines.join("\n");
      expect(verify(bad).ok, `${r.id}\n${lines[i]}`).toBe(false);
      changed++;
    }
    expect(changed).toBeGreaterThan(500);
  });

  it("a changed number in the problem fails (the check's numbers must be the problem's)", () => {
    let changed = 0;
    for (const r of records) {
      // A number that occurs once in the problem (a repeated one would still be found).
      const all = [...r.problem.matchAll(/\d+(?:\.\d+)?/g)];
      const m = all.find((x) => all.filter((y) => Number(y[0]) === Number(x[0])).length === 1);
      if (!m) continue;
      const bad = clone(r);
      bad.problem = r.problem.slice(0, m.index) + String(Number(m[0]) + 1000) + r.problem.slice(m.index! + m[0].length);
      expect(verify(bad).ok, `${r.id}: ${bad.problem}`).toBe(false);
      changed++;
    }
    expect(changed).toBeGreaterThan(590);
  });

  it("a wrong answerKind, a missing check or an unreduced fraction fails", () => {
    const r = records.find((x) => x.answerKind === "integer")!;
    expect(verify({ ...clone(r), answerKind: "decimal" }).ok).toBe(false);
    expect(verify({ ...clone(r), meta: {} }).problems).toContain("meta.check is missing");
    const f = records.find((x) => x.answerKind === "fraction")!;
    const [n, d] = f.answer!.split("/").map(BigInt) as [bigint, bigint];
    const unreduced = `${n * 2n}/${d * 2n}`;
    const bad = {
      ...clone(f),
      answer: unreduced,
      solution: f.solution!.replace(/(Answer: |答：)[^\n]+$/, `$1${unreduced}`),
    };
    expect(verify(bad).problems.join()).toMatch(/lowest terms/);
  });

  it("an equation answer is checked by substitution into the problem's own equation", () => {
    const r = records.find((x) => x.category === "linear_equation" && /=\s*-?\d+\$/.test(x.problem))!;
    const bad = clone(r);
    // Change the right-hand side of the equation shown in the problem only.
    bad.problem = r.problem.replace(/=\s*(-?\d+)\$/, (_m, c: string) => `= ${Number(c) + 1}$`);
    expect(bad.problem).not.toBe(r.problem);
    expect(verify(bad).problems.join()).toMatch(/does not satisfy|not in the problem/);
  });
});

import { equivalent, extractAnswer } from "@mathtune/answer";
import type { MathRecord } from "@mathtune/core";
import { CATEGORIES, generate, generateIter, LEVELS, verify } from "@mathtune/synth";
import { Frac, mathSegments } from "../src/verify.js";
import fc from "fast-check";
import katex from "katex";
import { describe, expect, it } from "vitest";
import { R, Rat, roundNum } from "../src/rat.js";

const CJK = /[\u4e00-\u9fff]/;

/** Every category x level x language, `per` records each, generated without the built-in check. */
function cells(per: number, seed: number): MathRecord[] {
  const out: MathRecord[] = [];
  for (const category of CATEGORIES)
    for (const level of LEVELS)
      for (const lang of ["en", "zh"] as const)
        out.push(
          ...generate({
            count: per,
            seed,
            categories: [category],
            difficulties: [level],
            langs: [lang],
            verify: false,
          }),
        );
  return out;
}

describe("every answer is verified independently", () => {
  it("60,000 mixed records and 36 x 800 per-cell records pass the verifier", () => {
    let verified = 0;
    let relations = 0;
    const failures: string[] = [];
    const check = (r: MathRecord): void => {
      const v = verify(r);
      verified++;
      relations += v.relations;
      if (!v.ok && failures.length < 5) failures.push(`${r.id}: ${v.problems.join("; ")}\n${r.problem}\n${r.solution}`);
    };
    for (const r of generateIter({ count: 60_000, seed: 2026, verify: false })) check(r);
    for (const r of cells(800, 7)) check(r);
    expect(failures).toEqual([]);
    expect(verified).toBe(60_000 + 36 * 800);
    // Each solution has computed steps that were checked too, not only the final answer.
    expect(relations).toBeGreaterThan(verified);
  });

  it("every solution has at least one numeric relation that the verifier checked", () => {
    for (const r of cells(60, 11)) expect(verify(r).relations, `${r.id}\n${r.solution}`).toBeGreaterThan(0);
  });
});

describe("structure", () => {
  it("word problems take 2 steps at level 1, 3 at level 2 and 4-5 at level 3, with whole-number answers", () => {
    const rs = generate({ count: 3000, seed: 12, categories: ["word_problem"] });
    const want: Record<number, number[]> = { 1: [2], 2: [3], 3: [4, 5] };
    for (const r of rs) {
      const steps = r.solution!.split("\n").length - 1;
      expect(want[r.difficulty as number], `${r.id}\n${r.solution}`).toContain(steps);
      expect(r.answerKind).toBe("integer");
      expect(Number(r.answer)).toBeGreaterThan(0);
    }
  });

  it("arithmetic shows one step per operation, in the order of operations", () => {
    for (const r of generate({ count: 600, seed: 13, categories: ["arithmetic"], difficulties: [2] })) {
      const expr = mathSegments(r.problem)[0]!;
      const ops = (expr.match(/ [-+] | \\times | \\div /g) ?? []).length;
      const steps = r.solution!.split("\n").filter((l) => l.includes("$")).length;
      expect(steps, `${r.id}\n${r.problem}\n${r.solution}`).toBe(ops);
    }
  });

  it("equation steps depend on the signs: adding for a negative constant, subtracting for a positive one", () => {
    const rs = generate({
      count: 400,
      seed: 14,
      categories: ["linear_equation"],
      difficulties: [1],
      langs: ["en"],
    }).filter((r) => /^Solve|^Find|^What|^Determine|^Given|^The equation/.test(r.problem));
    expect(rs.length).toBeGreaterThan(100);
    let checked = 0;
    for (const r of rs) {
      const m = /\$-?\d*[a-z] ([-+]) (\d+) = /.exec(r.problem);
      if (!m) continue;
      checked++;
      expect(
        r.solution!.split("\n")[0]!.startsWith(m[1] === "+" ? `Subtract $${m[2]}$` : `Add $${m[2]}$`),
        `${r.problem}\n${r.solution}`,
      ).toBe(true);
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe("text", () => {
  const sample = cells(150, 5);

  it("all LaTeX in problems and solutions renders with KaTeX (throwOnError)", () => {
    let n = 0;
    for (const r of sample) {
      for (const text of [r.problem, r.solution!]) {
        expect((text.match(/\$/g) ?? []).length % 2, `${r.id}: unbalanced $ in ${text}`).toBe(0);
        for (const seg of mathSegments(text)) {
          expect(() => katex.renderToString(seg, { throwOnError: true }), `${r.id}: ${seg}`).not.toThrow();
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(sample.length * 2);
  });

  it("the solution ends in an answer line in the record's language that states the answer", () => {
    for (const r of sample) {
      const last = r.solution!.split("\n").at(-1)!;
      expect(last).toBe(r.lang === "en" ? `Answer: ${r.answer}` : `答：${r.answer}`);
    }
  });

  it("@mathtune/answer extracts the answer from the solution and finds it equivalent", () => {
    for (const r of sample) {
      const got = extractAnswer(r.solution!, { mode: "strict" });
      expect(got?.rule, r.id).toBe("answer-line");
      expect(equivalent(got!.answer, r.answer!), `${r.id}: ${got?.answer} vs ${r.answer}`).toBe(true);
    }
  });

  it("English records have no Chinese; Chinese problems and steps are in Chinese", () => {
    for (const r of sample) {
      if (r.lang === "en") {
        expect(CJK.test(r.problem + r.solution), r.id).toBe(false);
      } else {
        expect(CJK.test(r.problem), r.id).toBe(true);
        for (const line of r.solution!.split("\n")) expect(CJK.test(line), `${r.id}: ${line}`).toBe(true);
      }
    }
  });

  it("whenever the answer is rounded, the problem says how", () => {
    let rounded = 0;
    for (const r of sample) {
      const check = (r.meta as { check: { round?: number } }).check;
      if (check.round === undefined) continue;
      rounded++;
      const says = r.lang === "en" ? /round|decimal place|nearest/i : /保留|精确到|四舍五入/;
      expect(says.test(r.problem), `${r.id}: ${r.problem}`).toBe(true);
    }
    expect(rounded).toBeGreaterThan(200);
  });

  it("the classic circle case: π r² rounded to two decimals", () => {
    const circles = generate({
      count: 400,
      seed: 4,
      categories: ["geometry"],
      difficulties: [3],
      langs: ["en"],
    }).filter((r) => /radius|diameter/.test(r.problem) && /area/.test(r.problem));
    expect(circles.length).toBeGreaterThan(20);
    for (const r of circles) {
      expect(r.answerKind === "decimal" || r.answerKind === "integer").toBe(true);
      expect(r.answer!).toMatch(/^\d+(\.\d{1,2})?$/);
    }
    // r = 7: 49π = 153.938... -> 153.94
    const seven = circles.find(
      (r) => /radius of 7 /.test(r.problem) && !/half/.test(r.problem) && !/path/.test(r.problem),
    );
    if (seven) expect(seven.answer).toBe("153.94");
  });
});

describe("the generator's rationals agree with the verifier's BigInt fractions", () => {
  const toFrac = (r: Rat): Frac => new Frac(BigInt(r.n), BigInt(r.d));
  const small = fc.tuple(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: 1, max: 500 }));

  it("+ - * / and decimal text", () => {
    fc.assert(
      fc.property(small, small, ([an, ad], [bn, bd]) => {
        const a = R(an, ad);
        const b = R(bn, bd);
        expect(toFrac(a.add(b)).eq(toFrac(a).add(toFrac(b)))).toBe(true);
        expect(toFrac(a.sub(b)).eq(toFrac(a).sub(toFrac(b)))).toBe(true);
        expect(toFrac(a.mul(b)).eq(toFrac(a).mul(toFrac(b)))).toBe(true);
        if (bn !== 0) expect(toFrac(a.div(b)).eq(toFrac(a).div(toFrac(b)))).toBe(true);
        expect(Frac.parse(a.toString()).eq(toFrac(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("float rounding away from ties agrees with exact rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 3 }),
        (n, d, dp) => {
          let got: Rat;
          try {
            got = roundNum(n / d, dp);
          } catch {
            return; // a tie: the generator draws again
          }
          expect(toFrac(got).eq(new Frac(BigInt(n), BigInt(d)).round(dp))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

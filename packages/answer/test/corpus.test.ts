import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compare, extractAnswer } from "@mathtune/answer";
import { lastCalculation } from "../src/answer-line.js";

/**
 * Model-like outputs with known truth, made from real GSM8K and MATH train solutions by
 * scripts/make-corpus.mjs --fixture (a few of each set, style and truth).
 */
interface Case {
  id: string;
  set: string;
  style: string;
  truth: boolean;
  gold: string;
  output: string;
}
const cases: Case[] = readFileSync(join(import.meta.dirname, "fixtures/corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Case);

const grade = (output: string, gold: string, mode: "strict" | "flexible") => {
  const got = extractAnswer(output, { mode });
  return got ? compare(got.answer, gold).verdict : "different";
};

describe("generated corpus (GSM8K and MATH outputs, answer strings)", () => {
  it("covers every style of the generator", () => {
    const styles = new Set(cases.map((c) => `${c.set}/${c.style}`));
    for (const s of [
      "gsm8k/a-line",
      "gsm8k/hash-variant",
      "math/early-box",
      "math/variable-line",
      "math/last-math",
      "math/separators",
      "math/tuple-var",
      "math/several-boxes",
      "strings/junk",
      "strings/relation-flip",
      "strings/several-boxes-set",
      "strings/separators",
    ]) {
      expect(styles).toContain(s);
    }
  });
  for (const mode of ["strict", "flexible"] as const) {
    it.each(cases.map((c) => [c.id, c.style, c.truth, c] as const))(
      `${mode}: %s (%s) is %s`,
      (_id, _style, truth, c) => {
        expect(grade(c.output, c.gold, mode)).toBe(truth ? "equal" : "different");
      },
    );
  }
});

describe("the failure classes of issue 13", () => {
  type Row = [string, string, "strict" | "flexible", "equal" | "different"];
  const rows: Row[] = [
    ["She has 3 + 15 = 18 apples.\nA: 18", "18", "strict", "equal"],
    ["She has 3 + 15 = 18 apples.\nA: 17", "18", "strict", "different"],
    ["So 18 in all.\n####18", "18", "strict", "equal"],
    ["So 1,800 in all.\n**#### 1,800**", "1800", "strict", "equal"],
    ["So 18 in all.\n#### $18.", "18", "strict", "equal"],
    ["Final Answer: The largest $n$ is 34.", "34", "strict", "equal"],
    ["Final Answer: The largest $n$ is 35.", "34", "strict", "different"],
    ["The volume of $ABCDEFGH$ is 120.\nThe answer is: The volume of $ABCDEFGH$ is 120.", "120", "strict", "equal"],
    ["Adding up, we get $a+b+c = 42$.", "42", "strict", "equal"],
    ["Reflecting, we find that $D''=(-2,5)$.", "(-2,5)", "strict", "equal"],
    [
      "First I got \\boxed{12}. Checking again, that was wrong.\nThe final answer is $10,455$.",
      "10455",
      "strict",
      "equal",
    ],
    [
      "First I got \\boxed{10455}. Checking again, that was wrong.\nThe final answer is $10,456$.",
      "10455",
      "strict",
      "different",
    ],
    ["The total is \\boxed{7}. The answer is correct.", "7", "strict", "equal"],
    ["The count is $11,\\! 111,\\! 111,\\! 100$.", "11111111100", "strict", "equal"],
    ["Therefore $(p,q)=\\boxed{(3, 2)}$.", "(3,2)", "strict", "equal"],
    ["The solutions are $\\boxed{1}, \\boxed{2}$, and $\\boxed{3}$.", "\\{1,2,3\\}", "strict", "equal"],
    ["The solutions are $\\boxed{1}, \\boxed{2}$, and $\\boxed{4}$.", "\\{1,2,3\\}", "strict", "different"],
    ["The solution is $\\boxed{-3}$.", "\\{-3\\}", "strict", "equal"],
    ["AZYUK2A", "2", "flexible", "different"],
    ["QX0A", "0", "flexible", "different"],
    ["x > 5", "x < 5", "flexible", "different"],
    ["x \\gt 5", "x > 5", "flexible", "equal"],
    ["x \\lt 5", "x > 5", "strict", "different"],
    ["It costs $5 and $6 in all.", "5", "strict", "different"],
    ["Hence she needs $35$ in all.", "35", "strict", "equal"],
    [
      "Finally $\\$1.65$ in all.\nFinal Answer: The final answer is $\\$1.65$. I hope it is correct.",
      "\\$1.65",
      "strict",
      "equal",
    ],
    ["$2^{4951}$", "2^{4950}", "strict", "different"],
    // answer lines in MATH's own solutions
    ["so the answer is $m+n = {758}$.", "758", "strict", "equal"],
    ["the answer is $\\frac{13}{6}n^2 = {702}$.", "702", "strict", "equal"],
    ["so the answer is ${182}$. One can show that the closed form of $P(n)$ is $P(n)$.", "182", "strict", "equal"],
    [
      "Thus the answer is \\begin{align*}\n(1 + 2)(1 + 3) - 4 &= (3)(4) - 4\\\\\n&= 8.\n\\end{align*}",
      "8",
      "strict",
      "equal",
    ],
    ["the answer is $x^2 + y^2 = 1$", "1", "strict", "different"],
    ["the answer is $2x - y + 3z = 7$", "7", "strict", "different"],
    ["the answer is $2x - y + 3z = 7$", "2x - y + 3z = 7", "strict", "equal"],
    ["So it is $\\frac{9}{35}$.\nThe answer is in simplest form.", "\\frac{9}{35}", "strict", "equal"],
    ["Answer: A", "A", "strict", "equal"],
  ];
  it.each(rows)("%j vs %j (%s) is %s", (output, gold, mode, verdict) => {
    expect(grade(output, gold, mode)).toBe(verdict);
  });

  it("a timeout is undecided, never different", () => {
    const c = compare("\\sin^2(3x)+\\cos^2(3x)", "1", { timeLimitMs: 0.0001 });
    expect(c).toMatchObject({ verdict: "undecided", timedOut: true, reason: "timeout", equal: false });
    expect(compare("\\sin^2(3x)+\\cos^2(3x)", "1").verdict).toBe("equal");
  });

  it("the result of the final statement's calculation, not its last number (GSM8K labels)", () => {
    expect(lastCalculation("So far 3 points.\nThey make 4+5=<<4+5=9>>9 points in the 40 minutes")).toBe("9");
    expect(lastCalculation("They make 4+5=9 points in the 40 minutes")).toBe("9");
    expect(lastCalculation("He pays 3*5=$15 and 2*4=$<<2*4=8>>8, so 15+8=$<<15+8=23>>23 in all.\n")).toBe("23");
    expect(lastCalculation("They make 9 points in the 40 minutes")).toBeUndefined();
    expect(extractAnswer("4+5=<<4+5=9>>9 points in the 40 minutes")).toEqual({ answer: "9", rule: "last-calculation" });
    expect(extractAnswer("6 * 7 = <<6*7=42>>42")).toEqual({ answer: "42", rule: "last-calculation" });
    expect(extractAnswer("They scored 9 points in the 40 minutes")).toEqual({ answer: "40", rule: "last-number" });
  });
});

describe("properties of the classes", () => {
  const withSep = (n: bigint, sep: string) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, sep);

  it("a number with LaTeX thousands separators equals the number and not its neighbour", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1000n, max: 10n ** 14n }),
        fc.constantFrom(",\\! ", ",\\!", "{,}", "\\,", ","),
        (n, sep) => {
          expect(compare(withSep(n, sep), n.toString()).verdict).toBe("equal");
          expect(compare(withSep(n + 1n, sep), n.toString()).verdict).toBe("different");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a relation never equals its flip, in any spelling", () => {
    const ops: Array<[string, string]> = [
      [">", "<"],
      ["\\gt", "\\lt"],
      ["\\ge", "\\le"],
      ["\\geq", "\\leq"],
      ["\\geqslant", "\\leqslant"],
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.constantFrom(...ops),
        fc.constantFrom("x", "n", "t"),
        (a, [g, l], v) => {
          expect(compare(`${v} ${g} ${a}`, `${v} ${l} ${a}`).verdict).toBe("different");
          expect(compare(`${v} ${g} ${a}`, `${a} ${l} ${v}`).verdict).toBe("equal");
          for (const mode of ["strict", "flexible"] as const)
            expect(grade(`${v} ${g} ${a}`, `${v} ${l} ${a}`, mode)).toBe("different");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("several boxes equal the set of their values in any order, and not a set with one value changed", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 5 }),
        fc.constantFrom(", ", " and ", ", and "),
        (xs, sep) => {
          const out = `So the values are ${xs.map((x) => `$\\boxed{${x}}$`).join(sep)}.`;
          const shuffled = [...xs].reverse();
          expect(grade(out, `\\{${shuffled.join(", ")}\\}`, "strict")).toBe("equal");
          const other = [...xs.slice(1), Math.max(...xs) + 1];
          expect(grade(out, `\\{${other.join(", ")}\\}`, "strict")).toBe("different");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a later final answer line beats an earlier box; a box after the line wins", () => {
    fc.assert(
      fc.property(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: -99999, max: 99999 }), (a, b) => {
        fc.pre(a !== b);
        const late = extractAnswer(`We get $\\boxed{${a}}$. On second thought:\nThe final answer is $${b}$.`, {
          mode: "strict",
        });
        expect(late?.answer).toBe(String(b));
        const boxLast = extractAnswer(`The final answer is $${a}$. On second thought, $\\boxed{${b}}$.`, {
          mode: "strict",
        });
        expect(boxLast).toEqual({ answer: String(b), rule: "boxed" });
      }),
      { numRuns: 100 },
    );
  });

  it("a tuple named by its variables equals the bare tuple, and not its reverse", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -99, max: 99 }),
        fc.integer({ min: -99, max: 99 }),
        fc.constantFrom("(p,q)", "(x, y)", "(a,b)"),
        (a, b, vars) => {
          expect(compare(`${vars}=(${a},${b})`, `(${a}, ${b})`).verdict).toBe("equal");
          if (a !== b) expect(compare(`${vars}=(${a},${b})`, `(${b}, ${a})`).verdict).toBe("different");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a code with digits between letters never equals a number", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{1,5}$/), fc.nat(999), fc.stringMatching(/^[A-Z]{1,3}$/), (pre, n, post) => {
        for (const mode of ["strict", "flexible"] as const)
          expect(grade(`${pre}${n}${post}`, String(n), mode)).toBe("different");
      }),
      { numRuns: 100 },
    );
  });
});

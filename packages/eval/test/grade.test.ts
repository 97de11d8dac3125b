import { computeMetrics, gradeOutput, type Prediction } from "@mathtune/eval";
import { describe, expect, it } from "vitest";

describe("gradeOutput: fixture outputs with known verdicts", () => {
  it.each([
    // output, gold, finish, strict verdict/rule, flexible verdict/rule
    ["3 + 4 = 7.\nAnswer: 7", "7", "stop", "correct", "answer-line", "correct", "answer-line"],
    ["So x = \\boxed{\\frac{1}{2}}.", "0.5", "stop", "correct", "boxed", "correct", "boxed"],
    ["She has 8 - 3 = 5 apples left.", "5", "stop", "no-answer", null, "correct", "last-calculation"],
    ["She has 8 - 3 = 4 apples left.", "5", "stop", "no-answer", null, "wrong", "last-calculation"],
    ["Answer: 12", "13", "stop", "wrong", "answer-line", "wrong", "answer-line"],
    ["I am not sure.", "13", "stop", "no-answer", null, "no-answer", null],
    ["Let me think step by step. First 12 and then 4", "9", "length", "length", null, "length", "last-number"],
    ["The work goes on... \\boxed{9", "9", "length", "length", null, "correct", "last-number"],
    ["#### 1,200", "1200", "stop", "correct", "gsm8k", "correct", "gsm8k"],
    ["答：6", "6", "stop", "correct", "answer-line", "correct", "answer-line"],
  ] as const)("%j (gold %s, %s)", (output, gold, finish, sv, sr, fv, fr) => {
    const s = gradeOutput(output, gold, finish, "strict");
    const f = gradeOutput(output, gold, finish, "flexible");
    expect([s.verdict, s.rule]).toEqual([sv, sr]);
    expect([f.verdict, f.rule]).toEqual([fv, fr]);
  });

  it("uses the question: base-16 answers compare as numbers in that base", () => {
    expect(gradeOutput("Answer: 1A", "1a", "stop", "strict", "Convert 26 to base 16.").verdict).toBe("correct");
  });

  it("uses the question: an answer that copies the calculation out of it is wrong, though equal in value", () => {
    // A real base-model output from the SmolLM2 run (docs/RESULTS.md) that the equivalence check called correct.
    const q = "Simplify $\\frac{1}{6} - \\left(\\frac{1}{4} + \\frac{4}{3}\\right)$.";
    const out = "The answer is $\\frac{1}{6} - (\\frac{1}{4}+\\frac{4}{3})$.";
    for (const mode of ["strict", "flexible"] as const) {
      const g = gradeOutput(out, "-17/12", "stop", mode, q);
      expect([g.verdict, g.reason]).toEqual(["wrong", "restated"]);
      // without the question nothing tells a restatement from a result
      expect(gradeOutput(out, "-17/12", "stop", mode).verdict).toBe("correct");
    }
    expect(gradeOutput("Answer: 7 \\times 8", "56", "stop", "strict", "What is $7 \\times 8$?").verdict).toBe("wrong");
    expect(gradeOutput("Answer: \\sqrt{16}", "4", "stop", "strict", "What is $\\sqrt{16}$?").verdict).toBe("wrong");
    // a value that appears in the question is still an answer: a literal, not a calculation
    expect(
      gradeOutput("Answer: \\frac{1}{2}", "1/2", "stop", "strict", "Which is larger, $\\frac{1}{2}$ or $\\frac{1}{3}$?")
        .verdict,
    ).toBe("correct");
    expect(
      gradeOutput("Answer: 56", "56", "stop", "strict", "What is $7 \\times 8$? (Hint: 56 is close.)").verdict,
    ).toBe("correct");
    // the result of a calculation in the question is not the calculation
    expect(gradeOutput("Answer: -\\frac{17}{12}", "-17/12", "stop", "strict", q).verdict).toBe("correct");
    // a gold answer that is itself an expression found in the question still matches
    expect(
      gradeOutput("Answer: x + 1", "x+1", "stop", "strict", "Which factor do $x^2 - 1$ and $x + 1$ share?").verdict,
    ).toBe("correct");
  });
});

describe("computeMetrics", () => {
  const pred = (id: string, category: string, output: string, gold: string, finish: "stop" | "length"): Prediction => ({
    id,
    hash: id,
    source: "fixture",
    category,
    difficulty: category === "a" ? 1 : 2,
    problem: "p",
    gold,
    messages: [],
    output,
    finish,
    tokens: 10,
    strict: gradeOutput(output, gold, finish, "strict"),
    flexible: gradeOutput(output, gold, finish, "flexible"),
  });
  const preds = [
    pred("1", "a", "Answer: 1", "1", "stop"),
    pred("2", "a", "Answer: 3", "2", "stop"),
    pred("3", "a", "no idea", "3", "stop"),
    pred("4", "b", "it is 4", "4", "stop"),
    pred("5", "b", "12 12 12 12", "5", "length"),
  ];
  const m = computeMetrics(preds);
  it("counts no-answer and cut-by-length apart from wrong, per mode", () => {
    expect(m.overall.strict).toMatchObject({ n: 5, correct: 1, wrong: 1, noAnswer: 2, length: 1, accuracy: 0.2 });
    expect(m.overall.flexible).toMatchObject({ n: 5, correct: 2, wrong: 1, noAnswer: 1, length: 1, accuracy: 0.4 });
    expect(m.finish).toEqual({ stop: 4, length: 1 });
    expect(m.tokens).toEqual({ generated: 50, prompt: 0, meanPerProblem: 10 });
    expect(m.rules.flexible).toEqual({ "answer-line": 2, none: 1, "last-number": 1, whole: 1 });
  });
  it("breaks accuracy down by category, difficulty and source with Wilson intervals", () => {
    expect(Object.keys(m.byCategory)).toEqual(["a", "b"]);
    expect(m.byCategory.a!.strict).toMatchObject({ n: 3, correct: 1 });
    expect(m.byCategory.b!.flexible).toMatchObject({ n: 2, correct: 1, length: 1 });
    expect(m.byDifficulty["2"]!.flexible.correct).toBe(1);
    expect(m.bySource.fixture!.flexible.n).toBe(5);
    const [lo, hi] = m.overall.flexible.ci95;
    expect(lo).toBeCloseTo(0.1176, 3); // Wilson 95% for 2/5
    expect(hi).toBeCloseTo(0.7693, 3);
  });
});

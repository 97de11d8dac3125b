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

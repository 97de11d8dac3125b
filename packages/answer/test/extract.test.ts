import { describe, expect, it } from "vitest";
import { extractAnswer, extractBoxed, extractGsm8k, lastNumber } from "@mathtune/answer";

describe("extractBoxed", () => {
  const rows: Array<[string, string | undefined]> = [
    ["The answer is $\\boxed{5}$.", "5"],
    ["\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"],
    ["first \\boxed{1} then \\boxed{2}", "2"],
    ["nested \\boxed{\\frac{\\sqrt{3}}{2}} done", "\\frac{\\sqrt{3}}{2}"],
    ["set \\boxed{\\{1, 2\\}}", "\\{1, 2\\}"],
    ["escaped brace \\boxed{\\left\\{ x \\right\\}}", "\\left\\{ x \\right\\}"],
    ["\\fbox{42}", "42"],
    ["\\boxed{1} and \\fbox{2}", "2"],
    ["$\\boxed 2$", "2"],
    ["so \\boxed 7.", "7."],
    ["\\boxed \\pi", "\\pi"],
    ["  \\boxed{ 3 }  ", "3"],
    ["\\boxed{\\text{(C)}}", "\\text{(C)}"],
    ["\\boxed{x^{2}+1}", "x^{2}+1"],
    ["no box here", undefined],
    ["\\boxed{}", undefined],
    ["\\boxedx{3}", undefined],
    ["\\boxed{12} then a truncated \\boxed{3", "12"],
    ["truncated \\boxed{\\frac{1}{2}", undefined],
    ["\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"],
  ];
  it.each(rows)("%j -> %j", (text, expected) => {
    expect(extractBoxed(text)).toBe(expected);
  });
});

describe("extractGsm8k", () => {
  const rows: Array<[string, string | undefined]> = [
    ["She pays 3*2=<<3*2=6>>6 dollars.\n#### 6", "6"],
    ["...\n#### 2,125", "2125"],
    ["...\n#### -7", "-7"],
    ["...\n####  7,425,000  ", "7425000"],
    ["#### 18", "18"],
    ["first\n#### 1\nsecond\n#### 2", "2"],
    ["no marker 5", undefined],
    ["#### ", undefined],
    ["the text says ### 5", undefined],
  ];
  it.each(rows)("%j -> %j", (text, expected) => {
    expect(extractGsm8k(text)).toBe(expected);
  });
});

describe("extractAnswer", () => {
  type Row = [string, "strict" | "flexible", { answer: string; rule: string } | undefined];
  const rows: Row[] = [
    ["so $x = \\boxed{3}$", "strict", { answer: "3", rule: "boxed" }],
    ["The answer is 12.\n\\boxed{13}", "strict", { answer: "13", rule: "boxed" }],
    ["Janet has 5 eggs.\n#### 5", "strict", { answer: "5", rule: "gsm8k" }],
    ["Answer: 42", "strict", { answer: "42", rule: "answer-line" }],
    ["Work...\nAnswer: $\\frac{3}{4}$", "strict", { answer: "\\frac{3}{4}", rule: "answer-line" }],
    ["Thus the answer is 17.", "strict", { answer: "17", rule: "answer-line" }],
    ["The answer is: 3.5.", "strict", { answer: "3.5", rule: "answer-line" }],
    [
      "Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.",
      "strict",
      { answer: "\\frac{1}{2}", rule: "answer-line" },
    ],
    ["The final answer is 1,200.", "strict", { answer: "1,200", rule: "answer-line" }],
    ["so the answer is $10 + 2 = 12$.", "strict", { answer: "12", rule: "answer-line" }],
    ["the answer is $x^2 + y^2 = 1$", "strict", { answer: "x^2 + y^2 = 1", rule: "answer-line" }],
    ["the answer is $x = 5$", "strict", { answer: "5", rule: "answer-line" }],
    ["所以答：5", "strict", { answer: "5", rule: "answer-line" }],
    ["因此答案是 12。", "strict", { answer: "12", rule: "answer-line" }],
    ["最终答案：\\frac{1}{3}", "strict", { answer: "\\frac{1}{3}", rule: "answer-line" }],
    ["最终答案是 7", "strict", { answer: "7", rule: "answer-line" }],
    ["**Answer:** 9", "strict", { answer: "9", rule: "answer-line" }],
    [
      "The answer is necessary because we check it twice, so we get 49.",
      "flexible",
      { answer: "49", rule: "last-number" },
    ],
    ["He pays $1,200 in total.", "strict", undefined],
    ["He pays $1,200 in total.", "flexible", { answer: "1200", rule: "last-number" }],
    ["It drops to -3.5 degrees", "flexible", { answer: "-3.5", rule: "last-number" }],
    ["the ratio is 3/4", "flexible", { answer: "3/4", rule: "last-number" }],
    ["nothing numeric here", "flexible", undefined],
    ["", "flexible", undefined],
  ];
  it.each(rows)("%j (%s)", (text, mode, expected) => {
    expect(extractAnswer(text, { mode })).toEqual(expected);
  });

  it("defaults to flexible mode", () => {
    expect(extractAnswer("so 5 apples")).toEqual({ answer: "5", rule: "last-number" });
  });

  it("prefers the box over an answer line, and the answer line over the last number", () => {
    expect(extractAnswer("The answer is 3. \\boxed{4} and 5")?.rule).toBe("boxed");
    expect(extractAnswer("The answer is 3. Then 5 more")?.answer).toBe("3");
  });
});

describe("lastNumber", () => {
  it.each([
    ["a 1 b 2", "2"],
    ["total 7,425,000 units", "7425000"],
    ["−4 degrees", "-4"],
    ["value .5", ".5"],
    ["none", undefined],
  ])("%j -> %j", (text, expected) => {
    expect(lastNumber(text)).toBe(expected);
  });
});

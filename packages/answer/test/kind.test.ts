import { ANSWER_KINDS, type AnswerKind } from "@mathtune/core";
import { describe, expect, it } from "vitest";
import { answerKind } from "@mathtune/answer";

describe("answerKind", () => {
  const rows: Array<[string, AnswerKind]> = [
    ["42", "integer"],
    ["-7", "integer"],
    ["7,425,000", "integer"],
    ["0.5", "decimal"],
    ["-.25", "decimal"],
    ["1e-3", "decimal"],
    ["-2/7", "fraction"],
    ["3/4", "fraction"],
    ["\\frac{1}{2}", "latex"],
    ["\\sqrt{2}", "latex"],
    ["x^{2}", "latex"],
    ["\\$36", "latex"],
    ["\\{1, 2\\}", "latex"],
    ["r**(3023/204)", "expression"],
    ["-12*k**2", "expression"],
    ["-5 + 144*sqrt(17)", "expression"],
    ["x", "expression"],
    ["True", "boolean"],
    ["false", "boolean"],
    ["10:09 PM", "time"],
    ["22:09", "time"],
    ["1, 2, 3", "list"],
    ["5, 2/7, 0.158, 0, -1/2", "list"],
    ["Monday", "text"],
    ["no solution", "text"],
    ["", "none"],
    ["   ", "none"],
  ];
  it.each(rows)("%j is %s", (answer, kind) => {
    expect(answerKind(answer)).toBe(kind);
  });

  it("only returns kinds of the MathRecord schema", () => {
    for (const [answer] of rows) expect(ANSWER_KINDS).toContain(answerKind(answer));
  });
});

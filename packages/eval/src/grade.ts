import { compare, type CompareReason, extractAnswer, type ExtractRule } from "@mathtune/answer";
import type { FinishReason } from "./backends/types.js";

/**
 * `correct`: the answer found equals the gold one. Otherwise, `length`: the output was cut by the
 * length limit; `no-answer`: the model finished but no answer could be found; `wrong`: an answer was
 * found and it differs.
 */
export type Verdict = "correct" | "wrong" | "no-answer" | "length";
/** Every verdict, in report order. */
export const VERDICTS: readonly Verdict[] = ["correct", "wrong", "no-answer", "length"];

/** `strict` counts only a stated answer (a box, `####`, an answer line); `flexible` also the last number. */
export type GradeMode = "strict" | "flexible";
/** Both grading modes. */
export const GRADE_MODES: readonly GradeMode[] = ["strict", "flexible"];

/** The grade of one output in one mode: the answer read, the rule that found it, and the verdict. */
export interface Grade {
  /** The answer extracted from the output, or null. */
  answer: string | null;
  /** The extraction rule that fired (boxed, gsm8k, answer-line, last-number), or null. */
  rule: ExtractRule | null;
  verdict: Verdict;
  /** How the comparison decided (number, symbolic, ...), when an answer was found. */
  reason?: CompareReason;
}

/**
 * Grades one output against the gold answer with @mathtune/answer: `strict` reads only explicit
 * final answers (a box, `####`, an answer line), `flexible` also the last number.
 */
export function gradeOutput(output: string, gold: string, finish: FinishReason, mode: GradeMode, question?: string): Grade {
  const found = extractAnswer(output, { mode });
  if (!found) return { answer: null, rule: null, verdict: finish === "length" ? "length" : "no-answer" };
  const c = compare(found.answer, gold, question ? { question } : {});
  const verdict = c.equal ? "correct" : finish === "length" ? "length" : "wrong";
  return { answer: found.answer, rule: found.rule, verdict, reason: c.reason };
}

import {
  compare,
  type CompareReason,
  extractAnswer,
  type ExtractRule,
  normalizeAnswer,
  parseNumber,
} from "@mathtune/answer";
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
  /**
   * How the comparison decided (number, symbolic, ...), when an answer was found; `restated` when
   * the answer only copies a calculation out of the question (it is then wrong, whatever it equals).
   */
  reason?: CompareReason | "restated";
}

/** Math text with spacing, dollar signs, `\left`/`\right` and operator spellings made uniform. */
function mathKey(s: string): string {
  return s
    .replace(/\\left|\\right|\\[,;:! ]|\\displaystyle|\$|\s+/g, "")
    .replace(/\\[dt]frac/g, "\\frac")
    .replace(/\\times|\\cdot|\*/g, "*")
    .replace(/\\div/g, "/");
}

/**
 * True when an answer is a calculation copied out of the question (`\frac16 - (\frac14 + \frac43)`
 * for "What is $\frac16 - (\frac14 + \frac43)$?"), which the equivalence check would find equal to
 * the gold value. A literal value (`-\frac{17}{12}`, `0.5`) never counts as restated.
 */
export function restatesQuestion(answer: string, question: string): boolean {
  if (parseNumber(normalizeAnswer(answer).text) !== undefined) return false;
  const key = mathKey(answer);
  if (key.length < 3 || !/.[-+*/^]|\\sqrt|\\frac/.test(key)) return false;
  return mathKey(question).includes(key);
}

/**
 * Grades one output against the gold answer with @mathtune/answer: `strict` reads only explicit
 * final answers (a box, `####`, an answer line), `flexible` also the last number.
 */
export function gradeOutput(
  output: string,
  gold: string,
  finish: FinishReason,
  mode: GradeMode,
  question?: string,
): Grade {
  const found = extractAnswer(output, { mode });
  if (!found) return { answer: null, rule: null, verdict: finish === "length" ? "length" : "no-answer" };
  if (question && restatesQuestion(found.answer, question) && mathKey(found.answer) !== mathKey(gold)) {
    return {
      answer: found.answer,
      rule: found.rule,
      verdict: finish === "length" ? "length" : "wrong",
      reason: "restated",
    };
  }
  const c = compare(found.answer, gold, question ? { question } : {});
  const verdict = c.equal ? "correct" : finish === "length" ? "length" : "wrong";
  return { answer: found.answer, rule: found.rule, verdict, reason: c.reason };
}

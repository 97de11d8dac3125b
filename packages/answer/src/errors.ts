import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** The codes of @mathtune/answer, beside core's: the answer stage's Rejections. */
export const ANSWER_ERROR_CODES = {
  E_ANSWER_UNREADABLE:
    "the grader cannot read the record's answer back from its training output (the answer stage's `readable` check)",
  E_ANSWER_DISAGREES: "the solution's own final answer disagrees with the label (the answer stage's `agree` check)",
} as const;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof ANSWER_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/answer", ANSWER_ERROR_CODES);

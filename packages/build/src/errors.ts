import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** The codes of @mathtune/build, beside core's: the answer check's Rejections. */
export const BUILD_ERROR_CODES = {
  E_ANSWER_UNREADABLE: "the grader cannot read the record's answer back from its training output (checks.answer.readable)",
  E_ANSWER_DISAGREES: "the solution's own final answer disagrees with the label (checks.answer.agree)",
} as const;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof BUILD_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/build", BUILD_ERROR_CODES);

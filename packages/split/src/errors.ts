import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** The codes of @mathtune/split, beside core's: both are Rejections, records the build quarantines. */
export const SPLIT_ERROR_CODES = {
  E_DUPLICATE: "an exact or near duplicate of a record kept earlier (the message names the kept id)",
  E_CONTAMINATED: "a record shares a span with an evaluation set (the message names set, id and span)",
} as const;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof SPLIT_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/split", SPLIT_ERROR_CODES);

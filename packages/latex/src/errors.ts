import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";
import { FINDING_CODES } from "./validate.js";

/** The finding codes of @mathtune/latex, as error codes: a flagged record is rejected with one. E_LATEX_PARSE is core's. */
export const LATEX_ERROR_CODES = Object.fromEntries(
  Object.entries(FINDING_CODES).map(([code, f]) => [code, f.description]),
) as {
  readonly [K in keyof typeof FINDING_CODES]: string;
};

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof FINDING_CODES> {}
}
registerErrorCodes("@mathtune/latex", LATEX_ERROR_CODES);

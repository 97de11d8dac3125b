import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** The codes of @mathtune/format (chat templates), beside core's. */
export const FORMAT_ERROR_CODES = {
  E_TEMPLATE_MISMATCH:
    "a chat template's tags are not the tokenizer's special tokens (Phi-3 tags with a Qwen tokenizer)",
  E_TEMPLATE_INVALID: "a Jinja chat template does not parse",
  E_TEMPLATE_RENDER:
    "a chat template fails to render, calls raise_exception, or renders the prompt differently from the whole",
  E_TEMPLATE_NOT_FOUND: "a template name that is neither built in nor a file",
  E_UNSUPPORTED: "the browser build was asked to read a file",
} as const;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof FORMAT_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/format", FORMAT_ERROR_CODES);

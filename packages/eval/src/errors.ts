import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** The codes of @mathtune/eval, beside core's (documented in its README). */
export const EVAL_ERROR_CODES = {
  E_TEST_NO_ANSWER: "a test problem has no answer to grade against",
  E_MODEL_NOT_GGUF: "the model file is not a GGUF",
  E_MODEL_LOAD: "llama.cpp cannot load the model",
  E_MODEL_NOT_FOUND: "the server does not know the model (404)",
  E_TEMPLATE_MISSING: "the model has no chat template",
  E_PROMPT_TOO_LONG: "a prompt does not fit the context size",
  E_SERVER_UNREACHABLE: "the inference server cannot be reached",
  E_SERVER_ERROR: "the inference server answered 429 or 5xx after every retry",
  E_SERVER_RESPONSE: "the inference server's answer is not JSON",
  E_OUTPUT_NOT_TEXT: "the inference server's answer holds no text",
  E_EVAL_MISMATCH: "a run folder holds an evaluation with other arguments",
  E_EVAL_INCOMPLETE: "compare was given an unfinished run",
  E_COMPARE_MISMATCH: "the compared runs used different test sets",
} as const;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof EVAL_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/eval", EVAL_ERROR_CODES);

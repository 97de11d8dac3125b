import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** The codes of @mathtune/deploy, beside core's and the chat-template codes of @mathtune/format. */
export const DEPLOY_ERROR_CODES = {
  E_MODEL_INVALID: "the model folder has no config.json or no tokenizer, or its config is not JSON",
  E_ARCH_UNSUPPORTED: "the model's architecture is not a causal language model llama.cpp can convert",
  E_QUANT_TYPE: "no quantization type given, or one llama.cpp does not know",
  E_GGUF_INVALID: "a file is not a GGUF llama.cpp could read",
  E_GGUF_CHECK: "a written GGUF fails its check (tensor types, metadata, size)",
  E_NO_SPACE: "not enough free disk space for the conversion or quantization",
  E_TEMPLATE_UNSUPPORTED: "no Ollama template is known for the model's chat template (pass one with --template)",
  E_SMOKE_FAILED: "the deployed model's smoke test failed: no readable answer, or it did not end its turn",
  E_OLLAMA_UNREACHABLE: "the Ollama server cannot be reached (or ollama serve did not come up)",
  E_OLLAMA_ERROR: "the Ollama server answered an error",
} as const;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof DEPLOY_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/deploy", DEPLOY_ERROR_CODES);

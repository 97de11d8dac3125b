/**
 * The answer tools that work on text alone: final-answer extraction and answer kinds. Unlike the
 * package's main entry this does not load the CAS (@cortex-js/compute-engine), so a loader or a
 * worker thread that only extracts answers stays small and starts fast.
 *
 * @packageDocumentation
 * @module @mathtune/answer/text
 */
export { extractBoxed, extractGsm8k } from "./extract.js";
export { extractAnswer, lastNumber, type ExtractOptions, type ExtractRule, type Extracted } from "./answer-line.js";
export { answerKind } from "./kind.js";

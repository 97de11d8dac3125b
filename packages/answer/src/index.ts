/**
 * Extract final answers from math text and decide whether two answers are equivalent.
 *
 * @packageDocumentation
 * @module @mathtune/answer
 */
export { extractBoxed, extractGsm8k } from "./extract.js";
export { extractAnswer, lastNumber, type ExtractOptions, type ExtractRule, type Extracted } from "./answer-line.js";
export { answerKind } from "./kind.js";
export {
  compare,
  equivalent,
  type CompareOptions,
  type CompareReason,
  type Comparison,
  type ValueType,
} from "./compare.js";
export { normalizeAnswer, parseNumber, type Normalized, type ParsedNumber } from "./normalize.js";
export { createAnswerStage, type AnswerPolicy, type AnswerStage, type AnswerStageOptions } from "./stage.js";
export { ANSWER_ERROR_CODES } from "./errors.js";

/**
 * @mathtune/latex for a browser (the `browser` export condition): finding and validating math,
 * without the worker-thread pool and the build stage that uses it, which need Node.
 */
export { findMath, scanText, MATH_ENVIRONMENTS, type Delimiter, type FindMathOptions, type ScanProblem, type ScanResult, type Segment } from "./scan.js";
export {
  checkAnswer,
  checkMath,
  checkRecord,
  checkText,
  defaultSegmentCache,
  FINDING_CODES,
  SegmentCache,
  unbalancedBrace,
  validateRecord,
  validateText,
  type Finding,
  type FindingCode,
  type FindingKind,
  type LatexFields,
  type TextReport,
  type ValidateOptions,
} from "./validate.js";
export {
  ALL_MACROS,
  BEYOND_KATEX_COLUMNS,
  BEYOND_KATEX_COMMANDS,
  BEYOND_KATEX_ENVIRONMENTS,
  ENVIRONMENT_ALIASES,
  MACROS,
  NEUTRAL_MACROS,
  type MacroDefinition,
} from "./macros.js";
export { LATEX_ERROR_CODES } from "./errors.js";

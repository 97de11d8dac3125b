/**
 * @mathtune/latex for a browser (the `browser` export condition): finding and validating math,
 * without the worker-thread pool and the build stage that uses it, which need Node.
 */
export {
  findMath,
  scanText,
  type Delimiter,
  type FindMathOptions,
  type ScanProblem,
  type ScanResult,
  type Segment,
} from "./scan.js";
export {
  checkRecord,
  checkText,
  FINDING_CODES,
  validateRecord,
  validateText,
  type Finding,
  type FindingCode,
  type FindingKind,
  type LatexFields,
  type TextReport,
  type ValidateOptions,
} from "./validate.js";
export { LATEX_ERROR_CODES } from "./errors.js";

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
export { defaultWorkerUrl, LatexPool, type LatexPoolOptions, type PoolItem } from "./pool.js";
export {
  createLatexStage,
  formatLatexSummary,
  LATEX_STAGE_DEFAULTS,
  LatexStageOptionsSchema,
  parseLatexStageOptions,
  policyFor,
  type LatexPolicy,
  type LatexSourceSummary,
  type LatexStage,
  type LatexStageOptions,
  type LatexSummary,
  type ResolvedLatexOptions,
} from "./stage.js";
export { latexDefines } from "./latex-known.js";
export { LATEX_COMMANDS_SOURCE } from "./latex-commands.js";
export { checkProse, textModeUse, type ProseProblem, type TextModeUse } from "./prose.js";

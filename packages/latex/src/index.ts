/**
 * Find math segments in text and validate them with KaTeX, with classified findings; a worker
 * pool and the build stage that runs it. The `browser` export condition gets the part that runs
 * anywhere (finding and validating math).
 *
 * @packageDocumentation
 * @module @mathtune/latex
 */
// The platform-neutral part (what the browser entry exports), then the Node-only pool and build stage.
export * from "./browser.js";
export { LatexPool, type LatexPoolOptions, type PoolItem } from "./pool.js";
export {
  createLatexStage,
  formatLatexSummary,
  LATEX_STAGE_DEFAULTS,
  LatexStageOptionsSchema,
  parseLatexStageOptions,
  type LatexPolicy,
  type LatexSourceSummary,
  type LatexStage,
  type LatexStageOptions,
  type LatexSummary,
  type ResolvedLatexOptions,
} from "./stage.js";
export { latexDefines } from "./latex-known.js";
export { checkProse, textModeUse, type ProseProblem, type TextModeUse } from "./prose.js";

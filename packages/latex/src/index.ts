// The platform-neutral part (what the browser entry exports), then the Node-only pool and build stage.
export * from "./browser.js";
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

/**
 * Run a model on a math test set, grade its answers, and compare two models with significance tests.
 *
 * @packageDocumentation
 * @module @mathtune/eval
 */
export {
  evaluate,
  evaluateIter,
  openBackend,
  readPredictions,
  type BackendOptions,
  type EvalEvent,
  type EvalMetrics,
  type EvalOptions,
  type EvalResult,
} from "./eval.js";
export {
  compareRuns,
  comparisonMarkdown,
  type CompareOptions,
  type Comparison,
  type Example,
  type PairedRow,
} from "./compare.js";
export { gradeOutput, GRADE_MODES, VERDICTS, type Grade, type GradeMode, type Verdict } from "./grade.js";
export {
  computeMetrics,
  tally,
  tallyBy,
  type Metrics,
  type ModeTallies,
  type Prediction,
  type Tally,
} from "./metrics.js";
export { promptMessages, promptSettings, type PromptSettings } from "./prompt.js";
export { mcnemarExact, wilson } from "./stats.js";
export {
  loadTestSet,
  recordHash,
  sampleItems,
  type LoadTestSetOptions,
  type TestItem,
  type TestSet,
} from "./testset.js";
export { assertGguf, llamaBackend, type LlamaBackendOptions } from "./backends/llama.js";
export { ollamaBackend, ollamaUrl, type OllamaBackendOptions } from "./backends/ollama.js";
export { openaiBackend, type OpenAIBackendOptions } from "./backends/openai.js";
export { requestJson } from "./backends/http.js";
export type { Backend, FinishReason, Generation, GenerateRequest, HttpOptions, ModelInfo } from "./backends/types.js";
export { EVAL_ERROR_CODES } from "./errors.js";

/**
 * `mathtune run` as a library: one recipe from sources to a deployed, evaluated model in one run
 * folder, with lineage.json, skip-on-rerun and resume after an interruption.
 *
 * @packageDocumentation
 * @module @mathtune/run
 */
export {
  STAGES,
  LINEAGE_FILE,
  readLineage,
  planStage,
  runStage,
  type StageName,
  type StageInputs,
  type StageRecord,
  type Lineage,
  type StageDecision,
  type StageEvent,
} from "./lineage.js";
export { runPipeline, type RunOptions, type RunEvent, type RunResult } from "./pipeline.js";
export {
  parseRunSections,
  RunDeploySchema,
  RunEvalSchema,
  type RunDeploy,
  type RunEval,
  type RunSections,
} from "./sections.js";

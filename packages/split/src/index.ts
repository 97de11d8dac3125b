/**
 * Exact and near (MinHash + LSH) dedup, n-gram decontamination against evaluation sets, and the
 * seeded, stratified train/validation/test split that `mathtune build` uses.
 *
 * @packageDocumentation
 * @module @mathtune/split
 */
export {
  createDedupStage,
  Deduplicator,
  type DedupOptions,
  DedupOptionsSchema,
  type DedupStage,
  type DuplicateMatch,
} from "./dedup.js";
export {
  type ContaminationMatch,
  ContaminationIndex,
  type ContaminationReport,
  type ContaminationReportEntry,
  createDecontaminationStage,
  type DecontaminationOptions,
  DecontaminationOptionsSchema,
  type DecontaminationStage,
  type EvalSet,
  type MatchResult,
} from "./decontaminate.js";
export {
  parseSplitOptions,
  pinnedSplit,
  SPLIT_DEFAULTS,
  type SplitName,
  type SplitOptions,
  SplitOptionsSchema,
  splitFractionsProblem,
  SPLITS,
  StratifiedSplitter,
  stratumOf,
} from "./split.js";
export { SPLIT_ERROR_CODES } from "./errors.js";

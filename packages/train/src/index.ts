/**
 * Fine-tune a model with LoRA from a mathtune dataset (PEFT and transformers in a managed Python
 * environment, driven as a subprocess), merge the adapter, and set up that environment.
 * Test helpers (a tiny local model) are at `@mathtune/train/testing`.
 *
 * @packageDocumentation
 * @module @mathtune/train
 */
export { TRAIN_ERROR_CODES, type TrainErrorCode } from "./errors.js";
export {
  PROTOCOL_VERSION,
  MESSAGE_TYPES,
  parseProtocolLine,
  type ProtocolMessage,
  type MessageType,
} from "./protocol.js";
export { runScript, PYTHON_ENV, type RunScriptOptions } from "./process.js";
export {
  TrainConfigSchema,
  resolveTrainConfig,
  TRAIN_CONFIG_KEYS,
  PRECISIONS,
  TORCH_DTYPES,
  parsePrecision,
  type Precision,
  type TrainConfig,
  type TrainConfigInput,
} from "./config.js";
export {
  toConversation,
  lineKind,
  dataFileName,
  findDataFiles,
  recordRenderer,
  writeConversations,
  type ChatMessage,
  type Conversation,
  type ConversationOptions,
  type DataFiles,
  type DataKind,
  type RecordRenderer,
  type WriteConversationsOptions,
} from "./data.js";
export {
  PYTHON_DIR,
  SETUP_HINT,
  cacheDir,
  detectCuda,
  requirements,
  venvPath,
  resolvePython,
  setupIter,
  setup,
  CPU_TORCH_INDEX,
  pipInstallCommands,
  doctor,
  type PythonEnvOptions,
  type SetupOptions,
  type SetupEvent,
  type SetupResult,
  type DoctorReport,
} from "./env.js";
export {
  trainIter,
  train,
  inspectTraining,
  isAdapterDir,
  resolvedConfig,
  type DriverOptions,
  type TrainOptions,
  type TrainEvent,
  type TrainResult,
  type InspectedExample,
} from "./train.js";
export { mergeIter, merge, type MergeOptions, type MergeResult, type MergeCheck, type MergeEvent } from "./merge.js";
/** The loss curve chart (Vega-Lite, rendered to SVG): @mathtune/report draws it, for loss.svg and the run report alike. */
export { lossCurveSvg, type LossPoint } from "@mathtune/report";
export {
  createProgressReporter,
  formatProgressLine,
  formatEvalLine,
  formatDuration,
  EtaEstimator,
  type ProgressReporterOptions,
} from "./progress.js";
export {
  KNOWN_MODELS,
  MODEL_MARKER,
  knownModel,
  modelCacheDir,
  fetchModelIter,
  fetchModel,
  type KnownModel,
  type KnownModelName,
  type PypiWheelSource,
  type HubSource,
  type FetchModelOptions,
  type FetchModelEvent,
  type FetchModelResult,
} from "./models.js";

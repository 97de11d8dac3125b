export { TRAIN_ERROR_CODES, type TrainErrorCode } from "./errors.js";
export { PROTOCOL_VERSION, MESSAGE_TYPES, parseProtocolLine, type ProtocolMessage, type MessageType } from "./protocol.js";
export { runScript, drain, PYTHON_ENV, type RunScriptOptions } from "./process.js";
export { TrainConfigSchema, resolveTrainConfig, TRAIN_CONFIG_KEYS, type TrainConfig, type TrainConfigInput } from "./config.js";
export { toConversation, findDataFiles, writeConversations, type ChatMessage, type Conversation, type DataFiles } from "./data.js";
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
  doctor,
  which,
  type PythonEnvOptions,
  type SetupOptions,
  type SetupEvent,
  type SetupResult,
  type DoctorReport,
} from "./env.js";
export { trainIter, train, inspectTraining, isAdapterDir, type DriverOptions, type TrainOptions, type TrainEvent, type TrainResult, type InspectedExample } from "./train.js";
export { mergeIter, merge, type MergeOptions, type MergeResult, type MergeCheck, type MergeEvent } from "./merge.js";
export { createTinyModel, type TinyModelOptions, type TinyModel } from "./tiny.js";
export { lossCurveSvg, type LossPoint } from "./svg.js";
export { createProgressReporter, formatProgressLine, formatDuration, type ProgressReporterOptions } from "./progress.js";
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

/**
 * Turn a trained model into a quantized GGUF (llama.cpp) and an Ollama model, with read-back checks and a smoke test.
 *
 * @packageDocumentation
 * @module @mathtune/deploy
 */
export {
  QUANT_TYPES,
  CONVERT_TYPES,
  readGgufInfo,
  checkGguf,
  mainTensorType,
  typeName,
  type QuantType,
  type ConvertType,
  type GgufInfo,
  type GgufTensor,
  type GgufExpectations,
  type GgufCheck,
  type QuantFallback,
} from "./gguf.js";
export {
  DEPLOY_PYTHON_DIR,
  checkModelDir,
  convertToGguf,
  convertLoraToGguf,
  quantizeGguf,
  parseQuantTypes,
  adapterDir,
  type StepProgress,
  type ConvertOptions,
  type ConvertResult,
  type ConvertLoraOptions,
  type QuantizeOptions,
  type QuantizeResult,
} from "./llama.js";
export {
  chatmlGoTemplate,
  chatmlDefaultSystem,
  ollamaTemplateFor,
  renderModelfile,
  modelfileParameters,
  assertModelfileFitsModel,
  MATH_PARAMETERS,
  type OllamaTemplate,
  type ModelfileSpec,
} from "./modelfile.js";
export {
  OllamaClient,
  ollamaHost,
  createOllamaModel,
  type OllamaChatMessage,
  type OllamaChatResult,
  type OllamaCreateEvent,
  type CreateOllamaModelOptions,
} from "./ollama.js";
export {
  cpuLlama,
  tokenizeWithGguf,
  generateWithGguf,
  smokeTest,
  type GenerateOptions,
  type GenerateResult,
  type SmokeTestOptions,
  type SmokeTestResult,
} from "./smoke.js";
export {
  LLAMA_CPP_ENV,
  OLLAMA_ENV,
  OLLAMA_VERSION,
  nodeLlamaCppDir,
  llamaCppBundle,
  llamaCppBundleCommit,
  llamaCppCachePaths,
  findLlamaCpp,
  ensureLlamaCpp,
  cpuLevel,
  ollamaCachePath,
  ollamaCgoFlags,
  findOllama,
  ensureOllama,
  type LlamaCpp,
  type LlamaCppOptions,
  type LlamaCppSource,
  type OllamaBinary,
  type ToolEvent,
} from "./tools.js";
export {
  deploy,
  DEFAULT_SMOKE,
  type DeployOptions,
  type DeployResult,
  type DeployedFile,
  type DeployEvent,
} from "./deploy.js";
export { deployDoctor, type DeployDoctorReport } from "./doctor.js";
export { DEPLOY_ERROR_CODES } from "./errors.js";

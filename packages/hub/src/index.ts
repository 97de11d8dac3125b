/**
 * Datasets and models by name from the Hugging Face Hub (and its mirrors), into the standard Hugging Face cache: resumable, verified, offline-aware.
 *
 * @packageDocumentation
 * @module @mathtune/hub
 */
export { hubConfig, hfHome, type HubConfig, type HubConfigInput } from "./env.js";
export { HUB_ERROR_CODES, OFFLINE_HINT, type HubErrorCode } from "./errors.js";
export {
  blobPath,
  repoDir,
  repoFolderName,
  snapshotDir,
  readRef,
  type RepoRef,
  type RepoType,
  type TreeFile,
} from "./cache.js";
export { globToRegExp, MODEL_FILES, selectDatasetFiles, type DatasetSelection } from "./select.js";
export {
  parseRepoId,
  snapshot,
  snapshotIter,
  type HubEvent,
  type Snapshot,
  type SnapshotFile,
  type SnapshotOptions,
} from "./snapshot.js";
export {
  isLocalModelPath,
  provenanceOf,
  resolveDataset,
  resolveDatasetIter,
  resolveModel,
  type HubProvenance,
  type ResolveModelOptions,
  type ResolveOptions,
  type ResolvedDataset,
  type ResolvedModel,
} from "./resolve.js";
export { hubStatus, type HubStatus } from "./doctor.js";

import type { Stage } from "@mathtune/core";
import type { HubDownloadEvent } from "./hub-sources.js";
import type { Manifest } from "./manifest.js";
import type { LoadedRecipe, RecipeInput, SplitName } from "./recipe.js";

/** Options of `buildDataset` and `buildDatasetIter`. */
export interface BuildOptions {
  /** A recipe file, a recipe object (defaults filled in), or a loaded recipe. */
  recipe: string | RecipeInput | LoadedRecipe;
  /** The output folder; replaced atomically at the end. */
  out: string;
  /** Overrides the recipe's seed. */
  seed?: number;
  signal?: AbortSignal;
  /** Folder for relative paths when `recipe` is an object (default: cwd). */
  baseDir?: string;
  /** Extra stages, run after the recipe's checks. */
  stages?: Stage[];
  /** Records per stage batch (default 512). */
  batchSize?: number;
  /**
   * Read the sources in a worker thread, so that parsing overlaps the checks and the writing.
   * Default: when the machine has more than one core and the worker script is there (it is in the
   * built package; running from the TypeScript sources reads in this thread).
   */
  readInWorker?: boolean;
  /** The worker script (default: `load-worker.js` beside this module). */
  loadWorkerUrl?: URL | string;
  /**
   * Replace an existing `out` folder that mathtune did not write (default false: refused with
   * E_OUTPUT_NOT_OURS). Never replaces the current folder, an ancestor of it, or a folder holding
   * the recipe or an input (E_OUTPUT_UNSAFE).
   */
  force?: boolean;
  /** Wait this long (ms) for another build writing the same `out` (default 0: fail with E_OUTPUT_LOCKED). */
  lockWaitMs?: number;
  /**
   * Allow module adapters (default true). A recipe is code, like a Makefile: a module adapter's
   * import runs it. `false` (the CLI's `--no-code`) refuses them with E_CODE_REFUSED, for recipes
   * you do not trust; the recipe is validated before any module is imported either way.
   */
  allowCode?: boolean;
}

/** Record counts of one source of a build. */
export interface SourceCounts {
  adapter: string;
  read: number;
  written: number;
  quarantined: number;
  splits: Record<SplitName, number>;
}

/** Record counts of a whole build: read, written, quarantined, per split and per source. */
export interface BuildCounts {
  read: number;
  written: number;
  quarantined: number;
  splits: Record<SplitName, number>;
  sources: Record<string, SourceCounts>;
  quarantineByCode: Record<string, number>;
}

/** One file a build wrote, with its checksum, size and record count. */
export interface OutputFile {
  file: string;
  sha256: string;
  bytes: number;
  records: number;
}

/**
 * What a finished build returns (`buildDataset`'s value, `buildDatasetIter`'s return value and its `done` event):
 * the output folder, the counts, the files written and the manifest (as written to manifest.json).
 */
export interface BuildResult {
  out: string;
  counts: BuildCounts;
  outputs: OutputFile[];
  manifest: Manifest;
  elapsedMs: number;
}

/**
 * The events of `buildDatasetIter`, in order: start, then per source its start, progress and end, then the phases,
 * then done (whose result is also the generator's return value).
 */
export type BuildEvent =
  | { type: "start"; recipe: string; out: string; sources: string[] }
  | { type: "source-start"; source: string; adapter: string; index: number; total: number }
  | {
      type: "progress";
      source: string;
      read: number;
      kept: number;
      quarantined: number;
      elapsedMs: number;
      bytes?: number;
      totalBytes?: number;
    }
  | { type: "source-end"; source: string; read: number; kept: number; quarantined: number; elapsedMs: number }
  | { type: "phase"; phase: "split" | "write" | "finalize" }
  | { type: "write-progress"; written: number; total: number; elapsedMs: number }
  | HubDownloadEvent
  | { type: "done"; result: BuildResult };

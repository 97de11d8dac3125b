import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { relative } from "node:path";
import { MathtuneError } from "@mathtune/core";
import { type HubSource, hubInputEntry } from "./hub-sources.js";
import { portable } from "./internal/paths.js";
import { type DatasetRecipe, type LoadedRecipe, type Recipe, type SplitName, datasetPart } from "./recipe.js";
import type { BuildCounts, OutputFile } from "./types.js";

/** A file of a Hugging Face Hub source, as its commit lists it. */
export interface ManifestHubFile {
  path: string;
  size: number;
  /** The LFS sha256 of a large file. */
  sha256?: string;
  /** The git blob id of a small file. */
  gitOid?: string;
}

/** One source of a build as `manifest.json` records it. */
export interface ManifestInput {
  /** The source's name (its `name`, else its adapter). */
  source: string;
  /** The adapter, as the recipe names it. */
  adapter: string;
  /**
   * The input: the recipe's `path` (relative to the recipe's folder as written there), or
   * `hf://datasets/<repo>@<commit>` for a Hub source. Absent for a source without a path (`synthetic`).
   */
  path?: string;
  /**
   * sha256 of the input: of the file's bytes; for a folder, of its `sha256sum` listing (a line
   * `<sha256>  <path>` per file, paths relative and sorted); for a Hub source, of the lines
   * `<sha256 or git oid>  <path>` of its files.
   */
  sha256?: string;
  /** Files read. */
  files?: number;
  /** Bytes read, all files together. */
  bytes?: number;
  /** A Hub source: repository, revision as asked, the commit it resolved to, and its files. */
  hub?: { repo: string; revision: string; commit: string; files: ManifestHubFile[] };
}

/**
 * `manifest.json` of a build folder: how it was made (tool versions, recipe, seed, inputs with
 * checksums) and what it holds (counts, strata, check summaries, files with checksums). Written
 * with sorted keys, paths as the recipe gives them (relative to its folder when it does), so that
 * the same inputs and seed give the same bytes wherever the build runs.
 */
export interface Manifest {
  mathtune: {
    /** 1: the shape described here. */
    manifestVersion: 1;
    /**
     * Every mathtune package whose code shapes the output (`@mathtune/dataset` and the mathtune
     * packages it depends on, directly or not), with its version, sorted by name.
     */
    packages: Record<string, string>;
    /** The Node.js version that ran the build (`process.version`). */
    node: string;
  };
  recipe: {
    name: string;
    /** The recipe file, relative to its folder (so its base name); null for a recipe given as an object. */
    file: string | null;
    /** The recipe with its defaults, without the sections only `mathtune run` reads (model, train, deploy, eval). */
    value: DatasetRecipe;
  };
  /** The seed the build ran with (the recipe's or the override). */
  seed: number;
  /** The sources, in recipe order. */
  inputs: ManifestInput[];
  counts: BuildCounts;
  /** Records per stratum and split; a stratum is named by its records' `split.by` values joined with ` | `. */
  strata: Record<string, Record<SplitName, number>>;
  /** Each check's summary, by stage name (answer, latex, dedup, decontaminate, ...). */
  stages: Record<string, unknown>;
  /** The files written besides manifest.json, README.md and report.html. */
  outputs: OutputFile[];
}

/**
 * The versions of `@mathtune/dataset` and every mathtune package it depends on, directly or not
 * (dependencies and optional dependencies, each resolved as Node resolves it from its dependent),
 * read from their package.json files, sorted by name.
 */
export function packageVersions(): Record<string, string> {
  const found = new Map<string, string>();
  const visit = (name: string, from: string) => {
    if (found.has(name)) return;
    let file: string;
    try {
      file = createRequire(from).resolve(`${name}/package.json`);
    } catch (e) {
      throw new MathtuneError(
        "E_DEPENDENCY_MISSING",
        `the package ${name} (a dependency of the build) cannot be found from ${from}`,
        {
          cause: e,
          hint: "reinstall @mathtune/dataset (npm install), or run scripts/setup.sh in the repository",
        },
      );
    }
    const pkg = JSON.parse(readFileSync(file, "utf8")) as {
      version?: unknown;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    if (typeof pkg.version !== "string") throw new MathtuneError("E_INTERNAL", `${file} has no version`);
    found.set(name, pkg.version);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).sort()) {
      if (dep.startsWith("@mathtune/")) visit(dep, file);
    }
  };
  visit("@mathtune/dataset", import.meta.url);
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What `createManifest` needs besides the recipe. */
export interface ManifestParts {
  loaded: LoadedRecipe;
  /** The recipe as built (defaults filled in, seed overridden), with its Hub sources' options restored. */
  recipe: Recipe;
  inputs: ManifestInput[];
  counts: BuildCounts;
  strata: Record<string, Record<SplitName, number>>;
  stages: Record<string, unknown>;
  outputs: OutputFile[];
}

/** The manifest of a build. */
export function createManifest({ loaded, recipe, inputs, counts, strata, stages, outputs }: ManifestParts): Manifest {
  return {
    mathtune: { manifestVersion: 1, packages: packageVersions(), node: process.version },
    // Paths relative to the recipe's folder: the same build elsewhere gives the same bytes.
    // The sections of `mathtune run` (model, train, deploy, eval) do not shape the dataset: left out, so that
    // changing a training option leaves the build's bytes, and every stage that reads them, unchanged.
    recipe: {
      name: recipe.name,
      file: loaded.file ? portable(relative(loaded.baseDir, loaded.file)) : null,
      value: datasetPart(recipe),
    },
    seed: recipe.seed,
    inputs,
    counts,
    strata,
    stages,
    outputs,
  };
}

/** One source's manifest entry: its input's path and digest, and its Hub provenance. */
export function manifestInput(
  source: { name: string; adapter: string; path: unknown },
  digest: { sha256: string; files: number; bytes: number } | undefined,
  hub: HubSource | undefined,
): ManifestInput {
  const entry: ManifestInput = { source: source.name, adapter: source.adapter };
  if (typeof source.path === "string" && digest) {
    entry.path = source.path;
    entry.sha256 = digest.sha256;
    entry.files = digest.files;
    entry.bytes = digest.bytes;
  }
  if (hub) Object.assign(entry, hubInputEntry(hub.provenance));
  return entry;
}

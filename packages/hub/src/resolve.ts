import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat, symlink, copyFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { MathtuneError } from "@mathtune/core";
import { repoDir, type TreeFile } from "./cache.js";
import { hubConfig } from "./env.js";
import { hubError } from "./errors.js";
import { MODEL_FILES, matchAny, selectDatasetFiles, type DatasetSelection } from "./select.js";
import { type HubEvent, parseRepoId, snapshot, snapshotIter, type Snapshot, type SnapshotOptions } from "./snapshot.js";

/** Options of `resolveDataset` and `resolveModel`: those of `snapshot`, and a receiver for its events. */
export type ResolveOptions = Omit<SnapshotOptions, "select"> & {
  /** Receives the snapshot's events (resolved, file progress, done). */
  onEvent?: (e: HubEvent) => void;
};

/** A dataset resolved by `resolveDataset`: the path for an adapter, the snapshot and its provenance. */
export interface ResolvedDataset {
  /** A file, or a folder holding exactly the chosen files (links into the cache), for an adapter's `path`. */
  path: string;
  snapshot: Snapshot;
  /** For a manifest: where the files came from, at which commit, with their hashes. */
  provenance: HubProvenance;
}

/** Where files came from, for a manifest: repository, endpoint, revision, commit and each file's hash. */
export interface HubProvenance {
  repo: string;
  type: "dataset" | "model";
  endpoint: string;
  revision: string;
  commit: string;
  files: { path: string; size: number; sha256?: string; gitOid?: string }[];
}

/** The provenance of a snapshot. */
export function provenanceOf(s: Snapshot): HubProvenance {
  return {
    repo: s.repo,
    type: s.type,
    endpoint: s.endpoint,
    revision: s.revision,
    commit: s.commit,
    files: s.files.map((f) => ({
      path: f.path,
      size: f.size,
      ...(f.etag ? (f.lfs ? { sha256: f.etag } : { gitOid: f.etag }) : {}),
    })),
  };
}

/**
 * Downloads the files of a Hub dataset that a configuration and split name (or glob patterns)
 * into the Hugging Face cache, and returns a path an adapter reads: the file itself when there is
 * one, else a folder with exactly those files under their repository paths.
 */
export async function resolveDataset(
  id: string,
  options: ResolveOptions & DatasetSelection = {},
): Promise<ResolvedDataset> {
  const it = resolveDatasetIter(id, options);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    options.onEvent?.(r.value);
  }
}

/** `resolveDataset` as an async iterator of download events; it returns the resolved dataset. */
export async function* resolveDatasetIter(
  id: string,
  options: Omit<ResolveOptions, "onEvent"> & DatasetSelection = {},
): AsyncGenerator<HubEvent, ResolvedDataset> {
  const repo = parseRepoId(id, "dataset");
  const select = (tree: TreeFile[]): TreeFile[] => {
    const { files, problem } = selectDatasetFiles(tree, options);
    if (problem) {
      throw hubError(
        "E_HUB_NO_FILES",
        `${problem} in datasets/${id}`,
        { repo: `datasets/${id}`, revision: options.revision ?? "main" },
        {
          hint: "set 'config' and 'split' to the names on the dataset's page, or list the files with 'files: [glob, ...]'",
        },
      );
    }
    return files;
  };
  let snap: Snapshot | undefined;
  for await (const e of snapshotIter(repo, { ...options, select })) {
    yield e;
    if (e.type === "done") snap = e.snapshot;
  }
  if (!snap) throw new MathtuneError("E_INTERNAL", "snapshot ended without a result");
  const provenance = provenanceOf(snap);
  if (snap.files.length === 1) return { path: snap.files[0]!.local, snapshot: snap, provenance };
  // Several files: a folder of links with the repository's paths (the adapters read folders).
  const key = createHash("sha256")
    .update(snap.files.map((f) => f.path).join("\n"))
    .digest("hex")
    .slice(0, 16);
  const cfg = hubConfig(options);
  const view = join(repoDir(cfg.cacheDir, repo), ".mathtune", "views", `${snap.commit}-${key}`);
  if (!existsSync(view)) {
    const tmp = `${view}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    for (const f of snap.files) {
      const to = join(tmp, ...f.path.split("/"));
      await mkdir(dirname(to), { recursive: true });
      try {
        await symlink(relative(dirname(join(view, ...f.path.split("/"))), f.local), to);
      } catch {
        await copyFile(f.local, to);
      }
    }
    await mkdir(dirname(view), { recursive: true });
    try {
      await rename(tmp, view);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(view)) throw e;
    }
  }
  return { path: view, snapshot: snap, provenance };
}

/** A model resolved by `resolveModel`: the folder to use and, from the Hub, its snapshot and provenance. */
export interface ResolvedModel {
  /** The model folder (Hugging Face layout) to hand to transformers. */
  path: string;
  /** Set when the model came from the Hub. */
  snapshot?: Snapshot;
  provenance?: HubProvenance;
}

/** Options of `resolveModel`. */
export interface ResolveModelOptions extends ResolveOptions {
  /** Glob patterns of the files to fetch (default: config, tokenizer files, safetensors and their index, generation config). */
  files?: readonly string[];
  /** Folder a relative local path is read from (default: the working folder). */
  baseDir?: string;
}

/** True when the argument names a local path rather than a Hub repository id. */
export function isLocalModelPath(idOrPath: string, baseDir = process.cwd()): boolean {
  if (isAbsolute(idOrPath) || /^\.{1,2}([/\\]|$)/.test(idOrPath) || idOrPath.startsWith("~")) return true;
  return existsSync(resolve(baseDir, idOrPath));
}

/**
 * A model by local folder or Hub id. A folder is returned as it is; an id (`Qwen/Qwen2.5-0.5B-Instruct`)
 * is downloaded into the Hugging Face cache (only the files training, merging and conversion read)
 * and its snapshot folder returned.
 */
export async function resolveModel(idOrPath: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const baseDir = options.baseDir ?? process.cwd();
  if (isLocalModelPath(idOrPath, baseDir)) {
    const path = resolve(baseDir, idOrPath.replace(/^~(?=$|[/\\])/, process.env.HOME ?? "~"));
    const st = await stat(path).catch(() => undefined);
    if (!st) {
      throw new MathtuneError("E_INPUT_NOT_FOUND", `no such model folder: ${path}`, {
        location: { file: path },
        hint: "give a local folder, or a Hub id such as Qwen/Qwen2.5-0.5B-Instruct",
      });
    }
    return { path };
  }
  const repo = parseRepoId(idOrPath, "model");
  const patterns = options.files?.length ? options.files : MODEL_FILES;
  const select = (tree: TreeFile[]): TreeFile[] => {
    const files = tree.filter((f) => matchAny(f.path, patterns));
    const where = { repo: `models/${idOrPath}`, revision: options.revision ?? "main" };
    if (!files.length)
      throw hubError("E_HUB_NO_FILES", `no file of models/${idOrPath} matches ${patterns.join(", ")}`, where);
    if (!options.files?.length) {
      if (!files.some((f) => f.path === "config.json"))
        throw hubError("E_HUB_NO_FILES", `models/${idOrPath} has no config.json: not a transformers model`, where);
      if (!files.some((f) => f.path.endsWith(".safetensors"))) {
        throw hubError("E_HUB_NO_FILES", `models/${idOrPath} has no .safetensors weights`, where, {
          hint: "mathtune reads safetensors only; pick a repository (or revision) that has them",
        });
      }
    }
    return files;
  };
  const snap = await snapshot(repo, { ...options, select });
  return { path: snap.dir, snapshot: snap, provenance: provenanceOf(snap) };
}

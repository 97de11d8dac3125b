import { existsSync, readFileSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sha256, stableStringify, writeFileAtomic } from "@mathtune/core";
import { cacheDir, PYTHON_DIR, type PythonEnvOptions, resolvePython } from "./env.js";
import { drain, runScript } from "./process.js";
import type { ProtocolMessage } from "./protocol.js";

/** Options of `createTinyModel`. */
export interface TinyModelOptions extends PythonEnvOptions {
  /** Output folder (a Hugging Face model folder). */
  out: string;
  /** A Jinja chat template file for the tokenizer (e.g. @mathtune/format's qwen2.5-chatml.jinja). */
  chatTemplate: string;
  /** Text or JSONL whose strings train the BPE merges (the fixture dataset, say). */
  corpus?: string;
  seed?: number;
  /**
   * Fully train the model (all weights, on the CPU) on generated ChatML arithmetic conversations
   * ("What is 7 + 5?" -> "7 + 5 = 12.\nAnswer: 12<|im_end|>") so that it answers in that format
   * and ends its turn. Without it the weights are random and generation never stops.
   */
  train?: { steps?: number; batch?: number; learningRate?: number };
  /** Progress lines of the training (`phase: "train"`, `step`, `totalSteps`, `loss`). */
  onEvent?: (e: ProtocolMessage) => void;
  signal?: AbortSignal;
}

/** A tiny model that was made: its folder, size, vocabulary and special tokens, and how its training went. */
export interface TinyModel {
  path: string;
  parameters: number;
  vocabSize: number;
  specialTokens: Record<string, number>;
  /** With `train`: steps, examples, final loss, seconds, and how many probe questions it answered exactly. */
  trained?: { steps: number; examples: number; finalLoss: number; seconds: number; probe: number; probeExact: number };
}

/**
 * Builds a tiny random-weight Qwen2 model (hidden 256, MLP 512, 2 layers, vocabulary 512 rows: all
 * multiples of 256, so K-quants apply) with a small byte-level BPE tokenizer that has the ChatML
 * special tokens and the given chat template. For tests and benchmarks; nothing is downloaded.
 */
export async function createTinyModel(opts: TinyModelOptions): Promise<TinyModel> {
  const python = await resolvePython(opts);
  const args = [
    join(PYTHON_DIR, "make_tiny_model.py"),
    "--out",
    resolve(opts.out),
    "--chat-template",
    resolve(opts.chatTemplate),
    ...scriptArgs(opts),
  ];
  if (opts.corpus) args.push("--corpus", resolve(opts.corpus));
  const r = await drain(
    runScript({ python, args, label: "tiny model", ...(opts.signal ? { signal: opts.signal } : {}) }),
    opts.onEvent,
  );
  return {
    path: String(r.path),
    parameters: Number(r.parameters),
    vocabSize: Number(r.vocabSize),
    specialTokens: r.specialTokens as Record<string, number>,
    ...(r.trained ? { trained: r.trained as TinyModel["trained"] } : {}),
  };
}

function scriptArgs(opts: Omit<TinyModelOptions, "out">): string[] {
  const args = ["--seed", String(opts.seed ?? 0)];
  if (opts.train) {
    args.push("--train-steps", String(opts.train.steps ?? DEFAULT_TRAIN_STEPS));
    if (opts.train.batch) args.push("--train-batch", String(opts.train.batch));
    if (opts.train.learningRate) args.push("--train-lr", String(opts.train.learningRate));
  }
  return args;
}

/** Training steps of the trained tiny model when `train.steps` is not given. */
export const DEFAULT_TRAIN_STEPS = 800;

/**
 * `createTinyModel` cached under `$MATHTUNE_CACHE/fixtures/tiny-qwen2-<key>`, the key a hash of the
 * script, the chat template, the corpus and the options: a second call (from another test file, or
 * a later run) returns the same folder at once. Built in a temporary folder and renamed into place.
 */
export async function cachedTinyModel(opts: Omit<TinyModelOptions, "out"> & { cache?: string }): Promise<TinyModel> {
  const key = sha256(
    [
      readFileSync(join(PYTHON_DIR, "make_tiny_model.py"), "utf8"),
      readFileSync(join(PYTHON_DIR, "_protocol.py"), "utf8"),
      readFileSync(opts.chatTemplate, "utf8"),
      opts.corpus ? readFileSync(opts.corpus, "utf8") : "",
      stableStringify(scriptArgs(opts)),
    ].join("\0"),
  ).slice(0, 12);
  const dir = join(opts.cache ?? join(cacheDir(), "fixtures"), `tiny-qwen2-${opts.train ? "trained-" : ""}${key}`);
  const info = join(dir, "mathtune-tiny.json");
  if (existsSync(info)) return { ...(JSON.parse(await readFile(info, "utf8")) as TinyModel), path: dir };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    const made = await createTinyModel({ ...opts, out: tmp });
    await writeFileAtomic(join(tmp, "mathtune-tiny.json"), `${JSON.stringify({ ...made, path: dir }, null, 2)}\n`);
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      // Another process finished first: keep its copy.
      if (!existsSync(info)) throw e;
    });
    return { ...made, path: dir };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The tiny model trained to answer arithmetic in ChatML and stop (cached; see `cachedTinyModel`). */
export function createTinyTrainedModel(
  opts: Omit<TinyModelOptions, "out" | "train"> & { train?: TinyModelOptions["train"]; cache?: string },
): Promise<TinyModel> {
  return cachedTinyModel({ ...opts, train: opts.train ?? {} });
}

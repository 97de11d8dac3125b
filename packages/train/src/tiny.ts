import { join, resolve } from "node:path";
import { PYTHON_DIR, type PythonEnvOptions, resolvePython } from "./env.js";
import { drain, runScript } from "./process.js";

export interface TinyModelOptions extends PythonEnvOptions {
  /** Output folder (a Hugging Face model folder). */
  out: string;
  /** A Jinja chat template file for the tokenizer (e.g. @mathtune/format's qwen2.5-chatml.jinja). */
  chatTemplate: string;
  /** Text or JSONL whose strings train the BPE merges (the fixture dataset, say). */
  corpus?: string;
  seed?: number;
  signal?: AbortSignal;
}

export interface TinyModel {
  path: string;
  parameters: number;
  vocabSize: number;
  specialTokens: Record<string, number>;
}

/**
 * Builds a tiny random-weight Qwen2 model (hidden 256, MLP 512, 2 layers, vocabulary 512 rows: all
 * multiples of 256, so K-quants apply) with a small byte-level BPE tokenizer that has the ChatML
 * special tokens and the given chat template. For tests and benchmarks; nothing is downloaded.
 */
export async function createTinyModel(opts: TinyModelOptions): Promise<TinyModel> {
  const python = await resolvePython(opts);
  const args = [join(PYTHON_DIR, "make_tiny_model.py"), "--out", resolve(opts.out), "--chat-template", resolve(opts.chatTemplate), "--seed", String(opts.seed ?? 0)];
  if (opts.corpus) args.push("--corpus", resolve(opts.corpus));
  const r = await drain(runScript({ python, args, label: "tiny model", ...(opts.signal ? { signal: opts.signal } : {}) }));
  return { path: String(r.path), parameters: Number(r.parameters), vocabSize: Number(r.vocabSize), specialTokens: r.specialTokens as Record<string, number> };
}

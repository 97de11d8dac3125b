import { existsSync } from "node:fs";
import { readFile, rename, rm, stat, statfs } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MathtuneError, throwIfAborted } from "@mathtune/core";
import { PYTHON_ENV, type PythonEnvOptions, resolvePython } from "@mathtune/train";
import { execa } from "execa";
import { CONVERT_TYPES, type ConvertType, QUANT_TYPES, type QuantType } from "./gguf.js";
import { ensureLlamaCpp, type LlamaCpp, type LlamaCppOptions } from "./tools.js";

/** The folder of the Python scripts shipped with this package. */
export const DEPLOY_PYTHON_DIR = fileURLToPath(new URL("../python/", import.meta.url));

/** Progress of a conversion or quantization: `percent` when the tool reports it. */
export interface StepProgress {
  type: "progress";
  phase: "convert" | "convert-lora" | "quantize";
  percent?: number;
  message?: string;
}

/** Options of `convertToGguf`. */
export interface ConvertOptions extends PythonEnvOptions, LlamaCppOptions {
  /** A Hugging Face model folder (config.json, tokenizer, safetensors). */
  model: string;
  /** The GGUF to write (atomically: a temporary file beside it, renamed). */
  out: string;
  /** f16 (default), bf16 or f32. */
  outtype?: ConvertType;
  /**
   * A llama.cpp pre-tokenizer name (`qwen2`, `llama-bpe`, ...) for a BPE tokenizer the converter's
   * fingerprint does not know (a retrained vocabulary with a known split rule).
   */
  preTokenizer?: string;
  /** Resolved llama.cpp (else found or built). */
  tools?: LlamaCpp;
  /** Receives the conversion's progress. */
  onProgress?: (e: StepProgress) => void;
}

/** What `convertToGguf` wrote: the file, its size, the time and the type. */
export interface ConvertResult {
  path: string;
  bytes: number;
  seconds: number;
  outtype: ConvertType;
}

/** Architectures of `config.json` the deploy path is tested with, and others llama.cpp converts. */
const KNOWN_ARCHS = /ForCausalLM$|ForConditionalGeneration$|LMHeadModel$/;

/** Checks a model folder before conversion: config.json, an architecture, a tokenizer, weights. */
export async function checkModelDir(model: string): Promise<{ architecture: string; config: Record<string, unknown> }> {
  const dir = resolve(model);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory())
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no model folder at ${dir}`, {
      location: { file: dir },
      hint: "give the folder written by `mathtune merge` (or a Hugging Face model folder)",
    });
  const cfgPath = join(dir, "config.json");
  if (!existsSync(cfgPath))
    throw new MathtuneError("E_MODEL_INVALID", `${dir} has no config.json`, {
      location: { file: cfgPath },
      hint: "give a Hugging Face model folder, e.g. the output of `mathtune merge`",
    });
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(cfgPath, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new MathtuneError("E_MODEL_INVALID", `${cfgPath} is not valid JSON: ${(e as Error).message}`, {
      location: { file: cfgPath },
      cause: e,
    });
  }
  const archs = config.architectures;
  const architecture = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : "";
  if (!architecture || !KNOWN_ARCHS.test(architecture)) {
    throw new MathtuneError(
      "E_ARCH_UNSUPPORTED",
      `${cfgPath}: architecture ${architecture ? `'${architecture}'` : "(none)"} is not a causal language model llama.cpp can convert`,
      {
        location: { file: cfgPath },
        hint: "deploy takes a causal LM such as Qwen2ForCausalLM (Qwen2.5) or LlamaForCausalLM",
      },
    );
  }
  if (!existsSync(join(dir, "tokenizer.json")) && !existsSync(join(dir, "tokenizer.model"))) {
    throw new MathtuneError("E_MODEL_INVALID", `${dir} has no tokenizer (tokenizer.json or tokenizer.model)`, {
      location: { file: dir },
      hint: "copy the base model's tokenizer files into the folder (`mathtune merge` writes them)",
    });
  }
  return { architecture, config };
}

async function checkSpace(dir: string, needBytes: number, what: string): Promise<void> {
  try {
    const s = await statfs(dir);
    const free = Number(s.bavail) * Number(s.bsize);
    if (free < needBytes) {
      throw new MathtuneError(
        "E_NO_SPACE",
        `not enough space in ${dir} for ${what}: ${(needBytes / 2 ** 20).toFixed(1)} MiB needed, ${(free / 2 ** 20).toFixed(1)} MiB free`,
        {
          location: { file: dir },
          hint: "free some space or choose another --out",
        },
      );
    }
  } catch (e) {
    if (e instanceof MathtuneError) throw e;
  }
}

async function folderBytes(dir: string, pattern: RegExp): Promise<number> {
  const { readdir } = await import("node:fs/promises");
  let n = 0;
  for (const f of await readdir(dir)) if (pattern.test(f)) n += (await stat(join(dir, f))).size;
  return n;
}

function tmpBeside(out: string): string {
  return join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now().toString(36)}`);
}

/** Turns a failed tool run into an E_* error with the tool's last lines. */
function toolError(
  what: string,
  r: { exitCode?: number; stderr?: unknown; stdout?: unknown; isCanceled?: boolean },
  file: string,
  signal?: AbortSignal,
): MathtuneError {
  if (r.isCanceled || signal?.aborted) return new MathtuneError("E_CANCELED", `${what} canceled`);
  const text = `${String(r.stderr ?? "")}\n${String(r.stdout ?? "")}`;
  const last = text.trim().split("\n").filter(Boolean).slice(-3).join(" | ");
  if (/No space left on device|ENOSPC/i.test(text))
    return new MathtuneError("E_NO_SPACE", `${what}: no space left on device writing beside ${file}`, {
      location: { file },
      hint: "free some space or choose another --out",
    });
  if (/not supported|NotImplementedError: Architecture/i.test(text) && /Architecture|architecture/.test(text)) {
    return new MathtuneError("E_ARCH_UNSUPPORTED", `${what}: llama.cpp cannot convert this architecture: ${last}`, {
      location: { file },
    });
  }
  if (/pre-tokenizer was not recognized/.test(text)) {
    return new MathtuneError("E_MODEL_INVALID", `${what}: llama.cpp does not recognize the model's BPE pre-tokenizer`, {
      location: { file },
      hint: "name the pre-tokenizer the tokenizer follows with --pre-tokenizer (for a Qwen2 tokenizer: qwen2)",
    });
  }
  return new MathtuneError("E_SUBPROCESS_FAILED", `${what} failed (exit ${r.exitCode}): ${last}`, {
    location: { file },
    details: { outputTail: text.slice(-4000) },
  });
}

async function runConverter(
  tools: LlamaCpp,
  script: string,
  args: string[],
  opts: PythonEnvOptions & {
    signal?: AbortSignal;
    preTokenizer?: string;
    onProgress?: (e: StepProgress) => void;
    phase: StepProgress["phase"];
    file: string;
  },
): Promise<void> {
  const python = await resolvePython(opts);
  const child = execa(python, [join(DEPLOY_PYTHON_DIR, "convert.py"), tools.dir, script, ...args], {
    reject: false,
    all: true,
    stdin: "ignore",
    env: { ...PYTHON_ENV, ...(opts.preTokenizer ? { MATHTUNE_GGUF_PRE: opts.preTokenizer } : {}) },
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    forceKillAfterDelay: 5_000,
    lines: false,
    buffer: true,
  });
  child.all?.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    const m = /Writing:\s+(\d+)%/.exec(text);
    if (m) opts.onProgress?.({ type: "progress", phase: opts.phase, percent: Number(m[1]) });
    else if (/INFO:.*(Exporting|Set model|Adding|Loading)/.test(text))
      opts.onProgress?.({
        type: "progress",
        phase: opts.phase,
        message: text
          .trim()
          .split("\n")
          .pop()!
          .replace(/^INFO:[^:]*:/, ""),
      });
  });
  const r = await child;
  if (r.exitCode !== 0) throw toolError(script, r, opts.file, opts.signal);
}

/** Converts a Hugging Face model folder to a GGUF (f16 by default) with llama.cpp's convert_hf_to_gguf.py. */
export async function convertToGguf(opts: ConvertOptions): Promise<ConvertResult> {
  const t0 = Date.now();
  const outtype = opts.outtype ?? "f16";
  if (!CONVERT_TYPES.includes(outtype))
    throw new MathtuneError("E_QUANT_TYPE", `unknown output type '${outtype}'`, {
      hint: `use one of ${CONVERT_TYPES.join(", ")}`,
    });
  await checkModelDir(opts.model);
  const out = resolve(opts.out);
  const tools = opts.tools ?? (await ensureLlamaCpp(opts));
  const weights = await folderBytes(resolve(opts.model), /\.(safetensors|bin)$/);
  await checkSpace(dirname(out), outtype === "f32" ? weights : weights / 2, `the ${outtype} GGUF`);
  const tmp = tmpBeside(out);
  try {
    await runConverter(tools, "convert_hf_to_gguf.py", [resolve(opts.model), "--outfile", tmp, "--outtype", outtype], {
      ...opts,
      phase: "convert",
      file: resolve(opts.model),
    });
    throwIfAborted(opts.signal);
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
  return { path: out, bytes: (await stat(out)).size, seconds: (Date.now() - t0) / 1000, outtype };
}

/** Options of `convertLoraToGguf`. */
export interface ConvertLoraOptions extends PythonEnvOptions, LlamaCppOptions {
  /** A PEFT adapter folder (adapter_config.json + adapter_model.safetensors), or a run folder with adapter/. */
  adapter: string;
  /** The base model folder the adapter was trained on. */
  base: string;
  out: string;
  outtype?: ConvertType;
  tools?: LlamaCpp;
  /** Receives the conversion's progress. */
  onProgress?: (e: StepProgress) => void;
}

/** The adapter folder of a run folder (`<run>/adapter`) or the folder itself. */
export function adapterDir(path: string): string {
  const p = resolve(path);
  if (existsSync(join(p, "adapter_config.json"))) return p;
  if (existsSync(join(p, "adapter", "adapter_config.json"))) return join(p, "adapter");
  throw new MathtuneError(
    "E_INPUT_NOT_FOUND",
    `no LoRA adapter in ${p} (no adapter_config.json there or in adapter/)`,
    { location: { file: p }, hint: "give the run folder of `mathtune train` or its adapter/ folder" },
  );
}

/** Converts a LoRA adapter alone to a GGUF adapter with llama.cpp's convert_lora_to_gguf.py. */
export async function convertLoraToGguf(opts: ConvertLoraOptions): Promise<ConvertResult> {
  const t0 = Date.now();
  const outtype = opts.outtype ?? "f16";
  const adapter = adapterDir(opts.adapter);
  await checkModelDir(opts.base);
  const out = resolve(opts.out);
  const tools = opts.tools ?? (await ensureLlamaCpp(opts));
  const tmp = tmpBeside(out);
  try {
    await runConverter(
      tools,
      "convert_lora_to_gguf.py",
      [adapter, "--base", resolve(opts.base), "--outfile", tmp, "--outtype", outtype],
      { ...opts, phase: "convert-lora", file: adapter },
    );
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
  return { path: out, bytes: (await stat(out)).size, seconds: (Date.now() - t0) / 1000, outtype };
}

/** Options of `quantizeGguf`. */
export interface QuantizeOptions extends LlamaCppOptions {
  input: string;
  out: string;
  type: QuantType;
  threads?: number;
  tools?: LlamaCpp;
  /** Receives the quantization's progress. */
  onProgress?: (e: StepProgress) => void;
}

/** What `quantizeGguf` wrote: the file, its type, size and time, and the K-quant fallbacks. */
export interface QuantizeResult {
  path: string;
  type: QuantType;
  bytes: number;
  seconds: number;
  /** What llama-quantize said about tensors it stored in another type (K-quant fallbacks). */
  fallbackLines: string[];
}

/** Parses a list of quant types (`q4_k_m,q8_0`), refusing unknown ones with E_QUANT_TYPE. */
export function parseQuantTypes(list: string | readonly string[]): QuantType[] {
  const items = (typeof list === "string" ? list.split(",") : list).map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const q of items) {
    if (!(QUANT_TYPES as readonly string[]).includes(q)) {
      throw new MathtuneError("E_QUANT_TYPE", `unknown quantization type '${q}'`, {
        hint: `use one or more of ${QUANT_TYPES.join(", ")}`,
      });
    }
  }
  return [...new Set(items)] as QuantType[];
}

/** Quantizes a GGUF with llama-quantize (atomically: a temporary file renamed into place). */
export async function quantizeGguf(opts: QuantizeOptions): Promise<QuantizeResult> {
  const t0 = Date.now();
  const [type] = parseQuantTypes([opts.type]);
  const input = resolve(opts.input);
  const out = resolve(opts.out);
  const inSize = (await stat(input).catch(() => undefined))?.size;
  if (inSize === undefined)
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no GGUF at ${input}`, { location: { file: input } });
  await checkSpace(dirname(out), inSize * (type === "q8_0" ? 0.55 : 0.4), `the ${type} GGUF`);
  const tools = opts.tools ?? (await ensureLlamaCpp(opts));
  const tmp = tmpBeside(out);
  const threads = String(opts.threads ?? Math.max(1, availableParallelism()));
  const fallbackLines: string[] = [];
  try {
    const child = execa(tools.quantize, [input, tmp, type!.toUpperCase(), threads], {
      reject: false,
      all: true,
      stdin: "ignore",
      ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      forceKillAfterDelay: 5_000,
    });
    let seen = 0;
    child.all?.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      for (const line of text.split("\n")) {
        const m = /^\[\s*(\d+)\/\s*(\d+)\]/.exec(line);
        if (m && Number(m[1]) > seen) {
          seen = Number(m[1]);
          opts.onProgress?.({
            type: "progress",
            phase: "quantize",
            percent: Math.round((100 * seen) / Number(m[2])),
            message: `${type}: tensor ${m[1]}/${m[2]}`,
          });
        }
      }
    });
    const r = await child;
    const all = String(r.all ?? "");
    for (const line of all.split("\n"))
      if (/fallback|not divisible|incompatible/i.test(line)) fallbackLines.push(line.trim());
    if (r.exitCode !== 0) {
      if (/failed to read|invalid magic|gguf_init/i.test(all)) {
        throw new MathtuneError(
          "E_GGUF_INVALID",
          `llama-quantize could not read ${input}: ${all.trim().split("\n").slice(-2).join(" | ")}`,
          { location: { file: input }, hint: "convert the model again" },
        );
      }
      throw toolError("llama-quantize", { ...r, stderr: all }, input, opts.signal);
    }
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
  return { path: out, type: type!, bytes: (await stat(out)).size, seconds: (Date.now() - t0) / 1000, fallbackLines };
}

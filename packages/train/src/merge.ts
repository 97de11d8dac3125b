import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MathtuneError, OUTPUT_MARKER, outputMarker, prepareOutputDir } from "@mathtune/core";
import { parsePrecision, type Precision, TORCH_DTYPES } from "./config.js";
import { PYTHON_DIR, resolvePython } from "./env.js";
import { drain, runScript } from "./process.js";
import type { DriverOptions } from "./train.js";

/** Options of `merge` and `mergeIter`. */
export interface MergeOptions extends DriverOptions {
  /** The adapter folder (a run's `adapter/`, or a run folder, or a checkpoint). */
  adapter: string;
  /** The base model folder. Default: the adapter's base_model_name_or_path. */
  model?: string;
  /** Where the merged model goes (replaced when it exists and mathtune wrote it; see `force`). */
  out: string;
  /** Saved weights' precision, in training's vocabulary (fp32, bf16, fp16; torch's names are accepted too); the merge itself is done in float32. Default fp32. */
  dtype?: Precision | "float32" | "bfloat16" | "float16";
  /**
   * The base the adapter is merged into. auto (default): the model it was trained against, from the
   * run's config.json: for a QLoRA run the 4-bit base dequantized, checked against 4-bit base +
   * adapter (needs CUDA); else the float32 base. full: the float32 base always.
   */
  basePrecision?: "auto" | "full";
  /** Replace an existing, non-empty `out` that mathtune did not write (default: refused, E_OUTPUT_NOT_OURS). */
  force?: boolean;
  /** Prompts for the logits check (rendered with the chat template). */
  prompts?: string[];
  /** Largest allowed absolute logit difference (default 1e-3 for fp32, 5e-2 otherwise, 1e-1 against a 4-bit reference). */
  tolerance?: number;
  /** Return the result instead of throwing E_MERGE_MISMATCH when the check fails. */
  allowMismatch?: boolean;
}

/** The merge check: the largest logit difference between the merged model and base + adapter on a few prompts. */
export interface MergeCheck {
  prompts: number;
  maxAbsDiff: number;
  perPrompt: number[];
  tolerance: number;
  ok: boolean;
  /** Largest logit change the adapter makes over the base: shows the check is not vacuous. */
  adapterEffect: number;
  /** What the merged model was compared with: `full+adapter`, or `nf4+adapter` for a QLoRA run. */
  reference: string;
}

/** What `merge` wrote: the merged model folder, its base, adapter, dtype and the check. */
export interface MergeResult {
  path: string;
  base: string;
  adapter: string;
  /** fp32, bf16 or fp16. */
  dtype: Precision;
  /** What the adapter was merged into: `full` (the float32 base) or `nf4-dequantized` (a QLoRA run's base as trained). */
  mergedInto: string;
  /** The quantization the adapter was trained with (`4bit` or `none`). */
  trainedQuantization: string;
  files: string[];
  check: MergeCheck;
  seconds: number;
}

/** The events of `mergeIter`: progress and log lines. */
export type MergeEvent =
  | { type: "progress"; phase: string; message?: string }
  | { type: "log"; level: string; message: string };

function adapterFolder(p: string): string {
  const abs = resolve(p);
  if (existsSync(join(abs, "adapter_config.json"))) return abs;
  if (existsSync(join(abs, "adapter", "adapter_config.json"))) return join(abs, "adapter");
  throw new MathtuneError("E_INPUT_NOT_FOUND", `no adapter at ${abs} (adapter_config.json missing)`, {
    hint: "pass a run's adapter/ folder or the run folder",
  });
}

/**
 * Merges a LoRA adapter into a float32 copy of the base it was trained against (`merge_and_unload`;
 * a QLoRA run's 4-bit base dequantized, see `basePrecision`) and saves it as safetensors with tokenizer and generation config. The saved model is loaded back
 * and its logits compared with base+adapter on a few prompts; the result reports the difference.
 */
export async function* mergeIter(opts: MergeOptions): AsyncGenerator<MergeEvent, MergeResult> {
  const dtype = parsePrecision(opts.dtype ?? "fp32", "dtype");
  const adapter = adapterFolder(opts.adapter);
  if (opts.basePrecision !== undefined && opts.basePrecision !== "auto" && opts.basePrecision !== "full") {
    throw new MathtuneError(
      "E_CONFIG_INVALID",
      `basePrecision must be auto or full, got '${String(opts.basePrecision)}'`,
    );
  }
  const python = await resolvePython(opts);
  const out = resolve(opts.out);
  // The one output rule of core (merge.py replaces `out`): only a folder mathtune wrote, or --force.
  const lease = await prepareOutputDir(out, {
    kind: "merge",
    force: opts.force ?? false,
    protect: [adapter, opts.model ? resolve(opts.model) : undefined],
  });
  const configFile = `${out}.merge-config.json`;
  await writeFile(
    configFile,
    JSON.stringify({
      adapter,
      out,
      dtype: TORCH_DTYPES[dtype],
      ...(opts.basePrecision ? { basePrecision: opts.basePrecision } : {}),
      ...(opts.model ? { model: resolve(opts.model) } : {}),
      ...(opts.prompts ? { prompts: opts.prompts } : {}),
      ...(opts.tolerance !== undefined ? { tolerance: opts.tolerance } : {}),
    }),
  );
  const it = runScript({
    python,
    args: [join(PYTHON_DIR, "merge.py"), "--config", configFile],
    label: "merge",
    logFile: `${out}.merge.log`,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.killSignal ? { killSignal: opts.killSignal } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.gracePeriodMs !== undefined ? { gracePeriodMs: opts.gracePeriodMs } : {}),
    ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  let done = false;
  try {
    for (;;) {
      const n = await it.next();
      done = Boolean(n.done);
      if (n.done) {
        const r = n.value as unknown as MergeResult;
        await writeFile(join(out, OUTPUT_MARKER), outputMarker("merge"));
        if (!r.check.ok && !opts.allowMismatch) {
          throw new MathtuneError(
            "E_MERGE_MISMATCH",
            `merged model differs from base+adapter: max |logit diff| ${r.check.maxAbsDiff} > ${r.check.tolerance}`,
            {
              details: { result: r },
              hint: "the merged model was written anyway; check the adapter's base model and dtype",
            },
          );
        }
        return {
          path: r.path,
          base: r.base,
          adapter: r.adapter,
          dtype,
          mergedInto: r.mergedInto,
          trainedQuantization: r.trainedQuantization,
          files: r.files,
          check: r.check,
          seconds: r.seconds,
        };
      }
      const m = n.value;
      if (m.type === "progress")
        yield { type: "progress", phase: m.phase, ...(typeof m.message === "string" ? { message: m.message } : {}) };
      else if (m.type === "log")
        yield { type: "log", level: typeof m.level === "string" ? m.level : "info", message: m.message };
    }
  } finally {
    if (!done) await it.return(undefined as never).catch(() => undefined);
    await rm(configFile, { force: true });
    await lease.release();
  }
}

/**
 * Merges a LoRA adapter into its base model and checks the merged model against base + adapter (`mergeIter`'s
 * result).
 */
export function merge(opts: MergeOptions & { onEvent?: (e: MergeEvent) => void }): Promise<MergeResult> {
  return drain(mergeIter(opts), opts.onEvent);
}

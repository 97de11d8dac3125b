import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MathtuneError, OUTPUT_MARKER, outputMarker, prepareOutputDir } from "@mathtune/core";
import { PYTHON_DIR, resolvePython } from "./env.js";
import { drain, runScript } from "./process.js";
import type { DriverOptions } from "./train.js";

export interface MergeOptions extends DriverOptions {
  /** The adapter folder (a run's `adapter/`, or a run folder, or a checkpoint). */
  adapter: string;
  /** The base model folder. Default: the adapter's base_model_name_or_path. */
  model?: string;
  /** Where the merged model goes (replaced when it exists and mathtune wrote it; see `force`). */
  out: string;
  /** Replace an existing, non-empty `out` that mathtune did not write (default: refused, E_OUTPUT_NOT_OURS). */
  force?: boolean;
  /** Saved weights' dtype; the merge itself is always done in float32. Default float32. */
  dtype?: "float32" | "bfloat16" | "float16";
  /** Prompts for the logits check (rendered with the chat template). */
  prompts?: string[];
  /** Largest allowed absolute logit difference (default 1e-3 for float32, 5e-2 otherwise). */
  tolerance?: number;
  /** Return the result instead of throwing E_MERGE_MISMATCH when the check fails. */
  allowMismatch?: boolean;
}

export interface MergeCheck {
  prompts: number;
  maxAbsDiff: number;
  perPrompt: number[];
  tolerance: number;
  ok: boolean;
  /** Largest logit change the adapter makes over the base: shows the check is not vacuous. */
  adapterEffect: number;
}

export interface MergeResult {
  path: string;
  base: string;
  adapter: string;
  dtype: string;
  files: string[];
  check: MergeCheck;
  seconds: number;
}

export type MergeEvent = { type: "progress"; phase: string; message?: string } | { type: "log"; level: string; message: string };

function adapterFolder(p: string): string {
  const abs = resolve(p);
  if (existsSync(join(abs, "adapter_config.json"))) return abs;
  if (existsSync(join(abs, "adapter", "adapter_config.json"))) return join(abs, "adapter");
  throw new MathtuneError("E_INPUT_NOT_FOUND", `no adapter at ${abs} (adapter_config.json missing)`, { hint: "pass a run's adapter/ folder or the run folder" });
}

/**
 * Merges a LoRA adapter into a float32 copy of its base (`merge_and_unload`; never a 4-bit base)
 * and saves it as safetensors with tokenizer and generation config. The saved model is loaded back
 * and its logits compared with base+adapter on a few prompts; the result reports the difference.
 */
export async function* mergeIter(opts: MergeOptions): AsyncGenerator<MergeEvent, MergeResult> {
  const adapter = adapterFolder(opts.adapter);
  const python = await resolvePython(opts);
  const out = resolve(opts.out);
  // The one output rule of core (merge.py replaces `out`): only a folder mathtune wrote, or --force.
  const lease = await prepareOutputDir(out, { kind: "merge", force: opts.force ?? false, protect: [adapter, opts.model ? resolve(opts.model) : undefined] });
  const configFile = `${out}.merge-config.json`;
  await writeFile(
    configFile,
    JSON.stringify({
      adapter,
      out,
      dtype: opts.dtype ?? "float32",
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
          throw new MathtuneError("E_MERGE_MISMATCH", `merged model differs from base+adapter: max |logit diff| ${r.check.maxAbsDiff} > ${r.check.tolerance}`, {
            details: { result: r },
            hint: "the merged model was written anyway; check the adapter's base model and dtype",
          });
        }
        return { path: r.path, base: r.base, adapter: r.adapter, dtype: r.dtype, files: r.files, check: r.check, seconds: r.seconds };
      }
      const m = n.value;
      if (m.type === "progress") yield { type: "progress", phase: m.phase, ...(typeof m.message === "string" ? { message: m.message } : {}) };
      else if (m.type === "log") yield { type: "log", level: typeof m.level === "string" ? m.level : "info", message: m.message };
    }
  } finally {
    if (!done) await it.return(undefined as never).catch(() => undefined);
    await rm(configFile, { force: true });
    await lease.release();
  }
}

export function merge(opts: MergeOptions & { onEvent?: (e: MergeEvent) => void }): Promise<MergeResult> {
  return drain(mergeIter(opts), opts.onEvent);
}

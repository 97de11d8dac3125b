/**
 * The models of the eval tests: the tiny Qwen2 of the training tests, trained to answer arithmetic
 * in ChatML and end its turn (@mathtune/train's createTinyTrainedModel, cached), made into GGUF files
 * by @mathtune/deploy's convertToGguf / quantizeGguf, cached beside the model in $MATHTUNE_CACHE/fixtures.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { convertToGguf, ensureLlamaCpp, quantizeGguf } from "@mathtune/deploy";
import { setup } from "@mathtune/train";
import { createTinyTrainedModel } from "@mathtune/train/testing";

export const CHAT_TEMPLATE = fileURLToPath(new URL("../../format/templates/qwen2.5-chatml.jinja", import.meta.url));

const log = (s: string) => process.stderr.write(`[eval test] ${s}\n`);

let model: Promise<string> | undefined;

/** The trained tiny model's Hugging Face folder (the cached one the deploy tests use too). */
export function tinyTrainedModel(): Promise<string> {
  model ??= (async () => {
    await setup({ onEvent: (e) => log(`[setup] ${e.type === "pip" ? e.line : e.message}`) });
    const m = await createTinyTrainedModel({
      chatTemplate: CHAT_TEMPLATE,
      onEvent: (e) =>
        e.type === "progress" && Number(e.step) % 100 === 1 && log(`tiny model: step ${e.step} loss ${e.loss}`),
    });
    return m.path;
  })();
  return model;
}

const made = new Map<string, Promise<string>>();

/**
 * The trained tiny model as a GGUF: f16 from the converter, q8_0 quantized from that f16 by
 * llama-quantize. Cached beside the model folder (its name carries the model's cache key).
 */
export function tinyGguf(type: "f16" | "q8_0" = "f16"): Promise<string> {
  let p = made.get(type);
  if (!p) {
    p = (async () => {
      const hf = await tinyTrainedModel();
      const f16 = `${hf}.f16.gguf`;
      const tools = await ensureLlamaCpp({ onEvent: (e) => e.type !== "build" && log(`${e.tool}: ${e.message}`) });
      // The tiny tokenizer's BPE merges are its own, so the converter's pre-tokenizer fingerprint
      // knows none of them; its split rule is Qwen2's, so say so.
      if (!existsSync(f16)) await convertToGguf({ model: hf, out: f16, outtype: "f16", preTokenizer: "qwen2", tools });
      if (type === "f16") return f16;
      const out = `${hf}.${type}.gguf`;
      if (!existsSync(out)) await quantizeGguf({ input: f16, out, type, threads: 1, tools });
      return out;
    })();
    made.set(type, p);
  }
  return p;
}

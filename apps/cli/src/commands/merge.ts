import { merge, parsePrecision, PRECISIONS } from "@mathtune/train";
import { MathtuneError } from "@mathtune/core";
import { defineCommand } from "citty";
import { modelPath } from "../hub.js";
import { eventsAsJson, JSON_FLAG, writeEvent, writeNote, writeResult } from "../output.js";
import { withSignals } from "../signals.js";
import { numberFlag, printLogTail } from "./train.js";

export default defineCommand({
  meta: {
    name: "merge",
    description:
      "Merge a LoRA adapter into a float32 copy of the base it was trained against and check the logits match",
  },
  args: {
    adapter: { type: "string", required: true, description: "adapter folder, or a run folder (uses its adapter/)" },
    model: { type: "string", description: "base model folder (default: the adapter's base_model_name_or_path)" },
    out: { type: "string", required: true, description: "output folder for the merged model" },
    dtype: {
      type: "string",
      description: `saved precision: ${PRECISIONS.join(" | ")} (fp32), as for train --precision`,
    },
    "base-precision": {
      type: "string",
      description:
        "auto (the base as trained: a QLoRA run's 4-bit base dequantized, needs CUDA) | full (the float32 base)",
    },
    tolerance: { type: "string", description: "largest allowed |logit difference| (1e-3 for fp32)" },
    "allow-mismatch": { type: "boolean", description: "keep going when the check fails" },
    python: { type: "string", description: "Python interpreter (default: the project's venv)" },
    venv: { type: "string", description: "venv folder" },
    force: {
      type: "boolean",
      description:
        "write into an existing --out folder that mathtune did not write (never the current folder, an ancestor, or one holding an input)",
    },
    json: JSON_FLAG,
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    const dtype = args.dtype !== undefined ? parsePrecision(args.dtype, "--dtype") : undefined;
    const tolerance = numberFlag(args.tolerance, "tolerance");
    const basePrecision = args["base-precision"];
    if (basePrecision !== undefined && basePrecision !== "auto" && basePrecision !== "full") {
      throw new MathtuneError("E_CONFIG_INVALID", `--base-precision must be auto or full, got '${basePrecision}'`);
    }
    try {
      const r = await withSignals(
        async (signal, killSignal) =>
          merge({
            adapter: args.adapter,
            out: args.out,
            ...(args.force ? { force: true } : {}),
            ...(args.model ? { model: await modelPath(args.model, { json, signal }) } : {}),
            ...(dtype ? { dtype } : {}),
            ...(basePrecision ? { basePrecision } : {}),
            ...(tolerance !== undefined ? { tolerance } : {}),
            ...(args["allow-mismatch"] ? { allowMismatch: true } : {}),
            ...(args.python ? { python: args.python } : {}),
            ...(args.venv ? { venv: args.venv } : {}),
            signal,
            killSignal,
            onEvent: (e) => {
              if (json) writeEvent(e);
              else if (e.type === "progress" && e.message) writeNote(`${e.phase}: ${e.message}`);
            },
          }),
        { json, stopping: "stopping the merge; the output folder is not written", child: "the merge" },
      );
      writeResult(
        args.json,
        r,
        () =>
          `merged model: ${r.path} (${r.dtype}, merged into the ${r.mergedInto === "full" ? "float32 base" : "dequantized 4-bit base it was trained on"}; ${r.files.join(", ")})\n` +
          `check against ${r.check.reference}: max |logit diff| ${r.check.maxAbsDiff.toExponential(2)} on ${r.check.prompts} prompts (tolerance ${r.check.tolerance}) ${r.check.ok ? "ok" : "MISMATCH"}; the adapter changes logits by up to ${r.check.adapterEffect.toFixed(3)}\n`,
      );
    } catch (e) {
      await printLogTail(e);
      throw e;
    }
  },
});

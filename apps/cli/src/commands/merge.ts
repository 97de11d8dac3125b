import { merge } from "@mathtune/train";
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "merge", description: "Merge a LoRA adapter into a float32 copy of its base model and check the logits match" },
  args: {
    adapter: { type: "string", required: true, description: "adapter folder, or a run folder (uses its adapter/)" },
    model: { type: "string", description: "base model folder (default: the adapter's base_model_name_or_path)" },
    out: { type: "string", required: true, description: "output folder for the merged model" },
    dtype: { type: "string", description: "saved dtype: float32 (default) | bfloat16 | float16" },
    tolerance: { type: "string", description: "largest allowed |logit difference| (1e-3 for float32)" },
    "allow-mismatch": { type: "boolean", description: "keep going when the check fails" },
    python: { type: "string", description: "Python interpreter (default: the project's venv)" },
    venv: { type: "string", description: "venv folder" },
    force: { type: "boolean", description: "write into an existing --out folder that mathtune did not write (never the current folder, an ancestor, or one holding an input)" },
    json: { type: "boolean", description: "print the result as JSON" },
  },
  async run({ args }) {
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once("SIGINT", onSigint);
    try {
      const r = await merge({
        adapter: args.adapter,
        out: args.out,
        ...(args.force ? { force: true } : {}),
        ...(args.model ? { model: args.model } : {}),
        ...(args.dtype ? { dtype: args.dtype as "float32" | "bfloat16" | "float16" } : {}),
        ...(args.tolerance ? { tolerance: Number(args.tolerance) } : {}),
        ...(args["allow-mismatch"] ? { allowMismatch: true } : {}),
        ...(args.python ? { python: args.python } : {}),
        ...(args.venv ? { venv: args.venv } : {}),
        signal: ac.signal,
        onEvent: (e) => {
          if (!args.json && e.type === "progress" && e.message) process.stderr.write(`${e.phase}: ${e.message}\n`);
        },
      });
      if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stdout.write(
          `merged model: ${r.path} (${r.dtype}; ${r.files.join(", ")})\n` +
            `check: max |logit diff| ${r.check.maxAbsDiff.toExponential(2)} on ${r.check.prompts} prompts (tolerance ${r.check.tolerance}) ${r.check.ok ? "ok" : "MISMATCH"}; the adapter changes logits by up to ${r.check.adapterEffect.toFixed(3)}\n`,
        );
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
});

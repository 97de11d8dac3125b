import { readFile } from "node:fs/promises";
import { deploy, type DeployEvent, ensureLlamaCpp, ensureOllama, type ToolEvent } from "@mathtune/deploy";
import { defineCommand } from "citty";
import { eventsAsJson, JSON_FLAG, writeEvent, writeResult } from "../output.js";
import { withSignals } from "../signals.js";

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 3 : 1)} MiB`;

/** A one-line display on a terminal (stage, percent), JSON events on stderr otherwise. */
function reporter(json: boolean): { onEvent: (e: DeployEvent | ToolEvent) => void; done: () => void } {
  let shown = false;
  let lastBuild = 0;
  const line = (s: string, keep: boolean) => {
    process.stderr.write(`\r\x1b[K${s}${keep ? "\n" : ""}`);
    shown = !keep;
  };
  return {
    onEvent(e) {
      if (json) {
        if (e.type === "build" && Date.now() - lastBuild < 1000) return;
        if (e.type === "build") lastBuild = Date.now();
        writeEvent(e);
        return;
      }
      if (e.type === "stage") line(`${e.stage}: ${e.message}`, true);
      else if (e.type === "progress")
        line(`${e.phase}${e.percent !== undefined ? ` ${e.percent}%` : ""}${e.message ? ` ${e.message}` : ""}`, false);
      else if (e.type === "build")
        line(`${e.tool}: ${e.percent !== undefined ? `${e.percent}% ` : ""}${e.line.slice(0, 100)}`, false);
      else if (e.type === "step" || e.type === "wait") line(`${e.tool}: ${e.message}`, true);
      else if (e.type === "ollama")
        line(`ollama: ${e.status}${e.total ? ` ${Math.round((100 * (e.completed ?? 0)) / e.total)}%` : ""}`, false);
    },
    done() {
      if (shown) process.stderr.write("\n");
      shown = false;
    },
  };
}

export default defineCommand({
  meta: {
    name: "deploy",
    description: "Convert a model to GGUF, quantize it, check it, smoke-test it, and create an Ollama model",
  },
  args: {
    model: { type: "string", description: "merged model folder (`mathtune merge` output)" },
    adapter: {
      type: "string",
      description: "LoRA path: a run folder (or adapter folder), deployed as an Ollama ADAPTER on --base",
    },
    base: { type: "string", description: "base model folder for --adapter" },
    out: { type: "string", description: "output folder (written atomically)" },
    quant: { type: "string", description: "comma-separated: q4_k_m (default), q5_k_m, q6_k, q8_0, q4_0" },
    outtype: { type: "string", description: "unquantized GGUF type: f16 (default) | bf16 | f32" },
    name: { type: "string", description: "create this Ollama model from the first quant type" },
    host: { type: "string", description: "Ollama server (default $OLLAMA_HOST or 127.0.0.1:11434)" },
    system: { type: "string", description: "SYSTEM prompt of the Modelfile" },
    template: { type: "string", description: "file with an Ollama (Go) template to use instead of the derived one" },
    stop: { type: "string", description: "comma-separated stop strings (default: the end-of-turn token)" },
    "num-ctx": { type: "string", description: "PARAMETER num_ctx (4096)" },
    "pre-tokenizer": {
      type: "string",
      description: "llama.cpp pre-tokenizer name for a retrained BPE tokenizer (qwen2)",
    },
    smoke: { type: "boolean", default: true, description: "smoke-test each GGUF (--no-smoke to skip)" },
    "llama-cpp": {
      type: "string",
      description: "your own llama.cpp folder (default $MATHTUNE_LLAMA_CPP, else the cached build)",
    },
    setup: { type: "boolean", description: "only build the deploy tools (llama-quantize, Ollama) into the cache" },
    python: { type: "string", description: "Python interpreter (default: the project's venv)" },
    venv: { type: "string", description: "venv folder" },
    json: JSON_FLAG,
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    const rep = reporter(json);
    const stopping = args.setup ? "stopping the tool build" : "stopping the deploy; the output folder is not written";
    try {
      await withSignals(
        async (signal) => {
          if (args.setup) {
            const t0 = Date.now();
            const l = await ensureLlamaCpp({
              ...(args["llama-cpp"] ? { llamaCpp: args["llama-cpp"] } : {}),
              signal,
              onEvent: rep.onEvent,
            });
            const o = await ensureOllama({ signal, onEvent: rep.onEvent });
            rep.done();
            writeResult(
              args.json,
              { llamaCpp: l, ollama: o, seconds: (Date.now() - t0) / 1000 },
              () => `llama-quantize: ${l.quantize}\nollama: ${o.path}\n`,
            );
            return;
          }
          if (!args.out) throw new Error("Missing required argument: --out");
          const r = await deploy({
            ...(args.model ? { model: args.model } : {}),
            ...(args.adapter ? { adapter: args.adapter } : {}),
            ...(args.base ? { base: args.base } : {}),
            out: args.out,
            ...(args.quant ? { quant: args.quant } : {}),
            ...(args.outtype ? { outtype: args.outtype as "f16" } : {}),
            ...(args.name ? { name: args.name } : {}),
            ...(args.host ? { host: args.host } : {}),
            ...(args.system ? { system: args.system } : {}),
            ...(args.template ? { template: await readFile(args.template, "utf8") } : {}),
            ...(args.stop
              ? {
                  stop: args.stop
                    .split(",")
                    .map((s) => s.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(args["num-ctx"] ? { numCtx: Number(args["num-ctx"]) } : {}),
            ...(args["pre-tokenizer"] ? { preTokenizer: args["pre-tokenizer"] } : {}),
            ...(args.smoke === false ? { smoke: false as const } : {}),
            ...(args["llama-cpp"] ? { llamaCpp: args["llama-cpp"] } : {}),
            ...(args.python ? { python: args.python } : {}),
            ...(args.venv ? { venv: args.venv } : {}),
            signal,
            onEvent: rep.onEvent,
          });
          rep.done();
          writeResult(args.json, r, () => {
            const rows = [...r.files, ...(r.adapter ? [r.adapter] : [])].map(
              (f) =>
                `  ${f.file.padEnd(22)} ${f.type.padEnd(7)} ${mib(f.bytes).padStart(12)}  ${f.type === "lora" ? "" : `${(100 * f.ratio).toFixed(1)}% of ${r.files[0]!.type}`}${f.check.fallbacks.length ? `  (${f.check.fallbacks.length} tensors fell back: ${[...new Set(f.check.fallbacks.map((x) => x.actual))].join(", ")})` : ""}`,
            );
            const lines = [
              `deployed to ${r.out} (llama.cpp ${r.llamaCpp.commit ?? r.llamaCpp.dir}, ${r.llamaCpp.source})`,
              ...rows,
              `Modelfile: ${r.modelfile} (template: ${r.template.source}; stop ${r.template.stop.join(" ")})`,
              ...Object.entries(r.smoke ?? {}).map(
                ([q, s]) =>
                  `smoke ${q}: ${s.ok ? "ok" : "FAILED"} (${s.reason}, ${s.tokensPerSecond.toFixed(1)} tokens/s): ${JSON.stringify(s.text.slice(0, 80))}`,
              ),
              ...(r.ollama
                ? [
                    `ollama: ${r.ollama.name} at ${r.ollama.host}${r.ollama.reply ? `; replied ${JSON.stringify(r.ollama.reply.content.slice(0, 80))} (${r.ollama.reply.doneReason})` : ""}`,
                  ]
                : []),
            ];
            return lines.join("\n");
          });
        },
        { json, stopping },
      );
    } finally {
      rep.done();
    }
  },
});

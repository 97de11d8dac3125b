import { basename, join, resolve } from "node:path";
import { MathtuneError } from "@mathtune/core";
import type { EvalEvent, EvalOptions, EvalResult, GradeMode } from "@mathtune/eval";
import { defineCommand } from "citty";
import { eventsAsJson, JSON_FLAG, writeEvent, writeResult } from "../output.js";
import { withSignals } from "../signals.js";

const num = (v: string | undefined, name: string, integer = true): number | undefined => {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new MathtuneError(
      "E_CONFIG_INVALID",
      `--${name} must be a non-negative ${integer ? "integer" : "number"} (got '${v}')`,
    );
  }
  return n;
};

function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "--";
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${s}s`;
}

/** A one-line bar on a terminal (count, running accuracy, rate, ETA); JSON lines otherwise. */
function reporter(json: boolean): { onEvent: (e: EvalEvent) => void; close: () => void } {
  const err = process.stderr;
  let shown = false;
  return {
    onEvent(e) {
      if (json) {
        const line =
          e.type === "done"
            ? { type: "done", out: e.result.out, overall: e.result.metrics.overall, speed: e.result.metrics.speed }
            : e;
        writeEvent(line);
        return;
      }
      if (e.type === "start") {
        err.write(
          `Evaluating ${e.model} on ${e.total} problems (${e.parallel} at a time) into ${e.out}${e.done ? `; ${e.done} already done, resuming` : ""}\n`,
        );
      } else if (e.type === "prediction") {
        const width = 24;
        const frac = e.total ? e.done / e.total : 0;
        const filled = Math.round(frac * width);
        err.write(
          `\r\x1b[K  ${"█".repeat(filled)}${"░".repeat(width - filled)} ${e.done}/${e.total}  accuracy ${(e.accuracy * 100).toFixed(1)}%  ETA ${eta(e.etaSeconds)}`,
        );
        shown = true;
      } else if (e.type === "done" && shown) {
        err.write("\n");
        shown = false;
      }
    },
    close() {
      if (shown) err.write("\n");
      shown = false;
    },
  };
}

function summary(r: EvalResult): string {
  const m = r.metrics;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows: string[][] = [["group", "n", "strict", "flexible", "95% CI (flexible)", "no answer", "cut by length"]];
  const add = (name: string, t: typeof m.overall) =>
    rows.push([
      name,
      String(t.flexible.n),
      pct(t.strict.accuracy),
      pct(t.flexible.accuracy),
      `${pct(t.flexible.ci95[0])}-${pct(t.flexible.ci95[1])}`,
      String(t.flexible.noAnswer),
      String(t.flexible.length),
    ]);
  for (const [c, t] of Object.entries(m.byCategory)) add(c, t);
  add("overall", m.overall);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const body = rows.map(line);
  body.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  body.splice(body.length - 1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return `${body.join("\n")}\n\n${m.speed.problems} problems in ${m.speed.seconds.toFixed(1)} s (${m.speed.problemsPerSecond} problems/s, ${m.speed.tokensPerSecond} tokens/s); ${m.tokens.generated} tokens generated\nwrote ${r.predictionsFile} and ${r.metricsFile}\n`;
}

export default defineCommand({
  meta: {
    name: "eval",
    description:
      "Evaluate a model on a test set: generate, grade (strict and flexible), write predictions.jsonl and metrics.json",
  },
  args: {
    model: {
      type: "string",
      required: true,
      description: "a .gguf file (llama.cpp in-process), ollama:<name>, or openai:<base url>",
    },
    data: {
      type: "string",
      required: true,
      description: "a build folder (its test split) or a test file (JSON lines, CSV, Parquet, ... through the loaders)",
    },
    out: { type: "string", alias: "o", description: "run folder (default: evals/<model>-<split>)" },
    split: { type: "string", description: "the build's split (default: test)" },
    adapter: {
      type: "string",
      description: "the loaders' adapter for a file (gsm8k, math, mathematics, jsonl, csv, ...; default by extension)",
    },
    limit: { type: "string", description: "at most N problems, spread evenly over the categories (seeded)" },
    "per-category": { type: "string", description: "at most N problems per category (seeded)" },
    seed: { type: "string", description: "seed of the sample and of decoding (0)" },
    "max-tokens": { type: "string", description: "most tokens per answer (512)" },
    temperature: { type: "string", description: "sampling temperature (0: greedy)" },
    system: { type: "string", description: "system prompt instead of the build's" },
    parallel: { type: "string", description: "llama.cpp: prompts at a time, each in its own context (1)" },
    concurrency: { type: "string", description: "Ollama / OpenAI: requests at once (1 / 4)" },
    "context-size": { type: "string", description: "tokens per sequence, prompt and answer (2048)" },
    threads: { type: "string", description: "llama.cpp: CPU threads" },
    "served-model": {
      type: "string",
      description: "OpenAI: the served model's name (default: the first /models lists)",
    },
    "api-key-env": { type: "string", description: "OpenAI: environment variable with the API key (OPENAI_API_KEY)" },
    timeout: { type: "string", description: "servers: seconds per request (120)" },
    retries: { type: "string", description: "servers: retries with backoff (3)" },
    mode: {
      type: "string",
      description: "grading shown in the progress bar: strict | flexible (default flexible; both are saved)",
    },
    overwrite: { type: "boolean", description: "start again in a folder that holds another run" },
    json: JSON_FLAG,
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    const { evaluateIter } = await import("@mathtune/eval");
    const split = args.split ?? "test";
    const modelName =
      args.model.startsWith("ollama:") || args.model.startsWith("openai:")
        ? args.model.replace(/^[a-z]+:/, "").replace(/[^A-Za-z0-9._-]+/g, "_")
        : basename(args.model).replace(/\.gguf$/i, "");
    const out = resolve(args.out ?? join("evals", `${modelName}-${split}`));
    if (args.mode !== undefined && args.mode !== "strict" && args.mode !== "flexible")
      throw new MathtuneError("E_CONFIG_INVALID", `--mode must be strict or flexible (got '${args.mode}')`);
    const timeout = num(args.timeout, "timeout", false);
    const opts: EvalOptions = {
      model: args.model,
      testSet: resolve(args.data),
      out,
      ...(args.split ? { split: args.split } : {}),
      ...(args.adapter ? { adapter: args.adapter } : {}),
      ...(args.system !== undefined ? { system: args.system } : {}),
      ...(args["served-model"] ? { servedModel: args["served-model"] } : {}),
      ...(args["api-key-env"] ? { apiKeyEnv: args["api-key-env"] } : {}),
      ...(args.mode ? { mode: args.mode as GradeMode } : {}),
      ...(args.overwrite ? { overwrite: true } : {}),
      ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    };
    const ints: [keyof EvalOptions, string][] = [
      ["limit", "limit"],
      ["perCategory", "per-category"],
      ["seed", "seed"],
      ["maxTokens", "max-tokens"],
      ["parallel", "parallel"],
      ["concurrency", "concurrency"],
      ["contextSize", "context-size"],
      ["threads", "threads"],
      ["retries", "retries"],
    ];
    for (const [key, flag] of ints) {
      const v = num((args as Record<string, string | undefined>)[flag], flag);
      if (v !== undefined) (opts as unknown as Record<string, unknown>)[key] = v;
    }
    const t = num(args.temperature, "temperature", false);
    if (t !== undefined) opts.temperature = t;
    const rep = reporter(json);
    let result: EvalResult | undefined;
    await withSignals(
      async (signal) => {
        try {
          for await (const e of evaluateIter({ ...opts, signal })) {
            rep.onEvent(e);
            if (e.type === "done") result = e.result;
          }
        } finally {
          rep.close();
        }
      },
      { json, stopping: "stopping the evaluation; the same command goes on from the answers kept" },
    );
    if (result) {
      const r = result;
      writeResult(args.json, { type: "result", out: r.out, metrics: r.metricsFile, overall: r.metrics.overall }, () =>
        summary(r),
      );
    }
  },
});

import { readFile } from "node:fs/promises";
import { isMathtuneError, MathtuneError } from "@mathtune/core";
import { createProgressReporter, train, type TrainConfigInput, type TrainResult } from "@mathtune/train";
import { defineCommand } from "citty";
import { modelPath } from "../hub.js";
import { eventsAsJson, JSON_FLAG, jsonWasRequested, writeEvent, writeResult } from "../output.js";
import { withSignals } from "../signals.js";

/** A number flag: undefined when absent, E_CONFIG_INVALID (exit code 2) when it is not a number. */
export function numberFlag(v: string | undefined, name: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = v.trim() === "" ? Number.NaN : Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new MathtuneError(
      "E_CONFIG_INVALID",
      `--${name} must be ${integer ? "a whole number" : "a number"}, got '${v}'`,
      { hint: `e.g. --${name} ${integer ? "3" : "0.1"}` },
    );
  }
  return n;
}

/**
 * Prints the last lines of the run's log when a failure names one (the Python traceback is there):
 * on stderr, as a `log-tail` JSON event when the verb was given --json.
 */
export async function printLogTail(e: unknown, lines = 20): Promise<void> {
  const file = isMathtuneError(e) ? (e.details as { logFile?: unknown } | undefined)?.logFile : undefined;
  if (typeof file !== "string" || (isMathtuneError(e) && e.code === "E_CANCELED")) return;
  const text = await readFile(file, "utf8").catch(() => "");
  const tail = text.trimEnd().split("\n").slice(-lines);
  if (!text.trim()) return;
  if (jsonWasRequested()) writeEvent({ type: "log-tail", file, lines: tail });
  else process.stderr.write(`last ${tail.length} lines of ${file}:\n${tail.map((l) => `  ${l}`).join("\n")}\n`);
}

/** The summary printed after a run. */
export function summaryLines(r: TrainResult): string[] {
  const val =
    r.evalLoss === undefined
      ? []
      : [
          r.initialEvalLoss !== undefined
            ? `validation loss: ${r.initialEvalLoss.toFixed(4)} -> ${r.evalLoss.toFixed(4)}`
            : `validation loss: ${r.evalLoss.toFixed(4)}`,
        ];
  const trainLoss =
    r.firstLoss !== undefined && r.lastLoss !== undefined
      ? [
          `train loss${r.resumedFrom ? " (since the resume)" : ""}: ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}`,
        ]
      : [];
  return [
    `adapter: ${r.adapter}`,
    `steps: ${r.steps}/${r.totalSteps} in ${r.seconds.toFixed(1)} s (${r.precision}, ${r.quantization === "4bit" ? "QLoRA 4-bit" : "no quantization"}, ${r.worldSize} process${r.worldSize > 1 ? "es" : ""})`,
    ...trainLoss,
    ...val,
    `metrics: ${r.metricsFile}`,
    `loss curve: ${r.lossCurve}`,
  ];
}

/** The hyperparameters the flags set (undefined where a flag is absent). */
export function configFromArgs(args: Record<string, string | boolean | undefined>): TrainConfigInput {
  const s = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : undefined);
  const b = (k: string) => (typeof args[k] === "boolean" ? (args[k] as boolean) : undefined);
  const skipFirstEval = b("skip-first-eval");
  const flags: TrainConfigInput = {
    epochs: numberFlag(s("epochs"), "epochs", true),
    maxSteps: numberFlag(s("max-steps"), "max-steps", true),
    learningRate: numberFlag(s("learning-rate"), "learning-rate"),
    batchSize: numberFlag(s("batch-size"), "batch-size", true),
    microBatchSize: numberFlag(s("micro-batch-size"), "micro-batch-size", true),
    loraR: numberFlag(s("lora-r"), "lora-r", true),
    loraAlpha: numberFlag(s("lora-alpha"), "lora-alpha"),
    loraDropout: numberFlag(s("lora-dropout"), "lora-dropout"),
    targetModules: s("target-modules")
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean),
    useRslora: b("rslora"),
    useDora: b("dora"),
    maxSeqLength: numberFlag(s("max-seq-length"), "max-seq-length", true),
    packing: b("packing"),
    seed: numberFlag(s("seed"), "seed", true),
    evalSteps: numberFlag(s("eval-steps"), "eval-steps", true),
    saveSteps: numberFlag(s("save-steps"), "save-steps", true),
    scheduler: s("scheduler") as TrainConfigInput["scheduler"],
    warmupRatio: numberFlag(s("warmup-ratio"), "warmup-ratio"),
    warmupSteps: numberFlag(s("warmup-steps"), "warmup-steps", true),
    quantization: s("quantization") as TrainConfigInput["quantization"],
    precision: s("precision") as TrainConfigInput["precision"],
    gradientCheckpointing: b("gradient-checkpointing"),
    threads: numberFlag(s("threads"), "threads", true),
    cpu: b("cpu"),
    systemPrompt: s("system-prompt"),
    evalAtStart: skipFirstEval === undefined ? undefined : !skipFirstEval,
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as TrainConfigInput;
}

async function readConfigFile(file: string): Promise<TrainConfigInput> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `--config file not found: ${file}`, { cause: e });
  }
  try {
    return JSON.parse(text) as TrainConfigInput;
  } catch (e) {
    throw new MathtuneError("E_CONFIG_INVALID", `--config ${file} is not JSON: ${(e as Error).message}`, {
      location: { file },
      cause: e,
    });
  }
}

export default defineCommand({
  meta: {
    name: "train",
    description: "Fine-tune a LoRA adapter on a build's train/validation split (PEFT in a Python subprocess)",
  },
  args: {
    data: {
      type: "string",
      required: true,
      description: "build folder (trains on train.messages.jsonl, else train.jsonl) or a JSONL file",
    },
    model: { type: "string", required: true, description: "base model folder (Hugging Face layout, local)" },
    out: { type: "string", required: true, description: "run folder" },
    config: { type: "string", description: "JSON file with training options (flags override it)" },
    resume: {
      type: "boolean",
      description: "continue from the run folder's latest checkpoint (refused for a finished run)",
    },
    overwrite: { type: "boolean", description: "start again in a folder that holds a run" },
    epochs: { type: "string", description: "epochs (3)" },
    "max-steps": { type: "string", description: "stop after N optimizer steps" },
    "learning-rate": { type: "string", alias: "lr", description: "learning rate (2e-4)" },
    "batch-size": { type: "string", description: "examples per optimizer step (16)" },
    "micro-batch-size": {
      type: "string",
      description: "examples per forward pass (default: whole batch, halved on OOM)",
    },
    "lora-r": { type: "string", description: "LoRA rank (8)" },
    "lora-alpha": { type: "string", description: "LoRA alpha (16)" },
    "lora-dropout": { type: "string", description: "LoRA dropout (0.05)" },
    "target-modules": { type: "string", description: "comma-separated module names (q_proj,k_proj,v_proj,o_proj)" },
    rslora: { type: "boolean", description: "rank-stabilised LoRA" },
    dora: { type: "boolean", description: "DoRA" },
    "max-seq-length": { type: "string", description: "tokens per example (1024)" },
    packing: { type: "boolean", description: "pack several examples per row" },
    seed: { type: "string", description: "seed (42)" },
    "eval-steps": { type: "string", description: "validation loss every N steps (100)" },
    "skip-first-eval": { type: "boolean", description: "no validation pass before the first step" },
    "save-steps": { type: "string", description: "checkpoint every N steps (100)" },
    scheduler: { type: "string", description: "cosine | linear | constant_with_warmup | constant (cosine)" },
    "warmup-ratio": { type: "string", description: "share of the steps spent warming up (0.03)" },
    "warmup-steps": { type: "string", description: "warm-up steps (overrides --warmup-ratio)" },
    quantization: { type: "string", description: "auto | 4bit | none" },
    precision: { type: "string", description: "auto | bf16 | fp16 | fp32" },
    "gradient-checkpointing": { type: "boolean", description: "trade compute for memory" },
    threads: { type: "string", description: "torch CPU threads per process" },
    cpu: { type: "boolean", description: "train on the CPU even when CUDA is present" },
    "system-prompt": {
      type: "string",
      description: "system turn for conversations without one (MathRecords: replaces the build's)",
    },
    processes: { type: "string", description: "processes to launch with torchrun (one per GPU)" },
    "accelerate-config": {
      type: "string",
      description: "launch with `accelerate launch --config_file FILE` (DeepSpeed, FSDP, several machines)",
    },
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
    const fromFile = args.config ? await readConfigFile(args.config) : {};
    const config = { ...fromFile, ...configFromArgs(args as Record<string, string | boolean | undefined>) };
    const processes = numberFlag(args.processes, "processes", true);
    const reporter = createProgressReporter({ json, stream: process.stderr, jsonStream: process.stderr });
    try {
      const r = await withSignals(
        async (signal, killSignal) =>
          train({
            data: args.data,
            model: await modelPath(args.model, { json, signal }),
            out: args.out,
            ...(args.force ? { force: true } : {}),
            ...config,
            ...(args.resume ? { resume: true } : {}),
            ...(args.overwrite ? { overwrite: true } : {}),
            ...(processes !== undefined ? { processes } : {}),
            ...(args["accelerate-config"] ? { accelerateConfig: args["accelerate-config"] } : {}),
            ...(args.python ? { python: args.python } : {}),
            ...(args.venv ? { venv: args.venv } : {}),
            signal,
            killSignal,
            onEvent: reporter.onEvent,
          }),
        { json, stopping: "stopping after this step and keeping a checkpoint", child: "the trainer" },
      );
      reporter.done();
      writeResult(args.json, { type: "result", ...r }, () => summaryLines(r).join("\n"));
    } catch (e) {
      reporter.done();
      await printLogTail(e);
      throw e;
    } finally {
      reporter.done();
    }
  },
});

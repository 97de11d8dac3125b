import { readFile } from "node:fs/promises";
import { createProgressReporter, train, type TrainConfigInput } from "@mathtune/train";
import { defineCommand } from "citty";

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
};

export default defineCommand({
  meta: { name: "train", description: "Fine-tune a LoRA adapter on a build's train/validation split (PEFT in a Python subprocess)" },
  args: {
    data: { type: "string", required: true, description: "build folder (train.jsonl, validation.jsonl) or a JSONL file" },
    model: { type: "string", required: true, description: "base model folder (Hugging Face layout, local)" },
    out: { type: "string", required: true, description: "run folder" },
    config: { type: "string", description: "JSON file with training options (flags override it)" },
    resume: { type: "boolean", description: "continue from the run folder's latest checkpoint" },
    overwrite: { type: "boolean", description: "start again in a folder that holds a run" },
    epochs: { type: "string", description: "epochs (3)" },
    "max-steps": { type: "string", description: "stop after N optimizer steps" },
    "learning-rate": { type: "string", alias: "lr", description: "learning rate (2e-4)" },
    "batch-size": { type: "string", description: "examples per optimizer step (16)" },
    "micro-batch-size": { type: "string", description: "examples per forward pass (default: whole batch, halved on OOM)" },
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
    "save-steps": { type: "string", description: "checkpoint every N steps (100)" },
    quantization: { type: "string", description: "auto | 4bit | none" },
    precision: { type: "string", description: "auto | bf16 | fp16 | fp32" },
    "gradient-checkpointing": { type: "boolean", description: "trade compute for memory" },
    processes: { type: "string", description: "processes to launch with torchrun (one per GPU)" },
    python: { type: "string", description: "Python interpreter (default: the project's venv)" },
    venv: { type: "string", description: "venv folder" },
    force: { type: "boolean", description: "write into an existing --out folder that mathtune did not write (never the current folder, an ancestor, or one holding an input)" },
    json: { type: "boolean", description: "JSON events on stdout even on a terminal (the default when stderr is not a TTY)" },
  },
  async run({ args }) {
    const fromFile = args.config ? (JSON.parse(await readFile(args.config, "utf8")) as TrainConfigInput) : {};
    const flags: TrainConfigInput = {
      epochs: int(args.epochs, "epochs"),
      maxSteps: int(args["max-steps"], "max-steps"),
      learningRate: int(args["learning-rate"], "learning-rate"),
      batchSize: int(args["batch-size"], "batch-size"),
      microBatchSize: int(args["micro-batch-size"], "micro-batch-size"),
      loraR: int(args["lora-r"], "lora-r"),
      loraAlpha: int(args["lora-alpha"], "lora-alpha"),
      loraDropout: int(args["lora-dropout"], "lora-dropout"),
      targetModules: args["target-modules"]?.split(",").map((s) => s.trim()).filter(Boolean),
      useRslora: args.rslora,
      useDora: args.dora,
      maxSeqLength: int(args["max-seq-length"], "max-seq-length"),
      packing: args.packing,
      seed: int(args.seed, "seed"),
      evalSteps: int(args["eval-steps"], "eval-steps"),
      saveSteps: int(args["save-steps"], "save-steps"),
      quantization: args.quantization as TrainConfigInput["quantization"],
      precision: args.precision as TrainConfigInput["precision"],
      gradientCheckpointing: args["gradient-checkpointing"],
    };
    const config = { ...fromFile, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
    const ac = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) process.stderr.write("\nstopping after this step and keeping a checkpoint (Ctrl-C again to kill)\n");
      ac.abort();
      if (interrupts > 1) process.exit(130);
    };
    process.on("SIGINT", onSigint);
    const json = Boolean(args.json) || !process.stderr.isTTY;
    const reporter = createProgressReporter({ json });
    try {
      const r = await train({
        data: args.data,
        model: args.model,
        out: args.out,
        ...(args.force ? { force: true } : {}),
        ...config,
        ...(args.resume ? { resume: true } : {}),
        ...(args.overwrite ? { overwrite: true } : {}),
        ...(args.processes ? { processes: int(args.processes, "processes")! } : {}),
        ...(args.python ? { python: args.python } : {}),
        ...(args.venv ? { venv: args.venv } : {}),
        signal: ac.signal,
        onEvent: reporter.onEvent,
      });
      reporter.done();
      const summary = [
        `adapter: ${r.adapter}`,
        `steps: ${r.steps}/${r.totalSteps} in ${r.seconds.toFixed(1)} s (${r.precision}, ${r.quantization === "4bit" ? "QLoRA 4-bit" : "no quantization"}, ${r.worldSize} process${r.worldSize > 1 ? "es" : ""})`,
        `train loss: ${r.firstLoss?.toFixed(4)} -> ${r.lastLoss?.toFixed(4)}`,
        ...(r.evalLoss !== undefined ? [`validation loss: ${r.initialEvalLoss?.toFixed(4) ?? "?"} -> ${r.evalLoss.toFixed(4)}`] : []),
        `metrics: ${r.metricsFile}`,
        `loss curve: ${r.lossCurve}`,
      ];
      if (json) process.stdout.write(`${JSON.stringify({ type: "result", ...r })}\n`);
      else process.stdout.write(`${summary.join("\n")}\n`);
    } finally {
      reporter.done();
      process.off("SIGINT", onSigint);
    }
  },
});

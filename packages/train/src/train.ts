import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MathtuneError, OUTPUT_MARKER, outputMarker, prepareOutputDir, writeFileAtomic } from "@mathtune/core";
import { type LossPoint, lossCurveSvg } from "@mathtune/report";
import { resolveTrainConfig, TRAIN_CONFIG_KEYS, type TrainConfig, type TrainConfigInput } from "./config.js";
import { findDataFiles, recordRenderer, type RecordRenderer, writeConversations } from "./data.js";
import { PYTHON_DIR, type PythonEnvOptions, resolvePython } from "./env.js";
import { drain, runScript } from "./process.js";
import { EtaEstimator } from "./progress.js";
import type { ProtocolMessage } from "./protocol.js";

/** What every Python-driving call takes: the environment, cancel, the grace period and a hard kill. */
export interface DriverOptions extends PythonEnvOptions {
  signal?: AbortSignal;
  /** SIGINT first, then SIGKILL of the whole process tree after this long (default 30 s). */
  gracePeriodMs?: number;
  /** Stops at once: SIGKILL of the whole process tree, no checkpoint (a second Ctrl-C). The call throws E_CANCELED. */
  killSignal?: AbortSignal;
  /** E_TIMEOUT when the script prints nothing for this long (default: no limit). */
  stallTimeoutMs?: number;
  /** E_TIMEOUT when the script runs longer than this (default: no limit). */
  timeoutMs?: number;
  /** Extra environment for the Python processes. */
  env?: Record<string, string | undefined>;
}

/** Options of `train` and `trainIter`: the data, the base model, the run folder and the training config. */
export interface TrainOptions extends DriverOptions, TrainConfigInput {
  /** A build folder (train.jsonl, optional validation.jsonl) or a JSONL train file. */
  data: string;
  /** The base model: a local Hugging Face folder (config, safetensors, tokenizer with a chat template). */
  model: string;
  /** The run folder: config, data, checkpoints, adapter, metrics.jsonl, loss.svg, train.log. */
  out: string;
  /** Continue from the latest checkpoint in `out` (or from the checkpoint folder given). */
  resume?: boolean | string;
  /** Start afresh in a folder that holds a previous run (its checkpoints and adapter are removed). */
  overwrite?: boolean;
  /** Write into an existing, non-empty `out` that is not a mathtune run (default: refused, E_OUTPUT_NOT_OURS). */
  force?: boolean;
  /** Processes to launch with torchrun (one per GPU; gloo on CPU). Default 1. With `accelerateConfig`, it overrides the file's `num_processes`. */
  processes?: number;
  /**
   * An accelerate config file (what `accelerate config` writes): the run is launched with
   * `accelerate launch --config_file FILE`, so DeepSpeed ZeRO, FSDP and several machines come from
   * accelerate's own settings.
   */
  accelerateConfig?: string;
}

/** The events of `trainIter`: start, progress, metrics, logs and artifacts (checkpoints, the adapter). */
export type TrainEvent =
  | {
      type: "start";
      runDir: string;
      config: TrainConfig;
      command: string[];
      examples: { train: number; validation: number };
    }
  | {
      type: "progress";
      phase: string;
      message?: string;
      step?: number;
      totalSteps?: number;
      epoch?: number;
      loss?: number;
      learningRate?: number;
      tokensPerSecond?: number;
      tokens?: number;
      elapsedSeconds?: number;
      etaSeconds?: number;
      resumedFrom?: string;
      /** Validation pass (phase `eval`): batches done and in all. */
      batch?: number;
      batches?: number;
      raw: ProtocolMessage;
    }
  | {
      type: "metric";
      split: string;
      step: number;
      loss?: number;
      learningRate?: number;
      gradNorm?: number;
      tokensPerSecond?: number;
      raw: ProtocolMessage;
    }
  | { type: "log"; level: string; message: string; data?: unknown }
  | { type: "artifact"; kind: string; path: string; step?: number };

/** What `train` returns: the run folder, the adapter, the steps, the losses and the time. */
export interface TrainResult {
  runDir: string;
  adapter: string;
  steps: number;
  totalSteps: number;
  /** Training loss of the first and last step of this invocation. */
  firstLoss?: number;
  lastLoss?: number;
  /** Validation loss before the first step (fresh runs) and after the last. */
  initialEvalLoss?: number;
  evalLoss?: number;
  tokens: number;
  seconds: number;
  peakMemoryBytes?: number;
  precision: string;
  quantization: string;
  worldSize: number;
  resumedFrom?: string;
  metricsFile: string;
  lossCurve: string;
  logFile: string;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Splits TrainOptions into the hyperparameters (validated, defaults applied) and the rest. */
function configOf(opts: TrainOptions): TrainConfig {
  const picked: Record<string, unknown> = {};
  for (const key of TRAIN_CONFIG_KEYS)
    if ((opts as unknown as Record<string, unknown>)[key] !== undefined)
      picked[key] = (opts as unknown as Record<string, unknown>)[key];
  return resolveTrainConfig(picked as TrainConfigInput);
}

function commandFor(
  python: string,
  processes: number | undefined,
  accelerateConfig: string | undefined,
  script: string,
  configFile: string,
): { python: string; args: string[] } {
  if (accelerateConfig !== undefined)
    return {
      python,
      args: [
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        resolve(accelerateConfig),
        ...(processes !== undefined ? ["--num_processes", String(processes)] : []),
        script,
        "--config",
        configFile,
      ],
    };
  if ((processes ?? 1) <= 1) return { python, args: [script, "--config", configFile] };
  return {
    python,
    args: [
      "-m",
      "torch.distributed.run",
      "--standalone",
      `--nproc_per_node=${processes}`,
      script,
      "--config",
      configFile,
    ],
  };
}

/** True when the run folder holds a checkpoint to resume from (`checkpoints/checkpoint-N/state.json`). */
async function hasCheckpoint(runDir: string): Promise<boolean> {
  const names = await readdir(join(runDir, "checkpoints")).catch(() => [] as string[]);
  return names.some((n) => /^checkpoint-\d+$/.test(n) && existsSync(join(runDir, "checkpoints", n, "state.json")));
}

/** The run's config with `precision` and `quantization` as the trainer resolved them, and what was asked under `requested`. */
export function resolvedConfig(
  config: Record<string, unknown>,
  start: Record<string, unknown>,
): Record<string, unknown> {
  const precision = str(start.precision);
  const quantization = str(start.quantization);
  return {
    ...config,
    ...(precision ? { precision } : {}),
    ...(quantization ? { quantization } : {}),
    ...(str(start.device) ? { device: str(start.device) } : {}),
    requested: { precision: config.precision, quantization: config.quantization },
  };
}

/**
 * Trains a LoRA adapter. Yields typed events while the Python trainer runs; returns the result.
 * Writes `metrics.jsonl` (one line per metric event) and `loss.svg` into the run folder, also when
 * canceled. Cancel with `signal`: the trainer stops after the current step, keeps a checkpoint and
 * the call throws E_CANCELED (details.result.checkpoint); resume with `resume: true`.
 */
export async function* trainIter(opts: TrainOptions): AsyncGenerator<TrainEvent, TrainResult> {
  const config = configOf(opts);
  const runDir = resolve(opts.out);
  const model = resolve(opts.model);
  if (!existsSync(join(model, "config.json"))) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no model at ${model} (config.json missing)`, {
      hint: "pass a local Hugging Face model folder; nothing is downloaded",
    });
  }
  if (opts.accelerateConfig !== undefined && !existsSync(opts.accelerateConfig))
    throw new MathtuneError("E_INPUT_NOT_FOUND", `accelerate config not found: ${opts.accelerateConfig}`, {
      hint: "write one with `accelerate config --config_file FILE`, or leave accelerateConfig out",
      details: { path: opts.accelerateConfig },
    });
  const python = await resolvePython(opts);
  const files = await findDataFiles(resolve(opts.data));
  // The one output rule of core: never the cwd, an ancestor, a folder holding the data or model, or a foreign folder.
  await prepareOutputDir(runDir, {
    kind: "train",
    force: opts.force ?? false,
    protect: [resolve(opts.data), model],
    lock: false,
    recognise: (_d, e) => e.includes("checkpoints") || e.includes("adapter"),
  });
  const previous = existsSync(join(runDir, "checkpoints")) || existsSync(join(runDir, "adapter"));
  if (previous && !opts.resume && !opts.overwrite) {
    throw new MathtuneError("E_RUN_EXISTS", `${runDir} already holds a training run`, {
      hint: "pass resume: true (--resume) to continue it, or overwrite: true (--overwrite) to start again",
    });
  }
  if (
    opts.resume === true &&
    !(await hasCheckpoint(runDir)) &&
    (existsSync(join(runDir, "adapter")) || existsSync(join(runDir, "result.json")))
  ) {
    throw new MathtuneError("E_RUN_FINISHED", `${runDir} holds a finished run and no checkpoint to resume from`, {
      hint: "resuming would start again at step 0 and overwrite its adapter and metrics; pass overwrite: true (--overwrite) to train again, or another run folder",
    });
  }
  if (opts.overwrite && !opts.resume) {
    for (const p of ["checkpoints", "adapter", "metrics.jsonl", "loss.svg", "result.json", "train.log"])
      await rm(join(runDir, p), { recursive: true, force: true });
  }
  await mkdir(join(runDir, "data"), { recursive: true });
  await writeFileAtomic(join(runDir, OUTPUT_MARKER), outputMarker("train"));
  const trainFile = join(runDir, "data", "train.jsonl");
  const validationFile = join(runDir, "data", "validation.jsonl");
  const notes: string[] = [];
  let render: RecordRenderer | undefined;
  if (files.kind === "record" || files.kind === "auto") render = await recordRenderer(files, config.systemPrompt);
  if (files.kind === "record")
    notes.push(
      `${files.train} holds MathRecords: rendered with @mathtune/format${files.manifest ? ` and the format options in ${files.manifest}` : "'s defaults"}`,
    );
  else if (files.kind !== "auto") notes.push(`training on ${files.train} (${files.kind} lines the build wrote)`);
  const convOpts = {
    ...(config.systemPrompt !== undefined ? { systemPrompt: config.systemPrompt } : {}),
    ...(render ? { render } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const nTrain = await writeConversations(files.train, trainFile, convOpts);
  let nVal = 0;
  if (files.validation) {
    nVal = await writeConversations(files.validation, validationFile, { ...convOpts, allowEmpty: true });
    if (nVal === 0)
      notes.push(`${files.validation} is empty (a build with validation: 0): training without validation`);
  } else notes.push("no validation file: training without validation");
  if (!nVal) await rm(validationFile, { force: true });
  const pyConfig = {
    ...config,
    model,
    runDir,
    trainFile,
    ...(nVal ? { validationFile } : {}),
    resume: opts.resume ?? false,
  };
  const configFile = join(runDir, "config.json");
  await writeFileAtomic(configFile, `${JSON.stringify(pyConfig, null, 2)}\n`);
  const cmd = commandFor(python, opts.processes, opts.accelerateConfig, join(PYTHON_DIR, "train.py"), configFile);
  yield {
    type: "start",
    runDir,
    config,
    command: [cmd.python, ...cmd.args],
    examples: { train: nTrain, validation: nVal },
  };
  for (const message of notes) yield { type: "log", level: "info", message };

  const metricsFile = join(runDir, "metrics.jsonl");
  const lossCurve = join(runDir, "loss.svg");
  const logFile = join(runDir, "train.log");
  const points: LossPoint[] = [];
  let initialEvalLoss: number | undefined;
  let metricsOut: WriteStream | undefined;
  const openMetrics = async (keepUpTo: number | undefined) => {
    let kept = "";
    if (keepUpTo !== undefined && existsSync(metricsFile)) {
      for (const line of (await readFile(metricsFile, "utf8")).split("\n")) {
        if (!line.trim()) continue;
        try {
          const m = JSON.parse(line) as { step?: number; split?: string; loss?: number };
          if (typeof m.step === "number" && m.step <= keepUpTo) {
            kept += `${line}\n`;
            if (typeof m.loss === "number" && typeof m.split === "string")
              points.push({ split: m.split, step: m.step, loss: m.loss });
            if (m.split === "validation" && m.step === 0 && typeof m.loss === "number") initialEvalLoss = m.loss;
          }
        } catch {
          /* a torn last line from a killed run */
        }
      }
    }
    await writeFile(metricsFile, kept);
    metricsOut = createWriteStream(metricsFile, { flags: "a" });
  };
  const writeCurve = async () => {
    await new Promise<void>((res) => (metricsOut ? metricsOut.end(() => res()) : res()));
    metricsOut = undefined;
    await writeFileAtomic(
      lossCurve,
      await lossCurveSvg(points, `loss: ${model.split("/").pop()} LoRA r=${config.loraR}`),
    );
  };

  const it = runScript({
    python: cmd.python,
    args: cmd.args,
    label: "training",
    logFile,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.killSignal ? { killSignal: opts.killSignal } : {}),
    ...(opts.gracePeriodMs !== undefined ? { gracePeriodMs: opts.gracePeriodMs } : {}),
    ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const eta = new EtaEstimator({
    ...(nVal && config.evalSteps ? { evalSteps: config.evalSteps } : {}),
    validation: nVal > 0,
  });
  let resumedFrom: string | undefined;
  let res: ProtocolMessage | undefined;
  try {
    for (;;) {
      const n = await it.next();
      if (n.done) {
        res = n.value;
        break;
      }
      const m = n.value;
      if (m.type === "progress") {
        if (m.phase === "start") {
          resumedFrom = str(m.resumedFrom);
          await openMetrics(resumedFrom ? num(m.step) : undefined);
          // config.json records what "auto" became on this machine, beside what was asked
          await writeFileAtomic(configFile, `${JSON.stringify(resolvedConfig(pyConfig, m), null, 2)}\n`);
        }
        const step = num(m.step);
        const total = num(m.totalSteps);
        const etaSeconds = eta.onProgress(m.phase, step, total);
        yield {
          type: "progress",
          phase: m.phase,
          raw: m,
          ...(str(m.message) ? { message: str(m.message)! } : {}),
          ...(step !== undefined ? { step } : {}),
          ...(total !== undefined ? { totalSteps: total } : {}),
          ...(num(m.epoch) !== undefined ? { epoch: num(m.epoch)! } : {}),
          ...(num(m.loss) !== undefined ? { loss: num(m.loss)! } : {}),
          ...(num(m.learningRate) !== undefined ? { learningRate: num(m.learningRate)! } : {}),
          ...(num(m.tokensPerSecond) !== undefined ? { tokensPerSecond: num(m.tokensPerSecond)! } : {}),
          ...(num(m.tokens) !== undefined ? { tokens: num(m.tokens)! } : {}),
          ...(num(m.elapsedSeconds) !== undefined ? { elapsedSeconds: num(m.elapsedSeconds)! } : {}),
          ...(etaSeconds !== undefined ? { etaSeconds } : {}),
          ...(resumedFrom && m.phase === "start" ? { resumedFrom } : {}),
          ...(num(m.batch) !== undefined ? { batch: num(m.batch)! } : {}),
          ...(num(m.batches) !== undefined ? { batches: num(m.batches)! } : {}),
        };
      } else if (m.type === "metric") {
        if (!metricsOut) await openMetrics(undefined);
        const { v: _v, type: _t, ...rest } = m;
        metricsOut!.write(`${JSON.stringify(rest)}\n`);
        const loss = num(m.loss);
        if (loss !== undefined) points.push({ split: m.split, step: m.step, loss });
        if (m.split === "validation" && m.step === 0 && loss !== undefined) initialEvalLoss = loss;
        if (m.split === "validation") eta.onValidationDone();
        yield {
          type: "metric",
          split: m.split,
          step: m.step,
          raw: m,
          ...(loss !== undefined ? { loss } : {}),
          ...(num(m.learningRate) !== undefined ? { learningRate: num(m.learningRate)! } : {}),
          ...(num(m.gradNorm) !== undefined ? { gradNorm: num(m.gradNorm)! } : {}),
          ...(num(m.tokensPerSecond) !== undefined ? { tokensPerSecond: num(m.tokensPerSecond)! } : {}),
        };
      } else if (m.type === "log") {
        yield {
          type: "log",
          level: str(m.level) ?? "info",
          message: m.message,
          ...(m.data !== undefined ? { data: m.data } : {}),
        };
      } else if (m.type === "artifact") {
        yield {
          type: "artifact",
          kind: m.kind,
          path: m.path,
          ...(num(m.step) !== undefined ? { step: num(m.step)! } : {}),
        };
      }
    }
  } finally {
    // a consumer that stops iterating early stops the trainer too (SIGINT, SIGKILL after the grace period)
    if (!res) await it.return(undefined as never).catch(() => undefined);
    if (metricsOut || points.length) await writeCurve().catch(() => undefined);
  }
  if (!res) throw new MathtuneError("E_INTERNAL", "training ended without a result");
  const result: TrainResult = {
    runDir,
    adapter: str(res.adapter) ?? join(runDir, "adapter"),
    steps: num(res.step) ?? 0,
    totalSteps: num(res.totalSteps) ?? 0,
    tokens: num(res.tokens) ?? 0,
    seconds: num(res.seconds) ?? 0,
    precision: str(res.precision) ?? "",
    quantization: str(res.quantization) ?? "",
    worldSize: num(res.worldSize) ?? 1,
    metricsFile,
    lossCurve,
    logFile,
    ...(num(res.firstLoss) !== undefined ? { firstLoss: num(res.firstLoss)! } : {}),
    ...(num(res.lastLoss) !== undefined ? { lastLoss: num(res.lastLoss)! } : {}),
    ...(num(res.evalLoss) !== undefined ? { evalLoss: num(res.evalLoss)! } : {}),
    ...(initialEvalLoss !== undefined ? { initialEvalLoss } : {}),
    ...(num(res.peakMemoryBytes) !== undefined ? { peakMemoryBytes: num(res.peakMemoryBytes)! } : {}),
    ...(resumedFrom ? { resumedFrom } : {}),
  };
  await writeFileAtomic(join(runDir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** `trainIter` drained: resolves with the result; `onEvent` sees every event. */
export function train(opts: TrainOptions & { onEvent?: (e: TrainEvent) => void }): Promise<TrainResult> {
  return drain(trainIter(opts), opts.onEvent);
}

/** One example as training would see it: the record ids packed in it, token ids, labels and positions. */
export interface InspectedExample {
  ids: string[];
  inputIds: number[];
  labels: number[];
  positionIds: number[];
  tokens: string[];
  /** The text of the labelled tokens: what the model learns to produce. */
  trainedText: string;
}

/**
 * Tokenizes the training data exactly as training would (chat template, assistant-only labels,
 * optional packing) and returns the first `limit` rows, without loading the model's weights.
 */
export async function inspectTraining(
  opts: DriverOptions & { data: string; model: string; limit?: number; workDir: string } & Pick<
      TrainConfigInput,
      "maxSeqLength" | "packing" | "seed" | "systemPrompt"
    >,
): Promise<{
  stats: { examples: number; truncated: number; dropped: number; units: number };
  examples: InspectedExample[];
}> {
  const config = resolveTrainConfig({
    ...(opts.maxSeqLength !== undefined ? { maxSeqLength: opts.maxSeqLength } : {}),
    ...(opts.packing !== undefined ? { packing: opts.packing } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.systemPrompt !== undefined ? { systemPrompt: opts.systemPrompt } : {}),
  });
  const python = await resolvePython(opts);
  const files = await findDataFiles(resolve(opts.data));
  await mkdir(opts.workDir, { recursive: true });
  const trainFile = join(opts.workDir, "inspect-train.jsonl");
  const render =
    files.kind === "record" || files.kind === "auto" ? await recordRenderer(files, config.systemPrompt) : undefined;
  await writeConversations(files.train, trainFile, {
    ...(config.systemPrompt !== undefined ? { systemPrompt: config.systemPrompt } : {}),
    ...(render ? { render } : {}),
  });
  const configFile = join(opts.workDir, "inspect-config.json");
  await writeFile(
    configFile,
    JSON.stringify({
      ...config,
      model: resolve(opts.model),
      runDir: opts.workDir,
      trainFile,
      mode: "inspect",
      inspectLimit: opts.limit ?? 4,
    }),
  );
  const res = await drain(
    runScript({
      python,
      args: [join(PYTHON_DIR, "train.py"), "--config", configFile],
      label: "inspect",
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    }),
  );
  return { stats: res.stats as never, examples: res.examples as InspectedExample[] };
}

/** True when `path` is a folder holding a PEFT adapter. */
export async function isAdapterDir(path: string): Promise<boolean> {
  return (await stat(join(path, "adapter_config.json")).catch(() => undefined))?.isFile() ?? false;
}

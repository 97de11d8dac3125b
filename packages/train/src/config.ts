import { MathtuneError, parseOptions, type TSchema, Type } from "@mathtune/core";

/** The one vocabulary of floating-point precisions, for training (`precision`) and merge (`dtype`). */
export const PRECISIONS = ["fp32", "bf16", "fp16"] as const;
/** A training precision: `fp32`, `bf16` or `fp16`. */
export type Precision = (typeof PRECISIONS)[number];
/** Each precision's torch dtype name (also accepted as input, for those used to torch's names). */
export const TORCH_DTYPES: Readonly<Record<Precision, string>> = { fp32: "float32", bf16: "bfloat16", fp16: "float16" };

/** A precision from the one vocabulary (or torch's name for it); throws E_CONFIG_INVALID naming the choices. */
export function parsePrecision(value: string, what = "precision"): Precision {
  const v = value.trim().toLowerCase();
  const found = (PRECISIONS as readonly string[]).includes(v)
    ? (v as Precision)
    : PRECISIONS.find((p) => TORCH_DTYPES[p] === v);
  if (!found)
    throw new MathtuneError("E_CONFIG_INVALID", `${what} must be one of ${PRECISIONS.join(", ")}, got '${value}'`, {
      hint: `${PRECISIONS.map((p) => `${p} (${TORCH_DTYPES[p]})`).join(", ")}`,
    });
  return found;
}

/**
 * The training hyperparameters, with the reference recipe's defaults (LoRA r=8, alpha=16,
 * dropout 0.05 on the attention projections; batch 16, lr 2e-4, 3 epochs, cosine with warmup).
 */
export const TrainConfigSchema: TSchema & { properties: Record<string, TSchema> } = Type.Object(
  {
    loraR: Type.Integer({ minimum: 1, default: 8, description: "LoRA rank" }),
    loraAlpha: Type.Number({
      exclusiveMinimum: 0,
      default: 16,
      description: "LoRA scaling numerator (alpha / r, or alpha / sqrt(r) with rsLoRA)",
    }),
    loraDropout: Type.Number({ minimum: 0, maximum: 1, exclusiveMaximum: 1, default: 0.05 }),
    targetModules: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ["q_proj", "k_proj", "v_proj", "o_proj"],
      description: "module names that get adapters (add gate_proj, up_proj, down_proj for the MLP)",
    }),
    useRslora: Type.Boolean({ default: false, description: "rank-stabilised LoRA scaling" }),
    useDora: Type.Boolean({ default: false, description: "weight-decomposed LoRA (DoRA)" }),
    batchSize: Type.Integer({
      minimum: 1,
      default: 16,
      description: "examples (or packed rows) per optimizer step, over all processes",
    }),
    microBatchSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "examples per forward pass; the rest is gradient accumulation. Default: the whole batch, halved on CUDA out-of-memory",
      }),
    ),
    learningRate: Type.Number({ exclusiveMinimum: 0, default: 2e-4 }),
    epochs: Type.Integer({ minimum: 1, default: 3 }),
    maxSteps: Type.Optional(Type.Integer({ minimum: 1, description: "stop after this many optimizer steps" })),
    scheduler: Type.Union(
      [Type.Literal("cosine"), Type.Literal("linear"), Type.Literal("constant_with_warmup"), Type.Literal("constant")],
      { default: "cosine" },
    ),
    warmupRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.03 }),
    warmupSteps: Type.Optional(Type.Integer({ minimum: 0, description: "overrides warmupRatio" })),
    weightDecay: Type.Number({ minimum: 0, default: 0 }),
    maxGradNorm: Type.Number({ minimum: 0, default: 1, description: "gradient clipping; 0 turns it off" }),
    maxSeqLength: Type.Integer({
      minimum: 8,
      default: 1024,
      description: "tokens per example (or packed row); longer ones are cut",
    }),
    seed: Type.Integer({ default: 42 }),
    packing: Type.Boolean({
      default: false,
      description: "pack several examples into each row (attention stays inside each example)",
    }),
    evalSteps: Type.Optional(
      Type.Integer({ minimum: 1, default: 100, description: "validation loss every N steps (also at start and end)" }),
    ),
    evalAtStart: Type.Boolean({ default: true }),
    saveSteps: Type.Optional(Type.Integer({ minimum: 1, default: 100, description: "checkpoint every N steps" })),
    saveTotalLimit: Type.Integer({ minimum: 0, default: 2, description: "checkpoints kept (0: all)" }),
    quantization: Type.Union([Type.Literal("auto"), Type.Literal("4bit"), Type.Literal("none")], {
      default: "auto",
      description: "auto: 4-bit (QLoRA, bitsandbytes) when CUDA is present",
    }),
    precision: Type.Union([Type.Literal("auto"), Type.Literal("bf16"), Type.Literal("fp16"), Type.Literal("fp32")], {
      default: "auto",
      description:
        "auto: bf16 where the GPU has it, else fp16; fp32 on a CPU. bf16 also runs on a CPU with bf16 instructions (AVX512-BF16, AMX), autocast over fp32 weights: 2.2x the tokens/s of fp32 on 2 Zen 4 cores (bench/train-precision.py)",
    }),
    gradientCheckpointing: Type.Boolean({ default: false }),
    threads: Type.Optional(Type.Integer({ minimum: 1, description: "torch CPU threads per process" })),
    cpu: Type.Boolean({ default: false, description: "train on the CPU even when CUDA is present" }),
    systemPrompt: Type.Optional(
      Type.String({ description: "system message added to MathRecord examples (messages lines keep their own)" }),
    ),
  },
  { additionalProperties: false },
);

/** Hyperparameters; see TrainConfigSchema for the defaults and limits. */
export interface TrainConfig {
  loraR: number;
  loraAlpha: number;
  loraDropout: number;
  targetModules: string[];
  useRslora: boolean;
  useDora: boolean;
  batchSize: number;
  microBatchSize?: number;
  learningRate: number;
  epochs: number;
  maxSteps?: number;
  scheduler: "cosine" | "linear" | "constant_with_warmup" | "constant";
  warmupRatio: number;
  warmupSteps?: number;
  weightDecay: number;
  maxGradNorm: number;
  maxSeqLength: number;
  seed: number;
  packing: boolean;
  evalSteps?: number;
  evalAtStart: boolean;
  saveSteps?: number;
  saveTotalLimit: number;
  quantization: "auto" | "4bit" | "none";
  precision: "auto" | "bf16" | "fp16" | "fp32";
  gradientCheckpointing: boolean;
  threads?: number;
  cpu: boolean;
  systemPrompt?: string;
}
/** A training config as written: every key optional. */
export type TrainConfigInput = Partial<TrainConfig>;

/** Validates a partial config and fills in the defaults; throws E_CONFIG_INVALID listing every problem, one a line. */
export function resolveTrainConfig(input: TrainConfigInput = {}): TrainConfig {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return parseOptions(TrainConfigSchema, given, {
    what: "training config",
    code: "E_CONFIG_INVALID",
    hint: "see TrainConfigSchema in @mathtune/train",
  }) as unknown as TrainConfig;
}

/** The config's keys, for splitting driver options from hyperparameters. */
export const TRAIN_CONFIG_KEYS = Object.keys(TrainConfigSchema.properties) as (keyof TrainConfig)[];

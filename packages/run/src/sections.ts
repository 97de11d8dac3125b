/**
 * The recipe sections of `mathtune run`: `model`, `train`, `deploy` and `eval`. The build's recipe
 * schema accepts them as open objects and ignores them; here each is checked against its own
 * schema before any stage runs, and a problem names the recipe's file:line. The keys are the
 * library options of @mathtune/train, @mathtune/deploy and @mathtune/eval, which the CLI verbs'
 * flags spell in kebab case (`learningRate` is `--learning-rate`).
 */
import { parseOptions, type Static, Type } from "@mathtune/core";
import type { LoadedRecipe } from "@mathtune/dataset";
import { QUANT_TYPES } from "@mathtune/deploy";
import { TrainConfigSchema, type TrainConfigInput } from "@mathtune/train";

/** The recipe's `deploy` section: the options of the tuned model's deploy (and the base model's conversion). */
export const RunDeploySchema = Type.Object(
  {
    quant: Type.Array(Type.Union(QUANT_TYPES.map((q) => Type.Literal(q))), {
      default: ["q4_k_m"],
      description: "quantized GGUF types (q4_k_m, q5_k_m, q6_k, q8_0, q4_0); [] converts only",
    }),
    outtype: Type.Union([Type.Literal("f16"), Type.Literal("bf16"), Type.Literal("f32")], {
      default: "f16",
      description: "the unquantized GGUF type; the base model is evaluated in it",
    }),
    ollama: Type.Boolean({
      default: true,
      description: "create an Ollama model from the first quant type when a server answers at `host`",
    }),
    name: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: "^[a-z0-9][a-z0-9._:-]*$",
        description: "the Ollama model's name (default: the recipe's name, lower case)",
      }),
    ),
    host: Type.Optional(
      Type.String({ minLength: 1, description: "Ollama server (default $OLLAMA_HOST or 127.0.0.1:11434)" }),
    ),
    system: Type.Optional(Type.String({ description: "SYSTEM prompt of the Modelfile" })),
    numCtx: Type.Optional(Type.Integer({ minimum: 128 })),
    threads: Type.Optional(Type.Integer({ minimum: 1 })),
    preTokenizer: Type.Optional(
      Type.String({ minLength: 1, description: "llama.cpp pre-tokenizer name for a retrained BPE tokenizer (qwen2)" }),
    ),
    smoke: Type.Boolean({
      default: true,
      description: "smoke-test each GGUF of the tuned model (it must end its turn with a stated answer)",
    }),
  },
  { additionalProperties: false, default: {} },
);

/** The recipe's `eval` section: the options of every evaluation, base and tuned. */
export const RunEvalSchema = Type.Object(
  {
    split: Type.String({ minLength: 1, default: "test", description: "the build's split evaluated" }),
    perCategory: Type.Optional(Type.Integer({ minimum: 1, description: "at most N problems per category (seeded)" })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, description: "at most N problems, spread over the categories (seeded)" }),
    ),
    maxTokens: Type.Integer({ minimum: 1, default: 512 }),
    temperature: Type.Number({ minimum: 0, default: 0 }),
    seed: Type.Integer({ minimum: 0, default: 0 }),
    parallel: Type.Integer({
      minimum: 1,
      default: 4,
      description: "prompts decoded at the same time, each in its own llama.cpp context",
    }),
    threads: Type.Optional(Type.Integer({ minimum: 1 })),
    contextSize: Type.Optional(Type.Integer({ minimum: 128 })),
    system: Type.Optional(Type.String({ description: "a system prompt instead of the build's" })),
    sideBySide: Type.Boolean({
      default: false,
      description:
        "evaluate the tuned model's GGUF types at the same time (each with `threads` threads; unset, the cores shared out among them): on a CPU, one thread each uses the cores better than taking turns",
    }),
    types: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: "the tuned model's GGUF types evaluated (default: the unquantized one and every quant type)",
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** A checked `deploy` section, defaults applied. */
export type RunDeploy = Static<typeof RunDeploySchema>;
/** A checked `eval` section, defaults applied. */
export type RunEval = Static<typeof RunEvalSchema>;

/** The four run sections of a recipe, checked. */
export interface RunSections {
  /** The base model as the recipe (or --model) names it. */
  model: string | undefined;
  /** The training options as written (train() fills in its defaults). */
  train: TrainConfigInput;
  deploy: RunDeploy;
  eval: RunEval;
}

const RunSectionsSchema = Type.Object({ train: TrainConfigSchema, deploy: RunDeploySchema, eval: RunEvalSchema });

/**
 * Checks the run sections of a loaded recipe; every problem on a line of its own, with file:line
 * (E_CONFIG_INVALID: they are part of a config the user wrote). Defaults are applied to copies
 * (deploy, eval); `train` is returned as written (train() fills in its own defaults).
 */
export function parseRunSections(loaded: LoadedRecipe, overrides: { model?: string } = {}): RunSections {
  const r = loaded.recipe as LoadedRecipe["recipe"] & {
    model?: string;
    train?: unknown;
    deploy?: unknown;
    eval?: unknown;
  };
  const checked = parseOptions(
    RunSectionsSchema,
    { train: r.train ?? {}, deploy: r.deploy ?? {}, eval: r.eval ?? {} },
    {
      what: `the run sections of ${loaded.file ?? "the recipe"}`,
      code: "E_CONFIG_INVALID",
      ...(loaded.locate ? { locate: loaded.locate } : {}),
      hint: "see the recipe's train, deploy and eval sections in @mathtune/run's README",
    },
  );
  return {
    model: overrides.model ?? r.model,
    train: structuredClone(r.train ?? {}) as TrainConfigInput,
    deploy: checked.deploy,
    eval: checked.eval,
  };
}

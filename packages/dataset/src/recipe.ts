import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Locator, MathtuneError, type Static, Type, parseOptions } from "@mathtune/core";
import { SplitOptionsSchema, splitFractionsProblem } from "@mathtune/split";
import { LineCounter, type Node as YamlNode, isMap, isScalar, isSeq, parseDocument } from "yaml";

export const SourceSchema = Type.Object(
  {
    adapter: Type.String({
      minLength: 1,
      description: "a built-in adapter name, a package name or a path to a module exporting an adapter",
    }),
    name: Type.Optional(
      Type.String({ minLength: 1, description: "label in summaries and the manifest (default: the adapter name)" }),
    ),
    options: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description: "the adapter's options; paths are relative to the recipe",
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: "stop after this many records from this source" })),
    allowEmpty: Type.Optional(
      Type.Boolean({
        description: "build even when this source yields no record at all (default: fail with E_SOURCE_EMPTY)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The recipe's `split` section: the options of @mathtune/split's planner. */
export const SplitSchema = SplitOptionsSchema;

export const OutputSchema = Type.Object(
  {
    formats: Type.Array(Type.String({ minLength: 1 }), {
      default: ["record"],
      minItems: 1,
      description:
        "record (MathRecord lines), or an instruction format: alpaca, sharegpt, messages, text, prompt-completion",
    }),
    files: Type.Array(Type.Union([Type.Literal("jsonl"), Type.Literal("parquet"), Type.Literal("arrow")]), {
      default: ["jsonl"],
      minItems: 1,
    }),
    formatOptions: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false, default: {} },
);

export const EvalSetSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "e.g. gsm8k-test, math-test, math-500, heldout" }),
    adapter: Type.String({ minLength: 1, description: "the adapter that reads it (any the sources may use)" }),
    options: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const ChecksSchema = Type.Object(
  {
    answer: Type.Object(
      {
        require: Type.Boolean({
          default: true,
          description: "quarantine records without a final answer (E_NO_ANSWER)",
        }),
        readable: Type.Union([Type.Literal("off"), Type.Literal("flag"), Type.Literal("reject")], {
          default: "flag",
          description: "the grader must read the answer back from the training output (E_ANSWER_UNREADABLE)",
        }),
        agree: Type.Union([Type.Literal("off"), Type.Literal("flag"), Type.Literal("reject")], {
          default: "flag",
          description: "the solution's own final answer must agree with the label (E_ANSWER_DISAGREES)",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    latex: Type.Optional(
      Type.Union([Type.Boolean(), Type.Record(Type.String(), Type.Unknown())], {
        description:
          "LaTeX validation with KaTeX: true, or the options of @mathtune/latex's stage (policy per source, dollars, beyondKatex, ...)",
      }),
    ),
    dedup: Type.Optional(
      Type.Union([Type.Boolean(), Type.Record(Type.String(), Type.Unknown())], {
        description:
          "exact and near dedup: true, or the options of @mathtune/split's dedup stage (threshold, ngram, ...)",
      }),
    ),
    decontaminate: Type.Optional(
      Type.Object(
        {
          sets: Type.Array(EvalSetSchema, { minItems: 1, description: "evaluation sets to keep out of the data" }),
          options: Type.Record(Type.String(), Type.Unknown(), {
            default: {},
            description: "n (13), fields, ... of @mathtune/split",
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** The JSON Schema (TypeBox) of a recipe; `recipe.schema.json` is made from it. */
export const RecipeSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1, pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", default: "dataset" }),
    description: Type.Optional(Type.String()),
    seed: Type.Integer({ minimum: 0, default: 42 }),
    sources: Type.Array(SourceSchema, { minItems: 1 }),
    checks: ChecksSchema,
    split: SplitSchema,
    output: OutputSchema,
    // The sections of `mathtune run`: the build ignores them; @mathtune/run checks each against its
    // own schema (RunSectionsSchema) before any stage runs, with the recipe's file:line.
    model: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "mathtune run: the base model (a name `mathtune model list` shows, a local folder, or a Hugging Face id)",
      }),
    ),
    train: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "mathtune run: the training options (the keys of @mathtune/train's TrainConfigSchema, the flags of `mathtune train`)",
      }),
    ),
    deploy: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "mathtune run: quant, outtype, name, host, system, numCtx, threads (as `mathtune deploy`)",
      }),
    ),
    eval: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "mathtune run: split, perCategory, limit, maxTokens, parallel, threads, ... (as `mathtune eval`)",
      }),
    ),
  },
  { $id: "https://mathtune.dev/schemas/recipe.json", additionalProperties: false },
);

/** A recipe with its defaults filled in. */
export type Recipe = Static<typeof RecipeSchema>;

type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A recipe as written: only `sources` (each with its `adapter`) is required; the rest has defaults. */
export type RecipeInput = DeepPartial<Omit<Recipe, "sources">> & {
  sources: readonly (Partial<Omit<RecipeSource, "options">> & { adapter: string; options?: Record<string, unknown> })[];
};
/** One source of a recipe: an adapter and its options. */
export type RecipeSource = Static<typeof SourceSchema>;

/** The sections of a recipe that shape the dataset: all but those only `mathtune run` reads. */
export type DatasetRecipe = Omit<Recipe, "model" | "train" | "deploy" | "eval">;

/** A recipe without the sections only `mathtune run` reads. */
export function datasetPart<T extends object>(recipe: T): Omit<T, "model" | "train" | "deploy" | "eval"> {
  const {
    model: _m,
    train: _t,
    deploy: _d,
    eval: _e,
    ...rest
  } = recipe as T & { model?: unknown; train?: unknown; deploy?: unknown; eval?: unknown };
  return rest;
}
export { type SplitName, SPLITS } from "@mathtune/split";

/** Finds the line of a JSON pointer (`/sources/0/colour`) in a recipe's text; undefined where it is not there. */
export type RecipeLocator = Locator;

/**
 * A locator for a recipe file's text, YAML or JSON (JSON is read as YAML for its positions). A
 * pointer that goes past what the file holds gets the line of its deepest part that is there.
 */
export function recipeLocator(text: string, file: string): RecipeLocator {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return (pointer) => {
    let node: unknown = doc.contents;
    let at: YamlNode | undefined = isMap(node) || isSeq(node) || isScalar(node) ? (node as YamlNode) : undefined;
    for (const raw of pointer.split("/").slice(1)) {
      const seg = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
        if (!pair) break;
        at = (isScalar(pair.key) ? pair.key : at) as YamlNode | undefined;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined) break;
        node = item;
        at = item as YamlNode;
      } else break;
    }
    const offset = at?.range?.[0];
    return offset === undefined ? { file } : { file, line: lc.linePos(offset).line };
  };
}

/**
 * Validates a recipe object (defaults applied to a copy); every problem reported on a line of its
 * own as `path: message`, prefixed with `file:line:` when `locate` is given. E_CONFIG_INVALID.
 */
export function parseRecipe(value: unknown, where = "recipe", locate?: RecipeLocator): Recipe {
  // E_CONFIG_INVALID: a mistake in what the user asked for, exit code 2 in the CLI.
  return parseOptions(RecipeSchema, value, {
    what: where === "recipe" ? "recipe" : `recipe ${where}`,
    code: "E_CONFIG_INVALID",
    ...(locate ? { locate } : {}),
    check: (copy) =>
      [splitFractionsProblem((copy as { split?: unknown } | null)?.split)].filter((p): p is string => p !== undefined),
    hint: "see the recipe format in the README",
  }) as Recipe;
}

/** A recipe with its defaults filled in, and where its relative paths are read from. */
export interface LoadedRecipe {
  recipe: Recipe;
  /** The folder relative source paths are read from. */
  baseDir: string;
  /** The file, when it came from one. */
  file?: string;
  /** Finds the line of a JSON pointer in the file, for errors found after loading (adapters, options). */
  locate?: RecipeLocator;
}

/** Reads a JSON or YAML recipe file. Syntax errors name file:line. */
export async function loadRecipe(file: string): Promise<LoadedRecipe> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new MathtuneError(
      "E_INPUT_NOT_FOUND",
      `cannot read recipe ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        cause: e,
        // A recipe that is not there is a mistake on the command line: exit code 2 in the CLI.
        details: { exitCode: 2 },
        hint: "pass the path of a .json or .yaml recipe, or none for the default",
      },
    );
  }
  let value: unknown;
  if (/\.json$/i.test(path)) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      // Node 20's JSON.parse does not always give a position; YAML's parser (JSON is YAML) does.
      const m = /position (\d+)/.exec((e as Error).message);
      const line = m
        ? text.slice(0, Number(m[1])).split("\n").length
        : parseDocument(text, { prettyErrors: true }).errors[0]?.linePos?.[0].line;
      throw new MathtuneError("E_CONFIG_INVALID", `recipe is not valid JSON: ${(e as Error).message}`, {
        location: { file: path, ...(line ? { line } : {}) },
        cause: e,
      });
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length) {
      const err = doc.errors[0]!;
      throw new MathtuneError("E_CONFIG_INVALID", `recipe is not valid YAML: ${err.message.split("\n")[0]}`, {
        location: { file: path, ...(err.linePos?.[0] ? { line: err.linePos[0].line } : {}) },
      });
    }
    try {
      // maxAliasCount: a YAML alias bomb (aliases of aliases, a billion nodes) is refused, not expanded.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new MathtuneError("E_CONFIG_INVALID", `recipe is not usable YAML: ${(e as Error).message}`, {
        location: { file: path },
        cause: e,
        hint: "a recipe needs no YAML aliases; write the values out",
      });
    }
  }
  const locate = recipeLocator(text, path);
  return { recipe: parseRecipe(value, path, locate), baseDir: dirname(path), file: path, locate };
}

/** Removes properties that have a default from `required`, everywhere: a recipe may leave them out. */
function defaultedOptional(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(defaultedOptional);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "default" || k === "const" ? v : defaultedOptional(v);
  const props = out.properties as Record<string, { default?: unknown }> | undefined;
  if (props && Array.isArray(out.required)) {
    const required = (out.required as string[]).filter((k) => props[k]?.default === undefined);
    if (required.length) out.required = required;
    else delete out.required;
  }
  return out;
}

/**
 * The published JSON Schema of recipes (draft-07, as in recipe.schema.json and `mathtune schema`):
 * what a recipe file may hold, so fields with defaults are optional. Editors complete recipes that
 * name it in `$schema`.
 */
export function recipeJsonSchema(): Record<string, unknown> {
  const schema = defaultedOptional(JSON.parse(JSON.stringify(RecipeSchema))) as Record<string, unknown>;
  return { $schema: "http://json-schema.org/draft-07/schema#", ...schema, title: "mathtune recipe" };
}

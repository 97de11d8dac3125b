import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Adapter,
  AtomicDir,
  type MathRecord,
  MathtuneError,
  type ParseOptionsSettings,
  type Stage,
  isMathtuneError,
  optionsError,
  stableStringify,
} from "@mathtune/core";
import { isAdapterName } from "@mathtune/loaders";
import { resolveAdapter } from "../adapters.js";
import { type LoadedRecipe, type Recipe, loadRecipe, parseRecipe } from "../recipe.js";
import { defaultLoadWorkerUrl } from "../source-reader.js";
import type { BuildOptions } from "../types.js";
import type { Formatter } from "./route.js";

/** The recipe of a build's options, loaded (a file) or parsed (an object), with its folder. */
export async function resolveLoaded(opts: BuildOptions): Promise<LoadedRecipe> {
  if (typeof opts.recipe === "string") return loadRecipe(opts.recipe);
  if ("recipe" in opts.recipe && "baseDir" in opts.recipe) return opts.recipe as LoadedRecipe;
  return { recipe: parseRecipe(opts.recipe), baseDir: resolve(opts.baseDir ?? process.cwd()) };
}

/** How parseOptions places a part of the recipe: E_CONFIG_INVALID, problems under `at`, with the file's lines. */
function inRecipe(at: string, loaded: LoadedRecipe): ParseOptionsSettings {
  return {
    what: loaded.file ? `recipe ${loaded.file}` : "recipe",
    code: "E_CONFIG_INVALID",
    at,
    ...(loaded.locate ? { locate: loaded.locate } : {}),
  };
}

/**
 * E_CONFIG_INVALID for options that a part of the recipe refused (a stage's, a formatter's): its
 * problems, each under the part's path and at its file:line, as parseOptions reports the recipe's own.
 */
function configError(at: string, e: unknown, loaded: LoadedRecipe): MathtuneError {
  const problems =
    isMathtuneError(e) && Array.isArray(e.details?.problems)
      ? (e.details.problems as string[])
      : [isMathtuneError(e) ? e.reason : (e as Error).message];
  return optionsError(problems, inRecipe(at, loaded), e);
}

/**
 * An adapter's options from the recipe, validated by the adapter as a part of the recipe. An adapter
 * built with another copy of @mathtune/core may not take the recipe's place: its E_OPTIONS_INVALID is
 * placed here.
 */
function adapterOptions(adapter: Adapter, options: unknown, at: string, loaded: LoadedRecipe): Record<string, unknown> {
  try {
    return adapter.parseOptions(options, inRecipe(at, loaded)) as Record<string, unknown>;
  } catch (e) {
    throw isMathtuneError(e, "E_OPTIONS_INVALID") ? configError(at, e, loaded) : e;
  }
}

/** The recipe's checks as stages, with what they add to the output folder and the card. */
export interface Checks {
  stages: Stage[];
  /** Extra files for the output folder (e.g. the contamination report). */
  reports: (() => Record<string, string>)[];
  /** Extra sections for the dataset card. */
  card: (() => string)[];
}

async function recipeChecks(recipe: Recipe, loaded: LoadedRecipe, signal: AbortSignal | undefined): Promise<Checks> {
  const { baseDir } = loaded;
  const checks: Checks = { stages: [], reports: [], card: [] };
  const { latex, dedup, decontaminate } = recipe.checks;
  // The answer checks are @mathtune/answer's stage; `readable` reads the answer back from the
  // training output exactly as @mathtune/format renders it.
  const { createAnswerStage } = await import("@mathtune/answer");
  const readable = recipe.checks.answer.readable !== "off" ? await import("@mathtune/format") : undefined;
  checks.stages.push(
    createAnswerStage({
      ...recipe.checks.answer,
      ...(readable ? { output: (r: MathRecord) => readable.solutionOutput(r).output } : {}),
    }),
  );
  if (latex !== undefined && latex !== false) {
    const mod = await import("@mathtune/latex");
    let stage: ReturnType<typeof mod.createLatexStage>;
    try {
      stage = mod.createLatexStage(latex === true ? {} : latex);
    } catch (e) {
      throw configError("/checks/latex", e, loaded);
    }
    checks.stages.push(stage);
    checks.card.push(() => `### LaTeX findings\n\n${mod.formatLatexSummary(stage.summary())}\n`);
  }
  if (decontaminate) {
    const split = await import("@mathtune/split");
    const sets = [];
    for (const [i, set] of decontaminate.sets.entries()) {
      const adapter = await resolveAdapter(
        set.adapter,
        baseDir,
        loaded.locate?.(`/checks/decontaminate/sets/${i}/adapter`),
      );
      const options = adapterOptions(adapter, set.options, `/checks/decontaminate/sets/${i}/options`, loaded);
      const limit = set.limit;
      sets.push({
        name: set.name,
        records: (async function* () {
          let n = 0;
          // No reject callback: a bad line in an evaluation set stops the build (naming file and line),
          // since a half-read evaluation set would make the check quietly weaker.
          for await (const r of adapter.load(options, { baseDir, ...(signal ? { signal } : {}) })) {
            if (limit !== undefined && n++ >= limit) break;
            yield r;
          }
        })(),
      });
    }
    let stage: Awaited<ReturnType<typeof split.createDecontaminationStage>>;
    try {
      stage = await split.createDecontaminationStage(decontaminate.options, sets, signal ? { signal } : {});
    } catch (e) {
      throw isMathtuneError(e) && e.code !== "E_CONFIG_INVALID" && e.code !== "E_OPTIONS_INVALID"
        ? e
        : configError("/checks/decontaminate/options", e, loaded);
    }
    checks.stages.push(stage);
    checks.reports.push(() => ({ "contamination.json": `${stableStringify(stage.report(), 2)}\n` }));
  }
  if (dedup !== undefined && dedup !== false) {
    const split = await import("@mathtune/split");
    try {
      checks.stages.push(split.createDedupStage(dedup === true ? {} : dedup));
    } catch (e) {
      throw configError("/checks/dedup", e, loaded);
    }
  }
  return checks;
}

async function createFormatters(recipe: Recipe, loaded: LoadedRecipe): Promise<Formatter[]> {
  const formatters: Formatter[] = [];
  for (const name of recipe.output.formats) {
    if (name === "record") {
      formatters.push({ name, format: (r) => r as unknown as Record<string, unknown> });
      continue;
    }
    const fmt = await import("@mathtune/format");
    try {
      const f = await fmt.createFormatter(
        { ...recipe.output.formatOptions, format: name },
        { baseDir: loaded.baseDir },
      );
      formatters.push({ name, format: (r) => f.formatRecord(r) as unknown as Record<string, unknown> });
    } catch (e) {
      throw isMathtuneError(e) && e.code !== "E_OPTIONS_INVALID" ? e : configError("/output/formatOptions", e, loaded);
    }
  }
  if (new Set(recipe.output.formats).size !== recipe.output.formats.length)
    throw new MathtuneError("E_CONFIG_INVALID", "/output/formats: a format is listed twice");
  return formatters;
}

/**
 * Checks the recipe before anything is read: every source's options (the built-in adapters' first),
 * the formats, then the module adapters' options (so that a module adapter, whose import runs its
 * code, is imported only for a recipe that is otherwise valid, and never with `allowCode: false`),
 * then the checks. Rewrites each source's options to the parsed ones.
 */
export async function prepareRecipe(
  recipe: Recipe,
  loaded: LoadedRecipe,
  allowCode: boolean,
  signal: AbortSignal | undefined,
): Promise<{ adapters: Adapter[]; formatters: Formatter[]; checks: Checks }> {
  const adapters: Adapter[] = [];
  const parseSource = (i: number, a: Adapter) => {
    const s = recipe.sources[i]!;
    s.options = adapterOptions(a, s.options, `/sources/${i}/options`, loaded);
    adapters[i] = a;
  };
  const modules: number[] = [];
  for (const [i, s] of recipe.sources.entries()) {
    if (isAdapterName(s.adapter))
      parseSource(i, await resolveAdapter(s.adapter, loaded.baseDir, loaded.locate?.(`/sources/${i}/adapter`)));
    else modules.push(i);
  }
  const specs = [
    ...modules.map((i) => recipe.sources[i]!.adapter),
    ...(recipe.checks.decontaminate?.sets ?? []).map((s) => s.adapter).filter((a) => !isAdapterName(a)),
  ];
  if (!allowCode && specs.length) await resolveAdapter(specs[0]!, loaded.baseDir, undefined, { allowCode });
  // Formats are checked before anything is read, like the adapters' options.
  const formatters = await createFormatters(recipe, loaded);
  for (const i of modules)
    parseSource(
      i,
      await resolveAdapter(recipe.sources[i]!.adapter, loaded.baseDir, loaded.locate?.(`/sources/${i}/adapter`), {
        allowCode,
      }),
    );
  const checks = await recipeChecks(recipe, loaded, signal);
  return { adapters, formatters, checks };
}

/**
 * The source reader's worker script (`opts.loadWorkerUrl` relative to `base`), checked: undefined
 * when there is none (reading in this thread).
 */
export function loadWorkerUrl(opts: BuildOptions, base: string): URL | undefined {
  const workerUrl =
    opts.loadWorkerUrl !== undefined ? new URL(String(opts.loadWorkerUrl), base) : defaultLoadWorkerUrl();
  if (workerUrl?.protocol === "file:" && !existsSync(fileURLToPath(workerUrl))) {
    throw new MathtuneError("E_CONFIG_INVALID", `loadWorkerUrl: no worker script at ${fileURLToPath(workerUrl)}`);
  }
  if (opts.readInWorker === true && !workerUrl) {
    throw new MathtuneError("E_CONFIG_INVALID", "readInWorker: the worker script load-worker.js is missing", {
      hint: "build @mathtune/dataset, or leave readInWorker unset",
    });
  }
  return workerUrl;
}

/** The path a source or evaluation set reads (`options.path`, resolved against the recipe's folder). */
export function inputPath(options: unknown, baseDir: string): string | undefined {
  const p = (options as { path?: unknown } | undefined)?.path;
  return typeof p === "string" ? (isAbsolute(p) ? p : resolve(baseDir, p)) : undefined;
}

/**
 * The build's output folder, locked and empty (written atomically: `commit` renames it into place).
 * Everything the build reads must survive it: the recipe, every source and evaluation set.
 */
export async function openOutput(
  opts: BuildOptions,
  recipe: Recipe,
  loaded: LoadedRecipe,
): Promise<{ out: string; dir: AtomicDir }> {
  if (typeof opts.out !== "string" || opts.out.trim() === "")
    throw new MathtuneError("E_OUTPUT_UNSAFE", "the output path is empty", {
      hint: "pass a folder, e.g. --out datasets/out/my-set",
    });
  const out = resolve(opts.out);
  const protect: string[] = [];
  if (loaded.file) protect.push(loaded.file);
  for (const s of [...recipe.sources, ...(recipe.checks.decontaminate?.sets ?? [])]) {
    const p = (s.options as { path?: unknown } | undefined)?.path;
    if (typeof p === "string" && p) protect.push(isAbsolute(p) ? p : resolve(loaded.baseDir, p));
  }
  const dir = await AtomicDir.create(out, {
    kind: "build",
    marker: false,
    force: opts.force ?? false,
    protect,
    ...(opts.lockWaitMs !== undefined ? { waitMs: opts.lockWaitMs } : {}),
  });
  return { out, dir };
}

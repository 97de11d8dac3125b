import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDatasetIter, type BuildResult } from "@mathtune/dataset";
import { MathtuneError } from "@mathtune/core";
import { defineCommand } from "citty";
import { jsonReporter, summaryTable, terminalReporter } from "../progress.js";
import { eventsAsJson, JSON_FLAG, writeResult } from "../output.js";
import { withSignals } from "../signals.js";

/** The embedded default recipe: shipped in dist/datasets/default (copied from the repository's datasets/default). */
export function defaultRecipePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, "datasets/default/recipe.yaml"),
    join(here, "../datasets/default/recipe.yaml"),
    join(here, "../../../../datasets/default/recipe.yaml"),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new MathtuneError("E_INPUT_NOT_FOUND", "the embedded default recipe is missing from this installation", {
    hint: "reinstall mathtune, or pass a recipe",
  });
}

export default defineCommand({
  meta: { name: "build", description: "Build a math instruction dataset from a recipe (default: the embedded one)" },
  args: {
    recipe: {
      type: "positional",
      required: false,
      description: "recipe file (.yaml, .yml or .json); none for the embedded default",
    },
    out: { type: "string", alias: "o", description: "output folder (default: datasets/out/<recipe name>)" },
    seed: { type: "string", description: "seed for the split and the generators (overrides the recipe's)" },
    json: JSON_FLAG,
    code: {
      type: "boolean",
      description:
        "allow module adapters (a recipe is code, like a Makefile); --no-code refuses them, for recipes you do not trust",
      default: true,
    },
    force: {
      type: "boolean",
      description:
        "replace an existing --out folder that mathtune did not write (never the current folder, an ancestor, or one holding the recipe or an input)",
      default: false,
    },
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    const recipePath = args.recipe ? resolve(args.recipe) : defaultRecipePath();
    let seed: number | undefined;
    if (args.seed !== undefined) {
      seed = Number(args.seed);
      if (!/^\d+$/.test(String(args.seed)) || !Number.isSafeInteger(seed))
        throw new MathtuneError("E_USAGE", `--seed must be a non-negative integer (got '${args.seed}')`);
    }
    const { loadRecipe } = await import("@mathtune/dataset");
    const loaded = await loadRecipe(recipePath);
    // An empty --out is refused by the build (resolve("") would be the current folder).
    const out =
      args.out === undefined
        ? resolve(join("datasets", "out", loaded.recipe.name))
        : args.out.trim() === ""
          ? ""
          : resolve(args.out);
    const reporter = json ? jsonReporter(process.stderr) : terminalReporter(process.stderr);
    let result: BuildResult | undefined;
    await withSignals(
      async (signal) => {
        try {
          for await (const ev of buildDatasetIter({
            recipe: loaded,
            out,
            force: Boolean(args.force),
            allowCode: args.code !== false,
            ...(seed !== undefined ? { seed } : {}),
            signal,
          })) {
            reporter.onEvent(ev);
            if (ev.type === "done") result = ev.result;
          }
        } finally {
          reporter.close();
        }
      },
      { json },
    );
    if (result) {
      const r = result;
      const files = [...r.outputs.map((o) => o.file), "manifest.json", "README.md"];
      writeResult(
        args.json,
        { type: "result", out: r.out, files, counts: r.counts, outputs: r.outputs, elapsedMs: r.elapsedMs },
        () => `\n${summaryTable(r)}\nwrote ${r.out} (${files.join(", ")}) in ${(r.elapsedMs / 1000).toFixed(1)}s\n`,
      );
    }
  },
});

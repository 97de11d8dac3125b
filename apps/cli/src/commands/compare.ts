import { resolve } from "node:path";
import { MathtuneError } from "@mathtune/core";
import type { GradeMode } from "@mathtune/eval";
// eval's Comparison must stay readable as the report's ComparisonLike (a type check of the format).
import type { ComparisonLike } from "@mathtune/report";
import { defineCommand } from "citty";
import { eventsAsJson, JSON_FLAG, writeResult } from "../output.js";

export default defineCommand({
  meta: {
    name: "compare",
    description:
      "Compare two evaluations of the same test set: accuracy per category, difference, exact McNemar p-values, fixed and broken problems",
  },
  args: {
    a: { type: "positional", required: true, description: "run folder of the baseline (e.g. the base model)" },
    b: { type: "positional", required: true, description: "run folder compared with it (e.g. the tuned model)" },
    out: {
      type: "string",
      alias: "o",
      description:
        "folder for comparison.md, comparison.json and the run report report.html (default: the current folder)",
    },
    mode: { type: "string", description: "strict | flexible grading (default flexible)" },
    examples: { type: "string", description: "fixed and broken examples shown (5)" },
    json: JSON_FLAG,
  },
  async run({ args }) {
    eventsAsJson(args.json);
    if (args.mode !== undefined && args.mode !== "strict" && args.mode !== "flexible")
      throw new MathtuneError("E_CONFIG_INVALID", `--mode must be strict or flexible (got '${args.mode}')`);
    const examples = args.examples === undefined ? undefined : Number(args.examples);
    if (examples !== undefined && !(Number.isInteger(examples) && examples >= 0))
      throw new MathtuneError("E_CONFIG_INVALID", `--examples must be a non-negative integer (got '${args.examples}')`);
    const { compareRuns, comparisonMarkdown } = await import("@mathtune/eval");
    const out = resolve(args.out ?? ".");
    const c = await compareRuns({
      a: args.a,
      b: args.b,
      out,
      ...(args.mode ? { mode: args.mode as GradeMode } : {}),
      ...(examples !== undefined ? { examples } : {}),
    });
    // The run report of the --out folder: the comparison, and the evaluations when they lie inside it.
    const { writeRunReport } = await import("@mathtune/report");
    await writeRunReport(out);
    writeResult(
      args.json,
      c satisfies ComparisonLike,
      () => `${comparisonMarkdown(c)}\nwrote ${resolve(out, "comparison.md")}, comparison.json and report.html\n`,
    );
  },
});

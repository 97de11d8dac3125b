import { resolve } from "node:path";
import type { RunEvent, RunResult } from "@mathtune/run";
import { createProgressReporter } from "@mathtune/train";
import { defineCommand } from "citty";
import { defaultRecipePath } from "./build.js";
import { eventsAsJson, JSON_FLAG, writeEvent, writeResult } from "../output.js";
import { withSignals } from "../signals.js";
import { printLogTail } from "./train.js";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Stage lines and each stage's progress on a terminal; one JSON event a line on stderr otherwise. */
function reporter(json: boolean): { onEvent: (e: RunEvent) => void; done: () => void } {
  const err = process.stderr;
  const train = createProgressReporter({ json: false, stream: err });
  let bar = false;
  const line = (s: string) => {
    err.write(`${bar ? "\r\x1b[K" : ""}${s}\n`);
    bar = false;
  };
  return {
    onEvent(e) {
      if (json) {
        writeEvent(
          e.type === "stage-event" && e.event.type === "done" && "result" in e.event
            ? { type: "stage-event", stage: e.stage, event: { type: "done" } }
            : e,
        );
        return;
      }
      if (e.type === "stage-skip") line(`${e.stage}: unchanged, skipped`);
      else if (e.type === "stage-start") line(`${e.stage}: running (${e.reason})`);
      else if (e.type === "stage-done") line(`${e.stage}: done in ${e.seconds.toFixed(1)} s`);
      else if (e.stage === "train" || e.stage === "merge")
        train.onEvent(e.event as Parameters<typeof train.onEvent>[0]);
      else {
        const ev = e.event as { type: string; [k: string]: unknown };
        if (ev.type === "note" || ev.type === "stage") line(`  ${e.stage}: ${String(ev.message)}`);
        else if (ev.type === "prediction") {
          const eta = typeof ev.etaSeconds === "number" ? `${Math.round(ev.etaSeconds)} s` : "--";
          err.write(`\r\x1b[K  ${e.stage}: ${ev.done}/${ev.total}  accuracy ${pct(ev.accuracy as number)}  ETA ${eta}`);
          bar = true;
        } else if (ev.type === "start" && e.stage.startsWith("eval"))
          line(
            `  ${e.stage}: ${String(ev.model)} on ${ev.total} problems${ev.done ? ` (${ev.done} done, resuming)` : ""}`,
          );
      }
    },
    done() {
      train.done();
      if (bar) err.write("\n");
      bar = false;
    },
  };
}

function summary(r: RunResult): string {
  const rows = [...r.comparison.byCategory, r.comparison.overall].map(
    (x) =>
      `  ${x.group.padEnd(16)} ${pct(x.a.accuracy).padStart(7)} -> ${pct(x.b.accuracy).padStart(7)}  ${(x.difference >= 0 ? "+" : "") + (100 * x.difference).toFixed(1)} pts  McNemar p=${x.pValue.toPrecision(2)}  (n=${x.n})`,
  );
  const quant = r.quantComparisons.map(
    (c) =>
      `  ${c.labels.join(" -> ")}: ${pct(c.overall.a.accuracy)} -> ${pct(c.overall.b.accuracy)} (p=${c.overall.pValue.toPrecision(2)})`,
  );
  const ran = r.stages.filter((s) => !s.skipped).map((s) => s.stage);
  return [
    `run folder: ${r.out} (${ran.length ? `ran ${ran.join(", ")}` : "every stage unchanged"}; ${r.seconds.toFixed(0)} s)`,
    `accuracy, base -> tuned (${r.comparison.mode}):`,
    ...rows,
    ...(quant.length ? ["quantization:", ...quant] : []),
    ...(r.ollama
      ? ["name" in r.ollama ? `ollama: ${r.ollama.name} at ${r.ollama.host}` : `ollama: skipped: ${r.ollama.skipped}`]
      : []),
    `report: ${r.report}`,
  ].join("\n");
}

export default defineCommand({
  meta: {
    name: "run",
    description:
      "The whole path from one recipe: build, train, merge, deploy (GGUF, Ollama), evaluate base and tuned, compare, report; a rerun skips unchanged stages",
  },
  args: {
    recipe: {
      type: "positional",
      required: false,
      description:
        "recipe with model, train, deploy and eval sections (default: the embedded dataset recipe, with --model)",
    },
    out: { type: "string", alias: "o", description: "run folder (default: runs/<recipe name>)" },
    model: {
      type: "string",
      description:
        "base model instead of the recipe's `model` (a name `mathtune model list` shows, a local folder, or a Hub id)",
    },
    python: { type: "string", description: "Python interpreter (default: the project's venv)" },
    venv: { type: "string", description: "venv folder" },
    code: { type: "boolean", description: "allow module adapters (--no-code refuses them)", default: true },
    force: {
      type: "boolean",
      description:
        "write into an existing --out folder that mathtune did not write (never the current folder, an ancestor, or one holding an input)",
    },
    json: JSON_FLAG,
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    const { runPipeline } = await import("@mathtune/run");
    const { loadRecipe } = await import("@mathtune/dataset");
    const recipe = args.recipe ? resolve(args.recipe) : defaultRecipePath();
    const out = resolve(args.out ?? `runs/${(await loadRecipe(recipe)).recipe.name}`);
    const rep = reporter(json);
    try {
      const r = await withSignals(
        (signal, killSignal) =>
          runPipeline({
            recipe,
            out,
            ...(args.model ? { model: args.model } : {}),
            ...(args.python ? { python: args.python } : {}),
            ...(args.venv ? { venv: args.venv } : {}),
            ...(args.force ? { force: true } : {}),
            allowCode: args.code !== false,
            signal,
            killSignal,
            onEvent: rep.onEvent,
          }),
        {
          json,
          stopping: "stopping the running stage cleanly; the same command goes on from there",
          child: "the running stage",
        },
      );
      rep.done();
      writeResult(args.json, { type: "result", ...r, metrics: undefined }, () => summary(r));
    } catch (e) {
      rep.done();
      await printLogTail(e);
      throw e;
    }
  },
});

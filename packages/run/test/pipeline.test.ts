// `mathtune run` end to end on the tiny Qwen2 model trained to answer arithmetic in ChatML
// (@mathtune/train's createTinyTrainedModel, cached): a real build, real llama.cpp conversion and
// quantization, real PEFT training and merge, real node-llama-cpp evaluation and a real Ollama
// server started here on a loopback port. Then: every stage skipped on an unchanged rerun, only the
// stages below a changed training option redone, and a canceled run going on from where it stopped.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMathtuneError } from "@mathtune/core";
import { type OllamaServer, startOllama } from "@mathtune/deploy/testing";
import { readLineage, type RunEvent, runPipeline, STAGES } from "@mathtune/run";
import { setup } from "@mathtune/train";
import { createTinyTrainedModel } from "@mathtune/train/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAT_TEMPLATE = fileURLToPath(new URL("../../format/templates/qwen2.5-chatml.jinja", import.meta.url));
const LONG = 1_800_000;
const log = (s: string) => process.stderr.write(`[run test] ${s}\n`);

let work: string;
let model: string;
let server: OllamaServer;

const recipe = (train: Record<string, unknown>, host: string) => `name: tiny-run
seed: 3
sources:
  - adapter: synthetic
    options: { count: 60, seed: 3, langs: [en], categories: [arithmetic, percentage] }
split:
  by: [source, category]
  counts: { validation: 4, test: 6 }
output:
  formats: [record, messages]
model: ${model}
train: ${JSON.stringify({ maxSteps: 2, batchSize: 4, learningRate: 1e-5, maxSeqLength: 256, threads: 1, evalAtStart: false, saveSteps: 1, ...train })}
deploy: { quant: [q8_0], preTokenizer: qwen2, threads: 1, host: "${host}", name: tiny-run-test }
eval: { perCategory: 3, maxTokens: 24, parallel: 2, threads: 1 }
`;

async function go(file: string, out: string, events: RunEvent[] = [], signal?: AbortSignal) {
  return runPipeline({ recipe: file, out, onEvent: (e) => events.push(e), ...(signal ? { signal } : {}) });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "mathtune-run-it-"));
  await setup({ onEvent: (e) => log(`[setup] ${e.type === "pip" ? e.line : e.message}`) });
  model = (await createTinyTrainedModel({ chatTemplate: CHAT_TEMPLATE })).path;
  server = await startOllama();
  log(`model ${model}; ollama at ${server.url}`);
}, LONG);

afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("mathtune run on the tiny model", () => {
  it(
    "runs every stage into one folder with lineage, then skips them all on a rerun and redoes only what a training change touches",
    async () => {
      const file = join(work, "recipe.yaml");
      await writeFile(file, recipe({}, server.url));
      const out = join(work, "run");
      const r = await go(file, out);
      expect(r.stages.map((s) => s.stage)).toEqual([...STAGES]);
      expect(r.stages.every((s) => !s.skipped)).toBe(true);
      for (const p of [
        "data/manifest.json",
        "data/test.jsonl",
        "deploy-base/model.f16.gguf",
        "eval/base/predictions.jsonl",
        "train/adapter/adapter_model.safetensors",
        "merged/config.json",
        "deploy/model.f16.gguf",
        "deploy/model.q8_0.gguf",
        "deploy/Modelfile",
        "eval/tuned-f16/metrics.json",
        "eval/tuned-q8_0/metrics.json",
        "compare/base-vs-tuned/comparison.json",
        "compare/f16-vs-q8_0/comparison.md",
        "report/report.html",
        "recipe.yaml",
      ]) {
        expect(existsSync(join(out, p)), p).toBe(true);
      }
      const lineage = await readLineage(out);
      expect(Object.keys(lineage.stages).sort()).toEqual([...STAGES].sort());
      // The chain: each stage's input hash is the hash its upstream stage recorded for its output.
      expect(lineage.stages.train!.inputs.paths.dataset!.sha256).toBe(lineage.stages.build!.outputs.dataset!.sha256);
      expect(lineage.stages.merge!.inputs.paths.adapter!.sha256).toBe(lineage.stages.train!.outputs.adapter!.sha256);
      expect(lineage.stages.deploy!.inputs.paths.merged!.sha256).toBe(lineage.stages.merge!.outputs.merged!.sha256);
      expect(Object.keys(lineage.stages.deploy!.outputs).sort()).toEqual(["gguf:f16", "gguf:q8_0", "template"]);
      expect(lineage.stages["eval-tuned"]!.inputs.paths["gguf:q8_0"]!.sha256).toBe(
        lineage.stages.deploy!.outputs["gguf:q8_0"]!.sha256,
      );
      // Evaluated on the same 6 test problems, base and tuned, and compared per category.
      expect(r.metrics.base!.overall.flexible.n).toBe(6);
      expect(r.metrics["tuned-q8_0"]!.overall.flexible.n).toBe(6);
      expect(r.comparison.byCategory.map((c) => c.group).sort()).toEqual(["arithmetic", "percentage"]);
      expect(r.quantComparisons[0]!.quantization).toMatchObject({ from: "f16", to: "q8_0" });
      // The Ollama model exists in the real server and answers.
      expect(r.ollama).toMatchObject({ name: "tiny-run-test" });
      const reply = await server.client.chat("tiny-run-test", [{ role: "user", content: "What is 2 + 3?" }], {
        options: { num_predict: 24, num_thread: 1 },
      });
      expect(reply.doneReason).toBe("stop");

      const events: RunEvent[] = [];
      const again = await go(file, out, events);
      expect(again.stages.every((s) => s.skipped)).toBe(true);
      expect(events.filter((e) => e.type === "stage-skip").length).toBe(STAGES.length);
      expect(again.comparison).toEqual(r.comparison);

      // A training option changed: the dataset and the base model's evaluation stand, the rest is redone.
      await writeFile(file, recipe({ learningRate: 2e-5 }, server.url));
      const changed = await go(file, out);
      expect(changed.stages.filter((s) => !s.skipped).map((s) => s.stage)).toEqual([
        "train",
        "merge",
        "deploy",
        "eval-tuned",
        "compare",
        "report",
      ]);
      expect((await readLineage(out)).stages["eval-base"]!.startedAt).toBe(lineage.stages["eval-base"]!.startedAt);
    },
    LONG,
  );

  it(
    "stops cleanly when canceled during evaluation and goes on from there on the next run",
    async () => {
      const file = join(work, "recipe2.yaml");
      await writeFile(file, recipe({}, "http://127.0.0.1:9")); // no server there: the Ollama step is skipped with a note
      const out = join(work, "run2");
      // Cancel at the second prediction of the base evaluation.
      const ac2 = new AbortController();
      const canceled = await runPipeline({
        recipe: file,
        out,
        signal: ac2.signal,
        onEvent: (e) => {
          if (
            e.type === "stage-event" &&
            e.stage === "eval-base" &&
            e.event.type === "prediction" &&
            e.event.done === 2
          )
            ac2.abort(new Error("SIGINT"));
        },
      }).catch((e: unknown) => e);
      expect(isMathtuneError(canceled) && canceled.code).toBe("E_CANCELED");
      const l = await readLineage(out);
      expect(Object.keys(l.stages).sort()).toEqual(["build", "deploy-base"]);
      const kept = (await readFile(join(out, "eval/base/predictions.jsonl"), "utf8")).trim().split("\n").length;
      expect(kept).toBeGreaterThanOrEqual(2);
      const resumed: RunEvent[] = [];
      const r = await go(file, out, resumed);
      const start = resumed.find(
        (e) => e.type === "stage-event" && e.stage === "eval-base" && e.event.type === "start",
      );
      expect(start && start.type === "stage-event" && (start.event as { done?: number }).done).toBeGreaterThanOrEqual(
        2,
      );
      expect(resumed.filter((e) => e.type === "stage-skip").map((e) => (e as { stage: string }).stage)).toEqual([
        "build",
        "deploy-base",
      ]);
      expect(r.ollama).toMatchObject({ skipped: expect.stringContaining("no Ollama server answers") });
      expect(r.metrics.base!.overall.flexible.n).toBe(6);
    },
    LONG,
  );
});

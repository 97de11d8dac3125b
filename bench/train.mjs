// Training throughput on the tiny random Qwen2 model: tokens/s with and without packing over
// GSM8K-length samples, and peak memory. Run after `pnpm build`: node bench/train.mjs
// (sets up the project's venv first if needed; CPU unless CUDA is present).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup, train } from "../packages/train/dist/index.js";
import { createTinyModel } from "../packages/train/dist/testing.js";
import { gsm8kLikeLines } from "./lib/gsm8k-like.mjs";

const N = Number(process.env.BENCH_SAMPLES ?? 64);
const STEPS = Number(process.env.BENCH_STEPS ?? 6);
const root = await mkdtemp(join(tmpdir(), "mathtune-bench-train-"));
const template = new URL("../packages/format/templates/qwen2.5-chatml.jinja", import.meta.url).pathname;

const lines = gsm8kLikeLines(N);
const data = join(root, "data");
await import("node:fs/promises").then((fs) => fs.mkdir(data, { recursive: true }));
await writeFile(join(data, "train.jsonl"), `${lines.join("\n")}\n`);

const env = await setup({ onEvent: (e) => process.stderr.write(`[setup] ${e.type === "pip" ? e.line : e.message}\n`) });
const model = (
  await createTinyModel({ out: join(root, "model"), chatTemplate: template, corpus: join(data, "train.jsonl") })
).path;

const REPS = Number(process.env.BENCH_REPS ?? 3);
// one torch thread by default: steadier figures on a shared machine (BENCH_THREADS to change)
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};

async function once(packing, rep) {
  const rates = [];
  const r = await train({
    data,
    model,
    out: join(root, `run-${packing ? "packed" : "plain"}-${rep}`),
    packing,
    threads: THREADS,
    maxSeqLength: 1024,
    batchSize: 8,
    maxSteps: STEPS,
    evalAtStart: false,
    saveSteps: 10_000,
    onEvent: (e) => {
      if (e.type === "progress" && e.phase === "train" && e.step > 1) rates.push(e.tokensPerSecond);
    },
  });
  return { rates, result: r };
}

// Interleaved repetitions, per-step rates pooled, median reported: the machine may be shared.
const runs = { false: [], true: [] };
for (let rep = 0; rep < REPS; rep++) for (const packing of [false, true]) runs[packing].push(await once(packing, rep));
console.log(
  `train (tiny Qwen2, ${N} GSM8K-length samples, batch 8, ${STEPS} steps x ${REPS} runs, ${runs.false[0].result.precision}, ${THREADS} thread(s), venv ${env.venv})`,
);
const summary = {};
for (const packing of [false, true]) {
  const all = runs[packing].flatMap((x) => x.rates);
  const r = runs[packing][0].result;
  summary[packing] = median(all);
  console.log(
    `  packing=${String(packing).padEnd(5)}  median ${median(all).toFixed(0).padStart(6)} tokens/s (best ${Math.max(...all).toFixed(0)})  ${r.tokens} tokens per run  peak RSS ${((r.peakMemoryBytes ?? 0) / 2 ** 20).toFixed(0)} MB`,
  );
}
console.log(`  packing speed-up (median): ${(summary.true / summary.false).toFixed(2)}x`);
await rm(root, { recursive: true, force: true });

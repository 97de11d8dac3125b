#!/usr/bin/env node
/**
 * Evaluation speed with llama.cpp in-process (node-llama-cpp, CPU): problems/s and tokens/s with
 * 1, 2 and 4 sequences decoded together, on the same problems, one run; and the grading overhead per
 * prediction (strict + flexible extraction and comparison) beside the generation time.
 * Build first: pnpm turbo run build --filter @mathtune/eval
 * Usage: node bench/eval.mjs [model.gguf] [problems=8] [maxTokens=32] [threads=2]
 * Default model: the tiny Qwen2 GGUF the eval tests cache under $MATHTUNE_CACHE/fixtures.
 */
import { readdirSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, gradeOutput, readPredictions } from "../packages/eval/dist/index.js";

const cache = process.env.MATHTUNE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mathtune");
function defaultModel() {
  const dir = join(cache, "fixtures");
  const found = (() => {
    try {
      return readdirSync(dir)
        .filter((f) => /^tiny-qwen2-.*\.f16\.gguf$/.test(f))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  })().sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!found.length)
    throw new Error(
      `no GGUF given and none in ${dir}: run the eval tests once (pnpm exec vitest run --project eval test/llama.test.ts) or pass a .gguf`,
    );
  return found[0];
}

const model = process.argv[2] && process.argv[2] !== "-" ? process.argv[2] : defaultModel();
const problems = Number(process.argv[3] ?? 8);
const maxTokens = Number(process.argv[4] ?? 32);
const threads = Number(process.argv[5] ?? 2);

const tmp = await mkdtemp(join(tmpdir(), "mathtune-bench-eval-"));
const testFile = join(tmp, "test.jsonl");
const rows = [];
for (let i = 0; i < problems; i++) {
  const a = 12 + i * 7;
  const b = 30 + i * 3;
  rows.push(
    JSON.stringify({
      id: `p${i}`,
      problem: `A shop sells ${a} apples in the morning and ${b} in the afternoon. How many apples does it sell in all?`,
      answer: String(a + b),
      category: i % 2 ? "word" : "sum",
    }),
  );
}
await writeFile(testFile, `${rows.join("\n")}\n`);

console.log(`model: ${model} (${(statSync(model).size / 1e6).toFixed(1)} MB)`);
console.log(`${problems} problems, ${maxTokens} tokens max each, ${threads} threads, greedy\n`);
console.log("sequences  problems/s  tokens/s  seconds  tokens");
let last;
for (const parallel of [1, 2, 4]) {
  const out = join(tmp, `p${parallel}`);
  const r = await evaluate({ model, testSet: testFile, out, parallel, maxTokens, threads });
  const s = r.metrics.speed;
  console.log(
    `${String(parallel).padStart(9)}  ${s.problemsPerSecond.toFixed(3).padStart(10)}  ${s.tokensPerSecond.toFixed(1).padStart(8)}  ${s.seconds.toFixed(2).padStart(7)}  ${String(r.metrics.tokens.generated).padStart(6)}`,
  );
  last = r;
}

// Grading overhead: the tiny model's outputs (garbage, cut by length) and answers as a trained
// model writes them (an answer line, a box, a bare number), strict and flexible each time.
const preds = await readPredictions(last.predictionsFile);
const samples = [
  ...preds.map((p) => [p.output, p.gold, p.finish]),
  ...preds.map((p) => [`First ${p.problem.match(/\d+/g).join(" + ")} = ${p.gold}.\nAnswer: ${p.gold}`, p.gold, "stop"]),
  ...preds.map((p) => [`So the total is $\\boxed{${p.gold}}$.`, p.gold, "stop"]),
  ...preds.map((p) => [`It sells ${Number(p.gold) + 1} apples.`, p.gold, "stop"]),
];
for (const [o, g, f] of samples) gradeOutput(o, g, f, "flexible"); // warm up the compute engine
const reps = Math.max(1, Math.ceil(4000 / samples.length));
const t0 = performance.now();
for (let k = 0; k < reps; k++)
  for (const [o, g, f] of samples) {
    gradeOutput(o, g, f, "strict");
    gradeOutput(o, g, f, "flexible");
  }
const perPrediction = (performance.now() - t0) / (reps * samples.length);
const genPerProblem = (last.metrics.speed.seconds * 1000) / problems;
console.log(
  `\ngrading: ${(perPrediction * 1000).toFixed(1)} µs per prediction (strict + flexible, ${reps * samples.length} predictions), ${((perPrediction / genPerProblem) * 100).toFixed(3)}% of the generation time per problem at 4 sequences (${genPerProblem.toFixed(0)} ms)`,
);
await rm(tmp, { recursive: true, force: true });

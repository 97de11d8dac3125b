#!/usr/bin/env node
/**
 * Deploy figures measured side by side in one run: conversion time (HF -> f16 GGUF), quantization
 * time and file size per type (q8_0, q4_k_m), and greedy generation speed (tokens/s) of f16 vs
 * q4_k_m in node-llama-cpp on the same prompt.
 * Model: a model folder given as the first argument (a merged Qwen2.5-0.5B-Instruct, say), else the
 * tiny trained Qwen2 of the tests (built and cached on first use; needs `mathtune setup`).
 * Needs the deploy tools: bash scripts/setup-tools.sh. Build first: pnpm turbo run build --filter @mathtune/deploy
 * Usage: node bench/deploy.mjs [model dir] [threads=2] [tokens=64]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  convertToGguf,
  ensureLlamaCpp,
  generateWithGguf,
  quantizeGguf,
  readGgufInfo,
} from "../packages/deploy/dist/index.js";
import { QWEN25, renderChat } from "../packages/format/dist/index.js";
import { createTinyTrainedModel } from "../packages/train/dist/testing.js";

const threads = Number(process.argv[3] ?? 2);
const tokens = Number(process.argv[4] ?? 64);
let model = process.argv[2];
let preTokenizer;
if (!model) {
  const tiny = await createTinyTrainedModel({
    chatTemplate: fileURLToPath(new URL("../packages/format/templates/qwen2.5-chatml.jinja", import.meta.url)),
  });
  model = tiny.path;
  preTokenizer = "qwen2";
}
const tools = await ensureLlamaCpp();
const dir = await mkdtemp(join(tmpdir(), "mathtune-bench-deploy-"));
const mib = (n) => (n / 2 ** 20).toFixed(2);
try {
  console.log(`model ${model}; llama.cpp ${tools.commit ?? tools.dir} (${tools.source}); threads ${threads}`);
  const f16 = await convertToGguf({
    model,
    out: join(dir, "model.f16.gguf"),
    tools,
    ...(preTokenizer ? { preTokenizer } : {}),
  });
  console.log(`convert  f16     ${f16.seconds.toFixed(1).padStart(7)} s  ${mib(f16.bytes).padStart(9)} MiB  100.0%`);
  const files = { f16: f16.path };
  for (const type of ["q8_0", "q4_k_m"]) {
    const q = await quantizeGguf({ input: f16.path, out: join(dir, `model.${type}.gguf`), type, tools, threads });
    const info = await readGgufInfo(q.path);
    console.log(
      `quantize ${type.padEnd(7)} ${q.seconds.toFixed(1).padStart(7)} s  ${mib(q.bytes).padStart(9)} MiB  ${((100 * q.bytes) / f16.bytes).toFixed(1)}%  types ${JSON.stringify(info.typeCounts)}`,
    );
    files[type] = q.path;
  }
  const prompt = renderChat([{ role: "user", content: "What is 7 + 8? Explain step by step." }], QWEN25, {
    addGenerationPrompt: true,
  });
  // Alternate the two files twice so that both see the same machine load.
  const speeds = { f16: [], q4_k_m: [] };
  for (let round = 0; round < 2; round++) {
    for (const type of ["f16", "q4_k_m"]) {
      const r = await generateWithGguf({ gguf: files[type], prompt, maxTokens: tokens, threads, stop: [] });
      speeds[type].push(r.tokensPerSecond);
    }
  }
  for (const [type, s] of Object.entries(speeds))
    console.log(
      `generate ${type.padEnd(7)} ${Math.max(...s)
        .toFixed(1)
        .padStart(7)} tokens/s (best of ${s.length}; ${tokens} tokens, greedy)`,
    );
} finally {
  await rm(dir, { recursive: true, force: true });
}

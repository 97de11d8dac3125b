import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { compareRuns, evaluate, type EvalEvent, evaluateIter, readPredictions } from "@mathtune/eval";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { arithmeticBuild, removeTempDirs, SYSTEM, tempDir } from "./helpers.js";
import { tinyGguf } from "./models.js";

// Real generation: the tiny Qwen2 of the training tests, trained to answer one-digit arithmetic in
// ChatML and end its turn, made into GGUF files by @mathtune/deploy (llama.cpp's converter and
// llama-quantize), run in this process by node-llama-cpp on the CPU. On the arithmetic test set it
// answers and stops, right or wrong; with a tiny token limit it runs into the length limit.
vi.setConfig({ testTimeout: 300_000 });

let f16: string;
let q8: string;
let built: string;
const BASE = { limit: 12, maxTokens: 24, threads: 1 } as const;

beforeAll(async () => {
  [f16, q8, built] = await Promise.all([tinyGguf("f16"), tinyGguf("q8_0"), arithmeticBuild()]);
}, 1_800_000);
afterAll(removeTempDirs);

describe("llama.cpp in-process (node-llama-cpp)", () => {
  let first: Awaited<ReturnType<typeof evaluate>>;
  let firstBytes: string;

  beforeAll(async () => {
    first = await evaluate({ model: f16, testSet: built, out: await tempDir("f16"), parallel: 2, ...BASE });
    firstBytes = await readFile(first.predictionsFile, "utf8");
  });

  it("generates with the GGUF's own chat template and the build's system prompt; the model answers, ends its turn, and is graded right and wrong", async () => {
    const preds = await readPredictions(first.predictionsFile);
    expect(preds).toHaveLength(12);
    for (const p of preds) {
      expect(p.prompt!.startsWith(`<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n`)).toBe(true);
      expect(p.prompt!.endsWith(`${p.problem}<|im_end|>\n<|im_start|>assistant\n`)).toBe(true);
      expect(p.finish).toBe("stop");
      expect(p.tokens).toBeGreaterThan(0);
      expect(p.tokens).toBeLessThan(24);
      expect(p.promptTokens).toBeGreaterThan(10);
      expect(p.output).toMatch(/Answer: -?\d+\s*$/);
      expect(p.strict.answer).toBe(/Answer: (-?\d+)\s*$/.exec(p.output)![1]);
      expect(p.strict.verdict).toBe(p.strict.answer === p.gold ? "correct" : "wrong");
    }
    const m = first.metrics;
    expect(m.finish).toEqual({ stop: 12, length: 0 });
    expect(m.tokens.generated).toBe(preds.reduce((s, p) => s + p.tokens, 0));
    expect(m.model).toMatchObject({
      backend: "llama",
      quantization: "f16",
      architecture: "qwen2",
      chatTemplate: "gguf",
    });
    expect(m.speed.parallel).toBe(2);
    expect(m.speed.problemsPerSecond).toBeGreaterThan(0);
    // it has learnt some sums, not all: both verdicts occur, and the counts add up
    expect(m.overall.strict.correct).toBeGreaterThan(0);
    expect(m.overall.strict.wrong).toBeGreaterThan(0);
    expect(m.overall.strict.correct + m.overall.strict.wrong).toBe(12);
    expect(m.overall.strict.correct).toBe(preds.filter((p) => p.strict.verdict === "correct").length);
  });

  it("the length limit: a tiny token budget cuts the answer off, graded 'length'", async () => {
    const short = await evaluate({
      model: f16,
      testSet: built,
      out: await tempDir("short"),
      parallel: 1,
      ...BASE,
      limit: 3,
      maxTokens: 3,
    });
    const preds = await readPredictions(short.predictionsFile);
    for (const p of preds) {
      expect(p.finish).toBe("length");
      expect(p.tokens).toBe(3);
      expect(p.strict.verdict).toBe("length");
    }
    expect(short.metrics.finish).toEqual({ stop: 0, length: 3 });
    expect(short.metrics.tokens.generated).toBe(9);
    expect(short.metrics.overall.strict.length).toBe(3);
  });

  it("is deterministic: the same run again writes byte-identical predictions", async () => {
    const again = await evaluate({ model: f16, testSet: built, out: await tempDir("f16-again"), parallel: 2, ...BASE });
    expect(await readFile(again.predictionsFile, "utf8")).toBe(firstBytes);
  });

  it("parallel changes the speed, never an output: 2 and 8 at a time write what 1 at a time writes", async () => {
    // Sequences decoded together in one llama.cpp context gave other (garbled) outputs than the
    // same prompts alone on SmolLM2 (docs/RESULTS.md); each slot now has its own context.
    const outputs = async (parallel: number) => {
      const r = await evaluate({
        model: f16,
        testSet: built,
        out: await tempDir(`f16-par${parallel}`),
        ...BASE,
        limit: 24,
        parallel,
        maxTokens: 64,
      });
      return (await readPredictions(r.predictionsFile)).map((p) => [p.id, p.output, p.finish]);
    };
    const alone = await outputs(1);
    for (const parallel of [2, 8]) expect(await outputs(parallel)).toEqual(alone);
  });

  it("an interrupted run keeps its predictions and a rerun resumes to the same result", async () => {
    const out = await tempDir("interrupt");
    const ac = new AbortController();
    const seen: EvalEvent[] = [];
    const err = (await evaluate({
      model: f16,
      testSet: built,
      out,
      parallel: 1,
      ...BASE,
      signal: ac.signal,
      onEvent: (e) => {
        seen.push(e);
        if (e.type === "prediction" && e.done === 2) ac.abort();
      },
    }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_CANCELED")).toBe(true);
    expect(err.message).toMatch(/canceled; \d of 12 predictions kept in .*the same command resumes/);
    const kept = await readPredictions(join(out, "predictions.jsonl"));
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(12);
    // a half-written last line (a kill mid-write) is cut on resume
    await writeFile(
      join(out, "predictions.jsonl"),
      `${await readFile(join(out, "predictions.jsonl"), "utf8")}{"id":"cut`,
    );
    const starts: EvalEvent[] = [];
    const r = await evaluate({
      model: f16,
      testSet: built,
      out,
      parallel: 1,
      ...BASE,
      onEvent: (e) => e.type === "start" && starts.push(e),
    });
    expect(starts[0]).toMatchObject({ type: "start", done: kept.length, total: 12 });
    expect(r.metrics.resumed).toBe(kept.length);
    expect(r.metrics.speed.problems).toBe(12 - kept.length);
    // one sequence or two: greedy decoding gives the same answers here
    expect(await readFile(r.predictionsFile, "utf8")).toBe(firstBytes);
  });

  it("a file that is not a GGUF: E_MODEL_NOT_GGUF", async () => {
    const bad = join(await tempDir("bad"), "model.gguf");
    await writeFile(bad, "not a model");
    const err = (await evaluate({ model: bad, testSet: built, out: await tempDir("bad-out"), ...BASE }).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(err, "E_MODEL_NOT_GGUF")).toBe(true);
    expect(err.message).toContain(bad);
  });

  it("compare: the same model at f16 and q8_0 reports the quantization's cost", async () => {
    const q = await evaluate({ model: q8, testSet: built, out: await tempDir("q8"), parallel: 2, ...BASE });
    expect(q.metrics.model.quantization).toBe("q8_0");
    const dir = await tempDir("cmp");
    const c = await compareRuns({ a: first.out, b: q.out, out: dir });
    expect(c.quantization).toMatchObject({ from: "f16", to: "q8_0" });
    expect(c.overall.n).toBe(12);
    expect(await readFile(join(dir, "comparison.md"), "utf8")).toMatch(/Quantization: f16 -> q8_0 costs/);
  });

  it("streams events: start, one per prediction with running accuracy and ETA, done", async () => {
    const types: string[] = [];
    const it = evaluateIter({ model: f16, testSet: built, out: await tempDir("iter"), ...BASE, limit: 2 });
    for await (const e of it) {
      types.push(e.type);
      if (e.type === "prediction") {
        expect(e.accuracy).toBeGreaterThanOrEqual(0);
        expect(e.etaSeconds).not.toBeNull();
      }
    }
    expect(types).toEqual(["start", "prediction", "prediction", "done"]);
  });
});

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { QWEN25_CHAT_TEMPLATE, recordMessages, renderChat } from "@mathtune/format";
import { doctor, inspectTraining, merge, setup, train, type TrainEvent, type TrainResult } from "@mathtune/train";
import { writeFile } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DATA, GSM8K, groupAlive, removeTempDirs, tempDir, testEnv } from "./helpers.js";

// Real Python, real PEFT, a tiny random Qwen2. Small on purpose: 12 training examples, a few steps,
// one thread per process. The venv is created by setup() on a fresh machine and reused after.
// Each test starts Python at least once (torch imports take seconds on a busy 2-core machine).
vi.setConfig({ testTimeout: 300_000 });
const HELPERS = new URL("./python/", import.meta.url).pathname;
const SMALL = { batchSize: 4, learningRate: 1e-2, warmupSteps: 1, maxSeqLength: 256, threads: 1, seed: 1 } as const;

let python: string;
let model: string;
let run: TrainResult;
const runEvents: TrainEvent[] = [];

async function pyJson(script: string, ...args: string[]): Promise<Record<string, unknown>> {
  const r = await execa(python, [join(HELPERS, script), ...args], { env: { HF_HUB_OFFLINE: "1" } });
  return JSON.parse(String(r.stdout).trim().split("\n").pop()!) as Record<string, unknown>;
}

/** The (step, loss) pairs of the train metrics among the events. */
const trainLosses = (evs: TrainEvent[]) =>
  evs.flatMap((e) => (e.type === "metric" && e.split === "train" ? [[e.step, e.loss!] as const] : []));

/** The steps of the train lines in a run folder's metrics.jsonl. */
async function metricTrainSteps(runDir: string): Promise<number[]> {
  return (await readFile(join(runDir, "metrics.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { split: string; step: number })
    .filter((l) => l.split === "train")
    .map((l) => l.step);
}

afterAll(removeTempDirs);

beforeAll(async () => {
  const t = await testEnv();
  python = t.env.python;
  model = t.model;
  run = await train({
    data: DATA,
    model,
    out: await tempDir("run"),
    ...SMALL,
    epochs: 2,
    evalSteps: 3,
    saveSteps: 3,
    onEvent: (e) => runEvents.push(e),
  });
});

describe("environment", () => {
  it("setup is idempotent and cheap once done", async () => {
    const t0 = Date.now();
    const again = await setup();
    expect(again.changed).toBe(false);
    expect(again.python).toBe(python);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
  it("doctor reports the pinned packages, no CUDA here, and no problems", async () => {
    const d = await doctor();
    expect(d.venv.ready).toBe(true);
    expect(d.packages.peft).toBe("0.21.2");
    expect(d.packages.transformers).toBe("5.24.0");
    expect(String(d.packages.torch)).toMatch(/^2\.15\.0/);
    expect(typeof d.cuda.available).toBe("boolean");
    expect(typeof d.llamaCpp.found).toBe("boolean");
    expect(d.ollama.server.url).toMatch(/^http/);
    expect(d.problems).toEqual([]);
  });
  it("a real Python without the packages: E_PYTHON_PACKAGE_MISSING naming torch", async () => {
    const dir = await tempDir("bare-venv");
    await execa("python3", ["-m", "venv", "--without-pip", join(dir, "venv")]);
    const err = await train({
      data: DATA,
      model,
      out: join(dir, "run"),
      python: join(dir, "venv", "bin", "python"),
      ...SMALL,
    }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_PYTHON_PACKAGE_MISSING")).toBe(true);
    expect((err as MathtuneError).message).toMatch(/'torch'/);
    expect((err as MathtuneError).message).toMatch(/mathtune setup/);
  });
});

describe("labels: loss only on the assistant's tokens", () => {
  it("masks the prompt and trains the answer and <|im_end|>", async () => {
    const { stats, examples } = await inspectTraining({
      data: DATA,
      model,
      workDir: await tempDir("inspect"),
      limit: 12,
    });
    expect(stats).toMatchObject({ examples: 12, truncated: 0, dropped: 0, units: 12 });
    const train = (await readFile(join(DATA, "train.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as never);
    for (const [i, ex] of examples.entries()) {
      expect(ex.labels).toHaveLength(ex.inputIds.length);
      // the assistant turn @mathtune/format renders: GSM8K's "#### 39" line became "Answer: 39"
      expect(ex.trainedText).toBe(`${recordMessages(train[i]!)[1]!.content}<|im_end|>`);
      expect(ex.trainedText).toMatch(/\nAnswer: \d+<\|im_end\|>$/);
      const firstLabel = ex.labels.findIndex((l) => l !== -100);
      // everything before the answer is the rendered prompt: system turn, user turn, assistant header
      expect(ex.tokens.slice(0, firstLabel).join("")).toMatch(
        /^<\|im_start\|>systemĊ.*<\|im_start\|>userĊ.*<\|im_start\|>assistantĊ$/,
      );
      // labels equal the input ids wherever they are set, and the last one is <|im_end|>
      ex.labels.forEach((l, k) => l !== -100 && expect(l).toBe(ex.inputIds[k]));
      const last = ex.labels.findLastIndex((l) => l !== -100);
      expect(ex.tokens[last]).toBe("<|im_end|>");
      expect(ex.labels.slice(last + 1).every((l) => l === -100)).toBe(true); // the newline after it is not trained
    }
  });

  it("what train feeds the model for a GSM8K record is, token by token, what @mathtune/format renders", async () => {
    // a build folder as `mathtune build` writes it with records only: the trainer renders them
    const build = await tempDir("gsm8k-build");
    await writeFile(
      join(build, "manifest.json"),
      JSON.stringify({
        recipe: { name: "t", file: null, value: { output: { formats: ["record"], formatOptions: {} } } },
      }),
    );
    await writeFile(join(build, "train.jsonl"), `${JSON.stringify(GSM8K)}\n`);
    const { examples } = await inspectTraining({ data: build, model, workDir: await tempDir("inspect"), limit: 1 });
    const ex = examples[0]!;
    const messages = recordMessages(GSM8K);
    const text = renderChat(messages, QWEN25_CHAT_TEMPLATE);
    const answer = `${messages[messages.length - 1]!.content}<|im_end|>`;
    const r = await execa(python, [join(HELPERS, "token_ids.py"), model], {
      input: JSON.stringify({ texts: [text, answer], messages }),
      env: { HF_HUB_OFFLINE: "1" },
    });
    const py = JSON.parse(String(r.stdout).trim().split("\n").pop()!) as { texts: number[][]; chat: number[] };
    // the input: format's rendering tokenized, and transformers' apply_chat_template of format's turns
    expect(ex.inputIds).toEqual(py.texts[0]);
    expect(ex.inputIds).toEqual(py.chat);
    // the labels: exactly the assistant turn format wrote (annotations stripped, answer line), then <|im_end|>
    expect(ex.labels.filter((l) => l !== -100)).toEqual(py.texts[1]);
    expect(ex.trainedText).toBe(answer);
    expect(ex.trainedText).not.toContain("<<");
    expect(ex.trainedText).toMatch(/\nAnswer: 72<\|im_end\|>$/);
    expect(ex.tokens.join("")).toContain("SolveĠthisĠmathĠproblem."); // byte-level BPE: Ġ is a space
  });

  it("packing: rows hold several examples, positions restart, boundaries are masked, no label is lost", async () => {
    const work = await tempDir("inspect");
    const plain = await inspectTraining({ data: DATA, model, workDir: work, limit: 100 });
    // each example is about 170 tokens with format's instruction: rows of 512 hold up to three
    const packed = await inspectTraining({
      data: DATA,
      model,
      workDir: work,
      limit: 100,
      packing: true,
      maxSeqLength: 512,
    });
    expect(packed.stats.units).toBeLessThan(plain.stats.units);
    const labelled = (rows: typeof plain.examples) =>
      rows.reduce((a, r) => a + r.labels.filter((l) => l !== -100).length, 0);
    expect(labelled(packed.examples)).toBe(labelled(plain.examples));
    const byId = new Map(plain.examples.map((e) => [e.ids[0]!, e]));
    for (const row of packed.examples) {
      expect(row.inputIds.length).toBeLessThanOrEqual(512);
      let at = 0;
      for (const id of row.ids) {
        const ex = byId.get(id)!;
        const n = ex.inputIds.length;
        expect(row.inputIds.slice(at, at + n)).toEqual(ex.inputIds);
        expect(row.labels.slice(at, at + n)).toEqual(ex.labels);
        expect(row.positionIds.slice(at, at + n)).toEqual([...Array(n).keys()]);
        expect(row.labels[at]).toBe(-100);
        at += n;
      }
      expect(at).toBe(row.inputIds.length);
    }
    expect(packed.examples.some((r) => r.ids.length > 1)).toBe(true);
  });

  it("packing keeps attention inside each example, and right padding needs no mask (same logits)", async () => {
    const r = await pyJson("packing_check.py", model);
    expect(r.maxDiffA as number).toBeLessThan(1e-4);
    expect(r.maxDiffB as number).toBeLessThan(1e-4);
    expect(r.leakDiffB as number).toBeGreaterThan(1e-3); // the check can tell a leak
    expect(r.rightPadDiff as number).toBeLessThan(1e-4); // right padding needs no attention mask
  });
});

describe("a training run", () => {
  it("makes the loss fall and reports progress", () => {
    expect(run.steps).toBe(6);
    expect(run.totalSteps).toBe(6);
    expect(run.initialEvalLoss).toBeDefined();
    expect(run.evalLoss!).toBeLessThan(run.initialEvalLoss! - 0.3);
    expect(run.lastLoss!).toBeLessThan(run.firstLoss!);
    expect(run.precision).toBe("fp32");
    expect(run.quantization).toBe("none");
    const steps = runEvents.filter(
      (e): e is Extract<TrainEvent, { type: "progress" }> => e.type === "progress" && e.phase === "train",
    );
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of steps) {
      expect(s.loss).toBeGreaterThan(0);
      expect(s.tokensPerSecond).toBeGreaterThan(0);
      expect(s.learningRate).toBeGreaterThanOrEqual(0);
    }
    expect(steps.at(-1)!.etaSeconds).toBe(0);
    // validation passes show progress: at the start, at step 3 and at the end, each ending at its last batch
    const evals = runEvents.filter(
      (e): e is Extract<TrainEvent, { type: "progress" }> => e.type === "progress" && e.phase === "eval",
    );
    expect([...new Set(evals.map((e) => e.step))]).toEqual([0, 3, 6]);
    for (const e of evals.filter((x) => x.batch === x.batches)) expect(e.batches).toBeGreaterThan(0);
    expect(evals.filter((x) => x.batch === x.batches)).toHaveLength(3);
    expect(
      runEvents
        .filter((e) => e.type === "artifact" && e.kind === "checkpoint")
        .map((e) => (e as { step?: number }).step),
    ).toEqual([3]);
  });

  it("writes metrics.jsonl and a loss curve SVG", async () => {
    const lines = (await readFile(run.metricsFile, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { split: string; step: number; loss: number });
    expect(lines.filter((l) => l.split === "train").map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.filter((l) => l.split === "validation").map((l) => l.step)).toEqual([0, 3, 6]);
    const svg = await readFile(run.lossCurve, "utf8");
    expect(svg).toMatch(/^<svg/);
    // Vega-Lite's chart: a point mark per logged loss, labelled with its step, loss and split
    const marks = [
      ...svg.matchAll(
        /aria-label="step: (\d+); loss: ([^;]+); series: (\w+)" role="graphics-symbol" aria-roledescription="point"/g,
      ),
    ].map((m) => ({ split: m[3]!, step: Number(m[1]), loss: Number(m[2]) }));
    const order = (a: { split: string; step: number }, b: { split: string; step: number }) =>
      a.split.localeCompare(b.split) || a.step - b.step;
    expect(marks.sort(order).map((m) => `${m.split}@${m.step}`)).toEqual(
      [...lines].sort(order).map((l) => `${l.split}@${l.step}`),
    );
    [...lines].sort(order).forEach((l, i) => expect(marks[i]!.loss).toBeCloseTo(l.loss, 6)); // the label rounds to 12 digits
    expect(svg).toContain("2 values: train, validation");
  });

  it("saves an adapter that PEFT loads back", async () => {
    expect(existsSync(join(run.adapter, "adapter_config.json"))).toBe(true);
    expect(existsSync(join(run.adapter, "adapter_model.safetensors"))).toBe(true);
    const r = await pyJson("check_adapter.py", model, run.adapter);
    expect(r).toMatchObject({
      peftType: "LORA",
      r: 8,
      alpha: 16,
      targetModules: ["k_proj", "o_proj", "q_proj", "v_proj"],
      modules: ["k_proj", "o_proj", "q_proj", "v_proj"],
    });
    expect(r.loraTensors).toBe(2 * 4 * 2); // A and B, 4 projections, 2 layers
    expect(r.loraBAbsSum as number).toBeGreaterThan(0); // B starts at zero: training moved it
  });

  it("merge reproduces base+adapter logits from the saved safetensors", async () => {
    const out = join(await tempDir("merged"), "model");
    const m = await merge({ adapter: run.runDir, model, out });
    expect(m.files).toEqual(
      expect.arrayContaining([
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
      ]),
    );
    expect(m.check.ok).toBe(true);
    expect(m).toMatchObject({
      dtype: "fp32",
      mergedInto: "full",
      trainedQuantization: "none",
      check: { reference: "full+adapter" },
    });
    expect(m.check.maxAbsDiff).toBeLessThan(1e-4);
    expect(m.check.adapterEffect).toBeGreaterThan(1e-2);
    const cfg = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as {
      dtype?: string;
      torch_dtype?: string;
    };
    expect(cfg.dtype ?? cfg.torch_dtype).toBe("float32");
    expect(existsSync(`${out}.merge-config.json`)).toBe(false);
    // a tolerance below the float32 noise fails the check: E_MERGE_MISMATCH, unless allowed
    const strict = await merge({ adapter: run.adapter, model, out, tolerance: 1e-12 }).catch((e: unknown) => e);
    expect(isMathtuneError(strict, "E_MERGE_MISMATCH")).toBe(true);
    process.stderr.write(
      `[figures] merge max |logit diff| ${m.check.maxAbsDiff} (adapter effect ${m.check.adapterEffect})\n`,
    );
    process.stderr.write(
      `[figures] eval loss ${run.initialEvalLoss} -> ${run.evalLoss}; train loss ${run.firstLoss} -> ${run.lastLoss}\n`,
    );
  });
});

describe("cancel and resume", () => {
  it("cancel stops after a step with a checkpoint and no process left; resume continues from it", async () => {
    const out = await tempDir("cancel");
    const ac = new AbortController();
    const opts = { data: DATA, model, out, ...SMALL, batchSize: 2, epochs: 20, saveSteps: 1000 };
    const err = (await train({
      ...opts,
      signal: ac.signal,
      gracePeriodMs: 30_000,
      onEvent: (e) => {
        if (e.type === "progress" && e.phase === "train" && (e.step ?? 0) >= 2) ac.abort();
      },
    }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_CANCELED")).toBe(true);
    expect(err.details!.signal).toBeUndefined(); // it stopped on SIGINT, not SIGKILL
    expect(groupAlive(err.details!.pid as number)).toBe(false);
    const stopped = err.details!.result as { step: number; checkpoint: string; status: string };
    expect(stopped.status).toBe("canceled");
    expect(stopped.step).toBeGreaterThanOrEqual(2);
    expect(stopped.checkpoint).toBe(join(out, "checkpoints", `checkpoint-${stopped.step}`));
    expect(existsSync(join(stopped.checkpoint, "adapter_model.safetensors"))).toBe(true);
    expect(existsSync(join(out, "loss.svg"))).toBe(true);

    const events: TrainEvent[] = [];
    const resumed = await train({ ...opts, resume: true, maxSteps: stopped.step + 3, onEvent: (e) => events.push(e) });
    expect(resumed.resumedFrom).toBe(stopped.checkpoint);
    // the validation loss before training is kept from the first invocation (no "? -> x" summary)
    expect(resumed.initialEvalLoss).toBeGreaterThan(0);
    const steps = events.flatMap((e) => (e.type === "progress" && e.phase === "train" ? [e.step] : []));
    expect(steps).toEqual([stopped.step + 1, stopped.step + 2, stopped.step + 3]);
    expect(resumed.steps).toBe(stopped.step + 3);
    expect(await metricTrainSteps(out)).toEqual([...Array(stopped.step + 3).keys()].map((i) => i + 1));
  });
});

describe("exact resume", () => {
  it("a run stopped and resumed takes the steps of a run that was never stopped (same losses, with dropout)", async () => {
    const opts = {
      data: DATA,
      model,
      ...SMALL,
      batchSize: 2,
      maxSteps: 6,
      epochs: 20,
      evalAtStart: false,
      loraDropout: 0.1,
    };
    const whole: TrainEvent[] = [];
    const once = await train({ ...opts, out: await tempDir("exact-whole"), onEvent: (e) => whole.push(e) });
    const out = await tempDir("exact-parts");
    const ac = new AbortController();
    const first: TrainEvent[] = [];
    const err = (await train({
      ...opts,
      out,
      signal: ac.signal,
      gracePeriodMs: 30_000,
      onEvent: (e) => {
        first.push(e);
        if (e.type === "progress" && e.phase === "train" && (e.step ?? 0) >= 2) ac.abort();
      },
    }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_CANCELED")).toBe(true);
    const stoppedAt = (err.details!.result as { step: number }).step;
    expect(stoppedAt).toBeLessThan(6);
    const second: TrainEvent[] = [];
    const resumed = await train({ ...opts, out, resume: true, onEvent: (e) => second.push(e) });
    const a = new Map(trainLosses(whole));
    const b = new Map([...trainLosses(first), ...trainLosses(second)]);
    process.stderr.write(
      `[figures] exact resume: stopped at ${stoppedAt}; losses ${[...a.values()].join(", ")} vs ${[...b.values()].join(", ")}\n`,
    );
    expect([...b.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [step, loss] of a) expect(Math.abs(b.get(step)! - loss)).toBeLessThan(1e-5);
    expect(Math.abs(resumed.evalLoss! - once.evalLoss!)).toBeLessThan(1e-5);
  });
});

describe("checks before the work", () => {
  it("4-bit without CUDA fails before the data is tokenized", async () => {
    const events: TrainEvent[] = [];
    const err = (await train({
      data: DATA,
      model,
      out: await tempDir("q4"),
      ...SMALL,
      quantization: "4bit",
      onEvent: (e) => events.push(e),
    }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_CONFIG_INVALID")).toBe(true);
    expect(err.message).toMatch(/4-bit loading \(QLoRA\) needs CUDA/);
    expect(events.some((e) => e.type === "progress" && e.phase === "load")).toBe(false);
  });

  it("bf16 on a CPU: autocast where the CPU has bf16 instructions (the loss still falls), else fp32 with a warning", async () => {
    const r = await execa(python, ["-c", "import torch; print(torch.ops.mkldnn._is_mkldnn_bf16_supported())"]);
    const native = String(r.stdout).trim() === "True";
    const events: TrainEvent[] = [];
    const out = await tempDir("bf16");
    const res = await train({
      data: DATA,
      model,
      out,
      ...SMALL,
      epochs: 2,
      precision: "bf16",
      onEvent: (e) => events.push(e),
    });
    const cfg = JSON.parse(await readFile(join(res.runDir, "config.json"), "utf8")) as Record<string, unknown>;
    expect(cfg).toMatchObject({ precision: native ? "bf16" : "fp32", requested: { precision: "bf16" } });
    const warned = events.some((e) => e.type === "log" && /no bf16 instructions/.test(e.message));
    expect(warned).toBe(!native);
    const losses = events.flatMap((e) => (e.type === "metric" && e.split === "train" ? [e.loss] : []));
    expect(losses.length).toBeGreaterThan(2);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it("the run's config.json records the precision and quantization training resolved, not auto", async () => {
    const cfg = JSON.parse(await readFile(join(run.runDir, "config.json"), "utf8")) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      precision: "fp32",
      quantization: "none",
      requested: { precision: "auto", quantization: "auto" },
    });
  });

  it("merge plans like with like: a QLoRA run's adapter goes into its dequantized 4-bit base, checked against 4-bit + adapter", async () => {
    const code = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(join(HELPERS, "..", "..", "python"))})`,
      "from merge import merge_plan",
      "cases = [({'quantization': '4bit', 'precision': 'bf16'}, True), ({'quantization': '4bit', 'precision': 'fp16'}, False), ({'quantization': 'none'}, True), ({'quantization': 'auto', 'precision': 'auto'}, True), ({'quantization': 'auto'}, False), ({}, True)]",
      "out = [merge_plan(c, cuda) for c, cuda in cases] + [merge_plan({'quantization': '4bit'}, True, 'full')]",
      "print(json.dumps(out))",
    ].join("\n");
    const r = await execa(python, ["-c", code]);
    const plans = JSON.parse(String(r.stdout)) as Record<string, unknown>[];
    expect(plans[0]).toEqual({
      base: "nf4-dequantized",
      reference: "nf4+adapter",
      trainedQuantization: "4bit",
      computeDtype: "bfloat16",
      needsCuda: true,
    });
    expect(plans[1]).toMatchObject({ base: "nf4-dequantized", computeDtype: "float16", needsCuda: true }); // refused without CUDA
    expect(plans[2]).toMatchObject({ base: "full", reference: "full+adapter", trainedQuantization: "none" });
    expect(plans[3]).toMatchObject({ base: "nf4-dequantized" }); // an old config.json saying auto, read on CUDA
    expect(plans[4]).toMatchObject({ base: "full" });
    expect(plans[5]).toMatchObject({ base: "full" });
    expect(plans[6]).toMatchObject({ base: "full", trainedQuantization: "4bit" });
    // this run (CPU, no quantization) reads back as a full-precision merge
    const m = JSON.parse(
      String(
        (
          await execa(python, [
            "-c",
            `import json, sys; sys.path.insert(0, ${JSON.stringify(join(HELPERS, "..", "..", "python"))}); from merge import trained_config; print(json.dumps(trained_config(${JSON.stringify(run.adapter)})))`,
          ])
        ).stdout,
      ),
    ) as Record<string, unknown>;
    expect(m).toMatchObject({ quantization: "none", precision: "fp32" });
  });
});

describe("memory", () => {
  it("out of memory with the default micro-batch: halves it and keeps the batch through gradient accumulation", async () => {
    const events: TrainEvent[] = [];
    const r = await train({
      data: DATA,
      model,
      out: await tempDir("oom"),
      ...SMALL,
      maxSteps: 2,
      evalAtStart: false,
      env: { MATHTUNE_FAKE_OOM_ABOVE: "1" },
      onEvent: (e) => events.push(e),
    });
    expect(r.steps).toBe(2);
    const warnings = events.flatMap((e) => (e.type === "log" && e.level === "warn" ? [e.message] : []));
    expect(warnings).toEqual([
      expect.stringMatching(/microBatchSize=2 \(gradient accumulation 2\)/),
      expect.stringMatching(/microBatchSize=1 \(gradient accumulation 4\)/),
    ]);
  });
  it("out of memory after some steps: a checkpoint of the last finished step, then the same run with half the micro-batch", async () => {
    const opts = { data: DATA, model, ...SMALL, maxSteps: 4, epochs: 5, evalAtStart: false, loraDropout: 0 };
    const plain: TrainEvent[] = [];
    await train({ ...opts, out: await tempDir("oom-ref"), onEvent: (e) => plain.push(e) });
    const events: TrainEvent[] = [];
    const out = await tempDir("oom-late");
    const r = await train({
      ...opts,
      out,
      env: { MATHTUNE_FAKE_OOM_ABOVE: "2", MATHTUNE_FAKE_OOM_FROM_STEP: "2" },
      onEvent: (e) => events.push(e),
    });
    expect(r.steps).toBe(4);
    const warnings = events.flatMap((e) => (e.type === "log" && e.level === "warn" ? [e.message] : []));
    expect(warnings).toEqual([expect.stringMatching(/microBatchSize=2 \(gradient accumulation 2\)/)]);
    expect(
      events.filter((e) => e.type === "artifact" && e.kind === "checkpoint").map((e) => (e as { step?: number }).step),
    ).toEqual([2]);
    // each step once, and the same numbers as without the failure (only float rounding differs)
    expect(trainLosses(events).map(([s]) => s)).toEqual([1, 2, 3, 4]);
    const ref = new Map(trainLosses(plain));
    for (const [step, loss] of trainLosses(events)) expect(Math.abs(loss - ref.get(step)!)).toBeLessThan(1e-5);
    expect(await metricTrainSteps(out)).toEqual([1, 2, 3, 4]);
  });
  it("out of memory with a fixed micro-batch: E_OUT_OF_MEMORY", async () => {
    const err = await train({
      data: DATA,
      model,
      out: await tempDir("oom"),
      ...SMALL,
      microBatchSize: 2,
      maxSteps: 1,
      evalAtStart: false,
      env: { MATHTUNE_FAKE_OOM_ABOVE: "1" },
    }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_OUT_OF_MEMORY")).toBe(true);
    expect((err as MathtuneError).hint).toMatch(/microBatchSize/);
  });
});

describe("multi-process", () => {
  it("runs the same code path with 2 processes (torchrun, and accelerate launch with a config file; gloo on CPU), with packing, DoRA, rsLoRA and MLP targets", async () => {
    const targetModules = ["q_proj", "v_proj", "gate_proj", "down_proj"];
    const common = {
      data: DATA,
      model,
      ...SMALL,
      // 6 packed rows, 2 a step: every step is full on 1 process and on 2 (accelerate fills an
      // epoch's last, partial micro-batch on each process with rows from the epoch's start)
      batchSize: 2,
      maxSteps: 3,
      warmupSteps: 0,
      evalSteps: 1000,
      loraDropout: 0,
      packing: true,
      maxSeqLength: 512,
      useDora: true,
      useRslora: true,
      targetModules,
    };
    // accelerate's MULTI_CPU type launches through mpirun; a MULTI_GPU config runs on CPUs too
    // (the script finds no CUDA and takes gloo), which is what a user without MPI writes
    const accelerateConfig = join(await tempDir("accelerate"), "accelerate.yaml");
    await writeFile(
      accelerateConfig,
      "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_machines: 1\nmachine_rank: 0\nnum_processes: 2\nmixed_precision: 'no'\nrdzv_backend: static\nsame_network: true\n",
    );
    const runs: Record<string, { r: TrainResult; events: TrainEvent[] }> = {};
    for (const [name, extra] of [
      ["torchrun", { processes: 2 }],
      ["accelerate", { accelerateConfig }],
      ["single", {}],
    ] as const) {
      const events: TrainEvent[] = [];
      const r = await train({ ...common, ...extra, out: await tempDir(name), onEvent: (e) => events.push(e) });
      runs[name] = { r, events };
    }
    const lossAt = (evs: TrainEvent[], step: number) =>
      (evs.find((e) => e.type === "metric" && e.split === "train" && e.step === step) as { loss: number }).loss;
    const single = runs.single!;
    for (const name of ["torchrun", "accelerate"] as const) {
      const { r, events } = runs[name]!;
      process.stderr.write(
        `[figures] ${name} 2 processes vs 1: step losses ${[1, 2, 3].map((s) => lossAt(events, s)).join(", ")} vs ${[1, 2, 3].map((s) => lossAt(single.events, s)).join(", ")}; eval ${r.evalLoss} vs ${single.r.evalLoss}\n`,
      );
      // the same global batch split over 2 ranks gives the same steps as 1 process: data split and gradient sync are right
      for (const step of [1, 2, 3])
        expect(Math.abs(lossAt(events, step) - lossAt(single.events, step))).toBeLessThan(1e-4);
      expect(Math.abs(r.evalLoss! - single.r.evalLoss!)).toBeLessThan(1e-4);
      expect(r.worldSize).toBe(2);
      expect(r.steps).toBe(3);
      const start = events.find((e) => e.type === "progress" && e.phase === "start") as Extract<
        TrainEvent,
        { type: "progress" }
      >;
      expect(start.raw).toMatchObject({ worldSize: 2, examples: 12 });
      expect(start.raw.rows as number).toBeLessThan(12); // packed
      const cfg = JSON.parse(await readFile(join(r.adapter, "adapter_config.json"), "utf8")) as {
        use_dora: boolean;
        use_rslora: boolean;
        target_modules: string[];
      };
      expect(cfg.use_dora).toBe(true);
      expect(cfg.use_rslora).toBe(true);
      expect([...cfg.target_modules].sort()).toEqual([...targetModules].sort());
      expect(existsSync(join(r.adapter, "adapter_model.safetensors"))).toBe(true);
    }
    expect(single.r.worldSize).toBe(1);
    const launched = (evs: TrainEvent[]) => (evs.find((e) => e.type === "start") as { command: string[] }).command;
    expect(launched(runs.accelerate!.events)).toEqual(
      expect.arrayContaining(["accelerate.commands.launch", "--config_file", accelerateConfig]),
    );
    expect(launched(runs.torchrun!.events)).toContain("torch.distributed.run");
  });

  it("a missing accelerate config: E_INPUT_NOT_FOUND before anything starts", async () => {
    const err = await train({
      data: DATA,
      model,
      out: await tempDir("accelerate-missing"),
      ...SMALL,
      accelerateConfig: "/nonexistent/accelerate.yaml",
    }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_INPUT_NOT_FOUND")).toBe(true);
    expect((err as MathtuneError).message).toContain("/nonexistent/accelerate.yaml");
  });
});

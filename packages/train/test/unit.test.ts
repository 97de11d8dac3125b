import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMathtuneError, MathtuneError } from "@mathtune/core";
import {
  createProgressReporter,
  formatDuration,
  formatProgressLine,
  lossCurveSvg,
  parseProtocolLine,
  requirements,
  resolveTrainConfig,
  PYTHON_DIR,
  EtaEstimator,
  formatEvalLine,
  parsePrecision,
  PRECISIONS,
  TORCH_DTYPES,
  pipInstallCommands,
  CPU_TORCH_INDEX,
  resolvedConfig,
} from "@mathtune/train";
import { describe, expect, it } from "vitest";

describe("protocol lines", () => {
  it.each([
    ['{"v":1,"type":"progress","phase":"train","step":3}', "progress"],
    ['{"v":1,"type":"metric","split":"validation","step":0,"loss":2.5}', "metric"],
    ['{"v":1,"type":"log","level":"warn","message":"x"}', "log"],
    ['{"v":1,"type":"artifact","kind":"adapter","path":"/r/adapter"}', "artifact"],
    ['{"v":1,"type":"result","status":"ok","extra":{"a":1}}', "result"],
    ['{"v":1,"type":"error","code":"E_OUT_OF_MEMORY","message":"oom"}', "error"],
  ])("accepts %s", (line, type) => {
    expect(parseProtocolLine(line).type).toBe(type);
  });
  it.each([
    ["Some weights were not initialized", /not a JSON protocol line/],
    ["[1,2]", /not a JSON object/],
    ['{"v":2,"type":"log","message":"x"}', /version 2/],
    ['{"type":"log","message":"x"}', /version undefined/],
    ['{"v":1,"type":"chatter","message":"x"}', /unknown message type/],
    ['{"v":1,"type":"metric","split":"train"}', /number field 'step'/],
    ['{"v":1,"type":"error","message":"x"}', /string field 'code'/],
  ])("rejects %s with E_PROTOCOL", (line, why) => {
    let err: unknown;
    try {
      parseProtocolLine(line);
    } catch (e) {
      err = e;
    }
    expect(isMathtuneError(err, "E_PROTOCOL")).toBe(true);
    expect((err as MathtuneError).message).toMatch(why);
  });
});

describe("training config", () => {
  it("fills in the reference recipe's defaults", () => {
    const c = resolveTrainConfig({});
    expect(c).toMatchObject({
      loraR: 8,
      loraAlpha: 16,
      loraDropout: 0.05,
      targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"],
      batchSize: 16,
      learningRate: 2e-4,
      epochs: 3,
      scheduler: "cosine",
      quantization: "auto",
      precision: "auto",
      packing: false,
      useRslora: false,
      useDora: false,
    });
    expect(c.warmupRatio).toBeGreaterThan(0);
    expect(c.microBatchSize).toBeUndefined();
  });
  it("keeps what is given", () => {
    const c = resolveTrainConfig({
      loraR: 16,
      targetModules: ["q_proj", "gate_proj"],
      useDora: true,
      packing: true,
      evalSteps: 5,
      saveSteps: 7,
    });
    expect(c).toMatchObject({
      loraR: 16,
      targetModules: ["q_proj", "gate_proj"],
      useDora: true,
      packing: true,
      evalSteps: 5,
      saveSteps: 7,
    });
  });
  it("lists every problem with E_CONFIG_INVALID", () => {
    let err: unknown;
    try {
      resolveTrainConfig({ loraR: 0, learningRate: -1, scheduler: "step" as never, bogus: 1 } as never);
    } catch (e) {
      err = e;
    }
    expect(isMathtuneError(err, "E_CONFIG_INVALID")).toBe(true);
    const problems = (err as MathtuneError).details!.problems as string[];
    expect(problems.join("\n")).toMatch(/loraR/);
    expect(problems.join("\n")).toMatch(/learningRate/);
    expect(problems.join("\n")).toMatch(/unknown property 'bogus'/);
  });
});

describe("loss curve and progress line", () => {
  it("draws the curve with Vega-Lite: one line per split and one point mark per logged point", async () => {
    const logged = [
      { split: "train", step: 1, loss: 3 },
      { split: "train", step: 2, loss: 2.5 },
      { split: "train", step: 3, loss: 2 },
      { split: "validation", step: 0, loss: 3.2 },
      { split: "validation", step: 3, loss: 2.2 },
    ];
    const svg = await lossCurveSvg(logged, "loss: tiny");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toMatch(/aria-label="X-axis titled 'step'/);
    expect(svg).toMatch(/aria-label="Y-axis titled 'loss'/);
    expect(svg).toContain("2 values: train, validation"); // the legend
    expect((svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBe(2);
    // the point marks, read as report's own tests read them: by their labels
    const marks = [
      ...svg.matchAll(
        /aria-label="([^"]+)" role="graphics-symbol" aria-roledescription="point" transform="translate\(([\d.-]+),([\d.-]+)\)"/g,
      ),
    ].map((m) => ({ label: m[1]!, y: Number(m[3]) }));
    expect(marks.map((m) => m.label).sort()).toEqual(
      logged.map((p) => `step: ${p.step}; loss: ${p.loss}; series: ${p.split}`).sort(),
    );
    const y = (label: string) => marks.find((m) => m.label === label)!.y;
    expect(y("step: 1; loss: 3; series: train")).toBeLessThan(y("step: 3; loss: 2; series: train")); // higher loss is drawn higher (smaller y)
    expect(await lossCurveSvg(logged, "loss: tiny")).toBe(svg); // same points, same bytes
  });
  it("survives no points and a flat curve", async () => {
    expect(await lossCurveSvg([])).toContain("</svg>");
    expect(await lossCurveSvg([{ split: "train", step: 1, loss: 1 }])).not.toContain("NaN");
  });
  it("shows step, loss, learning rate, tokens/s and ETA", () => {
    const line = formatProgressLine({
      type: "progress",
      phase: "train",
      step: 5,
      totalSteps: 20,
      loss: 1.23456,
      learningRate: 2e-4,
      tokensPerSecond: 1234.4,
      etaSeconds: 95,
      raw: {} as never,
    });
    expect(line).toBe("[######..................] 5/20  25% | loss 1.2346 | lr 2.00e-4 | 1234 tok/s | ETA 1m35s");
    expect(formatDuration(3725)).toBe("1h02m");
    expect(formatDuration(undefined)).toBe("--");
  });
});

describe("requirements", () => {
  it("pins every package and hashes differently with the CUDA extras", () => {
    const text = readFileSync(join(PYTHON_DIR, "requirements.txt"), "utf8");
    for (const pkg of ["torch", "transformers", "peft", "accelerate", "safetensors"])
      expect(text).toMatch(new RegExp(`^${pkg}==\\d`, "m"));
    expect(text).not.toMatch(/bitsandbytes/);
    expect(requirements(true).text).toMatch(/^bitsandbytes==\d/m);
    expect(requirements(true).hash).not.toBe(requirements(false).hash);
  });
});

describe("progress reporter", () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream };
  };
  const raw = { v: 1, type: "progress", time: 1, phase: "train", step: 1, totalSteps: 2, stepsPerEpoch: 2 } as never;
  it("on a TTY rewrites one bar line and prints validation losses above it", () => {
    const tty = sink(true);
    const r = createProgressReporter({ stream: tty.stream });
    r.onEvent({ type: "progress", phase: "train", step: 1, totalSteps: 2, loss: 2, raw });
    r.onEvent({ type: "progress", phase: "train", step: 2, totalSteps: 2, loss: 1.5, raw });
    r.onEvent({ type: "metric", split: "validation", step: 2, loss: 1.25, raw });
    r.done();
    const text = tty.chunks.join("");
    expect(text.match(/\r\x1b\[K\[/g)).toHaveLength(2);
    expect(text).toContain("2/2 100% | loss 1.5000");
    expect(text).toContain("\r\x1b[Kstep 2: validation loss 1.2500\n");
  });
  it("without a TTY writes one flat JSON object per event", () => {
    const out = sink(false);
    const r = createProgressReporter({ stream: sink(false).stream, jsonStream: out.stream });
    r.onEvent({ type: "progress", phase: "train", step: 1, totalSteps: 2, etaSeconds: 3, raw });
    r.onEvent({ type: "artifact", kind: "adapter", path: "/r/adapter" });
    const lines = out.chunks
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({
      type: "progress",
      phase: "train",
      step: 1,
      totalSteps: 2,
      stepsPerEpoch: 2,
      etaSeconds: 3,
    });
    expect(lines[1]).toEqual({ type: "artifact", kind: "adapter", path: "/r/adapter" });
  });
});

describe("ETA", () => {
  // a fake clock: 1 s per training step, 30 s per validation pass, validation every 10 of 40 steps
  const clock = () => {
    let t = 0;
    return { now: () => t, add: (s: number) => (t += s * 1000) };
  };
  it("leaves validation time out of the pace and adds the passes still to come", () => {
    const c = clock();
    const eta = new EtaEstimator({ evalSteps: 10, validation: true, now: c.now });
    eta.onProgress("start", 0, 40);
    eta.onProgress("eval", 0, undefined);
    c.add(30);
    eta.onValidationDone();
    c.add(1);
    // before the fix this was (31 s / 1 step) * 39 = 20 min; it is 39 steps at 1 s and 4 passes (10, 20, 30, end) at 30 s
    expect(eta.onProgress("train", 1, 40)).toBeCloseTo(39 + 4 * 30, 6);
    for (let s = 2; s <= 10; s++) {
      c.add(1);
      eta.onProgress("train", s, 40);
    }
    eta.onProgress("eval", 10, undefined);
    c.add(30);
    eta.onValidationDone();
    c.add(1);
    expect(eta.onProgress("train", 11, 40)).toBeCloseTo(29 + 3 * 30, 6);
    expect(eta.evalsLeft(40, 40)).toBe(0);
    expect(eta.evalsLeft(39, 40)).toBe(1);
  });
  it("without validation counts only steps", () => {
    const c = clock();
    const eta = new EtaEstimator({ validation: false, now: c.now });
    eta.onProgress("start", 5, 10);
    c.add(2);
    expect(eta.onProgress("train", 6, 10)).toBeCloseTo(8, 6);
    expect(eta.onProgress("eval", 6, 10)).toBeUndefined();
  });
  it("shows a bar over the validation batches", () => {
    expect(
      formatEvalLine({ type: "progress", phase: "eval", step: 10, batch: 3, batches: 12, raw: {} as never }, 12),
    ).toBe("validation at step 10: [###.........] 3/12 batches");
  });
});

describe("one precision vocabulary", () => {
  it("takes fp32/bf16/fp16 (and torch's names) and refuses the rest with the choices", () => {
    expect(PRECISIONS).toEqual(["fp32", "bf16", "fp16"]);
    expect(parsePrecision("fp16")).toBe("fp16");
    expect(parsePrecision("bfloat16")).toBe("bf16");
    expect(TORCH_DTYPES[parsePrecision("FP32")]).toBe("float32");
    const err = (() => {
      try {
        parsePrecision("fp8", "--dtype");
      } catch (e) {
        return e as MathtuneError;
      }
    })();
    expect(isMathtuneError(err, "E_CONFIG_INVALID")).toBe(true);
    expect(err!.message).toMatch(/--dtype must be one of fp32, bf16, fp16, got 'fp8'/);
  });
  it("the training config's precision choices are the same words plus auto", () => {
    const schema = resolveTrainConfig({ precision: "bf16" });
    expect(schema.precision).toBe("bf16");
    expect(() => resolveTrainConfig({ precision: "float16" as never })).toThrow(/precision/);
  });
});

describe("config.json records what auto became", () => {
  it("replaces precision and quantization by the trainer's, keeping the request", () => {
    const c = resolvedConfig(
      { precision: "auto", quantization: "auto", loraR: 8 },
      { precision: "bf16", quantization: "4bit", device: "cuda:0" },
    );
    expect(c).toEqual({
      precision: "bf16",
      quantization: "4bit",
      device: "cuda:0",
      loraR: 8,
      requested: { precision: "auto", quantization: "auto" },
    });
  });
});

describe("setup's pip commands", () => {
  const req = requirements(false);
  it("one install of the pinned requirements by default", () => {
    const cmds = pipInstallCommands(req);
    expect(cmds).toHaveLength(1);
    expect(cmds[0]).toEqual(expect.arrayContaining(["-r", join(PYTHON_DIR, "requirements.txt")]));
    expect(cmds[0]).not.toContain("--index-url");
  });
  it("with a torch index: the pinned torch from that index first, then the rest", () => {
    const cmds = pipInstallCommands(req, { torchIndex: CPU_TORCH_INDEX });
    const pin = /^torch==\S+/m.exec(req.text)![0];
    expect(cmds).toHaveLength(2);
    expect(cmds[0]!.slice(-3)).toEqual([pin, "--index-url", "https://download.pytorch.org/whl/cpu"]);
    expect(cmds[1]).toEqual(expect.arrayContaining(["-r", join(PYTHON_DIR, "requirements.txt")]));
  });
});

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
  toConversation,
  PYTHON_DIR,
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
    const c = resolveTrainConfig({ loraR: 16, targetModules: ["q_proj", "gate_proj"], useDora: true, packing: true, evalSteps: 5, saveSteps: 7 });
    expect(c).toMatchObject({ loraR: 16, targetModules: ["q_proj", "gate_proj"], useDora: true, packing: true, evalSteps: 5, saveSteps: 7 });
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

describe("data lines", () => {
  it("turns a MathRecord into user and assistant turns", () => {
    const c = toConversation({ id: "gsm8k/train/1", problem: "2+3?", solution: "2+3=5", answer: "5", lang: "en", source: "gsm8k" }, "x", "Be brief.");
    expect(c).toEqual({
      id: "gsm8k/train/1",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "2+3?" },
        { role: "assistant", content: "2+3=5" },
      ],
    });
  });
  it("appends an answer the solution does not state at its end", () => {
    const c = toConversation({ problem: "Find x.", solution: "Since 2x = 4,\nwe divide by two.", answer: "2" }, "f:1");
    expect(typeof c !== "string" && c.messages[1]!.content).toBe("Since 2x = 4,\nwe divide by two.\n\nThe answer is \\boxed{2}.");
    expect(typeof c !== "string" && c.id).toBe("f:1");
  });
  it("keeps messages lines as they are", () => {
    const messages = [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ];
    expect(toConversation({ id: "m1", messages }, "x")).toEqual({ id: "m1", messages });
  });
  it.each([
    [{ messages: [{ role: "user", content: "hi" }] }, /no assistant turn/],
    [{ messages: [{ role: "user" }] }, /role' and 'content'/],
    [{ problem: "x" }, /solution' or an 'answer'/],
    [{ question: "x" }, /neither a MathRecord/],
    [[1], /not a JSON object/],
  ])("explains why %j cannot be trained on", (value, why) => {
    expect(toConversation(value, "x")).toMatch(why);
  });
});

describe("loss curve and progress line", () => {
  it("draws one polyline per split with axes", () => {
    const svg = lossCurveSvg([
      { split: "train", step: 1, loss: 3 },
      { split: "train", step: 2, loss: 2.5 },
      { split: "train", step: 3, loss: 2 },
      { split: "validation", step: 0, loss: 3.2 },
      { split: "validation", step: 3, loss: 2.2 },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toMatch(/class="loss-train"[^>]*points="[\d., ]+"/);
    expect((svg.match(/<circle/g) ?? []).length).toBe(2);
    const trainPts = /class="loss-train"[^>]*points="([^"]+)"/.exec(svg)![1]!.split(" ").map((p) => Number(p.split(",")[1]));
    expect(trainPts[0]).toBeLessThan(trainPts[2]!); // higher loss is drawn higher (smaller y)
  });
  it("survives no points and a flat curve", () => {
    expect(lossCurveSvg([])).toContain("</svg>");
    expect(lossCurveSvg([{ split: "train", step: 1, loss: 1 }])).not.toContain("NaN");
  });
  it("shows step, loss, learning rate, tokens/s and ETA", () => {
    const line = formatProgressLine({ type: "progress", phase: "train", step: 5, totalSteps: 20, loss: 1.23456, learningRate: 2e-4, tokensPerSecond: 1234.4, etaSeconds: 95, raw: {} as never });
    expect(line).toBe("[######..................] 5/20  25% | loss 1.2346 | lr 2.00e-4 | 1234 tok/s | ETA 1m35s");
    expect(formatDuration(3725)).toBe("1h02m");
    expect(formatDuration(undefined)).toBe("--");
  });
});

describe("requirements", () => {
  it("pins every package and hashes differently with the CUDA extras", () => {
    const text = readFileSync(join(PYTHON_DIR, "requirements.txt"), "utf8");
    for (const pkg of ["torch", "transformers", "peft", "accelerate", "safetensors"]) expect(text).toMatch(new RegExp(`^${pkg}==\\d`, "m"));
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
    const lines = out.chunks.join("").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ type: "progress", phase: "train", step: 1, totalSteps: 2, stepsPerEpoch: 2, etaSeconds: 3 });
    expect(lines[1]).toEqual({ type: "artifact", kind: "adapter", path: "/r/adapter" });
  });
});

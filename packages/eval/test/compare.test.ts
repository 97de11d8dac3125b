import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { compareRuns, computeMetrics, gradeOutput, type ModelInfo, type Prediction } from "@mathtune/eval";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

const RIGHT = "So it is.\nAnswer: 1";
const WRONG = "So it is.\nAnswer: 2";

function pred(id: string, category: string, output: string, finish: "stop" | "length" = "stop"): Prediction {
  return {
    id,
    hash: `h-${id}`,
    source: "fixture",
    category,
    problem: `problem ${id}`,
    gold: "1",
    messages: [],
    output,
    finish,
    tokens: 5,
    strict: gradeOutput(output, "1", finish, "strict"),
    flexible: gradeOutput(output, "1", finish, "flexible"),
  };
}

/** A run folder as `evaluate` writes it, from fixture predictions. */
async function run(name: string, preds: Prediction[], model: Partial<ModelInfo> = {}): Promise<string> {
  const dir = join(await tempDir("cmp"), name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "predictions.jsonl"), preds.map((p) => `${JSON.stringify(p)}\n`).join(""));
  await writeFile(
    join(dir, "metrics.json"),
    JSON.stringify({
      version: 1,
      model: { backend: "llama", name: `${name}.gguf`, ...model },
      testSet: { hash: "t" },
      ...computeMetrics(preds),
    }),
  );
  return dir;
}

/**
 * Paired outcomes per category from counts: both right (a), only A right (b), only B right (c),
 * both wrong (d).
 */
function pairs(
  category: string,
  a: number,
  b: number,
  c: number,
  d: number,
  start: number,
): [Prediction[], Prediction[]] {
  const A: Prediction[] = [];
  const B: Prediction[] = [];
  let i = start;
  const add = (n: number, ra: boolean, rb: boolean) => {
    for (let k = 0; k < n; k++, i++) {
      A.push(pred(`${category}/${i}`, category, ra ? RIGHT : WRONG));
      B.push(pred(`${category}/${i}`, category, rb ? RIGHT : WRONG));
    }
  };
  add(a, true, true);
  add(b, true, false);
  add(c, false, true);
  add(d, false, false);
  return [A, B];
}

describe("compareRuns", () => {
  it("per-category accuracy side by side, the difference, exact McNemar p, fixed and broken examples", async () => {
    // algebra: b=1, c=7 (Fagerland et al. 2013's example: exact p = 0.0703); geometry: b=0, c=5 (p = 0.0625)
    const [a1, b1] = pairs("algebra", 10, 1, 7, 2, 0);
    const [a2, b2] = pairs("geometry", 3, 0, 5, 2, 100);
    const A = await run("base", [...a1, ...a2]);
    const B = await run("tuned", [...b1, ...b2]);
    const out = await tempDir("cmp-out");
    const c = await compareRuns({ a: A, b: B, out, examples: 3 });
    const alg = c.byCategory.find((r) => r.group === "algebra")!;
    expect(alg).toMatchObject({ n: 20, broken: 1, fixed: 7, a: { correct: 11 }, b: { correct: 17 } });
    expect(alg.difference).toBeCloseTo(0.3, 6);
    expect(alg.pValue).toBeCloseTo(0.0703125, 6);
    const geo = c.byCategory.find((r) => r.group === "geometry")!;
    expect(geo.pValue).toBeCloseTo(0.0625, 6);
    // overall: b = 1, c = 12: 2 * (1 + 13) / 2^13
    expect(c.overall).toMatchObject({ n: 30, broken: 1, fixed: 12 });
    expect(c.overall.pValue).toBeCloseTo((2 * 14) / 8192, 6);
    expect(c.fixed).toHaveLength(3);
    expect(c.fixed[0]).toMatchObject({
      id: "algebra/11",
      gold: "1",
      a: { answer: "2", verdict: "wrong" },
      b: { answer: "1", verdict: "correct" },
    });
    expect(c.broken).toHaveLength(1);
    expect(c.broken[0]!.id).toBe("algebra/10");
    expect(c.quantization).toBeNull();
    const md = await readFile(join(out, "comparison.md"), "utf8");
    expect(md).toContain("| algebra | 20 | 55.0% | 85.0% | +30.0 | 7 | 1 | 0.070 |");
    expect(md).toContain("| geometry | 10 | 30.0% | 80.0% | +50.0 | 5 | 0 | 0.063 |");
    expect(md).toContain("| **overall** | 30 | 46.7% | 83.3% | +36.7 | 12 | 1 | 0.003 |");
    expect(md).toMatch(/## Fixed \(examples\)/);
    const json = JSON.parse(await readFile(join(out, "comparison.json"), "utf8")) as typeof c;
    expect(json.overall).toEqual(c.overall);
  });

  it("the same model at two quantizations: the accuracy lost", async () => {
    const [a, b] = pairs("x", 8, 3, 1, 0, 0);
    const f16 = await run("f16", a, { modelName: "Tiny", architecture: "qwen2", quantization: "f16" });
    const q4 = await run("q4", b, { modelName: "Tiny", architecture: "qwen2", quantization: "q4_k_m" });
    const c = await compareRuns({ a: f16, b: q4 });
    expect(c.quantization).toMatchObject({ from: "f16", to: "q4_k_m" });
    expect(c.quantization!.accuracyLoss).toBeCloseTo(2 / 12, 6);
    expect(c.quantization!.pValue).toBeCloseTo(0.625, 6); // b=3, c=1: 2 * 5/16
    // another model at another quantization is no quantization loss
    const other = await run("other", b, { modelName: "Other", architecture: "qwen2", quantization: "q4_k_m" });
    expect((await compareRuns({ a: f16, b: other })).quantization).toBeNull();
  });

  it("strict and flexible grading can be compared apart", async () => {
    const A = await run("a", [pred("1", "c", "the result is 1"), pred("2", "c", "Answer: 1")]);
    const B = await run("b", [pred("1", "c", "Answer: 1"), pred("2", "c", "Answer: 1")]);
    expect((await compareRuns({ a: A, b: B, mode: "strict" })).overall.fixed).toBe(1);
    expect((await compareRuns({ a: A, b: B, mode: "flexible" })).overall.fixed).toBe(0);
  });

  it("refuses runs on different test sets: E_COMPARE_MISMATCH", async () => {
    const base = [pred("1", "c", RIGHT), pred("2", "c", RIGHT)];
    const A = await run("a", base);
    const other = await run("b", [pred("1", "c", RIGHT), pred("3", "c", RIGHT)]);
    const e1 = (await compareRuns({ a: A, b: other }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(e1, "E_COMPARE_MISMATCH")).toBe(true);
    expect(e1.message).toMatch(/1 problems only in A, 1 only in B/);
    const changed = await run("c", [pred("1", "c", RIGHT), { ...pred("2", "c", RIGHT), hash: "other" }]);
    const e2 = (await compareRuns({ a: A, b: changed }).catch((e: unknown) => e)) as MathtuneError;
    expect(e2.message).toMatch(/1 with the same id but other content/);
    const shorter = await run("d", base.slice(0, 1));
    expect(
      isMathtuneError(await compareRuns({ a: A, b: shorter }).catch((e: unknown) => e), "E_COMPARE_MISMATCH"),
    ).toBe(true);
  });

  it("an unfinished run is refused: E_EVAL_INCOMPLETE", async () => {
    const A = await run("a", [pred("1", "c", RIGHT)]);
    const dir = join(await tempDir("unfinished"), "u");
    await mkdir(dir);
    await writeFile(join(dir, "predictions.jsonl"), `${JSON.stringify(pred("1", "c", RIGHT))}\n`);
    expect(isMathtuneError(await compareRuns({ a: A, b: dir }).catch((e: unknown) => e), "E_EVAL_INCOMPLETE")).toBe(
      true,
    );
  });
});

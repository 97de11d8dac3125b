import { cp, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MathtuneError } from "@mathtune/core";
import { readRunFolder, writeRunReport } from "@mathtune/report";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartMarks, launch, markLabels, open, shownNumbers } from "./browser.js";

const fixture = fileURLToPath(new URL("./fixtures/run", import.meta.url));
const docs = fileURLToPath(new URL("../../../docs/", import.meta.url));
let tmp = "";
let browser: Browser;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "mt-report-run-"));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Row {
  group: string;
  n: number;
  a: { accuracy: number };
  b: { accuracy: number };
  fixed: number;
  broken: number;
  difference: number;
}
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

describe("run report", () => {
  it("reads the eval/compare/train/build files of a run folder", async () => {
    const inp = await readRunFolder(fixture);
    expect(inp.comparison?.labels).toEqual(["base", "tuned"]);
    expect(inp.quantization?.quantization).toMatchObject({ from: "f16", to: "q4_k_m" });
    expect(inp.evals.map((e) => e.label)).toEqual(["base", "tuned", "tuned-q4_k_m"]);
    expect(inp.training?.metrics.length).toBe(45);
    // the outputs of the fixed and broken problems are read from predictions.jsonl
    const fixedId = inp.comparison!.fixed[0]!.id;
    expect(inp.evals[1]!.outputs.get(fixedId)).toMatch(/boxed/);
    const e = await readRunFolder(tmp).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MathtuneError);
    expect((e as MathtuneError).code).toBe("E_INPUT_NOT_FOUND");
  });

  it("writes report.html, report.md and its SVG charts; in Chromium: no errors, math rendered, charts drawn, numbers = metrics", async () => {
    const dir = join(tmp, "run");
    await cp(fixture, dir, { recursive: true });
    const r = await writeRunReport(dir);
    const again = await writeRunReport(dir, { out: join(tmp, "again") });
    expect(again.html).toBe(r.html);
    expect(again.markdown).toBe(r.markdown);
    expect(Object.keys(r.charts).sort()).toEqual([
      "report-accuracy.svg",
      "report-learning-rate.svg",
      "report-loss.svg",
      "report-models.svg",
    ]);
    const md = await readFile(join(dir, "report.md"), "utf8");
    for (const f of Object.keys(r.charts)) {
      expect(md).toContain(`](${f})`);
      expect(await readFile(join(dir, f), "utf8")).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
    const cmp = JSON.parse(await readFile(join(fixture, "compare/comparison.json"), "utf8")) as {
      overall: Row;
      byCategory: Row[];
      fixed: unknown[];
    };
    expect(md).toContain(`| **overall** | ${cmp.overall.n} | ${pct(cmp.overall.a.accuracy)} |`);
    expect(md).toMatch(/f16 -> q4_k_m/);

    const { page, errors, external } = await open(browser, join(dir, "report.html"));
    try {
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
      expect(await page.locator(".katex-error").count()).toBe(0);
      expect(await page.locator(".example .katex").count()).toBeGreaterThan(3);
      const marks = await chartMarks(page);
      expect(Object.keys(marks).sort()).toEqual(["accuracy", "learning-rate", "loss", "models"]);
      for (const [name, n] of Object.entries(marks)) expect(n, `chart ${name}`).toBeGreaterThan(0);
      const shown = await shownNumbers(page);
      const text = (k: string) => page.locator(`[data-k="${k}"]`).first().textContent();
      expect(shown.records).toBe(30);
      expect(await text("overall:a")).toBe(pct(cmp.overall.a.accuracy));
      expect(await text("overall:b")).toBe(pct(cmp.overall.b.accuracy));
      expect(shown["overall:fixed"]).toBe(cmp.overall.fixed);
      expect(shown["overall:broken"]).toBe(cmp.overall.broken);
      for (const row of cmp.byCategory) {
        expect(shown[`cat:${row.group}:n`]).toBe(row.n);
        expect(await text(`cat:${row.group}:a`)).toBe(pct(row.a.accuracy));
        expect(await text(`cat:${row.group}:b`)).toBe(pct(row.b.accuracy));
        expect(shown[`cat:${row.group}:fixed`]).toBe(row.fixed);
        expect(shown[`cat:${row.group}:broken`]).toBe(row.broken);
      }
      // the interval chart carries the same accuracies and intervals
      const labels = await markLabels(page, "accuracy");
      expect(
        labels.some(
          (l) =>
            l.includes(`accuracy: ${cmp.overall.b.accuracy}`) || l.includes(`accuracy: ${pct(cmp.overall.b.accuracy)}`),
        ),
      ).toBe(true);
      const q = JSON.parse(await readFile(join(fixture, "quant/comparison.json"), "utf8")) as {
        quantization: { accuracyLoss: number };
      };
      expect(shown["quant:loss"]).toBeCloseTo(q.quantization.accuracyLoss * 100, 1);
      const res = JSON.parse(await readFile(join(fixture, "train/result.json"), "utf8")) as { steps: number };
      expect(shown["train:steps"]).toBe(res.steps);
      // the loss chart has both series; fixed and broken examples are rendered
      expect((await markLabels(page, "loss")).join(" ")).toMatch(/validation/);
      expect(await page.locator(".example").count()).toBe(
        cmp.fixed.length + (cmp as unknown as { broken: unknown[] }).broken.length,
      );
      await mkdir(docs, { recursive: true });
      await page.screenshot({ path: join(docs, "report-run.png"), fullPage: false });
    } finally {
      await page.close();
    }
  });
});

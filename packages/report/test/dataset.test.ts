import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// The build is imported from its sources: @mathtune/dataset depends on this package, so a devDependency back would be a cycle.
import { buildDataset } from "../../dataset/src/index.ts";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartMarks, launch, markLabels, open, shownNumbers } from "./browser.js";

const fx = (p: string) => fileURLToPath(new URL(`../../../test-fixtures/${p}`, import.meta.url));
const docs = fileURLToPath(new URL("../../../docs/", import.meta.url));
let tmp = "";
let browser: Browser;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "mt-report-ds-"));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function recipe(dir: string) {
  const long =
    "A farmer plants 12 rows of corn with 15 plants in each row and later adds 30 more plants along the fence. How many plants are there now?";
  const own = [
    {
      problem: "What is $\\frac{1}{2} + \\frac{1}{3}$?",
      solution: "We get $\\frac{3}{6} + \\frac{2}{6} = \\boxed{\\frac{5}{6}}$.",
      answer: "\\frac{5}{6}",
    },
    { problem: "Compute $\\frac{1}{2$ plus one.", solution: "Braces are off: $\\frac{3}{2}$.", answer: "\\frac{3}{2}" },
    {
      problem: "Simplify $\\sqrt{x^2}$ for $x > 0$ and $\\foo{x} + 1$.",
      solution: "It is $x$ since $\\lvert x \\rvert = x$.",
      answer: "x",
    },
    { problem: "Find $x$ if $2x + 3 = 11$.", solution: "$2x = 8$, so $x = \\boxed{4}$.", answer: "4" },
    { problem: "Find $x$ if $2x + 3 = 11$.", solution: "Subtract: $x = 4$.", answer: "4" },
    { problem: long, solution: "$12 \\cdot 15 + 30 = 210$", answer: "210" },
  ];
  await writeFile(
    join(dir, "own.jsonl"),
    own.map((r) => JSON.stringify({ ...r, category: "algebra", difficulty: 2 })).join("\n"),
  );
  await writeFile(join(dir, "heldout.jsonl"), JSON.stringify({ problem: long, solution: "...", answer: "210" }));
  return {
    name: "report-demo",
    seed: 7,
    sources: [
      { adapter: "jsonl", name: "own", options: { path: join(dir, "own.jsonl") } },
      { adapter: "gsm8k", options: { path: fx("gsm8k/train.jsonl") } },
      { adapter: "math", options: { path: fx("MATH") } },
    ],
    checks: {
      latex: {
        policy: { default: "flag" },
        byCode: { E_LATEX_UNBALANCED_BRACES: "reject" },
        dollars: { bySource: { gsm8k: false } },
        workers: 0,
      },
      dedup: true,
      decontaminate: { sets: [{ name: "heldout", adapter: "jsonl", options: { path: join(dir, "heldout.jsonl") } }] },
    },
  };
}

describe("dataset report", () => {
  it("every build writes report.html: byte-identical on a rerun, and in Chromium: no errors, math rendered, charts drawn, numbers = manifest", async () => {
    const dir = await mkdtemp(join(tmp, "in-"));
    const r1 = await buildDataset({ recipe: await recipe(dir), out: join(tmp, "a") });
    await buildDataset({ recipe: await recipe(dir), out: join(tmp, "b") });
    const html = await readFile(join(tmp, "a", "report.html"), "utf8");
    expect(await readFile(join(tmp, "b", "report.html"), "utf8")).toBe(html);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing fetched from the network
    const manifest = JSON.parse(await readFile(join(tmp, "a", "manifest.json"), "utf8")) as {
      counts: typeof r1.counts;
    };
    expect(manifest.counts.quarantineByCode).toMatchObject({ E_DUPLICATE: 1, E_CONTAMINATED: 1 });
    expect(Object.keys(manifest.counts.quarantineByCode).some((c) => c.startsWith("E_LATEX_"))).toBe(true);

    const { page, errors, external } = await open(browser, join(tmp, "a", "report.html"));
    try {
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
      expect(await page.locator(".katex-error").count()).toBe(0);
      expect(await page.locator(".katex").count()).toBeGreaterThan(5);
      // KaTeX's fonts load from the inlined data URIs
      expect(
        await page.evaluate(
          () => [...document.fonts].filter((f) => f.family.startsWith("KaTeX") && f.status === "loaded").length,
        ),
      ).toBeGreaterThan(0);
      const marks = await chartMarks(page);
      expect(Object.keys(marks).sort()).toEqual([
        "category",
        "difficulty",
        "language",
        "lengths",
        "quarantine",
        "source",
        "split",
      ]);
      for (const [name, n] of Object.entries(marks)) expect(n, `chart ${name}`).toBeGreaterThan(0);

      const shown = await shownNumbers(page);
      const c = manifest.counts;
      expect(shown.read).toBe(c.read);
      expect(shown.written).toBe(c.written);
      expect(shown.quarantined).toBe(c.quarantined);
      for (const s of ["train", "validation", "test"] as const) expect(shown[`split:${s}`]).toBe(c.splits[s]);
      for (const [name, sc] of Object.entries(c.sources)) {
        expect(shown[`source:${name}:read`]).toBe(sc.read);
        expect(shown[`source:${name}:written`]).toBe(sc.written);
        for (const s of ["train", "validation", "test"] as const)
          expect(shown[`source:${name}:${s}`]).toBe(sc.splits[s]);
      }
      for (const [code, n] of Object.entries(c.quarantineByCode)) expect(shown[`quarantine:${code}`]).toBe(n);
      // the split chart's bars carry the manifest's counts
      const bars = await markLabels(page, "split");
      for (const s of ["train", "validation", "test"] as const)
        expect(bars).toContain(`records: ${c.splits[s]}; split: ${s}`);

      // samples shown as chat turns, per split, as many as the split allows
      for (const s of ["train", "validation", "test"] as const)
        expect(await page.locator(`.sample[data-split="${s}"]`).count()).toBe(Math.min(4, c.splits[s]));
      expect(await page.locator('.sample[data-split="train"] .turn.user').count()).toBeGreaterThan(0);
      expect(await page.locator('.sample[data-split="train"] .turn.assistant').count()).toBeGreaterThan(0);
      // the offending spans are marked: the unknown command (kept, flagged), the broken braces (quarantined)
      const findingMarks = await page.locator(".finding mark").allTextContents();
      expect(findingMarks.join(" ")).toContain("\\foo");
      expect(await page.locator(".finding .id", { hasText: "quarantined" }).count()).toBeGreaterThan(0);
      // duplicates side by side with the shared run marked on both sides, the contaminated span marked
      for (const side of await page.locator(".dup .side > div").all())
        expect(await side.locator("mark").count()).toBeGreaterThan(0);
      expect(await page.locator(".dup .side > div").count()).toBe(2);
      expect((await page.locator(".contam .side > div").first().locator("mark").allTextContents()).join(" ")).toMatch(
        /farmer plants 12 rows/i,
      );
      await mkdir(docs, { recursive: true });
      await page.screenshot({ path: join(docs, "report-dataset.png"), fullPage: false });
    } finally {
      await page.close();
    }
  });
});

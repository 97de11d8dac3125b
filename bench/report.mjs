#!/usr/bin/env node
// Benchmark: the dataset report of a build of N MATH-style records (LaTeX in problem and solution,
// 7 categories, 5 levels): the size of report.html, the build's wall time and peak RSS, and the
// time of rendering the report again from the finished folder (the reads of quarantine.jsonl and
// the split files plus the charts and KaTeX).
//
//   node bench/report.mjs               # 1,000,000 records
//   node bench/report.mjs 200000
//
// Needs `pnpm build` first (or `pnpm turbo run build --filter @mathtune/dataset`).
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDataset } from "../packages/dataset/dist/index.js";
import { DatasetReportCollector, renderDatasetReport } from "../packages/report/dist/index.js";

const n = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "mt-bench-report-"));
const cats = [
  "Algebra",
  "Geometry",
  "Number Theory",
  "Counting & Probability",
  "Precalculus",
  "Prealgebra",
  "Intermediate Algebra",
];
const input = join(dir, "in.jsonl");
const out = createWriteStream(input);
for (let i = 0; i < n; i++) {
  const a = (i * 7919) % 1000;
  const row = {
    problem: `Problem ${i}: compute $\\frac{${a}}{${(i % 13) + 2}} + \\sqrt{${a + 1}}$ and simplify.${i % 5 === 0 ? " Also find $x$ if $x^2 = " + a * a + "$." : ""}`,
    solution: `We have $\\frac{${a}}{${(i % 13) + 2}}$ and $\\sqrt{${a + 1}}$, so the result is $\\boxed{${a}}$.${" More words to vary the length.".repeat(i % 9)}`,
    answer: String(a),
    category: cats[i % cats.length],
    difficulty: (i % 5) + 1,
  };
  if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, "drain");
}
out.end();
await once(out, "finish");
const inputBytes = statSync(input).size;
const t0 = performance.now();
const r = await buildDataset({
  recipe: { name: "bench", sources: [{ adapter: "jsonl", options: { path: input } }] },
  out: join(dir, "out"),
});
const buildS = (performance.now() - t0) / 1000;
const bytes = statSync(join(r.out, "report.html")).size;
// The render again, from the finished folder, with a collector fed the kept records' counts
const manifest = JSON.parse(readFileSync(join(r.out, "manifest.json"), "utf8"));
const c = new DatasetReportCollector();
const t1 = performance.now();
await renderDatasetReport(r.out, { manifest, collector: c });
const renderS = (performance.now() - t1) / 1000;
console.log(`records ${n}, input ${(inputBytes / 1e6).toFixed(0)} MB`);
console.log(
  `build (with the report): ${buildS.toFixed(1)} s, ${(n / buildS).toFixed(0)} records/s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
console.log(
  `report.html: ${(bytes / 1e6).toFixed(2)} MB (KaTeX CSS and fonts inlined: ${(Buffer.byteLength((await import("../packages/report/dist/index.js")).inlineKatexCss()) / 1e6).toFixed(2)} MB)`,
);
console.log(
  `report render from the finished folder (reads quarantine and split files, charts, KaTeX): ${renderS.toFixed(1)} s`,
);
rmSync(dir, { recursive: true, force: true });

#!/usr/bin/env node
// Prints the Markdown tables of docs/RESULTS.md from a `mathtune run` folder: accuracy per category
// (base vs tuned, difference, exact McNemar p), the mean gain over the categories, the "no answer"
// rates, f16 vs each quant type, and the time of each stage. Usage:
//   node scripts/results-tables.mjs runs/smollm2-math
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const run = process.argv[2];
if (!run || !existsSync(join(run, "lineage.json"))) {
  process.stderr.write("usage: node scripts/results-tables.mjs RUN_DIR (a `mathtune run` folder)\n");
  process.exit(2);
}
const json = (p) => JSON.parse(readFileSync(join(run, p), "utf8"));
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const pts = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
const p = (x) => (x < 1e-4 ? x.toExponential(1) : x.toFixed(4));
const out = [];

const c = json("compare/base-vs-tuned/comparison.json");
out.push(
  `### Accuracy per category (${c.labels[0]} vs ${c.labels[1]}, ${c.mode} grading, ${c.overall.n} problems)`,
  "",
);
out.push(
  "| category | n | base | tuned | difference (points) | fixed | broken | McNemar p |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
);
for (const r of c.byCategory)
  out.push(
    `| ${r.group} | ${r.n} | ${pct(r.a.accuracy)} | ${pct(r.b.accuracy)} | ${pts(r.difference)} | ${r.fixed} | ${r.broken} | ${p(r.pValue)} |`,
  );
const mean = c.byCategory.reduce((s, r) => s + r.difference, 0) / c.byCategory.length;
out.push(
  `| **overall** | ${c.overall.n} | ${pct(c.overall.a.accuracy)} | ${pct(c.overall.b.accuracy)} | ${pts(c.overall.difference)} | ${c.overall.fixed} | ${c.overall.broken} | ${p(c.overall.pValue)} |`,
);
out.push("", `Mean gain over the ${c.byCategory.length} categories: ${pts(mean)} points.`, "");

const evals = readdirSync(join(run, "eval")).sort((a, b) => (a === "base" ? -1 : b === "base" ? 1 : a < b ? -1 : 1));
out.push(
  "### No answer found, and answers cut at the token limit",
  "",
  "Flexible grading falls back to the last number of a reply; strict grading reads only a stated answer (an `Answer:` line, a box, `####`).",
  "",
);
out.push(
  "| evaluation | model file | accuracy | no answer | cut by length | strict: accuracy | strict: no answer | mean tokens | problems/s | tokens/s |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
);
const unfinished = [];
for (const e of evals) {
  if (!existsSync(join(run, "eval", e, "metrics.json"))) {
    unfinished.push(
      `${e} (${
        readFileSync(join(run, "eval", e, "predictions.jsonl"), "utf8")
          .trim()
          .split("\n")
          .filter(Boolean).length
      } predictions, unfinished)`,
    );
    continue;
  }
  const m = json(`eval/${e}/metrics.json`);
  const f = m.overall.flexible;
  const st = m.overall.strict;
  out.push(
    `| ${e} | ${m.model.name.split("/").slice(-2).join("/")} (${m.model.quantization ?? "?"}) | ${pct(f.accuracy)} | ${f.noAnswer} (${pct(f.noAnswer / f.n)}) | ${f.length} (${pct(f.length / f.n)}) | ${pct(st.accuracy)} | ${st.noAnswer} (${pct(st.noAnswer / st.n)}) | ${m.tokens.meanPerProblem} | ${m.speed.problemsPerSecond} | ${m.speed.tokensPerSecond} |`,
  );
}
if (unfinished.length) out.push("", `Not in the table: ${unfinished.join(", ")}.`);
out.push("");

for (const d of readdirSync(join(run, "compare"))
  .filter((d) => d !== "base-vs-tuned")
  .sort()) {
  const q = json(`compare/${d}/comparison.json`);
  out.push(`### ${q.labels[0]} vs ${q.labels[1]}`, "");
  out.push(
    `| category | n | ${q.labels[0]} | ${q.labels[1]} | difference (points) | McNemar p |`,
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const r of [...q.byCategory, q.overall])
    out.push(
      `| ${r.group} | ${r.n} | ${pct(r.a.accuracy)} | ${pct(r.b.accuracy)} | ${pts(r.difference)} | ${p(r.pValue)} |`,
    );
  out.push("");
}

const l = json("lineage.json");
out.push("### Stages (the last time each ran)", "", "| stage | seconds | started |", "|---|---:|---|");
for (const [s, r] of Object.entries(l.stages).sort((a, b) => (a[1].startedAt < b[1].startedAt ? -1 : 1)))
  out.push(`| ${s} | ${r.seconds.toFixed(0)} | ${r.startedAt} |`);
const t = json("train/result.json");
const f3 = (x) => (typeof x === "number" ? x.toFixed(3) : "?");
out.push(
  "",
  `Training: ${t.steps} steps in ${Number(t.seconds).toFixed(0)} s; train loss ${f3(t.firstLoss)} -> ${f3(t.lastLoss)}; validation loss ${f3(t.initialEvalLoss)} -> ${f3(t.evalLoss)}.`,
);
process.stdout.write(`${out.join("\n")}\n`);

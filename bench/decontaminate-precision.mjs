#!/usr/bin/env node
// Precision and recall of @mathtune/split's decontamination on an evaluation-like set built from
// MATH train (MATH-500 itself is not here):
// - evaluation set: 500 MATH train problems held apart (the 500 lowest SHA-256 of "heldout:" + id);
// - training stream: the other 7,000 problems, plus copies of 150 held-apart problems injected as
//   known contamination: 50 verbatim with a prefix and LaTeX spacing changed ("copy"), 50 with words
//   replaced and a sentence added ("edit"), 50 with the first 60% of the words kept and a new
//   question ("partial": a shared setup, reported apart, not counted in recall).
// Every removal among the 7,000 untouched records is either a real duplicate inside MATH train or a
// false positive: those pairs were read and labelled by hand in bench/data/decontaminate-labels.json
// (`true`: the same problem, contamination; `false`: different problems). Precision counts the
// injected copies as true and uses the labels for the rest; an unlabelled removal is listed.
//
//   pnpm turbo run build --filter @mathtune/split && node bench/decontaminate-precision.mjs [--dump pairs.jsonl]
//
// Needs /work/shared/realdata/MATH/train (or REALDATA=folder).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "../packages/split/dist/index.js");
if (!existsSync(dist)) {
  console.error("packages/split/dist is missing: run `pnpm turbo run build --filter @mathtune/split` first");
  process.exit(1);
}
const { createDecontaminationStage } = await import(dist);
const root = process.env.REALDATA ?? "/work/shared/realdata";
const dir = join(root, "MATH/train");
if (!existsSync(dir)) {
  console.log(`no MATH train split at ${dir}; nothing to measure`);
  process.exit(0);
}
const labels = JSON.parse(readFileSync(join(here, "data/decontaminate-labels.json"), "utf8"));

const all = [];
for (const subject of readdirSync(dir).sort()) {
  for (const f of readdirSync(join(dir, subject)).sort((a, b) => parseInt(a) - parseInt(b))) {
    const o = JSON.parse(readFileSync(join(dir, subject, f), "utf8"));
    all.push({
      id: `math/train/${subject}/${f.replace(/\.json$/, "")}`,
      source: "math",
      problem: o.problem,
      lang: "en",
    });
  }
}
const sha = (s) => createHash("sha256").update(s).digest("hex");
const ranked = [...all].sort((a, b) => (sha(`heldout:${a.id}`) < sha(`heldout:${b.id}`) ? -1 : 1));
const evalRecs = ranked.slice(0, 500);
const train = ranked.slice(500).sort((a, b) => (a.id < b.id ? -1 : 1));

const SWAPS = [
  [/\bFind\b/g, "Determine"],
  [/\bWhat is\b/g, "Compute"],
  [/\bHow many\b/g, "What number of"],
  [/\bthe value of\b/g, "the exact value of"],
  [/\bSuppose\b/g, "Assume"],
  [/\bLet\b/g, "Now let"],
];
function edit(p) {
  let s = p;
  for (const [re, by] of SWAPS) s = s.replace(re, by);
  return `${s} Express your answer in simplest form and justify each step.`;
}
function partial(p) {
  const w = p.split(/\s+/);
  return `${w.slice(0, Math.ceil(w.length * 0.6)).join(" ")} Which of the quantities above is the largest?`;
}
const injected = [];
for (const [i, r] of evalRecs.slice(0, 150).entries()) {
  const kind = i < 50 ? "copy" : i < 100 ? "edit" : "partial";
  const problem =
    kind === "copy"
      ? `Problem ${i + 1}. ${r.problem.replace(/\\,/g, " ").replace(/ = /g, "=")}`
      : kind === "edit"
        ? edit(r.problem)
        : partial(r.problem);
  injected.push({ id: `injected/${kind}/${i}`, source: "math", problem, lang: "en", meta: { of: r.id, kind } });
}

async function run(name, options) {
  const stage = await createDecontaminationStage(options, [{ name: "heldout", records: evalRecs }]);
  const out = stage.process([...train, ...injected], {});
  const report = stage.report();
  const removed = report.entries;
  const byKind = { copy: 0, edit: 0, partial: 0 };
  let trueRemovals = 0;
  let falseRemovals = 0;
  const unlabelled = [];
  const pairs = [];
  for (const e of removed) {
    const m = /^injected\/(\w+)\//.exec(e.id);
    if (m) {
      byKind[m[1]]++;
      trueRemovals++; // an injected copy (a kept setup of an evaluation problem counts too)
      continue;
    }
    const evalId = e.matches[0].evalId;
    const key = `${e.id} ${evalId}`;
    const label = labels[key];
    pairs.push({
      key,
      share: e.share,
      reason: e.reason,
      train: train.find((r) => r.id === e.id).problem,
      eval: evalRecs.find((r) => r.id === evalId).problem,
      label: label?.same,
    });
    if (label === undefined) unlabelled.push(key);
    else if (label.same) trueRemovals++;
    else falseRemovals++;
  }
  const labelledRemovals = trueRemovals + falseRemovals;
  const row = {
    config: name,
    removed: removed.length,
    "of 7,000 untouched": removed.length - byKind.copy - byKind.edit - byKind.partial,
    "copy found /50": byKind.copy,
    "edit found /50": byKind.edit,
    "partial found /50": byKind.partial,
    "untouched: same problem": trueRemovals - byKind.copy - byKind.edit - byKind.partial,
    "false removals": falseRemovals,
    precision: labelledRemovals ? +(trueRemovals / labelledRemovals).toFixed(4) : null,
    "recall (copy+edit)": +((byKind.copy + byKind.edit) / 100).toFixed(4),
    unlabelled: unlabelled.length,
    partialKept: report.partial,
    boilerplateOnlyKept: report.boilerplateOnly,
    otherMathKept: report.otherMath,
  };
  if (out.length !== train.length + injected.length) throw new Error("stage lost records");
  return { row, pairs, unlabelled };
}

const configs = [
  ["any 13-gram (before)", { commonIn: 1_000_000, minShare: 0, sameMath: false }],
  ["commonIn 3", { commonIn: 3, minShare: 0, sameMath: false }],
  ["commonIn 3, minShare 0.5", { sameMath: false }],
  ["commonIn 3, sameMath", { minShare: 0 }],
  ["defaults: commonIn 3, minShare 0.5, sameMath", {}],
  ["commonIn 3, minShare 0.3, sameMath", { minShare: 0.3 }],
  ["commonIn 3, minShare 0.7, sameMath", { minShare: 0.7 }],
];
const dumpAt = process.argv.indexOf("--dump");
const allPairs = new Map();
const rows = [];
for (const [name, options] of configs) {
  const { row, pairs, unlabelled } = await run(name, options);
  rows.push(row);
  for (const p of pairs) allPairs.set(p.key, p);
  if (unlabelled.length)
    console.error(
      `${name}: ${unlabelled.length} removals not labelled: ${unlabelled.slice(0, 5).join(", ")}${unlabelled.length > 5 ? " ..." : ""}`,
    );
}
const cols = Object.keys(rows[0]);
console.log(`| ${cols.join(" | ")} |\n|${cols.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(" | ")} |`);
if (dumpAt > 0)
  writeFileSync(process.argv[dumpAt + 1], [...allPairs.values()].map((p) => JSON.stringify(p)).join("\n") + "\n");

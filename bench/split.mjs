#!/usr/bin/env node
// Benchmark: @mathtune/split's dedup (exact + MinHash/LSH near), 13-gram decontamination and the
// seeded stratified split over N streamed records (1,000,000 by default). Prints throughput per
// stage and peak RSS.
//
//   node bench/split.mjs                      # 1,000,000 records
//   node bench/split.mjs --records 200000     # another size
//   node bench/split.mjs --no-near            # exact dedup only
//
// Problems: GSM8K train questions from ../shared/realdata/gsm8k/train.jsonl when present (said in
// the output), else synthetic word problems; each repeat gets other numbers, so repeats are
// templated problems, not duplicates. Injected: 2% exact duplicates (case and spacing changed),
// 1% near duplicates (first word replaced, same numbers), 0.5% copies of an evaluation text
// (some of these copies repeat, so later ones go as exact duplicates).
// Evaluation sets: 1,319 held-out questions ("gsm8k-test") and 5,000 synthetic texts ("math-test").
// Needs `pnpm turbo run build --filter @mathtune/split` first. Records are generated on the fly
// and never held; the stages keep ids and hashes only.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../packages/core/dist/internal.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dist = join(root, "packages/split/dist/index.js");
if (!existsSync(dist)) {
  console.error("packages/split/dist is missing: run `pnpm turbo run build --filter @mathtune/split` first");
  process.exit(1);
}
const { createDedupStage, createDecontaminationStage, parseSplitOptions, pinnedSplit, StratifiedSplitter, stratumOf } =
  await import(dist);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = opt("--records", 1_000_000);
const BATCH = opt("--batch", 1000);
const near = !args.includes("--no-near");

const rng = mulberry32;

const realPath = join(root, "..", "shared", "realdata", "gsm8k", "train.jsonl");
let questions;
let origin;
if (existsSync(realPath)) {
  questions = readFileSync(realPath, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).question);
  origin = `GSM8K train questions from ${realPath} (${questions.length})`;
} else {
  const r = rng(1);
  const vocab = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}${"aeiou"[i % 5]}`);
  questions = Array.from({ length: 8000 }, () => {
    const len = 25 + Math.floor(r() * 40);
    const ws = [];
    for (let k = 0; k < len; k++)
      ws.push(r() < 0.08 ? String(Math.floor(r() * 500)) : vocab[Math.floor(r() * vocab.length)]);
    return `${ws.join(" ")}?`;
  });
  origin = "synthetic word problems (../shared/realdata is not present)";
}
const heldOut = questions.slice(0, 1319);
const templates = questions.slice(1319);
const r2 = rng(2);
const mathVocab = [
  "let",
  "x",
  "y",
  "be",
  "real",
  "numbers",
  "such",
  "that",
  "find",
  "the",
  "value",
  "of",
  "sum",
  "product",
  "\\frac",
  "integer",
  "positive",
  "triangle",
  "area",
  "circle",
  "radius",
  "compute",
  "what",
  "is",
  "if",
  "and",
  "then",
];
const mathTest = Array.from({ length: 5000 }, (_, i) => {
  const len = 20 + Math.floor(r2() * 30);
  const ws = [];
  for (let k = 0; k < len; k++)
    ws.push(r2() < 0.15 ? String(Math.floor(r2() * 100)) : mathVocab[Math.floor(r2() * mathVocab.length)]);
  return { id: `math/test/${i}`, text: ws.join(" ") };
});

const SOURCES = ["gsm8k", "math", "synth"];
const CATS = ["algebra", "geometry", "number_theory", "prealgebra", "precalculus", "counting", "word_problem"];

function problemAt(i) {
  const t = templates[i % templates.length];
  const cycle = Math.floor(i / templates.length);
  if (cycle === 0) return t;
  let m = 0;
  const out = t.replace(/\d+/g, (d) => String(Number(d) + cycle * (++m + 1)));
  return m ? out : `${t} Case ${cycle}.`;
}

function* records() {
  for (let i = 0; i < N; i++) {
    let problem;
    if (i % 50 === 1)
      problem = `  ${problemAt(i - 1)
        .toUpperCase()
        .replace(/ /g, "  ")}`; // exact duplicate
    else if (i % 100 === 3)
      problem = problemAt(i - 3).replace(/^\S+/, "Alex"); // near duplicate: another first word (a name, often)
    else if (i % 200 === 7)
      problem = `Question: ${i % 400 === 7 ? heldOut[i % heldOut.length] : mathTest[i % mathTest.length].text}`; // contaminated
    else problem = problemAt(i);
    const source = SOURCES[i % 3];
    yield {
      id: `${source}/train/${i}`,
      source,
      ...(source === "math" && i % 20 === 2 ? { split: "test" } : {}), // pinned to test (respectSourceSplit); the rest are free
      problem,
      category: CATS[i % 7],
      difficulty: 1 + (i % 5),
      lang: "en",
    };
  }
}

const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const rate = (n, ms) => `${Math.round(n / (ms / 1000)).toLocaleString("en-US")} records/s`;

const t0 = performance.now();
const dedup = createDedupStage({ near });
const decon = await createDecontaminationStage({}, [
  { name: "gsm8k-test", texts: heldOut.map((text, i) => ({ id: `gsm8k/test/${i}`, text })) },
  { name: "math-test", texts: mathTest },
]);
const tIndex = performance.now() - t0;
// The build's split: two passes; pass 1 counts each kept record in its stratum (the bench keeps
// the stratum numbers, 4 bytes a record, where the build writes them to its staging file).
const splitOptions = parseSplitOptions({ by: ["source", "category", "difficulty"], respectSourceSplit: true });
const splitter = StratifiedSplitter.fromOptions(splitOptions, 42);
const stratumKey = stratumOf(splitOptions.by);
let strataOf = new Int32Array(1 << 16); // stratum number per kept record; -1 - split code when pinned
const SPLIT_NAMES = ["train", "validation", "test"];

// wall time and CPU time (user + system) per stage; on a busy machine CPU time is the fairer figure
const T = { gen: [0, 0], dedup: [0, 0], decon: [0, 0], add: [0, 0], plan: [0, 0] };
let mark = [performance.now(), process.cpuUsage()];
const lap = (k) => {
  const w = performance.now();
  const c = process.cpuUsage();
  T[k][0] += w - mark[0];
  T[k][1] += (c.user - mark[1].user + c.system - mark[1].system) / 1000;
  mark = [w, c];
};
let inDecon = 0;
let inSplit = 0;
const removed = { E_DUPLICATE: 0, E_CONTAMINATED: 0 };
const isRej = (x) => typeof x.code === "string" && !("problem" in x);
const it = records();
for (;;) {
  lap("gen");
  const batch = [];
  for (let k = 0; k < BATCH; k++) {
    const n = it.next();
    if (n.done) break;
    batch.push(n.value);
  }
  lap("gen");
  if (!batch.length) break;
  const afterDedup = [];
  for (const x of dedup.process(batch, {})) isRej(x) ? removed[x.code]++ : afterDedup.push(x);
  lap("dedup");
  inDecon += afterDedup.length;
  const kept = [];
  for (const x of decon.process(afterDedup, {})) isRej(x) ? removed[x.code]++ : kept.push(x);
  lap("decon");
  if (inSplit + kept.length > strataOf.length) {
    const grown = new Int32Array(Math.max(strataOf.length * 2, inSplit + kept.length));
    grown.set(strataOf);
    strataOf = grown;
  }
  for (const r of kept) {
    const pinned = pinnedSplit(r, splitOptions.respectSourceSplit);
    const s = splitter.count(stratumKey(r), pinned);
    strataOf[inSplit++] = pinned ? -1 - SPLIT_NAMES.indexOf(pinned) : s;
  }
  lap("add");
}
lap("gen");
const strata = splitter.plan();
const counts = { train: 0, validation: 0, test: 0 };
for (let i = 0; i < inSplit; i++) {
  const s = strataOf[i];
  counts[s < 0 ? SPLIT_NAMES[-1 - s] : splitter.assign(s)]++;
}
lap("plan");
const total = performance.now() - t0;
const ru = process.resourceUsage();

console.log(
  `@mathtune/split benchmark: ${N.toLocaleString("en-US")} records, batches of ${BATCH}, Node ${process.version}`,
);
console.log(`problems: ${origin}`);
console.log(
  `injected: ${Math.ceil(N / 50).toLocaleString("en-US")} exact duplicates, ${Math.ceil(N / 100).toLocaleString("en-US")} near duplicates (first word replaced), ${Math.ceil(N / 200).toLocaleString("en-US")} copies of evaluation texts`,
);
console.log(
  `dedup: exact + ${near ? `near (MinHash ${dedup.dedup.options.numPerm} perms, ${dedup.dedup.bands} bands x ${dedup.dedup.rows} rows, word ${dedup.dedup.options.n}-grams, threshold ${dedup.dedup.options.threshold})` : "no near"}`,
);
console.log(
  `eval index: ${decon.index.size.toLocaleString("en-US")} 13-grams from ${decon.index.evalSets.map((s) => `${s.name} ${s.texts}`).join(", ")} in ${(tIndex / 1000).toFixed(2)} s`,
);
console.log("");
const row = (label, k, n, extra = "") =>
  console.log(
    `${label.padEnd(14)} ${(T[k][0] / 1000).toFixed(2).padStart(7)} s wall ${(T[k][1] / 1000).toFixed(2).padStart(7)} s cpu  ${rate(n, T[k][1]).padStart(20)} (cpu)${extra}`,
  );
row("dedup", "dedup", N, `  exact ${dedup.dedup.exactDuplicates}, near ${dedup.dedup.nearDuplicates} removed`);
row("decontaminate", "decon", inDecon, `  ${removed.E_CONTAMINATED} removed`);
row("split count", "add", inSplit);
row("split assign", "plan", inSplit, `  ${Object.keys(strata).length} strata`);
const sum = ["dedup", "decon", "add", "plan"].reduce((a, k) => [a[0] + T[k][0], a[1] + T[k][1]], [0, 0]);
console.log(
  `${"all three".padEnd(14)} ${(sum[0] / 1000).toFixed(2).padStart(7)} s wall ${(sum[1] / 1000).toFixed(2).padStart(7)} s cpu  ${rate(N, sum[1]).padStart(20)} (cpu), ${rate(N, sum[0])} (wall)`,
);
console.log(
  `(not counted: generating records ${(T.gen[1] / 1000).toFixed(2)} s cpu, whole run ${(total / 1000).toFixed(2)} s wall)`,
);
console.log("");
const out = counts.train + counts.validation + counts.test;
console.log(
  `splits: train ${counts.train}, validation ${counts.validation}, test ${counts.test}; in ${N} = out ${out} + removed ${removed.E_DUPLICATE + removed.E_CONTAMINATED}: ${N === out + removed.E_DUPLICATE + removed.E_CONTAMINATED ? "ok" : "MISMATCH"}`,
);
console.log(`dedup index ${(dedup.dedup.indexBytes / 2 ** 20).toFixed(0)} MB of typed arrays (plus kept ids)`);
console.log(`peak RSS ${mb(ru.maxRSS)}; heap used now ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);

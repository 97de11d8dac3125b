#!/usr/bin/env node
/**
 * @mathtune/answer side by side with Math-Verify on corpora with known truth.
 *
 *   pnpm turbo run build --filter @mathtune/answer
 *   node packages/answer/scripts/make-corpus.mjs --out /tmp/corpus.jsonl
 *   python3 -m venv ~/.cache/mathtune/peers && ~/.cache/mathtune/peers/bin/pip install math-verify==0.9.0 antlr4-python3-runtime==4.13.2
 *   node bench/answer-peers.mjs /tmp/corpus.jsonl [--python ~/.cache/mathtune/peers/bin/python] [--peer-results mv.jsonl] [--show-misses strict]
 *
 * mathtune grades with `extractAnswer(output, { mode })` then `compare(answer, gold)`; Math-Verify
 * with `verify(parse("$gold$"), parse(output))` (bench/answer-peers.py). Prints, per set and
 * grader: accuracy, false "equal", false "different", undecided (timeouts and errors, counted
 * apart), and speed in pairs per second (one process, one core; by CPU time, and by wall time).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, extractAnswer } from "../packages/answer/dist/index.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const corpus = args[0];
if (!corpus) {
  console.error("usage: node bench/answer-peers.mjs corpus.jsonl [--python PY] [--peer-results FILE]");
  process.exit(2);
}
const rows = readFileSync(corpus, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));

// ---------------------------------------------------------------- mathtune
/** Grades every case in one mode; each mode runs in a fresh process, so no cache carries over. */
function gradeAll(mode) {
  compare("x^2-1", "(x-1)(x+1)"); // loads the engine outside the clock
  const res = {};
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const r of rows) {
    const got = extractAnswer(r.output, { mode });
    if (!got) {
      res[r.id] = false;
      continue;
    }
    const c = compare(got.answer, r.gold);
    res[r.id] = c.verdict === "undecided" ? null : c.equal;
  }
  const c = process.cpuUsage(c0);
  return { res, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}
if (opt("grade")) {
  process.stdout.write(JSON.stringify(gradeAll(opt("grade"))));
  process.exit(0);
}
const graders = {};
for (const mode of ["strict", "flexible"]) {
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), corpus, "--grade", mode], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (p.status !== 0) {
    console.error(p.stderr);
    process.exit(1);
  }
  const { res, seconds, cpuSeconds } = JSON.parse(p.stdout);
  graders[`mathtune ${mode}`] = { res: new Map(Object.entries(res)), seconds, cpuSeconds };
}

// ---------------------------------------------------------------- Math-Verify
let peerText;
if (opt("peer-results")) peerText = readFileSync(opt("peer-results"), "utf8");
else {
  const python = opt("python", join(homedir(), ".cache/mathtune/peers/bin/python"));
  const here = dirname(fileURLToPath(import.meta.url));
  const p = spawnSync(python, [join(here, "answer-peers.py"), corpus], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (p.status !== 0) {
    console.error(`Math-Verify run failed (${python}): ${p.stderr?.slice(-2000)}`);
    process.exit(1);
  }
  peerText = p.stdout;
}
{
  const res = new Map();
  let ms = 0;
  let cpu = 0;
  for (const l of peerText.split("\n").filter(Boolean)) {
    const o = JSON.parse(l);
    res.set(o.id, o.equal);
    ms += o.ms;
    cpu += o.cpu_ms ?? o.ms;
  }
  graders["Math-Verify 0.9.0"] = { res, seconds: ms / 1000, cpuSeconds: cpu / 1000 };
}

// ---------------------------------------------------------------- table
const sets = [...new Set(rows.map((r) => r.set))];
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`| set (cases) | grader | accuracy | false "equal" | false "different" | undecided |`);
console.log(`|---|---|---|---|---|---|`);
for (const set of [...sets, "all"]) {
  const rs = rows.filter((r) => set === "all" || r.set === set);
  for (const [name, g] of Object.entries(graders)) {
    let ok = 0,
      fe = 0,
      fd = 0,
      und = 0;
    for (const r of rs) {
      const v = g.res.get(r.id);
      if (v === null || v === undefined) und++;
      else if (v === r.truth) ok++;
      else if (v) fe++;
      else fd++;
    }
    console.log(`| ${set} (${rs.length}) | ${name} | ${pct(ok / rs.length)} | ${fe} | ${fd} | ${und} |`);
  }
}
// CPU time is the fairer figure on a shared machine (wall time counts the waits for a core)
console.log(`\n| grader | pairs/s by CPU time (${rows.length} cases, one core) | pairs/s by wall time |`);
console.log(`|---|---|---|`);
for (const [name, g] of Object.entries(graders))
  console.log(`| ${name} | ${Math.round(rows.length / g.cpuSeconds)} | ${Math.round(rows.length / g.seconds)} |`);

// agreement between mathtune strict and Math-Verify
const a = graders["mathtune strict"].res,
  b = graders["Math-Verify 0.9.0"].res;
const agree = rows.filter((r) => a.get(r.id) === b.get(r.id)).length;
console.log(
  `\nmathtune strict and Math-Verify agree on ${agree} of ${rows.length} cases (${pct(agree / rows.length)}).`,
);

const show = opt("show-misses");
if (show) {
  const g = graders[`mathtune ${show}`] ?? graders[show];
  for (const r of rows) {
    const v = g.res.get(r.id);
    if (v === r.truth) continue;
    const got = extractAnswer(r.output, { mode: show === "flexible" ? "flexible" : "strict" });
    console.log(
      JSON.stringify({
        id: r.id,
        style: r.style,
        truth: r.truth,
        got: v,
        gold: r.gold,
        extracted: got?.answer,
        rule: got?.rule,
        tail: r.output.slice(-160),
      }),
    );
  }
}

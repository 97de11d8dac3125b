// The training script of this tree against another revision's, on the same model, data and config:
// training tokens/s, losses and peak RSS. Made to measure the move of python/train.py from a
// hand-written loop onto transformers' Trainer (c619bcc is the last hand-written one).
//
//   node bench/train-ab.mjs --model DIR [--rev c619bcc] [--precision fp32,bf16] [--reps 3]
//        [--steps 12] [--threads 1] [--batch 8] [--samples 192] [--max-seq 512] [--uniform]
//
// Each contender is the revision's python/ folder run as `python train.py --config FILE` with the
// same config.json (written by this tree's @mathtune/train), one after the other, alternating
// (old, new, new, old, ...) so that a shared machine's load falls on both. Tokens/s counts the input
// tokens from the end of step 1 to the end of the last step, over the protocol lines' own times
// (so loading, the first step's warm-up and the final validation are left out). The two take the
// examples in different orders (each its own seeded shuffle), so the per-step losses differ; the
// loss after the last step says whether both learn alike. Different orders also pad differently, which
// moves tokens/s by several percent; `--uniform` gives every sample the same shape, so that only the
// scripts differ. Needs `pnpm build` and git.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setup, train } from "../packages/train/dist/index.js";
import { gsm8kLikeLines } from "./lib/gsm8k-like.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : args[i + 1];
};
const model = opt("model");
if (!model)
  throw new Error("--model DIR is required (e.g. the folder `mathtune model fetch smollm2-135m-instruct` prints)");
const rev = opt("rev", "c619bcc");
const precisions = opt("precision", "fp32").split(",");
const reps = Number(opt("reps", 3));
const steps = Number(opt("steps", 12));
const threads = Number(opt("threads", 1));
const batch = Number(opt("batch", 8));
const samples = Number(opt("samples", 192));
const maxSeq = Number(opt("max-seq", 512));
const uniform = args.includes("--uniform");

const work = mkdtempSync(join(tmpdir(), "mathtune-bench-train-ab-"));
const env = await setup({});
mkdirSync(join(work, "data"));
writeFileSync(join(work, "data", "train.jsonl"), `${gsm8kLikeLines(samples, { uniform }).join("\n")}\n`);

// The config both scripts read: written by this tree for a 1-step run (also a warm-up of the caches).
const prep = join(work, "prep");
await train({
  data: join(work, "data"),
  model,
  out: prep,
  maxSteps: 1,
  batchSize: batch,
  threads,
  maxSeqLength: maxSeq,
  evalAtStart: false,
});
const base = JSON.parse(readFileSync(join(prep, "config.json"), "utf8"));

// The other revision's python/ folder, from git.
const oldDir = join(work, `python-${rev}`);
mkdirSync(oldDir);
const pyPath = "packages/train/python";
for (const name of execFileSync("git", ["ls-tree", "--name-only", `${rev}:${pyPath}`], { cwd: root, encoding: "utf8" })
  .trim()
  .split("\n"))
  if (name.endsWith(".py"))
    writeFileSync(join(oldDir, name), execFileSync("git", ["show", `${rev}:${pyPath}/${name}`], { cwd: root }));
const contenders = { [rev]: join(oldDir, "train.py"), "this tree": join(root, pyPath, "train.py") };

/** One run of `script`: its train lines' (time, tokens, loss) and the result line. */
function runOnce(script, config) {
  const cfgFile = join(config.runDir, "..", `${config.runDir.split("/").pop()}.json`);
  mkdirSync(config.runDir, { recursive: true });
  writeFileSync(cfgFile, JSON.stringify(config));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(env.python, [script, "--config", cfgFile], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HF_HUB_OFFLINE: "1" },
    });
    const trainLines = [];
    let result;
    let stderr = "";
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const m = JSON.parse(line);
      if (m.type === "progress" && m.phase === "train") trainLines.push(m);
      if (m.type === "result") result = m;
    });
    child.on("close", (code) =>
      code === 0 && result
        ? resolvePromise({ trainLines, result })
        : reject(new Error(`${script} exited ${code}\n${stderr}`)),
    );
  });
}

const rate = ({ trainLines }) => {
  const a = trainLines[0];
  const b = trainLines.at(-1);
  return (b.tokens - a.tokens) / (b.time - a.time);
};
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

const rows = [];
for (const precision of precisions) {
  const runs = { [rev]: [], "this tree": [] };
  for (let r = 0; r < reps; r++) {
    const order = r % 2 ? ["this tree", rev] : [rev, "this tree"];
    for (const name of order) {
      const runDir = join(work, "runs", `${name.replace(/\W/g, "_")}-${precision}-${r}`);
      const out = await runOnce(contenders[name], {
        ...base,
        runDir,
        precision,
        maxSteps: steps,
        threads,
        resume: false,
      });
      runs[name].push(out);
      process.stderr.write(`${precision} rep ${r + 1}/${reps} ${name}: ${rate(out).toFixed(1)} tokens/s\n`);
    }
  }
  for (const name of [rev, "this tree"]) {
    const rates = runs[name].map(rate);
    const last = runs[name].map((x) => x.result.lastLoss);
    rows.push({
      contender: name,
      precision,
      median: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      loss: median(last),
      rss: Math.max(...runs[name].map((x) => x.result.peakMemoryBytes)) / 2 ** 20,
    });
  }
}
console.log(
  `train A/B: ${model}, ${samples} GSM8K-length samples${uniform ? " of one shape" : ""}, batch ${batch}, maxSeqLength ${maxSeq}, ${steps} steps x ${reps} runs each, ${threads} thread(s)`,
);
console.log("| script | precision | tokens/s (median) | min - max | last-step loss (median) | peak RSS MB |");
console.log("|---|---|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.contender} | ${r.precision} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)} - ${r.max.toFixed(1)} | ${r.loss.toFixed(4)} | ${r.rss.toFixed(0)} |`,
  );
for (const precision of precisions) {
  const [a, b] = rows.filter((r) => r.precision === precision);
  console.log(`${precision}: this tree / ${rev} = ${(b.median / a.median).toFixed(3)}x tokens/s`);
}
rmSync(work, { recursive: true, force: true });

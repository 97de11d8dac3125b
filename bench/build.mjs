#!/usr/bin/env node
// Benchmark: `mathtune build` over N GSM8K-format records against a bare baseline that only
// reads, parses, stringifies and writes the same JSON lines. Prints records/s and peak RSS.
//
//   node bench/build.mjs                 # 1,000,000 and 4,000,000 records
//   node bench/build.mjs --sizes 200000  # other sizes
//   node bench/build.mjs --one-thread    # also the build reading in the main thread (readInWorker: false)
//
// Input: ../shared/realdata/gsm8k/train.jsonl repeated when present (said in the output),
// else the GSM8K-format test fixture repeated. Each repeat gets a distinct question suffix.
// Needs `pnpm build` first. Each measurement runs in its own child process (clean peak RSS).
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);

async function writeLines(path, lines) {
  const out = createWriteStream(path);
  let buf = [];
  for (const l of lines) {
    buf.push(l);
    if (buf.length >= 4096) {
      if (!out.write(`${buf.join("\n")}\n`)) await once(out, "drain");
      buf = [];
    }
  }
  if (buf.length) out.write(`${buf.join("\n")}\n`);
  out.end();
  await once(out, "finish");
}

if (args[0] === "--child") {
  const [, mode, input, out] = args;
  const oneThread = mode === "build-1t";
  const t0 = performance.now();
  let n = 0;
  if (mode === "baseline") {
    const rl = createInterface({ input: createReadStream(input, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    const w = createWriteStream(out);
    let buf = [];
    for await (const line of rl) {
      buf.push(JSON.stringify(JSON.parse(line)));
      n++;
      if (buf.length >= 4096) {
        if (!w.write(`${buf.join("\n")}\n`)) await once(w, "drain");
        buf = [];
      }
    }
    if (buf.length) w.write(`${buf.join("\n")}\n`);
    w.end();
    await once(w, "finish");
  } else {
    const { build } = await import(join(root, "packages/build/dist/index.js"));
    const r = await build({
      recipe: { name: "bench", sources: [{ adapter: "gsm8k", options: { path: input } }], split: { by: ["source"] } },
      out,
      readInWorker: !oneThread,
    });
    n = r.counts.read;
    if (r.counts.written + r.counts.quarantined !== n) throw new Error("records lost");
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ mode, records: n, seconds: s, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const sizes = (args[args.indexOf("--sizes") + 1] && args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "1000000,4000000").split(",").map(Number);
const real = join(root, "../shared/realdata/gsm8k/train.jsonl");
const seedFile = existsSync(real) ? real : join(root, "test-fixtures/gsm8k/train.jsonl");
const seedLines = readFileSync(seedFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
console.log(`input: ${seedFile === real ? "GSM8K train (../shared/realdata)" : "the GSM8K-format fixture"} repeated; ${seedLines.length} distinct seed records`);
console.log(`build: sources read in a worker thread (${availableParallelism()} cores); build-1t: all in one thread`);
console.log("size       mode       records/s    seconds   CPU seconds   peak RSS MB");
const results = {};
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "mt-bench-build-"));
  const input = join(dir, "train.jsonl");
  await writeLines(
    input,
    (function* () {
      for (let i = 0; i < size; i++) {
        const r = seedLines[i % seedLines.length];
        yield JSON.stringify({ question: `${r.question} (#${Math.floor(i / seedLines.length)})`, answer: r.answer });
      }
    })(),
  );
  for (const mode of ["baseline", "build", ...(args.includes("--one-thread") ? ["build-1t"] : [])]) {
    const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, input, join(dir, `out-${mode}`)], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (res.status !== 0) throw new Error(`${mode} failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout.trim().split("\n").pop());
    results[`${size}-${mode}`] = r;
    console.log(`${String(size).padEnd(10)} ${mode.padEnd(10)} ${String(Math.round(r.records / r.seconds)).padStart(9)} ${r.seconds.toFixed(2).padStart(10)} ${r.cpuSeconds.toFixed(2).padStart(13)} ${r.maxRssMB.toFixed(0).padStart(13)}`);
  }
  const base = results[`${size}-baseline`];
  for (const mode of ["build", "build-1t"]) {
    const b = results[`${size}-${mode}`];
    if (!b) continue;
    console.log(
      `           ${mode} / baseline: ${(b.seconds / base.seconds).toFixed(2)}x wall, ${(b.cpuSeconds / base.cpuSeconds).toFixed(2)}x CPU (target <= 2x); peak RSS ${b.maxRssMB.toFixed(0)} MB (target < 400 MB)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
if (sizes.length > 1) {
  const rss = sizes.map((s) => results[`${s}-build`].maxRssMB);
  console.log(`peak RSS ${sizes.join(" vs ")}: ${rss.map((r) => r.toFixed(0)).join(" vs ")} MB; growth ${(((Math.max(...rss) - Math.min(...rss)) / Math.min(...rss)) * 100).toFixed(1)}% (target within 20%)`);
}

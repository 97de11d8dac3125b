#!/usr/bin/env node
// Benchmark: `mathtune build` over N GSM8K-format records, against the floor (the simplest correct
// loop doing the least of the same job) and against Hugging Face `datasets` doing the same job.
//
//   node bench/build.mjs                              # 1,000,000 records
//   node bench/build.mjs --records 50000              # other sizes; a list (1000000,4000000) adds the RSS growth line
//   node bench/build.mjs --one-thread                 # also the build reading in the main thread (readInWorker: false)
//   node bench/build.mjs --no-peer                    # without Hugging Face datasets
//   node bench/build.mjs --peer-rowwise               # also datasets with its map and filter a row at a time
//   node bench/build.mjs --seed-file FILE.jsonl       # GSM8K-format lines to repeat (default below)
//   node bench/build.mjs --venv DIR --python PY       # where the datasets venv is made, and from which Python
//
// Contenders, each in its own child process (its own peak RSS), on the same input file:
//   floor     one thread: readline, JSON.parse, problem/solution/answer from `#### N` (rows without
//             one skipped), JSON.stringify, one write per line awaiting drain; one output file.
//   build     `buildDataset()` of @mathtune/dataset with the recipe's defaults (answer checks, 0.8/0.1/0.1 seeded
//             split, JSON lines, quarantine, manifest, card, report.html); sources read in a worker
//             thread, so two threads.
//   build-1t  (--one-thread) the same with readInWorker: false.
//   datasets  bench/build-peer-datasets.py: load_dataset("json"), batched map to problem/solution/answer,
//             batched filter of rows without an answer, seeded 0.8/0.1/0.1 train_test_split, to_json per
//             split. Runs in its own venv, made here on first use: DATASETS_PIN below into
//             $MATHTUNE_CACHE/bench-venv-datasets (else ~/.cache/mathtune/...), never the project's venv.
//             pyarrow reads JSON with its own thread pool.
//   datasets-rw  (--peer-rowwise) the same with map and filter a row at a time (datasets' default).
// Wall seconds are timed here, from spawn to exit (start-up and imports included); CPU seconds and
// peak RSS are reported by each child for itself (all its threads).
//
// Input: ../shared/realdata/gsm8k/train.jsonl repeated when present (said in the output), else the
// GSM8K-format test fixture repeated. Each repeat gets a distinct question suffix. Same size, same bytes.
// Needs `pnpm build` first.
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { availableParallelism, homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The Hugging Face datasets release the peer runs (PyPI). */
const DATASETS_PIN = "datasets==5.2.0";
const SEED = 42;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
  return v;
};

/** The floor: the simplest correct loop over the same lines, one record out per line with an answer. */
async function floor(input, outDir) {
  mkdirSync(outDir, { recursive: true });
  const rl = createInterface({ input: createReadStream(input), crlfDelay: Infinity });
  const out = createWriteStream(join(outDir, "all.jsonl"));
  let records = 0;
  let written = 0;
  for await (const line of rl) {
    if (line === "") continue;
    records++;
    const { question, answer: text } = JSON.parse(line);
    if (typeof question !== "string" || typeof text !== "string") continue;
    const cut = text.lastIndexOf("####");
    const answer =
      cut < 0
        ? ""
        : text
            .slice(cut + 4)
            .trim()
            .replace(/,(?=\d)/g, "");
    if (!answer) continue;
    if (!out.write(`${JSON.stringify({ problem: question, solution: text.slice(0, cut).trimEnd(), answer })}\n`))
      await once(out, "drain");
    written++;
  }
  out.end();
  await once(out, "finish");
  return { records, written };
}

if (args[0] === "--child") {
  const [, mode, input, outDir] = args;
  let r;
  if (mode === "floor") {
    r = await floor(input, outDir);
  } else {
    const { buildDataset } = await import(join(root, "packages/dataset/dist/index.js"));
    const res = await buildDataset({
      recipe: { name: "bench", seed: SEED, sources: [{ adapter: "gsm8k", options: { path: input } }] },
      out: outDir,
      readInWorker: mode !== "build-1t",
    });
    if (res.counts.written + res.counts.quarantined !== res.counts.read) throw new Error("records lost");
    r = { records: res.counts.read, written: res.counts.written, splits: res.counts.splits };
  }
  const cpu = process.cpuUsage();
  console.log(
    JSON.stringify({
      ...r,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

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

/** Runs one contender in its own process; wall time from spawn to exit. */
function measure(command, argv, env) {
  const t0 = performance.now();
  const res = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 1 << 24, env: { ...process.env, ...env } });
  const seconds = (performance.now() - t0) / 1000;
  const last = res.stdout?.trim().split("\n").pop();
  if (res.status !== 0 || !last) {
    const why = res.error ? res.error.message : res.signal ? `killed by ${res.signal}` : `exit code ${res.status}`;
    return { error: `${why}: ${(res.stderr ?? "").trim().split("\n").slice(-8).join("\n")}` };
  }
  return { ...JSON.parse(last), seconds };
}

/**
 * The datasets venv's python, made on first use; or why it could not be made. A venv whose
 * datasets is not the pinned release is reinstalled with it.
 */
function peerPython() {
  const cache = process.env.MATHTUNE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mathtune");
  const venv = resolve(opt("venv", join(cache, "bench-venv-datasets")));
  const base = opt("python", process.env.MATHTUNE_PYTHON || "python3");
  const py = join(venv, process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
  const want = DATASETS_PIN.split("==")[1];
  const installed = () => {
    if (!existsSync(py)) return undefined;
    const r = spawnSync(py, ["-c", "import datasets; print(datasets.__version__)"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const have = installed();
  if (have === want) return { py, venv };
  const step = (what, command, argv) => {
    console.error(`datasets peer: ${what}`);
    const r = spawnSync(command, argv, { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
    if (r.status === 0) return undefined;
    const tail = (r.stderr ?? "").trim().split("\n").slice(-4).join(" | ");
    return `${command} ${argv.join(" ")} failed (${r.error ? r.error.message : `exit code ${r.status}`})${tail ? `: ${tail}` : ""}`;
  };
  const failed =
    (!existsSync(py) && step(`creating the venv ${venv} with ${base}`, base, ["-m", "venv", venv])) ||
    step(`installing ${DATASETS_PIN} into ${venv}${have ? ` (it has ${have})` : ""} (once; a few minutes)`, py, [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "-q",
      DATASETS_PIN,
    ]);
  if (failed) return { error: failed, venv };
  return installed() === want
    ? { py, venv }
    : { error: `${venv} still has no importable ${DATASETS_PIN} after the install`, venv };
}

const sizes = String(opt("records", opt("sizes", "1000000")))
  .split(",")
  .map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--records: positive integers, comma-separated (got ${opt("records", opt("sizes", ""))})`);
const real = join(root, "../shared/realdata/gsm8k/train.jsonl");
const seedFile = resolve(opt("seed-file", existsSync(real) ? real : join(root, "test-fixtures/gsm8k/train.jsonl")));
const seedLines = readFileSync(seedFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const modes = ["floor", "build", ...(args.includes("--one-thread") ? ["build-1t"] : [])];
const peer = args.includes("--no-peer") ? { error: "left out (--no-peer)" } : peerPython();
console.log(
  `input: ${seedFile} repeated, ${seedLines.length} distinct seed records; seed ${SEED}; ${availableParallelism()} cores`,
);
console.log(
  "floor: 1 thread; build: main thread + a reader worker thread (2 threads)" +
    (modes.includes("build-1t") ? "; build-1t: 1 thread" : ""),
);
if (peer.error) console.log(`datasets: not run: ${peer.error}`);
const header = `${"records".padEnd(10)} ${"contender".padEnd(11)} ${"written".padStart(8)} ${"seconds".padStart(10)} ${"records/s".padStart(11)} ${"CPU seconds".padStart(13)} ${"peak RSS MB".padStart(13)}`;
const results = {};
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "mt-bench-build-"));
  try {
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
    console.log(header);
    const row = (name, r) => {
      results[`${size}-${name}`] = r;
      if (r.error) {
        console.log(`${String(size).padEnd(10)} ${name.padEnd(11)} failed: ${r.error}`);
        return;
      }
      console.log(
        `${String(size).padEnd(10)} ${name.padEnd(11)} ${String(r.written).padStart(8)} ${r.seconds.toFixed(2).padStart(10)} ${String(Math.round(r.records / r.seconds)).padStart(11)} ${r.cpuSeconds.toFixed(2).padStart(13)} ${r.maxRssMB.toFixed(0).padStart(13)}`,
      );
    };
    for (const mode of modes) {
      const out = join(dir, `out-${mode}`);
      row(mode, measure(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, input, out]));
      rmSync(out, { recursive: true, force: true });
    }
    for (const name of peer.error ? [] : ["datasets", ...(args.includes("--peer-rowwise") ? ["datasets-rw"] : [])]) {
      const out = join(dir, `out-${name}`);
      // A fresh datasets cache each run: the peer converts the JSON to Arrow as a first run would.
      const r = measure(
        peer.py,
        [
          join(here, "build-peer-datasets.py"),
          input,
          out,
          "--seed",
          String(SEED),
          ...(name === "datasets-rw" ? ["--rowwise"] : []),
        ],
        {
          HF_DATASETS_CACHE: join(dir, "hf-datasets-cache"),
          HF_HUB_OFFLINE: "1",
          HF_DATASETS_OFFLINE: "1",
          PYTHONUNBUFFERED: "1",
        },
      );
      row(name, r);
      if (!r.error && size === sizes[0] && name === "datasets")
        console.log(
          `           datasets ${r.versions.datasets}, pyarrow ${r.versions.pyarrow}, Python ${r.versions.python} (venv ${peer.venv})`,
        );
      rmSync(out, { recursive: true, force: true });
      rmSync(join(dir, "hf-datasets-cache"), { recursive: true, force: true });
    }
    // Every contender must have done the same job: the same records in and out.
    const done = Object.entries(results).filter(([k, r]) => k.startsWith(`${size}-`) && !r.error);
    const outs = new Set(done.map(([, r]) => `${r.records} in, ${r.written} out`));
    console.log(
      outs.size === 1
        ? `           all contenders: ${[...outs][0]}`
        : `           WARNING: the contenders disagree: ${done.map(([k, r]) => `${k.slice(String(size).length + 1)} ${r.records} in, ${r.written} out`).join("; ")}`,
    );
    const splits = done
      .filter(([, r]) => r.splits)
      .map(([k, r]) => `${k.slice(String(size).length + 1)} ${r.splits.train}/${r.splits.validation}/${r.splits.test}`);
    if (splits.length) console.log(`           train/validation/test: ${splits.join("; ")}`);
    const base = results[`${size}-floor`];
    for (const mode of ["build", "build-1t"]) {
      const b = results[`${size}-${mode}`];
      if (!b || b.error || base.error) continue;
      console.log(
        `           ${mode} / floor: ${(b.seconds / base.seconds).toFixed(2)}x wall (target <= 2x at 1M), ${(b.cpuSeconds / base.cpuSeconds).toFixed(2)}x CPU; peak RSS ${b.maxRssMB.toFixed(0)} vs ${base.maxRssMB.toFixed(0)} MB (${(b.maxRssMB / base.maxRssMB).toFixed(2)}x)`,
      );
    }
    const b = results[`${size}-build`];
    for (const name of ["datasets", "datasets-rw"]) {
      const p = results[`${size}-${name}`];
      if (!p || p.error || b.error) continue;
      console.log(
        `           ${name} / build: ${(p.seconds / b.seconds).toFixed(2)}x wall (target >= 3x), ${(p.cpuSeconds / b.cpuSeconds).toFixed(2)}x CPU; peak RSS ${p.maxRssMB.toFixed(0)} vs ${b.maxRssMB.toFixed(0)} MB (${(p.maxRssMB / b.maxRssMB).toFixed(2)}x; target > 1x)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (sizes.length > 1) {
  const rss = sizes
    .map((s) => results[`${s}-build`])
    .filter((r) => !r.error)
    .map((r) => r.maxRssMB);
  if (rss.length === sizes.length) {
    console.log(
      `build peak RSS ${sizes.join(" vs ")}: ${rss.map((r) => r.toFixed(0)).join(" vs ")} MB; growth ${(((Math.max(...rss) - Math.min(...rss)) / Math.min(...rss)) * 100).toFixed(1)}% (target within 20%)`,
    );
  }
}

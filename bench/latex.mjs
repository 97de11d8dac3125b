// LaTeX validation speed: segments/s and records/s, single-threaded and with the worker pool, in
// steady state (both JIT-warm, both starting with empty segment caches; best of --repeat runs), and
// the first pass of a fresh pool, which is what a build of that size sees.
//   pnpm turbo run build --filter @mathtune/latex && node bench/latex.mjs [--records N] [--workers N]
// Runs on generated MATH-like records (deterministic), then on the real MATH train split when
// /work/shared/realdata/MATH/train (or $REALDATA/MATH/train) is present, and says when it is not.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { checkRecord, LatexPool } from "../packages/latex/dist/index.js";
import { mulberry32 } from "../packages/core/dist/internal.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("records", 7500);
const WORKERS = arg("workers", availableParallelism());
const BATCH = 512; // the build's batch size
const REPEAT = arg("repeat", 5); // best of REPEAT runs: the machine may be shared

const rng = mulberry32;

/** MATH-like records: inline and display math, align*, matrices, \text, \$ money, Asymptote. */
function mathLike(n, seed) {
  const r = rng(seed);
  const int = (k) => Math.floor(r() * k);
  const v = () => "xyzabnk"[int(7)];
  const pieces = [
    () => `$${v()}^${int(9) + 2}+${int(90)}${v()}$`,
    () => `$\\frac{${int(50)}}{${int(50) + 1}}$`,
    () => `$\\dfrac{${v()}+${int(9)}}{${v()}-${int(9)}} \\le ${int(99)}$`,
    () => `$\\sqrt{${int(500)}} = ${int(30)}\\sqrt{${int(7) + 2}}$`,
    () => `$\\angle ${"ABC"[int(3)]} = ${int(180)}^\\circ$`,
    () => `\\$${int(100)}.${int(90) + 10}`,
    () => `$\\text{${int(9)} cm}^2$`,
    () => `$$\\sum_{i=1}^{${int(20) + 2}} i^${int(3) + 1} = ${int(9999)}$$`,
    () => `\\[\\begin{pmatrix} ${int(9)} & ${int(9)} \\\\ ${int(9)} & ${int(9)} \\end{pmatrix}\\]`,
    () => `\\begin{align*}\n${v()} &= ${int(99)} + ${int(99)} \\\\\n&= \\boxed{${int(999)}}.\n\\end{align*}`,
    () => `$\\left(${v()}+\\tfrac{1}{${int(9) + 2}}\\right)^{${int(5) + 2}}$`,
    () => `$${v()} \\equiv ${int(13)} \\pmod{${int(20) + 2}}$`,
  ];
  const words = "so we have then since the sum of each and thus which gives us a number".split(" ");
  const sentence = () => {
    const parts = [];
    for (let i = 0; i < 6 + int(8); i++)
      parts.push(r() < 0.3 ? pieces[int(pieces.length)]() : words[int(words.length)]);
    return `${parts.join(" ")}.`;
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const problem = Array.from({ length: 1 + int(3) }, sentence).join(" ");
    let solution = Array.from({ length: 3 + int(6) }, sentence).join(" ");
    if (r() < 0.1) solution = `[asy] draw((0,0)--(${int(9)},${int(9)})); label("$A$", (0,0), S); [/asy] ${solution}`;
    const answer = `\\frac{${int(99)}}{${int(99) + 1}}`;
    out.push({
      id: `bench/${seed}/${i}`,
      source: "math",
      problem,
      solution: `${solution} The answer is $\\boxed{${answer}}$.`,
      answer,
      lang: "en",
    });
  }
  return out;
}

function realMath() {
  const root = join(process.env.REALDATA ?? "/work/shared/realdata", "MATH/train");
  if (!existsSync(root)) return undefined;
  const records = [];
  for (const subject of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, subject)).sort()) {
      const o = JSON.parse(readFileSync(join(root, subject, f), "utf8"));
      records.push({
        id: `math/train/${subject}/${f}`,
        source: "math",
        problem: o.problem,
        solution: o.solution,
        lang: "en",
      });
    }
  }
  return { root, records };
}

const cpuMs = (u) => (u.user + u.system) / 1000;

// The calling thread's own validation, through a pool of no workers: clearCaches() empties its cache.
const inlinePool = new LatexPool({ workers: 0 });

async function single(records) {
  await inlinePool.clearCaches();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let segments = 0;
  let findings = 0;
  for (const rec of records) {
    const rep = checkRecord(rec, { dollars: true });
    segments += rep.segments;
    findings += rep.findings.length;
  }
  return { ms: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)), segments, findings };
}

/** Starts a pool and times its first, cold pass over the records (worker start and JIT included). */
async function startPool(records) {
  const t0 = performance.now();
  const pool = new LatexPool({ workers: WORKERS });
  if (pool.mode !== "workers") throw new Error("the pool did not start workers: build @mathtune/latex first");
  const items = records.map((r) => ({ fields: r, dollars: true, strict: true }));
  for (let i = 0; i < items.length; i += BATCH) await pool.run(items.slice(i, i + BATCH));
  return { pool, coldMs: performance.now() - t0 };
}

async function pooled(pool, records) {
  await pool.clearCaches();
  const items = records.map((r) => ({ fields: r, dollars: true, strict: true }));
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  let segments = 0;
  let findings = 0;
  for (let i = 0; i < items.length; i += BATCH) {
    for (const rep of await pool.run(items.slice(i, i + BATCH))) {
      segments += rep.segments;
      findings += rep.findings.length;
    }
  }
  return { ms: performance.now() - t1, cpu: cpuMs(process.cpuUsage(c1)), segments, findings };
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
function line(label, r, records) {
  console.log(
    `${label.padEnd(20)} ${fmt(r.ms).padStart(6)} ms  ${fmt((r.segments / r.ms) * 1000).padStart(9)} segments/s  ${fmt((records / r.ms) * 1000).padStart(7)} records/s  cpu ${fmt(r.cpu)} ms  (${fmt(r.segments)} segments, ${r.findings} findings)`,
  );
}

const best = (a, b) => (!a || b.ms < a.ms ? b : a);

async function run(label, records) {
  const { pool, coldMs } = await startPool(records);
  await single(records); // JIT warm-up; every timed run below starts with empty caches
  let s;
  let p;
  for (let i = 0; i < REPEAT; i++) {
    s = best(s, await single(records));
    p = best(p, await pooled(pool, records));
  }
  await pool.close();
  if (p.segments !== s.segments || p.findings !== s.findings)
    throw new Error(`pooled and single-threaded disagree: ${JSON.stringify({ s, p })}`);
  console.log(`\n${label}: ${fmt(records.length)} records`);
  line("single-threaded", s, records.length);
  line(`pool, ${WORKERS} workers`, p, records.length);
  console.log(
    `speed-up ${(s.ms / p.ms).toFixed(2)}x; cpu time of the pooled run ${(p.cpu / s.cpu).toFixed(2)}x the single-threaded one`,
  );
  console.log(`first pass of a fresh pool (worker start and JIT warm-up included): ${fmt(coldMs)} ms`);
}

console.log(
  `node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}, ${WORKERS} workers, batches of ${BATCH}, best of ${REPEAT}`,
);
await run("MATH-like (generated)", mathLike(N, 2));
const real = realMath();
if (real) await run(`MATH train (${real.root})`, real.records);
else console.log("\nreal MATH train not found (set REALDATA to the realdata folder); skipped");

#!/usr/bin/env node
// Benchmark: @mathtune/synth generating N records (100,000 by default) with the default options:
// all six categories, three levels, English and Chinese, unique problem texts, and every record
// rechecked by the independent verifier. Prints records/s (wall and CPU), the same without the
// verifier, and the share of distinct problem skeletons.
//
//   node bench/synth.mjs                    # 100,000 records, target: under 10 s
//   node bench/synth.mjs --records 20000    # another size
//   node bench/synth.mjs --seed 7
//
// Needs `pnpm turbo run build --filter @mathtune/synth` first.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "packages/synth/dist/index.js");
if (!existsSync(dist)) {
  console.error("packages/synth/dist is missing: run `pnpm turbo run build --filter @mathtune/synth` first");
  process.exit(1);
}
const { generateIter, skeleton } = await import(dist);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = opt("--records", 100_000);
const seed = opt("--seed", 1);

function run(verify) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const skeletons = new Set();
  let n = 0;
  let chars = 0;
  for (const r of generateIter({ count: N, seed, verify })) {
    n++;
    chars += r.problem.length + r.solution.length;
    if (verify) skeletons.add(skeleton(r.problem));
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { n, wall, cpu: (cpu.user + cpu.system) / 1e6, chars, skeletons: skeletons.size };
}

const fmt = (x) => Math.round(x).toLocaleString("en-US");
const a = run(true);
console.log(
  `synth: ${fmt(a.n)} records (seed ${seed}, verified) in ${a.wall.toFixed(2)} s wall, ${a.cpu.toFixed(2)} s CPU: ${fmt(a.n / a.wall)} records/s (${fmt(a.n / a.cpu)}/s per CPU second)`,
);
console.log(
  `  ${(a.chars / a.n).toFixed(0)} characters per record (problem + solution); distinct skeletons ${fmt(a.skeletons)} = ${((100 * a.skeletons) / a.n).toFixed(1)}%`,
);
const b = run(false);
console.log(`  without the verifier: ${b.wall.toFixed(2)} s wall, ${fmt(b.n / b.wall)} records/s`);
console.log(
  `  target 100,000 records in under 10 s: ${((a.wall * 100_000) / a.n).toFixed(2)} s at this rate -> ${(a.wall * 100_000) / a.n < 10 ? "met" : "NOT met"}`,
);
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

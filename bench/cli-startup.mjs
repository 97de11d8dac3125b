// Startup cost of the CLI: `mathtune --help` and a bare `import("@mathtune/core")`, wall and CPU
// time per run (median of N runs, each a fresh Node). Usage: node bench/cli-startup.mjs [runs=9]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const runs = Number(process.argv[2] ?? 9);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(args, cwd) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("bash", ["-c", `TIMEFORMAT='%U %S'; time node ${args}`], { cwd, encoding: "utf8" });
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const [u, s] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
    cpu.push((u + s) * 1000);
  }
  return `wall ${median(wall).toFixed(0)} ms, cpu ${median(cpu).toFixed(0)} ms (median of ${runs})`;
}

console.log(`mathtune --help:           ${time("apps/cli/dist/cli.js --help > /dev/null", root)}`);
console.log(
  `import("@mathtune/core"):  ${time(`--input-type=module -e 'await import("@mathtune/core")'`, `${root}packages/dataset`)}`,
);
console.log(
  `import("@mathtune/dataset"): ${time(`--input-type=module -e 'await import("@mathtune/dataset")'`, `${root}apps/cli`)}`,
);

#!/usr/bin/env node
/**
 * Grading speed of @mathtune/answer on a mixed set of answer pairs (numbers, fractions, units,
 * LaTeX structures, symbolic expressions, relations, DeepMind answers; equal and different).
 * Build first: pnpm turbo run build --filter @mathtune/answer
 * Symbolic templates draw from wide ranges so that the parse cache (2,000 entries) rarely hits.
 * Usage: node bench/answer.mjs [seconds=5] [timeLimitMs=200]
 */
import { compare } from "../packages/answer/dist/index.js";

const seconds = Number(process.argv[2] ?? 5);
const timeLimitMs = Number(process.argv[3] ?? 200);

let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

/** Each template makes a fresh pair (new numbers every time, so no cache hides the work). */
const TEMPLATES = [
  [
    "integer, thousands",
    () => {
      const n = int(1000, 9_999_999);
      return [n.toLocaleString("en-US"), String(rnd() < 0.8 ? n : n + 1)];
    },
  ],
  [
    "integer",
    () => {
      const n = int(-500, 500);
      return [String(n), String(rnd() < 0.8 ? n : n - 1)];
    },
  ],
  [
    "currency",
    () => {
      const n = int(1, 9999);
      return [`\\$${n}`, `${n} dollars`];
    },
  ],
  [
    "decimal vs fraction",
    () => {
      const q = int(2, 16),
        p = int(1, q - 1);
      return [(p / q).toFixed(4), `\\frac{${p}}{${q}}`];
    },
  ],
  [
    "fraction",
    () => {
      const q = int(2, 30),
        p = int(-30, 30);
      return [`${p}/${q}`, `\\dfrac{${p * 2}}{${q * 2}}`];
    },
  ],
  [
    "percent",
    () => {
      const n = int(1, 99);
      return [`${n}\\%`, `${n}`];
    },
  ],
  [
    "units",
    () => {
      const n = int(1, 999) + 0.25;
      return [`${n}\\text{ cm}^2`, `${n}`];
    },
  ],
  [
    "surd",
    () => {
      const a = int(2, 999),
        b = int(2, 7);
      return [`${a}\\sqrt{${b}}`, `\\sqrt{${a * a * b}}`];
    },
  ],
  [
    "polynomial",
    () => {
      const k = int(1, 9999);
      return [`x^2-${k * k}`, `(x-${k})(x+${k + (rnd() < 0.7 ? 0 : 1)})`];
    },
  ],
  [
    "interval",
    () => {
      const a = int(-9, 0),
        b = int(1, 9);
      return [`(${a}, ${b}]`, rnd() < 0.5 ? `(${a},${b}]` : `[${a},${b}]`];
    },
  ],
  [
    "set",
    () => {
      const a = int(-9, 0),
        b = int(1, 9);
      return [`\\{${a}, ${b}\\}`, `\\{${b}, ${a}\\}`];
    },
  ],
  [
    "tuple",
    () => {
      const a = int(-9, 9),
        b = int(-9, 9);
      return [`\\left(${a}, \\frac{${b}}{2}\\right)`, `(${a}, ${b / 2})`];
    },
  ],
  [
    "deepmind expression",
    () => {
      const a = int(2, 99999),
        b = int(2, 5);
      return [`${a}*x**${b} - ${a}`, `${a}x^{${b}}-${a}`];
    },
  ],
  [
    "deepmind power",
    () => {
      const p = int(100, 40000),
        q = int(100, 4000);
      return [`r**(${p}/${q})`, `r^{${p}/${q}}`];
    },
  ],
  [
    "equation",
    () => {
      const a = int(2, 9999),
        b = int(1, 9999);
      return [`y = ${a}x + ${b}`, `${a}x - y + ${b} = 0`];
    },
  ],
  [
    "inequality",
    () => {
      const a = int(-9, 9);
      return [`x \\ge ${a}`, `[${a}, \\infty)`];
    },
  ],
  ["boolean", () => [rnd() < 0.5 ? "True" : "False", "True"]],
  [
    "time",
    () => {
      const h = int(1, 11),
        m = int(10, 59);
      return [`${h}:${m} PM`, `${h + 12}:${m}`];
    },
  ],
  [
    "matrix",
    () => {
      const a = int(0, 9),
        b = int(0, 9);
      return [`\\begin{pmatrix} ${a} \\\\ ${b} \\end{pmatrix}`, `\\begin{pmatrix}${a}\\\\${b}\\end{pmatrix}`];
    },
  ],
  [
    "trig identity",
    () => {
      const k = int(2, 99999);
      return [`\\sin^2(${k}x) + \\cos^2(${k}x)`, "1"];
    },
  ],
];

const pick = () => TEMPLATES[int(0, TEMPLATES.length - 1)];

// warm up (engine start, JIT)
for (let i = 0; i < 300; i++) compare(...pick()[1](), { timeLimitMs });

const times = [];
const perKind = new Map();
let equal = 0,
  timedOut = 0;
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  const [name, make] = pick();
  const [a, b] = make();
  const s = performance.now();
  const r = compare(a, b, { timeLimitMs });
  const ms = performance.now() - s;
  times.push(ms);
  const k = perKind.get(name) ?? { n: 0, ms: 0 };
  k.n++;
  k.ms += ms;
  perKind.set(name, k);
  if (r.equal) equal++;
  if (r.timedOut) timedOut++;
}
const wall = (performance.now() - t0) / 1000;
times.sort((x, y) => x - y);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(
  `@mathtune/answer compare(): ${times.length} comparisons in ${wall.toFixed(2)} s on a mixed set of ${TEMPLATES.length} kinds`,
);
console.log(`  comparisons/s: ${(times.length / wall).toFixed(0)}`);
console.log(
  `  one comparison: p50 ${q(0.5).toFixed(3)} ms, p90 ${q(0.9).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms, max ${times[times.length - 1].toFixed(1)} ms (time limit ${timeLimitMs} ms)`,
);
console.log(`  equal: ${equal}, timed out: ${timedOut}`);
console.log("  mean ms by kind:");
for (const [name, k] of [...perKind].sort((a, b) => b[1].ms / b[1].n - a[1].ms / a[1].n))
  console.log(`    ${(k.ms / k.n).toFixed(3).padStart(8)}  ${name} (${k.n})`);

#!/usr/bin/env node
/**
 * What the checked JSON parse costs (repeated keys, nesting depth: core's parseJsonChecked) over a
 * bare JSON.parse, on GSM8K- and MATH-shaped lines. Build first: pnpm --filter @mathtune/core build
 * Usage: node bench/json-check.mjs [lines=200000]
 */
import { parseJsonChecked } from "../packages/core/dist/index.js";

const n = Number(process.argv[2] ?? 200000);
const shapes = {
  gsm8k: JSON.stringify({
    question:
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips to friends in May. How many clips did Natalia sell altogether in April and May?",
    answer:
      "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
  }),
  math: JSON.stringify({
    problem:
      "Let \\[f(x) = \\left\\{\n\\begin{array}{cl} ax+3, &\\text{ if }x>2, \\\\\nx-5 &\\text{ if } -2 \\le x \\le 2, \\\\\n2x-b &\\text{ if } x <-2.\n\\end{array}\n\\right.\\]Find $a+b$.",
    level: "Level 5",
    type: "Algebra",
    solution:
      'For the piecewise function to be continuous, the cases must "meet" at $2$ and $-2$. So $a+b=\\boxed{0}$.',
    meta: { tags: ["piecewise", "continuity"], nested: { a: 1, b: [1, 2, { c: 3 }] } },
  }),
};
for (const [name, line] of Object.entries(shapes)) {
  let t = performance.now();
  for (let i = 0; i < n; i++) JSON.parse(line);
  const bare = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) parseJsonChecked(line);
  const checked = performance.now() - t;
  console.log(
    `${name} (${line.length} chars): JSON.parse ${((bare / n) * 1e3).toFixed(2)} us/line, parseJsonChecked ${((checked / n) * 1e3).toFixed(2)} us/line (+${(((checked - bare) / bare) * 100).toFixed(0)}%)`,
  );
}

#!/usr/bin/env node
// Makes a held-out evaluation file from part of ../shared/realdata (every 100th GSM8K question and
// every 100th MATH problem, in MATH's subject order), for the decontamination check of
// datasets/realdata/recipe.yaml. Writes datasets/out/realdata-heldout.jsonl.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const real = join(here, "../../../shared/realdata");
const rows = [];
readFileSync(join(real, "gsm8k/train.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .forEach((l, i) => i % 100 === 0 && rows.push({ id: `gsm8k-${i}`, problem: JSON.parse(l).question }));
let k = 0;
for (const subject of readdirSync(join(real, "MATH/train")).sort()) {
  for (const f of readdirSync(join(real, "MATH/train", subject)).sort()) {
    if (k++ % 100 === 0)
      rows.push({
        id: `math-${subject}-${f}`,
        problem: JSON.parse(readFileSync(join(real, "MATH/train", subject, f), "utf8")).problem,
      });
  }
}
mkdirSync(join(here, "../out"), { recursive: true });
writeFileSync(join(here, "../out/realdata-heldout.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
console.log(`wrote ${rows.length} held-out problems to datasets/out/realdata-heldout.jsonl`);

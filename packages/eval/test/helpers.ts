import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDataset } from "@mathtune/dataset";

const made: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs()` (each test file calls it in afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `mathtune-eval-${prefix}-`));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export const SYSTEM = "You are a careful math tutor.";
export const INSTRUCTION = "Work it out, then give the final answer as 'Answer: X'.";

/**
 * A real build (synthetic problems, a custom system prompt and instruction wording in the format
 * options), so the tests read the manifest exactly as `mathtune build` writes it.
 */
export async function smallBuild(count = 150): Promise<string> {
  const dir = await tempDir("build");
  const recipe = join(dir, "recipe.json");
  await writeFile(
    recipe,
    JSON.stringify({
      name: "eval-fixture",
      seed: 7,
      sources: [{ adapter: "synthetic", options: { count, seed: 7, langs: ["en"] } }],
      split: { train: 0.6, validation: 0.1, test: 0.3, by: ["source", "category"] },
      output: {
        formats: ["record", "messages"],
        files: ["jsonl"],
        formatOptions: { system: SYSTEM, instructions: { en: INSTRUCTION } },
      },
    }),
  );
  const out = join(dir, "out");
  await buildDataset({ recipe, out, readInWorker: false });
  return out;
}

/**
 * A real build of one-digit sums and differences ("What is 7 + 5?"), the questions the trained tiny
 * model was taught to answer with an `Answer: N` line and end its turn: so a run sees real
 * "correct" and "wrong" verdicts and stop finishes. A short instruction line, the tutor system prompt.
 */
export async function arithmeticBuild(): Promise<string> {
  const dir = await tempDir("arith");
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) {
    const a = (i * 7 + 3) % 10;
    const b = (i * 3) % 10;
    const [x, y] = a >= b ? [a, b] : [b, a];
    const minus = i % 2 === 1;
    const r = minus ? x - y : x + y;
    const q = minus ? `${x} - ${y}` : `${x} + ${y}`;
    lines.push(
      JSON.stringify({
        id: `q${i}`,
        problem: `What is ${q}?`,
        solution: `${q} = ${r}.`,
        answer: String(r),
        category: minus ? "difference" : "sum",
      }),
    );
  }
  await writeFile(join(dir, "arith.jsonl"), `${lines.join("\n")}\n`);
  const recipe = join(dir, "recipe.json");
  await writeFile(
    recipe,
    JSON.stringify({
      name: "eval-arith",
      seed: 7,
      sources: [{ adapter: "jsonl", options: { path: "arith.jsonl", name: "arith", defaults: { lang: "en" } } }],
      split: { train: 0, validation: 0, test: 1 },
      output: {
        formats: ["record", "messages"],
        files: ["jsonl"],
        formatOptions: { system: SYSTEM, instructions: { en: "Answer with the result." } },
      },
    }),
  );
  const out = join(dir, "out");
  await buildDataset({ recipe, out, readInWorker: false });
  return out;
}

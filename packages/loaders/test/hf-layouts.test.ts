/** GSM8K and MATH in the Hugging Face layouts: Parquet (snappy) and JSON lines. */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect } from "@mathtune/core/testing";
import { gsm8k } from "@mathtune/loaders/gsm8k";
import { math } from "@mathtune/loaders/math";
import { parquetWriteBuffer } from "hyparquet-writer";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

let dir = "";
const gsmRows: { question: string; answer: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mt-hf-"));
  for (const l of (await readFile(fixture("gsm8k/train.jsonl"), "utf8")).trim().split("\n"))
    gsmRows.push(JSON.parse(l) as { question: string; answer: string });
  const pq = (cols: Record<string, string[]>) =>
    Buffer.from(
      parquetWriteBuffer({
        columnData: Object.entries(cols).map(([name, data]) => ({ name, data, type: "STRING" as const })),
        codec: "SNAPPY",
        rowGroupSize: 2,
      }),
    );
  // openai/gsm8k: main/train-00000-of-00001.parquet, socratic/test-00000-of-00001.parquet
  await mkdir(join(dir, "gsm8k/main"), { recursive: true });
  await mkdir(join(dir, "gsm8k/socratic"), { recursive: true });
  await writeFile(
    join(dir, "gsm8k/main/train-00000-of-00001.parquet"),
    pq({ question: gsmRows.map((r) => r.question), answer: gsmRows.map((r) => r.answer) }),
  );
  await writeFile(
    join(dir, "gsm8k/socratic/test-00000-of-00001.parquet"),
    pq({ question: ["What is 3 + 4?"], answer: ["What is the sum? ** 3 + 4 = <<3+4=7>>7\n#### 7"] }),
  );
  // MATH as Parquet and JSON lines with problem, level, type, solution
  const mathObjs = [
    { problem: "What is $1+2$?", level: "Level 1", type: "Prealgebra", solution: "It is $\\boxed{3}$." },
    {
      problem: "Compute $\\binom{4}{2}$.",
      level: "Level 2",
      type: "Counting & Probability",
      solution: "$\\binom42 = \\boxed{6}$.",
    },
    { problem: "A box?", level: "Level ?", type: "Geometry", solution: "No boxed answer here." },
  ];
  await writeFile(
    join(dir, "math-test.parquet"),
    pq({
      problem: mathObjs.map((o) => o.problem),
      level: mathObjs.map((o) => o.level),
      type: mathObjs.map((o) => o.type),
      solution: mathObjs.map((o) => o.solution),
    }),
  );
  await writeFile(
    join(dir, "math-train.jsonl"),
    `${mathObjs.map((o) => JSON.stringify(o)).join("\n")}\n{"problem": 1}\n`,
  );
});

describe("Hugging Face layouts", () => {
  it("gsm8k: the Parquet folder layout gives the same records as the JSON lines", async () => {
    const pq = await collect(gsm8k, { path: join(dir, "gsm8k") });
    const jl = await collect(gsm8k, { path: fixture("gsm8k/train.jsonl") });
    expect(pq.rejections).toEqual([]);
    const main = pq.records.filter((r) => r.meta?.variant === "main");
    expect(main.map(({ id, problem, solution, answer }) => ({ id, problem, solution, answer }))).toEqual(
      jl.records.map(({ id, problem, solution, answer }) => ({ id, problem, solution, answer })),
    );
    const soc = pq.records.find((r) => r.meta?.variant === "socratic")!;
    expect(soc).toMatchObject({ split: "test", answer: "7" });
  });

  it("math: Parquet and JSON lines, subject from `type`, level, and a bad line quarantined", async () => {
    const a = await collect(math, { path: join(dir, "math-test.parquet") });
    expect(a.records.map((r) => [r.split, r.category, r.difficulty, r.answer, r.answerKind])).toEqual([
      ["test", "prealgebra", 1, "3", "integer"],
      ["test", "counting_and_probability", 2, "6", "integer"],
      ["test", "geometry", undefined, undefined, "none"],
    ]);
    const b = await collect(math, { path: join(dir, "math-train.jsonl") });
    expect(b.records.map((r) => r.id.split("/").slice(0, 3).join("/"))).toEqual([
      "math/train/prealgebra",
      "math/train/counting_and_probability",
      "math/train/geometry",
    ]);
    expect(b.records[0]!.id).toMatch(/^math\/train\/prealgebra\/[0-9a-f]{16}$/);
    expect(b.rejections.map((r) => [r.code, r.location?.line])).toEqual([["E_FIELD_MISSING", 4]]);
  });
});

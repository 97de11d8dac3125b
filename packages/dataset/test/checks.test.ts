import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset } from "@mathtune/dataset";
import { MathtuneError } from "@mathtune/core";
import { parquetReadObjects } from "hyparquet";
import { tableFromIPC } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";

const fx = (p: string) => fileURLToPath(new URL(`../../../test-fixtures/${p}`, import.meta.url));
let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "mt-checks-"));
});

const lines = async (f: string) =>
  (await readFile(f, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("recipe checks wired into the build", () => {
  it("latex: quarantines records whose LaTeX is wrong, flags others, and lists findings per source and code in the card", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-latex-"));
    const rows = [
      { problem: "What is $\\frac{1}{2} + \\frac{1}{2}$?", solution: "It is $1$.", answer: "1" },
      { problem: "Compute $\\frac{1}{2$.", solution: "Braces are off.", answer: "1" },
      { problem: "Tom has $5. He spends 2 dollars. How much is left?", solution: "5 - 2 = 3", answer: "3" },
    ];
    await writeFile(join(dir, "t.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
    const out = join(tmp, "latex");
    const r = await buildDataset({
      recipe: {
        name: "latex",
        sources: [
          { adapter: "jsonl", options: { path: join(dir, "t.jsonl") } },
          { adapter: "gsm8k", options: { path: fx("gsm8k/train.jsonl") } },
        ],
        checks: {
          latex: { policy: { default: "reject" }, dollars: { bySource: { jsonl: true, gsm8k: false } }, workers: 0 },
        },
      },
      out,
    });
    // The money dollar of row 3 opens math for this jsonl source (dollars on) and is never closed: quarantined too.
    const q = await lines(join(out, "quarantine.jsonl"));
    expect(q.map((e) => e.stage)).toEqual(["latex", "latex"]);
    expect(q.every((e) => String(e.code).startsWith("E_LATEX_"))).toBe(true);
    expect(r.counts.sources.gsm8k!.quarantined).toBe(0);
    const card = await readFile(join(out, "README.md"), "utf8");
    expect(card).toContain("### LaTeX findings");
    expect(card).toMatch(/\| jsonl \|/);
  });

  it("rejects bad check options as /checks/...: problems before reading", async () => {
    const e = await buildDataset({
      recipe: {
        name: "x",
        sources: [{ adapter: "gsm8k", options: { path: fx("gsm8k") } }],
        checks: { latex: { policy: { default: "maybe" } } },
      },
      out: join(tmp, "x"),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MathtuneError);
    expect((e as MathtuneError).code).toBe("E_CONFIG_INVALID");
    expect((e as Error).message).toMatch(/^  \/checks\/latex\/policy\/default: must be one of /m);
  });

  it("dedup and decontamination: duplicates and evaluation overlaps are quarantined, with a contamination report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-dedup-"));
    const long =
      "A farmer plants 12 rows of corn with 15 plants in each row and later adds 30 more plants along the fence. How many plants are there now?";
    const train = [
      { question: long, answer: "12*15 = 180, 180+30 = 210\n#### 210" },
      { question: "What is 17 + 25 when you add them together?", answer: "17+25=42\n#### 42" },
      { question: "  what is 17 + 25 when you add   them together?", answer: "42\n#### 42" },
      { question: "What is 18 + 25 when you add them together?", answer: "18+25=43\n#### 43" },
    ];
    await writeFile(join(dir, "train.jsonl"), train.map((r) => JSON.stringify(r)).join("\n"));
    await writeFile(join(dir, "test.jsonl"), JSON.stringify({ question: long, answer: "#### 210" }));
    const out = join(tmp, "dd");
    const r = await buildDataset({
      recipe: {
        name: "dd",
        sources: [{ adapter: "gsm8k", options: { path: join(dir, "train.jsonl") } }],
        checks: {
          dedup: true,
          decontaminate: {
            sets: [{ name: "gsm8k-test", adapter: "gsm8k", options: { path: join(dir, "test.jsonl") } }],
          },
        },
      },
      out,
    });
    expect(r.counts.quarantineByCode).toEqual({ E_CONTAMINATED: 1, E_DUPLICATE: 1 });
    expect(r.counts.written).toBe(2);
    const report = JSON.parse(await readFile(join(out, "contamination.json"), "utf8")) as { contaminated: number };
    expect(report.contaminated).toBe(1);
    expect(r.outputs.map((o) => o.file)).toContain("contamination.json");
  });

  it("formats and files: messages and alpaca as JSON lines, Parquet and Arrow, each keeping ids; byte-identical reruns", async () => {
    const recipe = {
      name: "fmt",
      sources: [
        { adapter: "gsm8k", options: { path: fx("gsm8k/train.jsonl") } },
        { adapter: "math", options: { path: fx("MATH") } },
      ],
      output: {
        formats: ["record", "messages", "alpaca"],
        files: ["jsonl", "parquet", "arrow"] as ("jsonl" | "parquet" | "arrow")[],
      },
      split: { train: 0.5, validation: 0.25, test: 0.25 },
    };
    const a = join(tmp, "f1");
    const b = join(tmp, "f2");
    await buildDataset({ recipe, out: a });
    await buildDataset({ recipe, out: b });
    const files = (await readdir(a)).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        "train.jsonl",
        "train.parquet",
        "train.arrow",
        "train.messages.jsonl",
        "train.messages.parquet",
        "train.alpaca.arrow",
        "test.alpaca.jsonl",
      ]),
    );
    for (const f of files) expect(await readFile(join(b, f)), f).toEqual(await readFile(join(a, f)));
    const recs = await lines(join(a, "train.jsonl"));
    const msgs = await lines(join(a, "train.messages.jsonl"));
    expect(msgs.map((m) => m.id)).toEqual(recs.map((r) => r.id));
    expect((msgs[0]!.messages as { role: string }[]).map((m) => m.role)).toContain("assistant");
    const pq = (await parquetReadObjects({
      file: (await readFile(join(a, "train.parquet"))).buffer as ArrayBuffer,
    })) as Record<string, unknown>[];
    expect(pq.map((r) => r.id)).toEqual(recs.map((r) => r.id));
    expect(pq[0]!.problem).toBe(recs[0]!.problem);
    const arrow = tableFromIPC(await readFile(join(a, "train.alpaca.arrow")));
    expect(arrow.numRows).toBe(recs.length);
    expect(arrow.getChild("id")!.toArray()).toEqual(recs.map((r) => r.id));
    const manifest = JSON.parse(await readFile(join(a, "manifest.json"), "utf8")) as { outputs: { file: string }[] };
    expect(manifest.outputs.map((o) => o.file)).toContain("validation.messages.parquet");
  });
});

describe("answer checks with the one grader", () => {
  it("flags (or rejects) a solution whose own final answer disagrees with the label", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-agree-"));
    const rows = [
      { question: "What is 6 * 7?", answer: "6 * 7 = <<6*7=42>>42\n#### 42" },
      {
        question: "How many minutes are in 2 hours?",
        answer: "2 hours is 2 * 60 = 120 minutes.\nHalf of that is 60 minutes.\n#### 120",
      },
      // the label is the final statement's calculation, not its last number (40)
      {
        question: "How many points do they make?",
        answer: "They make 4+5=<<4+5=9>>9 points in the 40 minutes\n#### 9",
      },
    ];
    await writeFile(join(dir, "train.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
    const src = [{ adapter: "gsm8k", options: { path: join(dir, "train.jsonl") } }];
    const flagged = await buildDataset({
      recipe: { name: "a", sources: src, split: { train: 1, validation: 0, test: 0 } },
      out: join(tmp, "agree-flag"),
    });
    expect(flagged.counts.written).toBe(3);
    const recs = await lines(join(tmp, "agree-flag/train.jsonl"));
    const bad = recs.find((r) => String(r.problem).startsWith("How many"))!;
    expect((bad.meta as { answerCheck: unknown }).answerCheck).toEqual({
      E_ANSWER_DISAGREES: { extracted: "60", rule: "last-number" },
    });
    expect(
      (recs.find((r) => String(r.problem).startsWith("What"))!.meta as Record<string, unknown>).answerCheck,
    ).toBeUndefined();
    expect(
      (recs.find((r) => String(r.problem).startsWith("How many points"))!.meta as Record<string, unknown>).answerCheck,
    ).toBeUndefined();
    const summary = (flagged.manifest.stages as Record<string, { bySource: Record<string, Record<string, number>> }>)
      .answer!;
    expect(summary.bySource.gsm8k).toEqual({ checked: 3, E_ANSWER_DISAGREES: 1 });
    const rejected = await buildDataset({
      recipe: {
        name: "a",
        sources: src,
        checks: { answer: { agree: "reject" } },
        split: { train: 1, validation: 0, test: 0 },
      },
      out: join(tmp, "agree-reject"),
    });
    expect(rejected.counts.quarantineByCode).toEqual({ E_ANSWER_DISAGREES: 1 });
  });
});

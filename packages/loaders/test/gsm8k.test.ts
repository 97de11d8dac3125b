import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect, testAdapter } from "@mathtune/core/testing";
import { gsm8k } from "@mathtune/loaders/gsm8k";
import { describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

testAdapter(gsm8k, {
  valid: [
    { name: "train.jsonl", options: { path: fixture("gsm8k/train.jsonl") }, records: 5 },
    { name: "folder with train and test", options: { path: fixture("gsm8k") }, records: 7 },
    { name: "CRLF and BOM", options: { path: fixture("gsm8k-bad/train-crlf-bom.jsonl") }, records: 2 },
  ],
  invalid: [
    {
      name: "malformed line",
      options: { path: fixture("gsm8k-bad/bad.jsonl") },
      code: "E_PARSE",
      location: "bad.jsonl:2",
    },
    {
      name: "wrong field type",
      options: { path: fixture("gsm8k-bad/bad.jsonl") },
      code: "E_FIELD_MISSING",
      location: "bad.jsonl:3",
    },
    {
      name: "no #### line",
      options: { path: fixture("gsm8k-bad/bad.jsonl") },
      code: "E_NO_ANSWER",
      location: "bad.jsonl:4",
    },
    {
      name: "invalid UTF-8",
      options: { path: fixture("gsm8k-bad/bad.jsonl") },
      code: "E_ENCODING",
      location: "bad.jsonl:5",
    },
    {
      name: "truncated last line",
      options: { path: fixture("gsm8k-bad/bad.jsonl") },
      code: "E_INPUT_TRUNCATED",
      location: "bad.jsonl:6",
    },
    {
      name: "empty file",
      options: { path: fixture("gsm8k-bad/empty.jsonl") },
      code: "E_INPUT_EMPTY",
      location: "empty.jsonl",
    },
    {
      name: "missing path",
      options: { path: fixture("gsm8k/nope.jsonl") },
      code: "E_INPUT_NOT_FOUND",
      location: "nope.jsonl",
    },
  ],
});

describe("gsm8k", () => {
  it("extracts the #### answer without commas, keeping the sign", async () => {
    const { records } = await collect(gsm8k, { path: fixture("gsm8k/train.jsonl") });
    expect(records.map((r) => r.answer)).toEqual(["27", "13", "2125", "-7", "130"]);
    expect(
      records.every((r) => r.answerKind === "integer" && r.category === "word_problem" && r.split === "train"),
    ).toBe(true);
  });

  it("keeps calculator annotations in meta, and strips them from the solution on request", async () => {
    const kept = await collect(gsm8k, { path: fixture("gsm8k/train.jsonl") });
    expect(kept.records[0]!.solution).toContain("<<3*12=36>>");
    expect(kept.records[0]!.solution).not.toContain("####");
    expect(kept.records[0]!.meta?.calculator).toEqual(["3*12=36", "36-9=27"]);
    const stripped = await collect(gsm8k, { path: fixture("gsm8k/train.jsonl"), stripCalculator: true });
    expect(stripped.records[0]!.solution).toBe(
      "Maya buys 3*12 = 36 pencils.\nAfter giving some away she has 36-9 = 27 pencils.",
    );
    expect(stripped.records[0]!.meta?.calculator).toEqual(["3*12=36", "36-9=27"]);
  });

  it("tells the socratic variant and the split from the file name", async () => {
    const { records } = await collect(gsm8k, { path: fixture("gsm8k") });
    const byFile = records.map((r) => [r.split, r.meta?.variant]);
    expect(byFile).toContainEqual(["test", "main"]);
    expect(byFile).toContainEqual(["train", "socratic"]);
  });

  it("quarantines exactly the bad lines of a file and keeps the good one", async () => {
    const { records, rejections } = await collect(gsm8k, { path: fixture("gsm8k-bad/bad.jsonl") });
    expect(records).toHaveLength(1);
    expect(rejections.map((r) => [r.code, r.location?.line])).toEqual([
      ["E_PARSE", 2],
      ["E_FIELD_MISSING", 3],
      ["E_NO_ANSWER", 4],
      ["E_ENCODING", 5],
      ["E_INPUT_TRUNCATED", 6],
    ]);
  });

  it("gives stable content ids, and the same question twice two ids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-gsm8k-"));
    const line = JSON.stringify({ question: "What is 2+2?", answer: "2+2=4\n#### 4" });
    await writeFile(join(dir, "train.jsonl"), `${line}\n${line}\n`);
    const { records } = await collect(gsm8k, { path: join(dir, "train.jsonl") });
    expect(records).toHaveLength(2);
    expect(records[1]!.id).toBe(`${records[0]!.id}~2`);
    expect(records[0]!.id).toMatch(/^gsm8k\/train\/[0-9a-f]{16}$/);
  });

  it("rejects a directory where a file is expected with a clear error", async () => {
    const err = await collect(gsm8k, { path: fixture("MATH") }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("E_INPUT_EMPTY");
  });
});

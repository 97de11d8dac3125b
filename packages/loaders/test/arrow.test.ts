import { join } from "node:path";
import { locationOf } from "@mathtune/core";
import { collect, testAdapter } from "@mathtune/core/testing";
import { arrow } from "@mathtune/loaders/arrow";
import { describe, expect, it } from "vitest";
import { readArrowRows } from "../src/internal/arrow-rows.js";

const FIXTURES = join(import.meta.dirname, "../../../test-fixtures/generic");
const ctx = { baseDir: FIXTURES };
const MAP = {
  fields: { problem: "question", solution: "work", answer: "final", id: "qid", category: "topic", difficulty: "level" },
};

testAdapter(arrow, {
  ctx,
  valid: [
    { name: "IPC file format, two batches", options: { path: "good.arrow", ...MAP }, records: 5 },
    { name: "IPC stream format, dictionary strings", options: { path: "good.arrows", ...MAP }, records: 5 },
    {
      name: "bad rows are rejections",
      options: { path: "bad-types.arrow", fields: { problem: "question", answer: "final", difficulty: "level" } },
      records: 1,
      rejections: 2,
    },
  ],
  invalid: [
    {
      name: "null problem",
      options: { path: "bad-types.arrow", fields: { problem: "question", answer: "final", difficulty: "level" } },
      code: "E_FIELD_MISSING",
      location: "bad-types.arrow#row 1",
    },
    {
      name: "integer problem column",
      options: { path: "bad-int-question.arrows", fields: { problem: "question" } },
      code: "E_RECORD_INVALID",
      location: "bad-int-question.arrows#row 0",
    },
    { name: "no problem column", options: { path: "good.arrow" }, code: "E_FIELD_MISSING", location: "good.arrow" },
    { name: "not Arrow", options: { path: "bad-corrupt.arrow" }, code: "E_PARSE", location: "bad-corrupt.arrow" },
    {
      name: "cut in half",
      options: { path: "bad-truncated.arrow", ...MAP },
      code: "E_PARSE",
      location: "bad-truncated.arrow",
    },
    {
      name: "no rows",
      options: { path: "empty-rows.arrow", fields: { problem: "question" } },
      code: "E_INPUT_EMPTY",
      location: "empty-rows.arrow",
    },
    { name: "empty file", options: { path: "empty.json" }, code: "E_INPUT_EMPTY", location: "empty.json" },
    { name: "missing path", options: { path: "nope.arrow" }, code: "E_INPUT_NOT_FOUND", location: "nope.arrow" },
    { name: "a directory", options: { path: "a-directory" }, code: "E_INPUT_NOT_FILE", location: "a-directory" },
  ],
});

describe("arrow adapter", () => {
  it("reads both IPC formats to the same records, counting rows over batches", async () => {
    const file = await collect(arrow, { path: "good.arrow", ...MAP }, ctx);
    const stream = await collect(arrow, { path: "good.arrows", ...MAP }, ctx);
    expect(stream.records.map((r) => ({ ...r }))).toEqual(file.records.map((r) => ({ ...r })));
    expect(file.records[4]).toEqual({
      id: "arrow/all/105",
      source: "arrow",
      problem: "Is 17 prime?",
      solution: "17 has no divisors between 2 and 4.",
      answer: "yes",
      category: "number theory",
      difficulty: 1,
      lang: "en",
      meta: { source_url: "https://example.org/5" },
    });
    expect(file.records.map((r) => locationOf(r)?.entry)).toEqual(["row 0", "row 1", "row 2", "row 3", "row 4"]);
  });

  it("turns 64-bit integers into numbers in meta", async () => {
    const { records } = await collect(arrow, { path: "good.arrow", fields: { problem: "question" } }, ctx);
    expect(records[0]!.meta).toEqual({
      qid: 101,
      work: "2 + 3 = 5",
      final: "5",
      topic: "arithmetic",
      level: 1,
      source_url: "https://example.org/1",
    });
  });

  it("rejects a float difficulty and a null problem, naming the row", async () => {
    const { rejections } = await collect(
      arrow,
      { path: "bad-types.arrow", fields: { problem: "question", answer: "final", difficulty: "level" } },
      ctx,
    );
    expect(rejections.map((r) => [r.code, r.location?.entry])).toEqual([
      ["E_FIELD_MISSING", "row 1"],
      ["E_RECORD_INVALID", "row 2"],
    ]);
    expect(rejections[1]!.message).toMatch(/'level' \(difficulty\) must be a string or an integer, got 3\.5/);
  });

  it("names the file for damaged input", async () => {
    await expect(collect(arrow, { path: "bad-corrupt.arrow" }, ctx)).rejects.toThrow(
      /bad-corrupt\.arrow.*: not a readable Arrow IPC file/,
    );
    await expect(collect(arrow, { path: "bad-truncated.arrow", ...MAP }, ctx)).rejects.toThrow(
      /bad-truncated\.arrow.*: not a readable Arrow IPC file/,
    );
  });

  it("readArrowRows reads only the columns asked for", async () => {
    const rows = [];
    for await (const r of readArrowRows(join(FIXTURES, "good.arrows"), { columns: ["qid", "question"] })) rows.push(r);
    expect(rows[3]).toEqual({
      index: 3,
      row: { qid: 104n, question: "A train goes 60 km in 1.5 h. What is its speed in km/h?" },
    });
  });
});

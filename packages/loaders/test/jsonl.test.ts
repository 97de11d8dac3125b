import { join } from "node:path";
import { locationOf, MathtuneError } from "@mathtune/core";
import { collect, testAdapter } from "@mathtune/core/testing";
import { jsonl } from "@mathtune/loaders/jsonl";
import { describe, expect, it } from "vitest";

const FIXTURES = join(import.meta.dirname, "../../../test-fixtures/generic");
const ctx = { baseDir: FIXTURES };
const MAP = {
  fields: { problem: "question", solution: "work", answer: "final", id: "qid", category: "topic", difficulty: "level" },
};

testAdapter(jsonl, {
  ctx,
  valid: [
    { name: "mapped columns", options: { path: "good.jsonl", ...MAP }, records: 5 },
    { name: "default column names", options: { path: "plain.jsonl" }, records: 3 },
    { name: "BOM and CRLF", options: { path: "good-bom-crlf.jsonl", ...MAP }, records: 3 },
    { name: "wrong types are rejections", options: { path: "bad-types.jsonl", ...MAP }, records: 1, rejections: 7 },
  ],
  invalid: [
    {
      name: "truncated last line",
      options: { path: "bad-truncated.jsonl", ...MAP },
      code: "E_INPUT_TRUNCATED",
      location: "bad-truncated.jsonl:3",
    },
    {
      name: "malformed line",
      options: { path: "bad-malformed.jsonl", ...MAP },
      code: "E_PARSE",
      location: "bad-malformed.jsonl:2",
    },
    {
      name: "problem is a number",
      options: { path: "bad-types.jsonl", ...MAP },
      code: "E_RECORD_INVALID",
      location: "bad-types.jsonl:2",
    },
    {
      name: "problem missing",
      options: { path: "bad-types.jsonl", ...MAP },
      code: "E_FIELD_MISSING",
      location: "bad-types.jsonl:4",
    },
    {
      name: "invalid UTF-8",
      options: { path: "bad-utf8.jsonl", ...MAP },
      code: "E_ENCODING",
      location: "bad-utf8.jsonl:2",
    },
    { name: "empty file", options: { path: "empty.jsonl" }, code: "E_INPUT_EMPTY", location: "empty.jsonl" },
    { name: "only blank lines", options: { path: "blank.jsonl" }, code: "E_INPUT_EMPTY", location: "blank.jsonl" },
    {
      name: "missing path",
      options: { path: "no-such-file.jsonl" },
      code: "E_INPUT_NOT_FOUND",
      location: "no-such-file.jsonl",
    },
    { name: "a directory", options: { path: "a-directory" }, code: "E_INPUT_NOT_FILE", location: "a-directory" },
  ],
});

describe("jsonl adapter", () => {
  it("maps the fields, keeps the other columns in meta and builds ids from the native id", async () => {
    const { records } = await collect(jsonl, { path: "good.jsonl", ...MAP }, ctx);
    expect(records[0]).toEqual({
      id: "jsonl/all/101",
      source: "jsonl",
      problem: "What is 2 + 3?",
      solution: "2 + 3 = 5",
      answer: "5",
      category: "arithmetic",
      difficulty: 1,
      lang: "en",
      meta: { source_url: "https://example.org/1" },
    });
    expect(Object.keys(records[0]!)).toEqual([
      "id",
      "source",
      "problem",
      "solution",
      "answer",
      "category",
      "difficulty",
      "lang",
      "meta",
    ]);
    expect(locationOf(records[0]!)).toEqual({ file: join(FIXTURES, "good.jsonl"), line: 1 });
    expect(locationOf(records[4]!)?.line).toBe(5);
  });

  it("puts the dataset name and the split into the id, applies defaults, drops other fields on request", async () => {
    const { records } = await collect(
      jsonl,
      {
        path: "good.jsonl",
        ...MAP,
        name: "my-set",
        defaults: { split: "train", lang: "de", category: "misc" },
        keepOtherFields: false,
      },
      ctx,
    );
    expect(records[1]).toMatchObject({ id: "jsonl/train/my-set/102", split: "train", lang: "de", category: "algebra" });
    expect(records[1]!.meta).toBeUndefined();
  });

  it("uses a content hash without a native id, numbers as answers, a split column, and null to switch a column off", async () => {
    const { records } = await collect(jsonl, { path: "plain.jsonl" }, ctx);
    expect(records[0]!.id).toMatch(/^jsonl\/all\/[0-9a-f]{16}$/);
    expect(records[1]).toMatchObject({ split: "test", answer: "5" });
    expect(records[1]!.id).toMatch(/^jsonl\/test\//);
    expect(records[2]).toMatchObject({ answer: "1/2", meta: { note: "no solution" } });
    expect(records[2]!.solution).toBeUndefined();
    const off = await collect(jsonl, { path: "plain.jsonl", fields: { answer: null } }, ctx);
    expect(off.records[0]!.answer).toBeUndefined();
    expect(off.records[0]!.meta).toEqual({ answer: "42" });
  });

  it("names each bad line with its code and message", async () => {
    const { rejections } = await collect(jsonl, { path: "bad-types.jsonl", ...MAP }, ctx);
    expect(rejections.map((r) => [r.code, r.location?.line])).toEqual([
      ["E_RECORD_INVALID", 2],
      ["E_RECORD_INVALID", 3],
      ["E_FIELD_MISSING", 4],
      ["E_RECORD_INVALID", 5],
      ["E_RECORD_INVALID", 6],
      ["E_FIELD_MISSING", 7],
      ["E_RECORD_INVALID", 8],
    ]);
    expect(rejections[0]!.message).toContain("'question' (problem) must be a string, got a number");
    expect(rejections[2]!.message).toContain("'question' (problem) is missing");
    expect(rejections[3]!.message).toContain("'final' (answer)");
    expect(rejections[4]!.message).toContain("expected an object per row, got an array");
  });

  it("throws the first bad line when no reject callback is given", async () => {
    const err = await (async () => {
      for await (const _ of jsonl.load({ path: "bad-malformed.jsonl", ...MAP }, ctx));
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MathtuneError);
    expect((err as MathtuneError).message).toMatch(/bad-malformed\.jsonl:2: malformed JSON/);
  });

  it("makes repeated ids unique and rejects a bad dataset name", async () => {
    const { records } = await collect(jsonl, { path: "good.jsonl", fields: { problem: "question", id: "topic" } }, ctx);
    expect(records.map((r) => r.id)).toEqual([
      "jsonl/all/arithmetic",
      "jsonl/all/algebra",
      "jsonl/all/fractions",
      "jsonl/all/arithmetic~2",
      "jsonl/all/number theory",
    ]);
    await expect(collect(jsonl, { path: "good.jsonl", name: "Bad Name" }, ctx)).rejects.toMatchObject({
      code: "E_OPTIONS_INVALID",
    });
    await expect(collect(jsonl, { path: "good.jsonl", fields: { question: "x" } }, ctx)).rejects.toMatchObject({
      code: "E_OPTIONS_INVALID",
    });
  });
});

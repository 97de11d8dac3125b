import { join } from "node:path";
import { locationOf } from "@mathtune/core";
import { collect, testAdapter } from "@mathtune/core/testing";
import { json } from "@mathtune/loaders/json";
import { describe, expect, it } from "vitest";

const FIXTURES = join(import.meta.dirname, "../../../test-fixtures/generic");
const ctx = { baseDir: FIXTURES };
const MAP = {
  fields: { problem: "question", solution: "work", answer: "final", id: "qid", category: "topic", difficulty: "level" },
};

testAdapter(json, {
  ctx,
  valid: [
    { name: "an array of rows", options: { path: "good.json", ...MAP }, records: 5 },
    { name: "rows under 'data'", options: { path: "good-wrapped.json", ...MAP }, records: 3 },
    { name: "rows under a named key", options: { path: "good-items.json", recordsField: "items", ...MAP }, records: 2 },
    { name: "BOM and CRLF", options: { path: "good-bom-crlf.json", ...MAP }, records: 2 },
    { name: "wrong types are rejections", options: { path: "bad-types.json", ...MAP }, records: 1, rejections: 3 },
    {
      name: "a malformed row is a rejection",
      options: { path: "bad-malformed.json", ...MAP },
      records: 2,
      rejections: 1,
    },
  ],
  invalid: [
    {
      name: "truncated file",
      options: { path: "bad-truncated.json", ...MAP },
      code: "E_INPUT_TRUNCATED",
      location: "bad-truncated.json#row 1:11",
    },
    {
      name: "truncated object",
      options: { path: "bad-truncated-wrapped.json", ...MAP },
      code: "E_INPUT_TRUNCATED",
      location: "bad-truncated-wrapped.json#row 1:5",
    },
    {
      name: "malformed row",
      options: { path: "bad-malformed.json", ...MAP },
      code: "E_PARSE",
      location: "bad-malformed.json#row 1:3",
    },
    {
      name: "missing comma",
      options: { path: "bad-structure.json", ...MAP },
      code: "E_PARSE",
      location: "bad-structure.json:3",
    },
    {
      name: "problem is a number",
      options: { path: "bad-types.json", ...MAP },
      code: "E_RECORD_INVALID",
      location: "bad-types.json#row 1",
    },
    {
      name: "problem missing",
      options: { path: "bad-types.json", ...MAP },
      code: "E_FIELD_MISSING",
      location: "bad-types.json#row 3",
    },
    { name: "not an array", options: { path: "bad-toplevel.json" }, code: "E_PARSE", location: "bad-toplevel.json" },
    { name: "no row array", options: { path: "bad-no-array.json" }, code: "E_PARSE", location: "bad-no-array.json" },
    { name: "invalid UTF-8", options: { path: "bad-utf8.json" }, code: "E_ENCODING", location: "bad-utf8.json:3" },
    { name: "empty file", options: { path: "empty.json" }, code: "E_INPUT_EMPTY", location: "empty.json" },
    { name: "empty array", options: { path: "empty-array.json" }, code: "E_INPUT_EMPTY", location: "empty-array.json" },
    { name: "missing path", options: { path: "nope.json" }, code: "E_INPUT_NOT_FOUND", location: "nope.json" },
    { name: "a directory", options: { path: "a-directory" }, code: "E_INPUT_NOT_FILE", location: "a-directory" },
  ],
});

describe("json adapter", () => {
  it("maps rows like the jsonl adapter and names them `row N`", async () => {
    const { records } = await collect(json, { path: "good.json", ...MAP, name: "demo" }, ctx);
    expect(records[2]).toEqual({
      id: "json/all/demo/103",
      source: "json",
      problem: "What is $\\frac{1}{2} + \\frac{1}{4}$?",
      solution: "$\\frac{2}{4} + \\frac{1}{4} = \\frac{3}{4}$",
      answer: "\\frac{3}{4}",
      category: "fractions",
      difficulty: 2,
      lang: "en",
      meta: { source_url: "https://example.org/3" },
    });
    expect(locationOf(records[2]!)).toEqual({ file: join(FIXTURES, "good.json"), entry: "row 2", line: 20 });
  });

  it("rejects rows that are not objects or lack the problem", async () => {
    const { rejections } = await collect(json, { path: "bad-types.json", ...MAP }, ctx);
    expect(rejections.map((r) => [r.code, r.location?.entry])).toEqual([
      ["E_RECORD_INVALID", "row 1"],
      ["E_RECORD_INVALID", "row 2"],
      ["E_FIELD_MISSING", "row 3"],
    ]);
    expect(rejections[1]!.message).toMatch(/expected an object per row, got a string/);
  });

  it("cuts out rows one by one: a malformed row is rejected at its line, the rows around it are kept", async () => {
    const { records, rejections } = await collect(json, { path: "bad-malformed.json", ...MAP }, ctx);
    expect(records.map((r) => [r.problem, locationOf(r)?.line])).toEqual([
      ["What is 1 + 1?", 2],
      ["x", 4],
    ]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({
      code: "E_PARSE",
      location: { entry: "row 1", line: 3 },
      raw: '{"question": "What is 2 + 2?", "final": }',
    });
    expect(rejections[0]!.message).toBe("malformed JSON: Unexpected token '}'");
  });

  it("keeps the rows before a cut, and reports structural errors at their line", async () => {
    const cut = await collect(json, { path: "bad-truncated-wrapped.json", ...MAP }, ctx);
    expect(cut.records.map((r) => r.problem)).toEqual(["What is 1 + 1?"]);
    expect(cut.rejections.map((r) => [r.code, r.message])).toEqual([
      ["E_INPUT_TRUNCATED", "file ends inside this row"],
    ]);
    await expect(collect(json, { path: "bad-structure.json", ...MAP }, ctx)).rejects.toThrow(
      /bad-structure\.json:3: malformed JSON: expected ',' or '\]' after row 0/,
    );
    await expect(collect(json, { path: "bad-toplevel.json" }, ctx)).rejects.toThrow(
      /expected an array of rows, got a JSON number/,
    );
    await expect(collect(json, { path: "bad-no-array.json" }, ctx)).rejects.toThrow(/'records' or 'data'/);
    await expect(collect(json, { path: "good-items.json", recordsField: "nope" }, ctx)).rejects.toThrow(
      /key 'nope' is missing/,
    );
  });
});

describe("json row scanner (property)", () => {
  it("finds the same rows as JSON.parse, at the lines where they start, whatever the layout", async () => {
    const { scanJsonRows } = await import("../src/internal/generic-json-scan.js");
    const fc = (await import("fast-check")).default;
    const row = fc.dictionary(fc.string({ unit: "binary", maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 5,
    });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 8 }),
        fc.constantFrom(0, 1, 2, "\t"),
        fc.constantFrom(undefined, "data", "records", "rows"),
        (rows, indent, key) => {
          const doc = key ? { before: [1, { "a]": "}" }], [key]: rows, after: "x" } : rows;
          const text = JSON.stringify(doc, null, indent);
          const scanned = [...scanJsonRows(text, "t.json", key === "rows" ? "rows" : undefined).rows];
          expect(scanned.map((r) => ("value" in r ? r.value : r.error))).toEqual(JSON.parse(JSON.stringify(rows)));
          if (indent !== 0) {
            // each row starts on its own line in pretty-printed JSON
            for (const [i, r] of scanned.entries()) {
              const lineText = text.split("\n")[r.line - 1]!.trim();
              expect(
                lineText === JSON.stringify(rows[i]) || lineText.startsWith(JSON.stringify(rows[i]).slice(0, 1)),
                `row ${i}`,
              ).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

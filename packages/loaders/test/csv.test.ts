import { join } from "node:path";
import { locationOf } from "@mathtune/core";
import { collect, testAdapter } from "@mathtune/core/testing";
import { csv } from "@mathtune/loaders/csv";
import { describe, expect, it } from "vitest";

const FIXTURES = join(import.meta.dirname, "../../../test-fixtures/generic");
const ctx = { baseDir: FIXTURES };
const MAP = {
  fields: { problem: "question", solution: "work", answer: "final", id: "qid", category: "topic", difficulty: "level" },
};

testAdapter(csv, {
  ctx,
  valid: [
    { name: "quoted newlines, commas and quotes", options: { path: "good.csv", ...MAP }, records: 4 },
    { name: "BOM and CRLF", options: { path: "good-bom-crlf.csv", ...MAP }, records: 3 },
    { name: "TSV", options: { path: "good.tsv", delimiter: "\t", ...MAP }, records: 3 },
    { name: "no newline at the end", options: { path: "good-no-final-newline.csv", ...MAP }, records: 2 },
  ],
  invalid: [
    {
      name: "stray quote",
      options: { path: "bad-stray-quote.csv", ...MAP },
      code: "E_PARSE",
      location: "bad-stray-quote.csv:4",
    },
    {
      name: "quote never closed",
      options: { path: "bad-unclosed-quote.csv", ...MAP },
      code: "E_PARSE",
      location: "bad-unclosed-quote.csv:3",
    },
    { name: "ragged row", options: { path: "bad-ragged.csv", ...MAP }, code: "E_PARSE", location: "bad-ragged.csv:3" },
    {
      name: "empty problem",
      options: { path: "bad-types.csv", ...MAP },
      code: "E_FIELD_MISSING",
      location: "bad-types.csv:3",
    },
    {
      name: "no problem column",
      options: { path: "bad-missing-column.csv", ...MAP },
      code: "E_FIELD_MISSING",
      location: "bad-missing-column.csv:1",
    },
    {
      name: "duplicate header",
      options: { path: "bad-duplicate-header.csv", ...MAP },
      code: "E_PARSE",
      location: "bad-duplicate-header.csv:1",
    },
    {
      name: "invalid UTF-8",
      options: { path: "bad-utf8.csv", ...MAP },
      code: "E_ENCODING",
      location: "bad-utf8.csv:3",
    },
    { name: "empty file", options: { path: "empty.csv" }, code: "E_INPUT_EMPTY", location: "empty.csv" },
    {
      name: "header only",
      options: { path: "header-only.csv", ...MAP },
      code: "E_INPUT_EMPTY",
      location: "header-only.csv",
    },
    { name: "missing path", options: { path: "nope.csv" }, code: "E_INPUT_NOT_FOUND", location: "nope.csv" },
    { name: "a directory", options: { path: "a-directory" }, code: "E_INPUT_NOT_FILE", location: "a-directory" },
  ],
});

describe("csv adapter", () => {
  it("reads quoted fields with newlines and doubled quotes, and numbers rows by their first line", async () => {
    const { records } = await collect(csv, { path: "good.csv", ...MAP }, ctx);
    expect(records.map((r) => r.id)).toEqual(["csv/all/101", "csv/all/106", "csv/all/103", "csv/all/104"]);
    expect(records[1]!.problem).toBe('A "tricky" one:\nline two, with a comma.\n\nAnd a blank line before this.');
    expect(records.map((r) => locationOf(r)?.line)).toEqual([2, 3, 7, 8]);
    expect(records[0]).toEqual({
      id: "csv/all/101",
      source: "csv",
      problem: "What is 2 + 3?",
      solution: "2 + 3 = 5",
      answer: "5",
      category: "arithmetic",
      difficulty: "1",
      lang: "en",
      meta: { source_url: "https://example.org/1" },
    });
  });

  it("gives the same records for CRLF with a BOM (CRLF inside quotes becomes LF)", async () => {
    const a = await collect(csv, { path: "good.csv", ...MAP }, ctx);
    const b = await collect(csv, { path: "good-bom-crlf.csv", ...MAP }, ctx);
    expect(b.records[1]!.problem).toBe(a.records[1]!.problem);
    expect(b.records[0]).toEqual(a.records[0]);
    expect(b.records.map((r) => locationOf(r)?.line)).toEqual([2, 3, 7]);
  });

  it("reads TSV with quoted tabs", async () => {
    const { records } = await collect(csv, { path: "good.tsv", delimiter: "\t", ...MAP }, ctx);
    expect(records.map((r) => r.problem)).toEqual(["What is 1 + 1?", "Quoted\ttab", "No quotes, commas are fine"]);
  });

  it("rejects the row with the stray quote and keeps reading", async () => {
    const { records, rejections } = await collect(csv, { path: "bad-stray-quote.csv", ...MAP }, ctx);
    expect(records.map((r) => r.id)).toEqual(["csv/all/1", "csv/all/2", "csv/all/5"]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ code: "E_PARSE", location: { line: 4 } });
    expect(rejections[0]!.message).toMatch(/malformed quotes/);
  });

  it("rejects ragged rows naming their line and the field counts", async () => {
    const { records, rejections } = await collect(csv, { path: "bad-ragged.csv", ...MAP }, ctx);
    expect(records.map((r) => r.id)).toEqual(["csv/all/1", "csv/all/4"]);
    expect(rejections.map((r) => [r.location?.line, r.message])).toEqual([
      [3, "row has 2 fields, the header has 3"],
      [4, "row has 4 fields, the header has 3"],
    ]);
  });

  it("reports a quote that never closes at the line where it opens, and reads the lines after it", async () => {
    const { records, rejections } = await collect(csv, { path: "bad-unclosed-quote.csv", ...MAP }, ctx);
    expect(records.map((r) => r.id)).toEqual(["csv/all/1", "csv/all/3"]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ code: "E_PARSE", location: { line: 3 }, raw: '2,"What is 2 + 2?,4' });
    expect(rejections[0]!.message).toMatch(/never closed/);
  });

  it("names the header's columns when the problem column is missing", async () => {
    await expect(collect(csv, { path: "bad-missing-column.csv", ...MAP }, ctx)).rejects.toThrow(
      /no column 'question' \(problem\) in the header; columns: qid, text, final/,
    );
  });

  it("finds line numbers across read blocks", async () => {
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "mathtune-csv-"));
    const n = 30000;
    const body = Array.from({ length: n }, (_, i) =>
      i % 1000 === 7 ? `${i},"multi\nline ${"x".repeat(80)}",${i}` : `${i},question ${i} ${"y".repeat(40)},${i}`,
    );
    await writeFile(join(dir, "big.csv"), `qid,question,final\n${body.join("\n")}\n`);
    const { records } = await collect(csv, { path: join(dir, "big.csv"), ...MAP });
    expect(records).toHaveLength(n);
    // row i sits on line 2 + i + (number of multi-line rows before it)
    const check = [0, 7, 8, 1007, 1008, 29999];
    for (const i of check) expect(locationOf(records[i]!)?.line, `row ${i}`).toBe(2 + i + Math.floor((i + 992) / 1000));

    // a stray quote in a 2 MiB file without other quotes: resynced without reading to the end
    const plain = Array.from({ length: n }, (_, i) =>
      i === 12345 ? `${i},"stray"x,${i}` : `${i},question ${i} ${"z".repeat(50)},${i}`,
    );
    await writeFile(join(dir, "stray.csv"), `qid,question,final\n${plain.join("\n")}\n`);
    const stray = await collect(csv, { path: join(dir, "stray.csv"), ...MAP });
    expect(stray.records).toHaveLength(n - 1);
    expect(stray.rejections.map((r) => [r.code, r.location?.line])).toEqual([["E_PARSE", 12347]]);
    expect(locationOf(stray.records[12345]!)?.line).toBe(12348);
    await rm(dir, { recursive: true, force: true });
  });
});

describe("csv round trip (property)", () => {
  it("reads back any fields written with standard quoting, LF or CRLF, with or without a BOM", async () => {
    const fc = (await import("fast-check")).default;
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "mathtune-csv-prop-"));
    const field = fc.string({
      unit: fc.constantFrom("a", "b", " ", ",", '"', "\n", "é", "∑", "😀", "\t", ";"),
      maxLength: 12,
    });
    const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(field, field, field), { minLength: 1, maxLength: 10 }),
          fc.boolean(),
          fc.boolean(),
          async (rows, crlf, bom) => {
            const nl = crlf ? "\r\n" : "\n";
            const text =
              (bom ? "\uFEFF" : "") + ["question,a,b", ...rows.map((r) => r.map(quote).join(","))].join(nl) + nl;
            const path = join(dir, `p${run++}.csv`);
            await writeFile(path, text);
            const { records, rejections } = await collect(csv, { path, fields: { problem: "question" } });
            const expected = rows.filter((r) => r[0].trim() !== "");
            expect(rejections).toHaveLength(rows.length - expected.length);
            expect(records.map((r) => [r.problem, r.meta?.a, r.meta?.b])).toEqual(expected);
            // each record's line is its first physical line
            let line = 2;
            const lines: number[] = [];
            for (const r of rows) {
              if (r[0].trim() !== "") lines.push(line);
              line += 1 + r.map(quote).join(",").split("\n").length - 1;
            }
            expect(records.map((r) => locationOf(r)?.line)).toEqual(lines);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
